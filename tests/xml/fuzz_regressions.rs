//! Every input a fuzz target (`fuzz/`) found becomes a named test here, replayed
//! through the same checks (`tests/common/fuzz_checks.rs`, which the fuzz targets include), plus
//! the seed corpus.

use crate::common::fuzz_checks as checks;

use dho_wss::xml::{C14nError, Document, ExcC14n};

fn all_checks(input: &[u8]) {
    checks::parse(input);
    checks::c14n(input);
    checks::roundtrip(input);
}

/// The seed corpus of the fuzz targets passes every check (so the checks
/// themselves are built and run by the main crate's `cargo test`).
#[test]
fn seed_corpus_passes_the_fuzz_checks() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for dir in ["tests/c14n/corpus", "tests/fixtures/messages", "tests/fixtures/messages/invalid"] {
        for entry in std::fs::read_dir(root.join(dir)).expect(dir) {
            let path = entry.expect("dir entry").path();
            if path.extension().is_some_and(|e| e == "xml") {
                all_checks(&std::fs::read(&path).expect("read"));
                n += 1;
            }
        }
    }
    assert!(n >= 90, "only {n} seed files");
}

/// fuzz target `c14n`, crash-19b414e9 (89 bytes), minimized: `item` inherits
/// `p` → `u` (a relative URI) from the root. c14n of `item` correctly fails,
/// but only when `p:m` is reached, after `<item>` has been written to the sink.
/// The module docs of `src/xml/c14n.rs` promise that "errors are detected
/// before the first byte is written" (A17: nothing digested before an error).
/// The fuzz check tolerates this case until it is fixed
/// (`checks::TOLERATE_KNOWN_PARTIAL_OUTPUT_BUG`).
#[test]
fn relative_namespace_uri_inherited_from_an_ancestor_fails_before_any_output() {
    for (input, apex) in [
        // used by an element
        (&b"<r xmlns:p=\"u\"><item><p:m/></item></r>"[..], "item"),
        // used by an attribute
        (b"<r xmlns:p=\"u\"><item><m p:a=\"1\"/></item></r>", "item"),
        // a relative default namespace, used below a prefixed apex
        (b"<r xmlns=\"u\"><x:item xmlns:x=\"urn:x\"><m/></x:item></r>", "item"),
    ] {
        let doc = Document::parse(input).expect("well-formed");
        let el = doc.root().descendants().find(|e| e.local_name() == apex).expect("apex");
        let mut sink = Vec::new();
        let err = ExcC14n::new().canonicalize_to(el, &mut sink);
        assert!(matches!(err, Err(C14nError::RelativeNamespaceUri { ref uri }) if uri == "u"), "{err:?}");
        assert!(
            sink.is_empty(),
            "{:?}: wrote {:?} before the error",
            String::from_utf8_lossy(input),
            String::from_utf8_lossy(&sink)
        );
    }
}

/// The same input through every fuzz check, with the known bug tolerated:
/// everything else about it (error kind, `canonicalize` failing too, the
/// whole document failing) is as it should be.
#[test]
fn fuzz_c14n_crash_19b414e9_replays_cleanly() {
    all_checks(b"<r xmlns:p=\"urn*p\"><item n=\"1\"><item n=\"2\"><p:item n=\"3\"/></item></item><item n=\"4\"/></r>");
    all_checks(b"<r xmlns:p=\"u\"><item><item n=\"2\"><p:m/></item></item></r>");
}

/// Found by replaying the `parse` corpus (9,553 inputs) through lxml as well:
/// the only inputs dho-wss accepts and libxml2 rejects, apart from namespace
/// names that are not URI references (a documented libxml2 extra check, see
/// `tests/c14n/README.md` (b)), have a malformed XML declaration. The reader
/// checks only version, encoding and standalone *values* (quick-xml takes the
/// first `encoding`), not the `XMLDecl` production: unknown or repeated
/// pseudo-attributes, wrong order, missing white space, junk and bad
/// `standalone` values pass. With two `encoding`s a lenient parser that takes
/// the last one would decode UTF-8 bytes as Latin-1 (a parser differential,
/// A9), though libxml2 refuses such a document.
#[test]
fn malformed_xml_declarations_are_rejected() {
    use dho_wss::xml::XmlErrorKind;
    for input in [
        r#"<?xml version="1.0" encoding="UTF-8" encoding="ISO-8859-1"?><r/>"#,
        r#"<?xml version="1.0" standalone="sey"?><r/>"#,
        r#"<?xml version="1.0"!encding="x"?><r/>"#,
        r#"<?xml version="1.0" encodingx="UTF-8"?><r/>"#,
        r#"<?xml version="1.0" stand<?one="yes"?><r/>"#,
        r#"<?xml version="1.0"encoding="UTF-8"?><r/>"#,
        r#"<?xml version='1.0' standalone='no' encoding='UTF-8'?><r/>"#,
        r#"<?xml version="1.0" foo="bar"?><r/>"#,
    ] {
        match Document::parse(input.as_bytes()) {
            Err(e) => assert!(matches!(e.kind, XmlErrorKind::BadDeclaration { .. }), "{input}: {e}"),
            Ok(_) => panic!("accepted: {input}"),
        }
    }
}

/// What the reader already gets right about the declaration (same family).
#[test]
fn xml_declaration_values_are_checked() {
    use dho_wss::xml::XmlErrorKind;
    let kind = |s: &str| Document::parse(s.as_bytes()).map(|_| ()).map_err(|e| e.kind);
    assert!(matches!(kind(r#"<?xml version="1.1"?><r/>"#), Err(XmlErrorKind::BadDeclaration { .. })));
    assert!(matches!(kind(r#"<?xml encoding="UTF-8"?><r/>"#), Err(XmlErrorKind::BadDeclaration { .. })));
    // Missing white space is a grammar error before the encoding is looked at.
    assert!(matches!(
        kind(r#"<?xml version="1.0"encoding="ISO-8859-1"?><r/>"#),
        Err(XmlErrorKind::BadDeclaration { .. })
    ));
    assert!(matches!(kind(r#"<?xml version="1.0" encoding="ISO-8859-1"?><r/>"#), Err(XmlErrorKind::NotUtf8 { .. })));
    assert_eq!(kind(r#"<?xml version="1.0" encoding="utf-8" standalone="yes"?><r/>"#), Ok(()));
}
