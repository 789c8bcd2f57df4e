//! Round-trip stability of reader, writer and c14n (attack catalogue A9), and the
//! writer's escaping and refusals.
//!
//! Properties (random documents from `tests/common/xmlgen.rs`):
//! * parse → `XmlWriter::copy_element` → parse gives the same canonical bytes
//!   for every element, with and without comments and with the PrefixList;
//! * copying one element out of its document into a fresh writer keeps its
//!   canonical form (the writer declares what the copy needs);
//! * c14n is idempotent: its output parses, and canonicalizes to itself.

use crate::common::{oracle, xmlgen};

use dho_wss::xml::{Document, Element, ExcC14n, Node, WriteError, XmlWriter};
use proptest::prelude::*;

fn parse(bytes: &[u8]) -> Document {
    match Document::parse(bytes) {
        Ok(d) => d,
        Err(e) => panic!("{e}: {:?}", String::from_utf8_lossy(bytes)),
    }
}

fn c14n(el: Element<'_>, comments: bool, plist: &str) -> Vec<u8> {
    ExcC14n::new().with_comments(comments).with_prefix_list(plist).expect("prefix list").canonicalize(el).expect("c14n")
}

fn copy(el: Element<'_>) -> Result<Vec<u8>, WriteError> {
    let mut w = XmlWriter::new();
    w.copy_element(el)?;
    w.finish()
}

fn show(b: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(b))
}

proptest! {
    // 256 cases each by default; PROPTEST_CASES=N for more.
    #[test]
    fn parse_copy_parse_keeps_every_canonical_form(case in xmlgen::case()) {
        let doc = parse(case.doc.as_bytes());
        let written = copy(doc.root())
            .map_err(|e| TestCaseError::fail(format!("copy_element: {e}")))?;
        let again = parse(&written);
        let plist = case.prefix_list();
        let before: Vec<Element<'_>> = doc.root().descendants().collect();
        let after: Vec<Element<'_>> = again.root().descendants().collect();
        prop_assert_eq!(before.len(), after.len());
        for (i, (a, b)) in before.iter().zip(&after).enumerate() {
            for comments in [false, true] {
                for pl in ["", plist.as_str()] {
                    let (x, y) = (c14n(*a, comments, pl), c14n(*b, comments, pl));
                    prop_assert!(
                        x == y,
                        "element {} (comments {}, PrefixList {:?}): {} vs {}\nwritten: {}",
                        i, comments, pl, show(&x), show(&y), show(&written)
                    );
                }
            }
        }
        // Writing the re-read document again gives the same bytes: the writer is a fixpoint.
        let twice = copy(again.root())
            .map_err(|e| TestCaseError::fail(format!("second copy: {e}")))?;
        prop_assert!(twice == written, "{} vs {}", show(&written), show(&twice));
    }

    #[test]
    fn copied_subtree_keeps_its_canonical_form(case in xmlgen::case()) {
        let doc = parse(case.doc.as_bytes());
        let el = if case.selector == "/" {
            doc.root()
        } else {
            oracle::select(&doc, &case.selector).expect("selector")
        };
        let written = copy(el)
            .map_err(|e| TestCaseError::fail(format!("copy_element: {e}")))?;
        let again = parse(&written);
        for comments in [false, true] {
            // Without a PrefixList only visibly used namespaces are rendered,
            // and those are exactly what the writer must declare.
            let (x, y) = (c14n(el, comments, ""), c14n(again.root(), comments, ""));
            prop_assert!(
                x == y,
                "comments {}: {} vs {}\nwritten: {}",
                comments, show(&x), show(&y), show(&written)
            );
        }
    }

    #[test]
    fn c14n_is_idempotent(case in xmlgen::case()) {
        let doc = parse(case.doc.as_bytes());
        let alg = ExcC14n::new()
            .with_comments(case.comments)
            .with_prefix_list(&case.prefix_list())
            .expect("prefix list");
        let out = if case.selector == "/" {
            alg.canonicalize_document(&doc)
        } else {
            alg.canonicalize(oracle::select(&doc, &case.selector).expect("selector"))
        }
        .expect("c14n");
        let reparsed = Document::parse(&out).map_err(|e| {
            TestCaseError::fail(format!("c14n output does not parse: {e}: {}", show(&out)))
        })?;
        let again = if case.selector == "/" {
            alg.canonicalize_document(&reparsed)
        } else {
            alg.canonicalize(reparsed.root())
        }
        .expect("c14n");
        prop_assert!(again == out, "{} vs {}", show(&out), show(&again));
    }
}

// ---------------------------------------------------------------- writer

fn written(f: impl FnOnce(&mut XmlWriter) -> Result<(), WriteError>) -> String {
    let mut w = XmlWriter::new();
    f(&mut w).expect("write");
    String::from_utf8(w.finish().expect("finish")).expect("UTF-8")
}

fn refused(f: impl FnOnce(&mut XmlWriter) -> Result<(), WriteError>) -> WriteError {
    let mut w = XmlWriter::new();
    match f(&mut w) {
        Err(e) => e,
        Ok(()) => match w.finish() {
            Err(e) => e,
            Ok(b) => panic!("accepted: {}", show(&b)),
        },
    }
}

#[test]
fn text_is_escaped_as_canonical_xml_escapes_it() {
    let out = written(|w| {
        w.start_element(None, "a")?.text("x\r\ny\t& <b> \"q\" 'a' ]]> é𝄞")?.end_element()?;
        Ok(())
    });
    assert_eq!(out, "<a>x&#xD;\ny\t&amp; &lt;b&gt; \"q\" 'a' ]]&gt; é𝄞</a>");
}

#[test]
fn attribute_whitespace_and_quotes_are_character_references() {
    let out = written(|w| {
        w.start_element(None, "a")?.attribute(None, "v", "\t\n\r <&>\"'")?.end_element()?;
        Ok(())
    });
    assert_eq!(out, "<a v=\"&#x9;&#xA;&#xD; &lt;&amp;>&quot;'\"/>");
    // And the reader gives the value back unchanged (no attribute-value normalization).
    let doc = parse(out.as_bytes());
    assert_eq!(doc.root().attribute(None, "v"), Some("\t\n\r <&>\"'"));
}

#[test]
fn illegal_characters_are_refused_not_dropped() {
    for (s, code) in [("a\u{0}b", 0u32), ("\u{1}", 1), ("\u{B}", 0xB), ("\u{FFFE}", 0xFFFE), ("x\u{FFFF}", 0xFFFF)] {
        let e = refused(|w| {
            w.start_element(None, "a")?.text(s)?.end_element()?;
            Ok(())
        });
        assert!(matches!(e, WriteError::IllegalCharacter { code: c, .. } if c == code), "{s:?}: {e:?}");
        let e = refused(|w| {
            w.start_element(None, "a")?.attribute(None, "v", s)?.end_element()?;
            Ok(())
        });
        assert!(matches!(e, WriteError::IllegalCharacter { code: c, .. } if c == code), "{s:?}: {e:?}");
        let e = refused(|w| {
            w.start_element(None, "a")?.comment(s)?.end_element()?;
            Ok(())
        });
        assert!(matches!(e, WriteError::IllegalCharacter { code: c, .. } if c == code), "{s:?}: {e:?}");
    }
}

#[test]
fn undeclared_prefixes_are_refused() {
    let e = refused(|w| {
        w.start_element(Some("soap"), "Body")?.end_element()?;
        Ok(())
    });
    assert_eq!(e, WriteError::UndeclaredPrefix { prefix: "soap".into() });
    let e = refused(|w| {
        w.start_element(None, "a")?.attribute(Some("wsu"), "Id", "x")?.end_element()?;
        Ok(())
    });
    assert_eq!(e, WriteError::UndeclaredPrefix { prefix: "wsu".into() });
    // A declaration goes out of scope with its element.
    let e = refused(|w| {
        w.start_element(None, "r")?
            .start_element(Some("p"), "a")?
            .declare_namespace(Some("p"), "urn:p")?
            .end_element()?
            .start_element(Some("p"), "b")?
            .end_element()?
            .end_element()?;
        Ok(())
    });
    assert_eq!(e, WriteError::UndeclaredPrefix { prefix: "p".into() });
    // xml is always in scope.
    assert_eq!(
        written(|w| {
            w.start_element(None, "a")?.attribute(Some("xml"), "lang", "nl")?.end_element()?;
            Ok(())
        }),
        "<a xml:lang=\"nl\"/>"
    );
}

#[test]
fn duplicate_attributes_are_refused_by_expanded_name() {
    let e = refused(|w| {
        w.start_element(None, "a")?.attribute(None, "x", "1")?.attribute(None, "x", "2")?.end_element()?;
        Ok(())
    });
    assert_eq!(e, WriteError::DuplicateAttribute { name: "x".into() });
    // Two prefixes, one namespace: the same attribute.
    let e = refused(|w| {
        w.start_element(None, "a")?
            .declare_namespace(Some("p"), "urn:x")?
            .declare_namespace(Some("q"), "urn:x")?
            .attribute(Some("p"), "x", "1")?
            .attribute(Some("q"), "x", "2")?
            .end_element()?;
        Ok(())
    });
    assert_eq!(e, WriteError::DuplicateAttribute { name: "x".into() });
    // Same local name in different namespaces is fine.
    assert_eq!(
        written(|w| {
            w.start_element(None, "a")?
                .declare_namespace(Some("p"), "urn:x")?
                .attribute(None, "x", "1")?
                .attribute(Some("p"), "x", "2")?
                .end_element()?;
            Ok(())
        }),
        "<a xmlns:p=\"urn:x\" x=\"1\" p:x=\"2\"/>"
    );
}

type Steps = Box<dyn Fn(&mut XmlWriter) -> Result<(), WriteError>>;

#[test]
fn misuse_is_a_state_error() {
    let cases: Vec<(&str, Steps)> = vec![
        (
            "attribute after content",
            Box::new(|w| {
                w.start_element(None, "a")?.text("t")?.attribute(None, "x", "1")?;
                Ok(())
            }),
        ),
        (
            "declaration after content",
            Box::new(|w| {
                w.start_element(None, "a")?.text("t")?.declare_namespace(Some("p"), "urn:p")?;
                Ok(())
            }),
        ),
        (
            "end without start",
            Box::new(|w| {
                w.end_element()?;
                Ok(())
            }),
        ),
        (
            "text outside the root",
            Box::new(|w| {
                w.text("t")?;
                Ok(())
            }),
        ),
        (
            "second root",
            Box::new(|w| {
                w.start_element(None, "a")?.end_element()?.start_element(None, "b")?;
                Ok(())
            }),
        ),
        (
            "unclosed element",
            Box::new(|w| {
                w.start_element(None, "a")?.start_element(None, "b")?.end_element()?;
                Ok(())
            }),
        ),
        ("nothing written", Box::new(|_| Ok(()))),
        (
            "double hyphen in a comment",
            Box::new(|w| {
                w.start_element(None, "a")?.comment("a--b")?;
                Ok(())
            }),
        ),
        (
            "comment ending in a hyphen",
            Box::new(|w| {
                w.start_element(None, "a")?.comment("a-")?;
                Ok(())
            }),
        ),
    ];
    for (what, f) in cases {
        let e = refused(f);
        assert!(matches!(e, WriteError::State { .. }), "{what}: {e:?}");
    }
}

#[test]
fn bad_names_and_namespace_declarations_are_refused() {
    let e = refused(|w| {
        w.start_element(None, "a:b")?;
        Ok(())
    });
    assert_eq!(e, WriteError::InvalidName { name: "a:b".into() });
    for (p, uri) in [
        (Some("p"), ""),
        (Some("xml"), "urn:x"),
        (Some("xmlns"), "urn:x"),
        (Some("p"), dho_wss::xml::XML_NS),
        (None, dho_wss::xml::XMLNS_NS),
    ] {
        let e = refused(|w| {
            w.start_element(None, "a")?.declare_namespace(p, uri)?;
            Ok(())
        });
        assert!(matches!(e, WriteError::InvalidNamespace { .. }), "{p:?} {uri:?}: {e:?}");
    }
}

#[test]
fn copy_under_a_default_namespace_undeclares_it() {
    let src = parse(b"<Verzoek><Vraag a='1'>x</Vraag></Verzoek>");
    let out = written(|w| {
        w.start_element(None, "Envelope")?.declare_namespace(None, "urn:d")?;
        w.copy_element(src.root())?;
        w.end_element()?;
        Ok(())
    });
    assert_eq!(out, "<Envelope xmlns=\"urn:d\"><Verzoek xmlns=\"\"><Vraag a=\"1\">x</Vraag></Verzoek></Envelope>");
    let doc = parse(out.as_bytes());
    let v = doc.root().child_elements().next().expect("Verzoek");
    assert!(v.is(None, "Verzoek"));
    assert!(v.child_elements().next().expect("Vraag").is(None, "Vraag"));
}

#[test]
fn copy_redeclares_a_rebound_or_inherited_prefix() {
    // p:b inherits p from its parent in the source; in the target p means something else.
    let src = parse(b"<p:a xmlns:p='urn:1' xmlns:q='urn:q'><p:b q:x='1'><c/></p:b></p:a>");
    let b = src.root().child_elements().next().expect("p:b");
    let out = written(|w| {
        w.start_element(Some("p"), "Envelope")?
            .declare_namespace(Some("p"), "urn:2")?
            .declare_namespace(None, "urn:d")?;
        w.copy_element(b)?;
        w.end_element()?;
        Ok(())
    });
    assert_eq!(
        out,
        "<p:Envelope xmlns:p=\"urn:2\" xmlns=\"urn:d\"><p:b xmlns:p=\"urn:1\" xmlns:q=\"urn:q\" q:x=\"1\"><c xmlns=\"\"/></p:b></p:Envelope>"
    );
    // Where the binding is already in effect nothing is added.
    let out = written(|w| {
        w.start_element(Some("p"), "Envelope")?
            .declare_namespace(Some("p"), "urn:1")?
            .declare_namespace(Some("q"), "urn:q")?;
        w.copy_element(b)?;
        w.end_element()?;
        Ok(())
    });
    assert_eq!(out, "<p:Envelope xmlns:p=\"urn:1\" xmlns:q=\"urn:q\"><p:b q:x=\"1\"><c/></p:b></p:Envelope>");
}

#[test]
fn body_with_a_carriage_return_round_trips_byte_exactly() {
    let value = "regel 1\r\nregel 2\rregel 3 & <4>";
    let mut w = XmlWriter::new();
    w.start_element(Some("soap"), "Body")
        .and_then(|w| w.declare_namespace(Some("soap"), "http://schemas.xmlsoap.org/soap/envelope/"))
        .and_then(|w| w.text_element(None, "Opmerking", value))
        .and_then(|w| w.end_element())
        .expect("write");
    let bytes = w.finish().expect("finish");
    assert_eq!(
        String::from_utf8_lossy(&bytes),
        "<soap:Body xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><Opmerking>regel 1&#xD;\nregel 2&#xD;regel 3 &amp; &lt;4&gt;</Opmerking></soap:Body>"
    );
    let doc = parse(&bytes);
    let op = doc.root().child_elements().next().expect("Opmerking");
    assert_eq!(op.text(), value);
    // The canonical form of the Body is the written bytes (no declaration to drop, no attribute to sort).
    assert_eq!(c14n(doc.root(), false, ""), bytes);
    // And the same text read from an input that used `&#13;`.
    let doc = parse(b"<Body><Opmerking>regel 1&#13;\nregel 2&#13;regel 3 &amp; &lt;4></Opmerking></Body>");
    let op = doc.root().child_elements().next().expect("Opmerking");
    assert_eq!(op.text(), value);
    let texts: Vec<&str> = op
        .children()
        .filter_map(|n| match n {
            Node::Text(t) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(texts.concat(), value);
}

/// Every corpus document and message fixture survives parse → copy → parse
/// with the canonical form of every element unchanged.
#[test]
fn corpus_and_fixtures_round_trip_through_the_writer() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["tests/c14n/corpus", "tests/fixtures/messages"] {
        for entry in std::fs::read_dir(root.join(dir)).expect(dir) {
            let path = entry.expect("dir entry").path();
            if path.extension().is_some_and(|e| e == "xml") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 60, "only {} files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).expect("read");
        let doc = parse(&bytes);
        let written = match copy(doc.root()) {
            Ok(w) => w,
            Err(e) => {
                failures.push(format!("{}: copy_element: {e}", path.display()));
                continue;
            }
        };
        let again = parse(&written);
        for (a, b) in doc.root().descendants().zip(again.root().descendants()) {
            for comments in [false, true] {
                if c14n(a, comments, "") != c14n(b, comments, "") {
                    failures.push(format!("{}: <{}> differs after the round trip", path.display(), a.qualified_name()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
