//! The crate's example programs as binaries, for the tests that run them as a user would.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::root;

/// The features this test binary was compiled with. The examples are built with the same set,
/// and with the workspace's feature resolution (`--workspace`), so that a `cargo test
/// --workspace --features …` run finds them already built instead of compiling the library and
/// its dependencies again with another feature set.
fn features() -> String {
    let all = [
        ("sqlite", cfg!(feature = "sqlite")),
        ("openssl", cfg!(feature = "openssl")),
        ("libxml", cfg!(feature = "libxml")),
        ("tls", cfg!(feature = "tls")),
        ("client", cfg!(feature = "client")),
        ("oauth", cfg!(feature = "oauth")),
        ("batch", cfg!(feature = "batch")),
        ("ftps", cfg!(feature = "ftps")),
    ];
    all.iter().filter(|(_, on)| *on).map(|(name, _)| *name).collect::<Vec<_>>().join(",")
}

/// Builds the named examples with the profile of this test binary and returns their paths,
/// in the order given.
pub(crate) fn example_binaries(names: &[&str]) -> Vec<PathBuf> {
    let exe = std::env::current_exe().expect("test binary");
    // target/<profile dir>/deps/<test binary>
    let profile_dir = exe.parent().and_then(Path::parent).expect("target profile dir").to_path_buf();
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("release") => "release",
        _ => "test",
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build.current_dir(root()).env("CARGO_TARGET_DIR", profile_dir.parent().expect("target dir")).args([
        "build",
        "--quiet",
        "--workspace",
        "--profile",
        profile,
        "--features",
        &features(),
    ]);
    for name in names {
        build.args(["--example", name]);
    }
    let status = build.status().expect("cargo build --example");
    assert!(status.success(), "building the examples {names:?} failed");
    names.iter().map(|name| profile_dir.join("examples").join(name)).collect()
}
