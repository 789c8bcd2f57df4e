//! Differential test of exclusive c14n against lxml (libxml2's `c14n.c`).
//!
//! proptest generates namespace-heavy documents (`tests/common/xmlgen.rs`), a
//! selector, the comments flag and a PrefixList; all cases go to
//! `tests/c14n/oracle.py` in one batch and every answer must equal dho-wss's
//! output byte for byte. No shrinking: a mismatch prints the document.
//!
//! * `DHO_WSS_DIFF_CASES` (default 256): cases per run.
//! * `DHO_WSS_DIFF_SEED`: a u64 to replay a run (each run prints its seed).
//! * `DHO_WSS_DIFF_SHOW=N`: print the first N cases and lxml's answers.
//! * Without `/usr/bin/python3` + lxml the test prints `SKIPPED: …` and passes,
//!   unless `DHO_WSS_REQUIRE_PEERS=1`.

use crate::common::{oracle, xmlgen};

use std::time::{SystemTime, UNIX_EPOCH};

use dho_wss::xml::{Document, ExcC14n};
use oracle::{Answer, Request};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| v.parse().unwrap_or_else(|_| panic!("{name} must be a number, got {v:?}")))
}

/// dho-wss's answer for one case.
fn dho_wss(case: &xmlgen::Case) -> Result<Vec<u8>, String> {
    let doc = Document::parse(case.doc.as_bytes()).map_err(|e| format!("parse: {e}"))?;
    let c14n = ExcC14n::new()
        .with_comments(case.comments)
        .with_prefix_list(&case.prefix_list())
        .map_err(|e| format!("prefix list: {e}"))?;
    if case.selector == "/" {
        return c14n.canonicalize_document(&doc).map_err(|e| format!("c14n: {e}"));
    }
    let el = oracle::select(&doc, &case.selector).ok_or("selector matches nothing")?;
    let out = c14n.canonicalize(el).map_err(|e| format!("c14n: {e}"))?;
    // The streaming entry point must give the same bytes.
    let mut streamed = Vec::new();
    c14n.canonicalize_to(el, &mut streamed).map_err(|e| format!("c14n to sink: {e}"))?;
    if streamed != out {
        return Err("canonicalize_to differs from canonicalize".into());
    }
    Ok(out)
}

#[test]
fn exc_c14n_matches_lxml_on_random_namespace_heavy_documents() {
    if !oracle::require_lxml() {
        return;
    }
    let n = env_u64("DHO_WSS_DIFF_CASES").unwrap_or(256) as usize;
    let seed = env_u64("DHO_WSS_DIFF_SEED")
        .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64));
    eprintln!("c14n differential: {n} cases, DHO_WSS_DIFF_SEED={seed}");
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes));
    let strategy = xmlgen::case();
    let cases: Vec<xmlgen::Case> =
        (0..n).map(|_| strategy.new_tree(&mut runner).expect("generate a case").current()).collect();
    let requests: Vec<Request<'_>> = cases
        .iter()
        .map(|c| Request { doc: &c.doc, selector: &c.selector, comments: c.comments, prefixes: &c.prefixes })
        .collect();
    let answers = oracle::run(&requests);
    // DHO_WSS_DIFF_SHOW=N prints the first N cases with lxml's answer.
    let show = env_u64("DHO_WSS_DIFF_SHOW").unwrap_or(0) as usize;
    for (case, answer) in cases.iter().zip(&answers).take(show) {
        match answer {
            Answer::Ok(b) => eprintln!("{case:?}\n  -> {:?}\n", String::from_utf8_lossy(b)),
            other => eprintln!("{case:?}\n  -> {other:?}\n"),
        }
    }

    let mut failures = Vec::new();
    for (i, (case, answer)) in cases.iter().zip(&answers).enumerate() {
        let ours = dho_wss(case);
        let problem = match (answer, &ours) {
            (Answer::Ok(want), Ok(got)) if want == got => continue,
            (Answer::Ok(want), Ok(got)) => format!(
                "bytes differ\n  lxml:    {:?}\n  dho-wss: {:?}",
                String::from_utf8_lossy(want),
                String::from_utf8_lossy(got)
            ),
            (Answer::Ok(want), Err(e)) => {
                format!("dho-wss failed ({e}); lxml gave {:?}", String::from_utf8_lossy(want))
            }
            // The generator makes only well-formed, namespace-well-formed
            // documents with absolute URIs without '&': lxml must answer all.
            (Answer::NoAnswer { kind, error }, _) => {
                format!("lxml gave no answer ({kind}: {error}); dho-wss: {ours:?}")
            }
        };
        failures.push(format!(
            "case {i}: selector {:?}, comments {}, PrefixList {:?}: {problem}\n  document: {:?}",
            case.selector,
            case.comments,
            case.prefix_list(),
            case.doc
        ));
    }
    let whole = cases.iter().filter(|c| c.selector == "/").count();
    let with_default = cases.iter().filter(|c| c.prefixes.iter().any(|p| p == "#default")).count();
    let undeclare = cases.iter().filter(|c| c.doc.contains("xmlns=\"\"")).count();
    eprintln!(
        "{n} cases ({whole} whole-document, {with_default} with #default, {undeclare} with xmlns=\"\"), {} mismatches",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {n} cases differ from lxml (DHO_WSS_DIFF_SEED={seed}):\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The harness itself must catch a difference: a known-correct pair and a
/// deliberately wrong expectation.
#[test]
fn oracle_harness_answers_and_reports_no_answer_kinds() {
    if !oracle::require_lxml() {
        return;
    }
    let none: Vec<String> = Vec::new();
    let default = vec!["#default".to_owned()];
    let answers = oracle::run(&[
        Request {
            doc: "<r xmlns='urn:d'><p:a xmlns:p='urn:p'>&#13;</p:a></r>",
            selector: "a",
            comments: false,
            prefixes: &default,
        },
        Request { doc: "<r xmlns:rel='relative'><rel:a/></r>", selector: "a", comments: false, prefixes: &none },
        Request { doc: "<r><a></r>", selector: "/", comments: false, prefixes: &none },
    ]);
    assert_eq!(answers[0], Answer::Ok(b"<p:a xmlns=\"urn:d\" xmlns:p=\"urn:p\">&#xD;</p:a>".to_vec()));
    assert!(matches!(&answers[1], Answer::NoAnswer { kind, .. } if kind == "c14n"));
    assert!(matches!(&answers[2], Answer::NoAnswer { kind, .. } if kind == "parse"));
}
