//! libxml2 (through the `libxml` crate) as a second, in-process c14n oracle.
//!
//! Build with `cargo test --features libxml --test xml c14n_libxml` (needs Debian
//! `libxml2-dev`, `libclang-dev` and `pkg-config`). Subtrees are canonicalized
//! the way xmlsec does it: `xmlC14NExecute` on the original document with a
//! visibility callback that selects the apex's subtree (`Node::canonicalize`),
//! so ancestor namespaces are in scope with libxml2's node-set semantics; `/`
//! uses the whole document (`Document::canonicalize`). The crate passes the
//! PrefixList straight to libxml2, so `#default` works (unlike lxml).
//!
//! Two runs: every case of `tests/c14n/cases.tsv`, and random documents from
//! `tests/common/xmlgen.rs` (no Python needed).
#![cfg(feature = "libxml")]

use crate::common::{oracle, xmlgen};

use std::path::Path;

use dho_wss::xml::{Document, ExcC14n};
use libxml::parser::{Parser, ParserOptions};
use libxml::tree::c14n::{CanonicalizationMode, CanonicalizationOptions};
use libxml::tree::Node;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

fn strict_options() -> ParserOptions<'static> {
    ParserOptions {
        // The crate's default is recover: true, which would canonicalize a repaired tree.
        recover: false,
        no_net: true,
        ..ParserOptions::default()
    }
}

/// Pre-order walk: the N-th element whose local name is `name`.
fn find(node: &Node, name: &str, seen: &mut usize, n: usize) -> Option<Node> {
    if node.get_name() == name {
        *seen += 1;
        if *seen == n {
            return Some(node.clone());
        }
    }
    for child in node.get_child_elements() {
        if let Some(hit) = find(&child, name, seen, n) {
            return Some(hit);
        }
    }
    None
}

/// libxml2's exclusive c14n of `selector` in `doc`; `Err` when libxml2 refuses.
fn libxml_c14n(doc: &[u8], selector: &str, comments: bool, prefixes: &[String]) -> Result<Vec<u8>, String> {
    let parsed = Parser::default()
        .parse_string_with_options(doc, strict_options())
        .map_err(|e| format!("libxml2 parse: {e:?}"))?;
    let options = CanonicalizationOptions {
        mode: CanonicalizationMode::ExclusiveCanonical1_0,
        with_comments: comments,
        inclusive_ns_prefixes: prefixes.to_vec(),
    };
    let out = if selector == "/" {
        parsed.canonicalize(options, None)
    } else {
        let (name, n) = match selector.split_once('#') {
            Some((name, n)) => (name, n.parse::<usize>().map_err(|e| e.to_string())?),
            None => (selector, 1),
        };
        let root = parsed.get_root_element().ok_or("no root")?;
        let mut node = find(&root, name, &mut 0, n).ok_or("selector matches nothing")?;
        node.canonicalize(options)
    };
    out.map(String::into_bytes).map_err(|()| "libxml2 c14n failed".into())
}

fn dho_wss_c14n(doc: &[u8], selector: &str, comments: bool, prefixes: &str) -> Result<Vec<u8>, String> {
    let parsed = Document::parse(doc).map_err(|e| e.to_string())?;
    let alg = ExcC14n::new().with_comments(comments).with_prefix_list(prefixes).map_err(|e| e.to_string())?;
    if selector == "/" {
        return alg.canonicalize_document(&parsed).map_err(|e| e.to_string());
    }
    let el = oracle::select(&parsed, selector).ok_or("selector matches nothing")?;
    alg.canonicalize(el).map_err(|e| e.to_string())
}

fn lossy(b: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(b))
}

#[test]
fn corpus_agrees_with_libxml2() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c14n");
    let cases = std::fs::read_to_string(dir.join("cases.tsv")).expect("cases.tsv");
    let mut failures = Vec::new();
    let mut n = 0;
    for line in cases.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 5, "bad line {line:?}");
        let (name, input, selector, comments) = (cols[0], cols[1], cols[2], cols[3] == "1");
        let plist = if cols[4] == "-" { "" } else { cols[4] };
        let prefixes: Vec<String> = plist.split_whitespace().map(str::to_owned).collect();
        let bytes = std::fs::read(dir.join("corpus").join(input)).expect(input);
        let expected = std::fs::read(dir.join("expected").join(format!("{name}.out"))).expect(name);
        let theirs = libxml_c14n(&bytes, selector, comments, &prefixes);
        let ours = dho_wss_c14n(&bytes, selector, comments, plist);
        match (&theirs, &ours) {
            (Ok(t), Ok(o)) if t == o && *o == expected => {}
            _ => failures.push(format!(
                "{name}:\n  libxml2:  {:?}\n  dho-wss:  {:?}\n  expected: {}",
                theirs.as_deref().map(lossy),
                ours.as_deref().map(lossy),
                lossy(&expected)
            )),
        }
        n += 1;
    }
    assert!(n >= 100, "only {n} cases");
    assert!(failures.is_empty(), "{} of {n} cases differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn random_documents_agree_with_libxml2() {
    let n: usize = std::env::var("DHO_WSS_DIFF_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    let seed: u64 = std::env::var("DHO_WSS_DIFF_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5eed);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes));
    let strategy = xmlgen::case();
    let mut failures = Vec::new();
    for i in 0..n {
        let case = strategy.new_tree(&mut runner).expect("generate").current();
        let theirs = libxml_c14n(case.doc.as_bytes(), &case.selector, case.comments, &case.prefixes);
        let ours = dho_wss_c14n(case.doc.as_bytes(), &case.selector, case.comments, &case.prefix_list());
        if theirs != ours || theirs.is_err() {
            failures.push(format!(
                "case {i}: selector {:?}, comments {}, PrefixList {:?}\n  libxml2: {:?}\n  dho-wss: {:?}\n  document: {:?}",
                case.selector,
                case.comments,
                case.prefix_list(),
                theirs.as_deref().map(lossy),
                ours.as_deref().map(lossy),
                case.doc
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} cases differ (DHO_WSS_DIFF_SEED={seed}):\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
