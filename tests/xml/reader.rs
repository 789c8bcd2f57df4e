//! The strict reader: every rule it enforces and every limit, each asserting the
//! exact error variant (SPEC §4 rule 1; attack catalogue A8, A9, A15, A16).

use dho_wss::xml::{Document, Limit, Limits, Node, XmlError, XmlErrorKind};

fn reject(input: &str) -> XmlError {
    match Document::parse(input.as_bytes()) {
        Ok(_) => panic!("accepted: {input:?}"),
        Err(e) => e,
    }
}

fn kind(input: &str) -> XmlErrorKind {
    reject(input).kind
}

#[test]
fn doctype_is_rejected_before_any_entity_is_expanded() {
    assert_eq!(kind("<!DOCTYPE a><a/>"), XmlErrorKind::Doctype);
    let billion_laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>"#;
    assert_eq!(kind(billion_laughs), XmlErrorKind::Doctype);
    let xxe = r#"<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>"#;
    assert_eq!(kind(xxe), XmlErrorKind::Doctype);
}

#[test]
fn undeclared_entities_are_rejected() {
    assert_eq!(kind("<a>&xxe;</a>"), XmlErrorKind::EntityReference { name: "xxe".into() });
    assert_eq!(kind("<a b='&nbsp;'/>"), XmlErrorKind::EntityReference { name: "nbsp".into() });
}

#[test]
fn predefined_entities_and_character_references_are_resolved() {
    let doc = Document::parse(b"<a b='&lt;&#x41;&#66;&quot;'>&amp;&lt;&gt;&apos;&quot;&#13;&#x1F600;</a>").unwrap();
    assert_eq!(doc.root().attribute(None, "b"), Some("<AB\""));
    assert_eq!(doc.root().text(), "&<>'\"\r\u{1F600}");
}

#[test]
fn malformed_references_are_rejected() {
    assert_eq!(kind("<a>&#;</a>"), XmlErrorKind::MalformedReference);
    assert_eq!(kind("<a>&#x;</a>"), XmlErrorKind::MalformedReference);
    assert_eq!(kind("<a>&#12a;</a>"), XmlErrorKind::MalformedReference);
    assert_eq!(kind("<a b='&#xZZ;'/>"), XmlErrorKind::MalformedReference);
    assert_eq!(kind("<a b='a & b'/>"), XmlErrorKind::MalformedReference);
}

#[test]
fn processing_instructions_are_rejected() {
    assert_eq!(kind("<?pi data?><a/>"), XmlErrorKind::ProcessingInstruction);
    assert_eq!(kind("<a><?pi data?></a>"), XmlErrorKind::ProcessingInstruction);
    assert_eq!(kind("<a/><?pi?>"), XmlErrorKind::ProcessingInstruction);
    // An XML declaration anywhere but at the very start is a PI named xml.
    assert_eq!(kind(" <?xml version='1.0'?><a/>"), XmlErrorKind::ProcessingInstruction);
}

#[test]
fn encodings_other_than_utf8_are_rejected() {
    assert!(matches!(kind("<?xml version='1.0' encoding='ISO-8859-1'?><a/>"), XmlErrorKind::NotUtf8 { .. }));
    assert!(matches!(Document::parse(b"<a>\xe9</a>").unwrap_err().kind, XmlErrorKind::NotUtf8 { .. }));
    assert!(matches!(Document::parse(b"\xff\xfe<\0a\0/\0>\0").unwrap_err().kind, XmlErrorKind::NotUtf8 { .. }));
    // A UTF-8 byte-order mark and a UTF-8 declaration are fine.
    assert!(Document::parse(b"\xef\xbb\xbf<?xml version='1.0' encoding='utf-8'?><a/>").is_ok());
}

#[test]
fn xml_declaration_must_be_version_1_0() {
    assert!(matches!(kind("<?xml version='1.1'?><a/>"), XmlErrorKind::BadDeclaration { .. }));
}

#[test]
fn illegal_characters_are_rejected_raw_and_as_references() {
    assert_eq!(kind("<a>\u{1}</a>"), XmlErrorKind::IllegalCharacter { code: 1 });
    assert_eq!(kind("<a b='\u{0}'/>"), XmlErrorKind::IllegalCharacter { code: 0 });
    assert_eq!(kind("<a>\u{FFFE}</a>"), XmlErrorKind::IllegalCharacter { code: 0xFFFE });
    assert_eq!(kind("<a>&#1;</a>"), XmlErrorKind::IllegalCharacterReference { code: 1 });
    assert_eq!(kind("<a>&#x0;</a>"), XmlErrorKind::IllegalCharacterReference { code: 0 });
    assert_eq!(kind("<a>&#xD800;</a>"), XmlErrorKind::IllegalCharacterReference { code: 0xD800 });
    assert_eq!(kind("<a>&#x110000;</a>"), XmlErrorKind::IllegalCharacterReference { code: 0x110000 });
    assert_eq!(kind("<a b='&#xFFFF;'/>"), XmlErrorKind::IllegalCharacterReference { code: 0xFFFF });
    assert_eq!(kind("<a>&#99999999999;</a>"), XmlErrorKind::IllegalCharacterReference { code: u32::MAX });
}

#[test]
fn lt_in_attribute_value_is_rejected() {
    assert_eq!(kind("<a b='x<y'/>"), XmlErrorKind::LtInAttributeValue);
}

#[test]
fn invalid_names_are_rejected() {
    assert!(matches!(kind("<1a/>"), XmlErrorKind::InvalidName { .. } | XmlErrorKind::Syntax { .. }));
    assert_eq!(kind("<a:b:c xmlns:a='urn:a'/>"), XmlErrorKind::InvalidName { name: "a:b:c".into() });
    assert_eq!(kind("<a 1b='x'/>"), XmlErrorKind::InvalidName { name: "1b".into() });
    assert_eq!(kind("<a :b='x'/>"), XmlErrorKind::InvalidName { name: ":b".into() });
    assert_eq!(kind("<a xmlns:1='urn:x'/>"), XmlErrorKind::InvalidName { name: "xmlns:1".into() });
}

#[test]
fn exactly_one_root_and_nothing_else_outside_it() {
    assert_eq!(kind("<a/><b/>"), XmlErrorKind::MultipleRoots);
    assert_eq!(kind("<a></a><b></b>"), XmlErrorKind::MultipleRoots);
    assert_eq!(kind("text<a/>"), XmlErrorKind::ContentOutsideRoot);
    assert_eq!(kind("<a/>text"), XmlErrorKind::ContentOutsideRoot);
    assert_eq!(kind("<a/>&amp;"), XmlErrorKind::ContentOutsideRoot);
    assert_eq!(kind("<a/><![CDATA[x]]>"), XmlErrorKind::ContentOutsideRoot);
    assert_eq!(kind(""), XmlErrorKind::NoRoot);
    assert_eq!(kind("  <!-- only a comment -->  "), XmlErrorKind::NoRoot);
    assert!(Document::parse(b" \r\n<!--c--> <a/> \n<!--d-->\n").is_ok());
}

#[test]
fn cdata_end_in_text_is_rejected() {
    assert_eq!(kind("<a>x]]>y</a>"), XmlErrorKind::CdataEndInText);
    // Allowed inside attribute values and as escaped text.
    assert!(Document::parse(b"<a b=']]>'>]]&gt;</a>").is_ok());
}

#[test]
fn double_hyphen_in_comments_is_rejected() {
    assert_eq!(kind("<a><!-- x -- y --></a>"), XmlErrorKind::DoubleHyphenInComment);
    assert_eq!(kind("<a><!-- x ---></a>"), XmlErrorKind::DoubleHyphenInComment);
}

#[test]
fn undeclared_prefixes_are_rejected() {
    assert_eq!(kind("<p:a/>"), XmlErrorKind::UndeclaredPrefix { prefix: "p".into() });
    assert_eq!(kind("<a p:b='1'/>"), XmlErrorKind::UndeclaredPrefix { prefix: "p".into() });
    // A declaration's scope ends with its element.
    assert_eq!(kind("<r><a xmlns:p='urn:p'/><p:b/></r>"), XmlErrorKind::UndeclaredPrefix { prefix: "p".into() });
    // Declarations may follow their use on the same element.
    assert!(Document::parse(b"<p:a p:b='1' xmlns:p='urn:p'/>").is_ok());
}

#[test]
fn duplicate_attributes_are_rejected_also_under_two_prefixes() {
    assert!(matches!(kind("<a b='1' b='2'/>"), XmlErrorKind::DuplicateAttribute { .. }));
    assert_eq!(
        kind("<a xmlns:p='urn:x' xmlns:q='urn:x' p:b='1' q:b='2'/>"),
        XmlErrorKind::DuplicateAttribute { name: "q:b".into() }
    );
    assert!(matches!(kind("<a xmlns:p='urn:x' xmlns:p='urn:y'/>"), XmlErrorKind::DuplicateAttribute { .. }));
    // Same local name in different namespaces is fine.
    assert!(Document::parse(b"<a xmlns:p='urn:x' xmlns:q='urn:y' p:b='1' q:b='2' b='3'/>").is_ok());
}

#[test]
fn rebinding_xml_and_xmlns_is_rejected() {
    assert!(matches!(kind("<a xmlns:xml='urn:other'/>"), XmlErrorKind::ReservedNamespace { .. }));
    assert!(matches!(kind("<a xmlns:xmlns='urn:other'/>"), XmlErrorKind::ReservedNamespace { .. }));
    assert!(matches!(
        kind("<a xmlns:p='http://www.w3.org/XML/1998/namespace'/>"),
        XmlErrorKind::ReservedNamespace { .. }
    ));
    assert!(matches!(kind("<a xmlns='http://www.w3.org/2000/xmlns/'/>"), XmlErrorKind::ReservedNamespace { .. }));
    assert!(matches!(kind("<xmlns:a/>"), XmlErrorKind::ReservedNamespace { .. }));
    // Declaring xml to its own namespace is legal and changes nothing.
    let doc = Document::parse(b"<a xmlns:xml='http://www.w3.org/XML/1998/namespace' xml:lang='nl'/>").unwrap();
    assert_eq!(doc.root().namespace_declarations().count(), 0);
    assert_eq!(doc.root().attribute(Some("http://www.w3.org/XML/1998/namespace"), "lang"), Some("nl"));
}

#[test]
fn empty_prefixed_namespace_is_rejected() {
    assert_eq!(kind("<a xmlns:p=''/>"), XmlErrorKind::EmptyPrefixedNamespace { prefix: "p".into() });
}

#[test]
fn mismatched_and_unclosed_tags_are_rejected() {
    assert_eq!(kind("<a></b>"), XmlErrorKind::MismatchedEndTag { expected: "a".into(), found: "b".into() });
    assert_eq!(kind("<a><b></a></b>"), XmlErrorKind::MismatchedEndTag { expected: "b".into(), found: "a".into() });
    assert_eq!(kind("<a>"), XmlErrorKind::UnexpectedEof);
    assert_eq!(kind("<a><!-- x"), XmlErrorKind::UnexpectedEof);
    assert!(matches!(kind("</a>"), XmlErrorKind::MismatchedEndTag { .. }));
}

#[test]
fn errors_say_where() {
    let e = reject("<a>\n  <b>&bogus;</b>\n</a>");
    assert_eq!(e.kind, XmlErrorKind::EntityReference { name: "bogus".into() });
    assert_eq!(e.position.line, 2);
    assert_eq!(e.position.column, 6);
    let text = e.to_string();
    assert!(text.contains("line 2"), "{text}");
    let e = reject("<a>é\u{1}</a>");
    assert_eq!((e.position.offset, e.position.column), (5, 5));
}

#[test]
fn line_ends_are_normalized_in_text_and_attributes() {
    let doc = Document::parse(b"<a b='x\r\ny\rz\tw'>1\r\n2\r3&#13;4</a>").unwrap();
    assert_eq!(doc.root().attribute(None, "b"), Some("x y z w"));
    assert_eq!(doc.root().text(), "1\n2\n3\r4");
    let doc = Document::parse(b"<a b='&#9;&#10;&#13;'/>").unwrap();
    assert_eq!(doc.root().attribute(None, "b"), Some("\t\n\r"));
}

#[test]
fn text_cdata_and_references_merge_into_one_node() {
    let doc = Document::parse(b"<a>x<![CDATA[<y>]]>&amp;z<!--c-->w</a>").unwrap();
    let kids: Vec<String> = doc
        .root()
        .children()
        .map(|n| match n {
            Node::Text(t) => format!("T:{t}"),
            Node::Comment(c) => format!("C:{c}"),
            Node::Element(e) => format!("E:{}", e.local_name()),
        })
        .collect();
    assert_eq!(kids, ["T:x<y>&z", "C:c", "T:w"]);
}

#[test]
fn namespaces_resolve() {
    let doc = Document::parse(
        b"<s:E xmlns:s='urn:s' xmlns='urn:d'><B a='1' s:b='2'><C xmlns=''/><s:D xmlns:s='urn:s2'/></B></s:E>",
    )
    .unwrap();
    let root = doc.root();
    assert!(root.is(Some("urn:s"), "E"));
    let b = root.child_elements().next().unwrap();
    assert!(b.is(Some("urn:d"), "B"));
    assert_eq!(b.attribute(None, "a"), Some("1"));
    assert_eq!(b.attribute(Some("urn:s"), "b"), Some("2"));
    let kids: Vec<_> = b.child_elements().collect();
    assert!(kids[0].is(None, "C"));
    assert!(kids[1].is(Some("urn:s2"), "D"));
    assert_eq!(kids[1].lookup_namespace(None), Some("urn:d"));
    assert_eq!(kids[0].lookup_namespace(None), Some(""));
    let names: Vec<_> = root.descendants().map(|e| e.local_name()).collect();
    assert_eq!(names, ["E", "B", "C", "D"]);
}

// ---- limits: N passes, N+1 fails with its own error ----

fn limits() -> Limits {
    Limits::default()
}

fn limit_of(r: Result<Document, XmlError>) -> Option<Limit> {
    match r {
        Err(XmlError { kind: XmlErrorKind::LimitExceeded { limit, .. }, .. }) => Some(limit),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => None,
    }
}

#[test]
fn input_size_limit() {
    let doc = format!("<a>{}</a>", "x".repeat(93));
    assert_eq!(doc.len(), 100);
    let mut l = limits();
    l.max_input_bytes = 100;
    assert_eq!(limit_of(Document::parse_with(doc.as_bytes(), &l)), None);
    l.max_input_bytes = 99;
    assert_eq!(limit_of(Document::parse_with(doc.as_bytes(), &l)), Some(Limit::InputBytes));
}

#[test]
fn depth_limit() {
    let nest = |n: usize| format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
    let mut l = limits();
    l.max_depth = 10;
    assert_eq!(limit_of(Document::parse_with(nest(10).as_bytes(), &l)), None);
    assert_eq!(limit_of(Document::parse_with(nest(11).as_bytes(), &l)), Some(Limit::Depth));
    // The default limit holds against a deep bomb without exhausting the stack.
    assert_eq!(limit_of(Document::parse(nest(100_000).as_bytes())), Some(Limit::Depth));
}

#[test]
fn attribute_limit() {
    let el = |n: usize| format!("<a{}/>", (0..n).map(|i| format!(" a{i}='1'")).collect::<String>());
    let mut l = limits();
    l.max_attributes = 5;
    assert_eq!(limit_of(Document::parse_with(el(5).as_bytes(), &l)), None);
    assert_eq!(limit_of(Document::parse_with(el(6).as_bytes(), &l)), Some(Limit::AttributesPerElement));
    // Namespace declarations do not count as attributes.
    let with_ns =
        format!("<a xmlns:p='urn:p' xmlns='urn:d'{}/>", (0..5).map(|i| format!(" a{i}='1'")).collect::<String>());
    assert_eq!(limit_of(Document::parse_with(with_ns.as_bytes(), &l)), None);
}

#[test]
fn namespaces_in_scope_limit() {
    // 3 declarations on the root and 2 on the child: 5 in scope at the child.
    let doc = |extra: usize| {
        format!(
            "<a xmlns:a='urn:a' xmlns:b='urn:b' xmlns:c='urn:c'><b{}/></a>",
            (0..extra).map(|i| format!(" xmlns:n{i}='urn:n{i}'")).collect::<String>()
        )
    };
    let mut l = limits();
    l.max_namespaces_in_scope = 5;
    assert_eq!(limit_of(Document::parse_with(doc(2).as_bytes(), &l)), None);
    assert_eq!(limit_of(Document::parse_with(doc(3).as_bytes(), &l)), Some(Limit::NamespacesInScope));
    // Siblings do not add up: scope ends with the element.
    let siblings = format!("<a>{}</a>", "<b xmlns:x='urn:x' xmlns:y='urn:y'/>".repeat(100));
    assert_eq!(limit_of(Document::parse_with(siblings.as_bytes(), &l)), None);
}

#[test]
fn per_element_counts_are_capped_at_65535_whatever_the_limits_say() {
    // The tree stores per-element counts in 16 bits: a higher limit must refuse, not wrap.
    let el = |n: usize| format!("<a{}/>", (0..n).map(|i| format!(" a{i}='1'")).collect::<String>());
    let mut l = limits();
    l.max_input_bytes = usize::MAX;
    l.max_attributes = usize::MAX;
    let doc = Document::parse_with(el(65_535).as_bytes(), &l).expect("65535 attributes");
    assert_eq!(doc.root().attributes().len(), 65_535);
    assert_eq!(doc.root().attribute(None, "a65534"), Some("1"));
    match Document::parse_with(el(65_536).as_bytes(), &l) {
        Err(XmlError { kind: XmlErrorKind::LimitExceeded { limit: Limit::AttributesPerElement, max }, .. }) => {
            assert_eq!(max, 65_535)
        }
        other => panic!("65536 attributes: {other:?}"),
    }

    // Namespaces in scope, spread over nesting levels (64 declarations per level).
    let level = |d: usize| (0..64).map(|i| format!(" xmlns:p{d}x{i}='urn:{d}:{i}'")).collect::<String>();
    let nest = |levels: usize| {
        let open: String = (0..levels).map(|d| format!("<e{level}>", level = level(d))).collect();
        format!("{open}{}", "</e>".repeat(levels))
    };
    l.max_depth = 2000;
    l.max_namespaces_in_scope = usize::MAX;
    assert!(Document::parse_with(nest(1023).as_bytes(), &l).is_ok(), "65472 declarations in scope");
    match Document::parse_with(nest(1025).as_bytes(), &l) {
        Err(XmlError { kind: XmlErrorKind::LimitExceeded { limit: Limit::NamespacesInScope, max }, .. }) => {
            assert_eq!(max, 65_535)
        }
        other => panic!("65600 declarations in scope: {other:?}"),
    }
}

#[test]
fn duplicates_among_many_attributes_name_the_second_occurrence() {
    let mut l = limits();
    l.max_attributes = 20_010;
    let many: String = (0..19_998).map(|i| format!(" a{i}='1'")).collect();
    let doc = format!("<a{many} a7='2' a3='2'/>");
    assert_eq!(
        Document::parse_with(doc.as_bytes(), &l).map(|_| ()).unwrap_err().kind,
        XmlErrorKind::DuplicateAttribute { name: "a7".into() }
    );
    // Expanded names: two prefixes bound to one namespace, among many attributes.
    let doc = format!("<a xmlns:p='urn:x' xmlns:q='urn:x' p:z='1'{many} q:y='2' q:z='2'/>");
    assert_eq!(
        Document::parse_with(doc.as_bytes(), &l).map(|_| ()).unwrap_err().kind,
        XmlErrorKind::DuplicateAttribute { name: "q:z".into() }
    );
    assert_eq!(kind("<a xmlns='urn:a' xmlns='urn:b'/>"), XmlErrorKind::DuplicateAttribute { name: "xmlns".into() });
}

#[test]
fn text_size_limit_counts_decoded_merged_text() {
    let mut l = limits();
    l.max_text_bytes = 10;
    assert_eq!(limit_of(Document::parse_with(b"<a>0123456789</a>", &l)), None);
    assert_eq!(limit_of(Document::parse_with(b"<a>0123456789x</a>", &l)), Some(Limit::TextBytes));
    // CDATA and references are part of the same text node.
    assert_eq!(limit_of(Document::parse_with(b"<a>01234<![CDATA[56789]]>&amp;</a>", &l)), Some(Limit::TextBytes));
    // Attribute values are bounded by the input size, not by this limit.
    assert_eq!(limit_of(Document::parse_with(b"<a b='0123456789xyz'/>", &l)), None);
}

#[test]
fn garbage_never_panics() {
    for input in [
        &b"<"[..],
        b"<a",
        b"<a b",
        b"<a b=",
        b"<a b='",
        b"<a b='1'",
        b"<![CDATA[",
        b"<!-",
        b"<!DOCTYPE",
        b"&",
        b"<a>&",
        b"<a>&#",
        b"<a>&#x",
        b"</",
        b"<?",
        b"<?xml",
        b"\xef\xbb",
        b"<a/\x00>",
        b"<a xmlns:=''/>",
        b"<a b=\"1\"c=\"2\"/>",
    ] {
        assert!(Document::parse(input).is_err(), "accepted {:?}", String::from_utf8_lossy(input));
    }
}
