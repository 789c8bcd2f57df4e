//! Runs `tests/c14n/oracle.py` (lxml / libxml2) on a batch of requests.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use base64::Engine;
use dho_wss::xml::{Document, Element};

/// The interpreter that has lxml (Debian's `python3-lxml`).
pub(crate) const PYTHON: &str = "/usr/bin/python3";

/// Whether `/usr/bin/python3` can import lxml.
pub(crate) fn lxml_available() -> bool {
    Command::new(PYTHON)
        .args(["-c", "import lxml.etree"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Returns `false` (after a loud message) when lxml is missing and peers are
/// not required; panics when they are (see [`super::skip`]).
pub(crate) fn require_lxml() -> bool {
    if lxml_available() {
        return true;
    }
    super::skip(&format!("python3-lxml not found at {PYTHON}"));
    false
}

/// One oracle answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// The canonical bytes.
    Ok(Vec<u8>),
    /// No reference answer, with the oracle's kind and message.
    NoAnswer { kind: String, error: String },
}

/// One request: document, selector, comments, PrefixList tokens.
pub(crate) struct Request<'a> {
    pub doc: &'a str,
    pub selector: &'a str,
    pub comments: bool,
    pub prefixes: &'a [String],
}

/// Sends every request in one batch; one answer per request, in order.
pub(crate) fn run(requests: &[Request<'_>]) -> Vec<Answer> {
    let json = serde_json::Value::Array(
        requests
            .iter()
            .map(|r| {
                serde_json::json!({
                    "doc": r.doc,
                    "selector": r.selector,
                    "comments": r.comments,
                    "prefixes": r.prefixes,
                })
            })
            .collect(),
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c14n/oracle.py");
    let mut child = Command::new(PYTHON)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start oracle.py");
    let input = serde_json::to_vec(&json).expect("encode requests");
    let mut stdin = child.stdin.take().expect("oracle stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("oracle output");
    writer.join().expect("writer thread").expect("write requests");
    assert!(out.status.success(), "oracle.py failed: {}", String::from_utf8_lossy(&out.stderr));
    let answers: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("oracle answer is a JSON list");
    assert_eq!(answers.len(), requests.len(), "one answer per request");
    answers
        .into_iter()
        .map(|a| {
            if a["ok"] == serde_json::Value::Bool(true) {
                let b64 = a["c14n_b64"].as_str().expect("c14n_b64");
                Answer::Ok(base64::engine::general_purpose::STANDARD.decode(b64).expect("base64"))
            } else {
                Answer::NoAnswer {
                    kind: a["kind"].as_str().unwrap_or("?").to_owned(),
                    error: a["error"].as_str().unwrap_or("?").to_owned(),
                }
            }
        })
        .collect()
}

/// The element a `LOCAL` / `LOCAL#N` selector names (see `tests/c14n/README.md`).
pub(crate) fn select<'d>(doc: &'d Document, selector: &str) -> Option<Element<'d>> {
    let (name, n) = match selector.split_once('#') {
        Some((name, n)) => (name, n.parse::<usize>().ok()?),
        None => (selector, 1),
    };
    doc.root().descendants().filter(|e| e.local_name() == name).nth(n.checked_sub(1)?)
}
