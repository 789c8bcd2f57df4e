//! `examples/batch.rs` (the `build`/`put`/`get` flags of issue 15) run as a program against
//! ProFTPD: build signed files from `testdata/batch`, put them (twice: the second run puts
//! nothing), let the MAGDA stand-in answer, get and verify the answers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::magda::Magda;
use super::transfer::{lock, server, wait_until};
use crate::common::root;

/// The `batch` example, built with this test binary's profile and features.
fn example() -> PathBuf {
    crate::common::examples::example_binaries(&["batch"]).remove(0)
}

fn run(bin: &Path, args: &[&str]) -> Output {
    let out = Command::new(bin).current_dir(root()).args(args).output().expect("run examples/batch");
    assert!(
        out.status.success(),
        "batch {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn build_put_get_through_the_example_program() {
    let _guard = lock();
    let Some(s) = server("DHO_WSS_PROFTPD", "ProFTPD") else { return };
    s.clean();
    let bin = example();
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out");
    let (out_s, journal) = (out.display().to_string(), dir.path().join("journal").display().to_string());
    let port = s.port.to_string();
    let built = run(
        &bin,
        &[
            "build",
            "--operation",
            "http://example.test/dienst:GeefVoorbeeld",
            "--versie",
            "02.01.0000",
            "--per-file",
            "1",
            "--out",
            &out_s,
            "testdata/batch/vraag-0001.xml",
            "testdata/batch/vraag-0002.xml",
        ],
    );
    assert_eq!(String::from_utf8_lossy(&built.stdout).lines().count(), 2, "two files of one Vraag");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&out).expect("out").flatten().map(|e| e.path()).collect();
    files.sort();
    let manifest = files
        .iter()
        .map(|p| (p.file_name().expect("name").to_string_lossy().into_owned(), std::fs::read(p).expect("read")))
        .collect();
    let magda = Magda::start_with(&s.root, manifest);
    let common = ["--host", "127.0.0.1", "--port", &port, "--server-ca", "testdata/pki/ca.pem"];
    let file_args: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let put_args = |json: bool| {
        let mut a: Vec<&str> = vec!["put"];
        a.extend(common);
        a.extend(["--journal", journal.as_str()]);
        if json {
            a.push("--json");
        }
        a.extend(file_args.iter().map(String::as_str));
        a
    };
    let first = run(&bin, &put_args(false));
    assert!(String::from_utf8_lossy(&first.stdout).starts_with("2 put"), "{}", String::from_utf8_lossy(&first.stdout));
    let second = run(&bin, &put_args(true));
    assert_eq!(String::from_utf8_lossy(&second.stdout).matches("\"status\":\"already-put\"").count(), 2);
    wait_until("MAGDA's answers", || s.names("from_vip").len() == 2);
    let seen = magda.finish();
    assert!(seen.violations.is_empty(), "{:?}", seen.violations);
    let answers = dir.path().join("answers").display().to_string();
    let mut get: Vec<&str> = vec!["get"];
    get.extend(common);
    get.extend(["--reply-cn", "dho-wss-test.dho-provider", "--json", "--out", &answers]);
    let got = run(&bin, &get);
    let json = String::from_utf8_lossy(&got.stdout);
    assert_eq!(json.matches("\"signer\":\"").count(), 2, "{json}");
    assert!(json.contains("\"refused\":[]"), "{json}");
    assert_eq!(s.names("cache/from_vip").len(), 2);
    assert!(s.names("from_vip").is_empty());
}
