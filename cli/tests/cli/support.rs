//! What the CLI tests share: running the real binary, the test PKI, temporary directories and
//! the external peers (openssl, a Python with PyJWT and jwcrypto).

use std::ffi::OsStr;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The workspace root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A file of the test PKI.
pub(crate) fn pki(name: &str) -> PathBuf {
    root().join("testdata/pki").join(name)
}

/// The unsigned sample Verzoek.
pub(crate) fn unsigned_message() -> PathBuf {
    root().join("testdata/messages/geef-historiek-inschrijving.xml")
}

/// What a run of `dho-wss` gave.
#[derive(Debug)]
pub(crate) struct Out {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Out {
    /// Asserts the exit code, showing the output on failure.
    pub(crate) fn code(&self, expected: i32) -> &Self {
        assert_eq!(self.code, expected, "exit code; stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    /// Asserts that the error is one line on stderr that names `file` (and holds `words`).
    pub(crate) fn error_names(&self, file: &Path, words: &str) -> &Self {
        let errors: Vec<&str> = self.stderr.lines().filter(|l| l.starts_with("dho-wss: error: ")).collect();
        assert_eq!(errors.len(), 1, "one error line expected:\n{}", self.stderr);
        let name = file.file_name().expect("name").to_string_lossy();
        assert!(errors[0].contains(&*name), "error does not name {name}: {}", errors[0]);
        assert!(errors[0].contains(words), "error lacks {words:?}: {}", errors[0]);
        self
    }

    /// The last line of stdout.
    pub(crate) fn last_line(&self) -> &str {
        self.stdout.lines().last().unwrap_or("")
    }
}

/// Runs `dho-wss args` with `env` set, no `DHO_WSS_PASSWORD` inherited, no terminal.
pub(crate) fn dho_env<I, S>(args: I, env: &[(&str, &str)]) -> Out
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dho-wss"));
    cmd.args(args).env_remove("DHO_WSS_PASSWORD").stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run dho-wss");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `dho-wss args` (see [`dho_env`]).
pub(crate) fn dho<I, S>(args: I) -> Out
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    dho_env(args, &[])
}

/// The test password of every encrypted test-PKI file.
pub(crate) const PW: (&str, &str) = ("DHO_WSS_PASSWORD", "test-only");

pub(crate) fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// The names in `dir`, sorted (to show that no partial or temporary file was left).
pub(crate) fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Whether the peers must be present (`DHO_WSS_REQUIRE_PEERS=1`, as `.ci/run` sets), as in
/// the library's `tests/common`.
fn peers_required() -> bool {
    std::env::var("DHO_WSS_REQUIRE_PEERS").as_deref() == Ok("1")
}

/// A peer `what` is missing: fails when peers are required, else prints a loud SKIPPED line.
pub(crate) fn unavailable(what: &str) {
    if peers_required() {
        panic!("{what} not available (DHO_WSS_REQUIRE_PEERS=1)");
    }
    let line = "*".repeat(60);
    let _ = writeln!(std::io::stderr(), "\n{line}\nSKIPPED: {what} not available; see cli/README.md\n{line}\n");
}

/// `openssl` on PATH (OpenSSL 3), or `None` after [`unavailable`].
pub(crate) fn openssl() -> Option<&'static str> {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).starts_with("OpenSSL 3"));
    if !ok {
        unavailable("openssl (OpenSSL 3)");
        return None;
    }
    Some("openssl")
}

/// A Python with PyJWT and jwcrypto: `DHO_WSS_PYTHON`, else `python3`.
pub(crate) fn python() -> Option<String> {
    let py = std::env::var("DHO_WSS_PYTHON").ok().filter(|p| !p.is_empty()).unwrap_or_else(|| "python3".into());
    let ok = Command::new(&py).args(["-c", "import jwt, jwcrypto"]).output().is_ok_and(|o| o.status.success());
    if !ok {
        unavailable("python with PyJWT and jwcrypto (cli/tests/peer/requirements.txt, DHO_WSS_PYTHON)");
        return None;
    }
    Some(py)
}

/// Runs a peer command: (success, stdout, stderr).
pub(crate) fn peer<I, S>(program: &str, args: I, env: &[(&str, &str)]) -> (bool, String, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(program);
    cmd.args(args).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("run peer");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The token endpoint script.
pub(crate) fn token_server() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peer/token_server.py")
}
