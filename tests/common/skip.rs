//! The skip convention of every test that needs an outside peer (a tool, a server): included
//! by `tests/common/mod.rs` and, with `#[path]`, by the gateway's tests (`gateway/tests/`).

use std::io::Write as _;

/// Whether the peers (the external tools and fixtures some tests compare against) must be
/// present: `DHO_WSS_REQUIRE_PEERS=1`, as `.ci/run` sets.
pub(crate) fn peers_required() -> bool {
    std::env::var("DHO_WSS_REQUIRE_PEERS").as_deref() == Ok("1")
}

/// A test cannot run because something it needs is missing (`why`): fails when
/// [`peers_required`], else prints a loud `SKIPPED: why` and returns, and the caller returns
/// early (the test passes). The line goes straight to the process's stderr: libtest captures
/// `eprintln!` of a passing test, and a skip must be seen.
pub(crate) fn skip(why: &str) {
    if peers_required() {
        panic!("{why} (DHO_WSS_REQUIRE_PEERS=1)");
    }
    let line = "*".repeat(60);
    let _ = writeln!(std::io::stderr(), "\n{line}\nSKIPPED: {why}\n{line}\n");
}
