//! The one XML reader of the crate: quick-xml tokenizes, this module decides.
//!
//! quick-xml is lax on purpose (it is a pull parser for trusted and untrusted
//! data alike); here every well-formedness and namespace rule that matters for
//! signature verification is enforced, and every rejection says what and where.

use std::collections::HashMap;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::chars::{is_ncname, is_xml_char, scan, split_qname};
use super::error::{Limit, Position, XmlError, XmlErrorKind};
use super::tree::{Document, ElementData, ItemData, NodeData, NodeKind, Str, MAX_SPAN, NONE, XMLNS_NS, XML_NS};

/// Resource limits of the reader. Each is inclusive: a document exactly at a
/// limit is read, one unit more is rejected with [`XmlErrorKind::LimitExceeded`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Input size in bytes. Default 16 MiB; inputs of 2 GiB or more are always refused.
    pub max_input_bytes: usize,
    /// Element nesting depth (the root is depth 1). Default 128.
    pub max_depth: usize,
    /// Attributes on one element, namespace declarations not counted. Default 64;
    /// values above 65535 act as 65535.
    pub max_attributes: usize,
    /// Namespace declarations on an element and its ancestors together. Default 64;
    /// values above 65535 act as 65535.
    pub max_namespaces_in_scope: usize,
    /// Bytes of one text node (after decoding). Default 8 MiB.
    pub max_text_bytes: usize,
    /// Entries of one `ec:InclusiveNamespaces` PrefixList, repeats counted. Not a
    /// reader limit: the verifier applies it to each PrefixList before building a
    /// canonicalizer from it. Default 128, twice the namespaces a document may have
    /// in scope by default, so every prefix a real signer can list fits (attack
    /// catalogue F1).
    pub max_prefix_list_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 16 << 20,
            max_depth: 128,
            max_attributes: 64,
            max_namespaces_in_scope: 64,
            max_text_bytes: 8 << 20,
            max_prefix_list_entries: 128,
        }
    }
}

impl Document {
    /// Reads a document with the default [`Limits`].
    pub fn parse(input: &[u8]) -> Result<Document, XmlError> {
        Self::parse_with(input, &Limits::default())
    }

    /// Reads a document with the given limits, taking ownership of the input so
    /// that the document keeps it without a copy (for large messages).
    pub fn parse_owned(mut input: Vec<u8>, limits: &Limits) -> Result<Document, XmlError> {
        let mut doc = Self::read(&input, limits, false)?;
        if input.starts_with(b"\xEF\xBB\xBF") {
            input.drain(..3);
        }
        // `read` checked that these bytes are UTF-8; the check here is linear and cannot fail.
        doc.src = match String::from_utf8(input) {
            Ok(s) => s.into_boxed_str(),
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                return Err(XmlError {
                    kind: XmlErrorKind::NotUtf8 { detail: "invalid UTF-8 sequence".into() },
                    position: Position::locate(e.as_bytes(), offset),
                });
            }
        };
        Ok(doc)
    }

    /// Reads a document with the given limits.
    pub fn parse_with(input: &[u8], limits: &Limits) -> Result<Document, XmlError> {
        Self::read(input, limits, true)
    }

    fn read(input: &[u8], limits: &Limits, copy_source: bool) -> Result<Document, XmlError> {
        let err = |kind, offset| XmlError { kind, position: Position::locate(input, offset) };
        // Spans are 31-bit; larger inputs are refused whatever the limit says.
        if input.len() > limits.max_input_bytes || input.len() >= MAX_SPAN {
            return Err(err(
                XmlErrorKind::LimitExceeded { limit: Limit::InputBytes, max: limits.max_input_bytes },
                limits.max_input_bytes.min(input.len()),
            ));
        }
        let (bom, body) = match input {
            [0xEF, 0xBB, 0xBF, rest @ ..] => (3, rest),
            [0xFE, 0xFF, ..] | [0xFF, 0xFE, ..] => {
                return Err(err(XmlErrorKind::NotUtf8 { detail: "UTF-16 byte-order mark".into() }, 0))
            }
            _ => (0, input),
        };
        let src = std::str::from_utf8(body).map_err(|e| {
            err(XmlErrorKind::NotUtf8 { detail: "invalid UTF-8 sequence".into() }, bom + e.valid_up_to())
        })?;
        let lt_count = match scan(src) {
            Ok(n) => n,
            Err((at, c)) => return Err(err(XmlErrorKind::IllegalCharacter { code: c as u32 }, bom + at)),
        };
        let mut doc = Builder::new(src, limits, lt_count).run().map_err(|(kind, at)| err(kind, bom + at))?;
        if copy_source {
            doc.src = Box::from(src);
        }
        Ok(doc)
    }
}

type Fail = (XmlErrorKind, usize);

/// Interned namespace URIs searched in order before they go into a hash map.
const NS_LIST_MAX: usize = 16;

/// A vector of `capacity` holding `first`.
fn with_first<T>(capacity: usize, first: T) -> Vec<T> {
    let mut v = Vec::with_capacity(capacity);
    v.push(first);
    v
}

/// Text being collected between two non-text events.
enum Pending {
    None,
    /// One undecoded run of the input: (start, length).
    Span(u32, u32),
    /// Decoded text being built at the end of `Document::decoded`, from this offset.
    Decoded(u32),
}

struct Open {
    node: u32,
    /// The last child added so far, to link the next one to.
    last_child: u32,
    /// Length of the namespace scope stack before this element's declarations.
    scope_mark: usize,
}

struct Builder<'s> {
    src: &'s str,
    limits: &'s Limits,
    doc: Document,
    /// Interned namespace URIs and their indices: searched in order while there are few (a
    /// message has a handful), moved into `ns_index` when there are more.
    ns_list: Vec<(&'s str, u32)>,
    ns_index: HashMap<&'s str, u32>,
    /// In-scope declarations: (prefix, "" for default; namespace index).
    scope: Vec<(&'s str, u32)>,
    stack: Vec<Open>,
    pending: Pending,
    /// Scratch for `start`: the element's plain attributes (prefix, local, value, name) …
    plain: Vec<(Option<&'s str>, &'s str, Str, &'s str)>,
    /// … its attribute names with their positions …
    keys: Vec<(&'s str, u32)>,
    /// … and its prefixed attributes' expanded names with their positions.
    expanded: Vec<((u32, &'s str), u32)>,
    /// Byte offset of the event being handled.
    at: usize,
}

impl<'s> Builder<'s> {
    /// `lt_count`: the number of `<` in `src`.
    fn new(src: &'s str, limits: &'s Limits, lt_count: usize) -> Self {
        let doc = Document {
            src: Box::from(""),
            decoded: String::new(),
            // About one node per '<' (an element has two, and text sits between tags):
            // sizing once avoids the doubling that briefly holds two arenas.
            nodes: Vec::with_capacity(lt_count + 2),
            // Small starting sizes for what most messages need, so that a small document is
            // not built by a series of doubling reallocations (a large one still grows).
            items: Vec::with_capacity((lt_count / 2).min(64)),
            namespaces: with_first(8, Box::from("")),
            top: Vec::new(),
            root: NONE,
        };
        Builder {
            src,
            limits,
            doc,
            ns_list: with_first(NS_LIST_MAX, ("", 0)),
            ns_index: HashMap::new(),
            scope: Vec::with_capacity(16),
            stack: Vec::with_capacity(16),
            pending: Pending::None,
            plain: Vec::with_capacity(8),
            keys: Vec::with_capacity(8),
            expanded: Vec::with_capacity(8),
            at: 0,
        }
    }

    fn fail<T>(&self, kind: XmlErrorKind) -> Result<T, Fail> {
        Err((kind, self.at))
    }

    /// Span of a slice that the slice reader handed out from `src`.
    fn span_of(&self, part: &[u8]) -> Str {
        let base = self.src.as_ptr() as usize;
        let p = part.as_ptr() as usize;
        // Events of a slice reader borrow from `src`; anything else is a tokenizer
        // surprise and becomes an empty span (call sites only pass borrowed slices).
        if p < base || p + part.len() > base + self.src.len() {
            return Str::default();
        }
        Str::input((p - base) as u32, part.len() as u32)
    }

    /// The same slice as a `str` of the input's lifetime; errors if it is not
    /// a slice of the input on character boundaries.
    fn text_of(&self, part: &[u8]) -> Result<&'s str, Fail> {
        let s = self.span_of(part);
        let src: &'s str = self.src;
        match src.get(s.start() as usize..(s.start() + s.len()) as usize) {
            Some(t) if s.len() as usize == part.len() => Ok(t),
            _ => self.fail(XmlErrorKind::Syntax { detail: "tokenizer returned a slice outside the input".into() }),
        }
    }

    fn run(mut self) -> Result<Document, Fail> {
        let src = self.src;
        let mut reader = Reader::from_str(src);
        let cfg = reader.config_mut();
        cfg.trim_text(false);
        cfg.check_end_names = false;
        cfg.check_comments = false;
        cfg.expand_empty_elements = false;
        cfg.allow_dangling_amp = false;
        cfg.allow_unmatched_ends = false;
        let mut seen_root = false;
        loop {
            self.at = reader.buffer_position() as usize;
            let event = match reader.read_event() {
                Ok(ev) => ev,
                Err(e) => {
                    let at = reader.error_position() as usize;
                    return Err((map_quick_xml_error(&e, self.stack.is_empty()), at));
                }
            };
            match event {
                Event::Decl(d) => {
                    if self.at != 0 {
                        return self.fail(XmlErrorKind::ProcessingInstruction);
                    }
                    self.check_decl(&d)?;
                }
                Event::PI(_) => return self.fail(XmlErrorKind::ProcessingInstruction),
                Event::DocType(_) => return self.fail(XmlErrorKind::Doctype),
                Event::Start(e) | Event::Empty(e) if self.stack.is_empty() && seen_root => {
                    let _ = e;
                    return self.fail(XmlErrorKind::MultipleRoots);
                }
                Event::Start(e) => {
                    seen_root = true;
                    self.start(&e, false)?;
                }
                Event::Empty(e) => {
                    seen_root = true;
                    self.start(&e, true)?;
                }
                Event::End(e) => self.end(e.name().as_ref())?,
                Event::Text(t) => {
                    let raw = self.text_of(&t)?;
                    if self.stack.is_empty() {
                        if !raw.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) {
                            return self.fail(XmlErrorKind::ContentOutsideRoot);
                        }
                    } else {
                        if let Some(p) = find_cdata_end(raw) {
                            self.at += p;
                            return self.fail(XmlErrorKind::CdataEndInText);
                        }
                        self.push_text(raw)?;
                    }
                }
                Event::CData(c) => {
                    if self.stack.is_empty() {
                        return self.fail(XmlErrorKind::ContentOutsideRoot);
                    }
                    let raw = self.text_of(&c)?;
                    self.push_text(raw)?;
                }
                Event::GeneralRef(r) => {
                    if self.stack.is_empty() {
                        return self.fail(XmlErrorKind::ContentOutsideRoot);
                    }
                    let name = std::str::from_utf8(&r).map_err(|_| (XmlErrorKind::MalformedReference, self.at))?;
                    let c = resolve_reference(name).map_err(|k| (k, self.at))?;
                    let mut buf = [0u8; 4];
                    self.push_decoded(c.encode_utf8(&mut buf))?;
                }
                Event::Comment(c) => {
                    let raw = self.text_of(&c)?;
                    if raw.contains("--") || raw.ends_with('-') {
                        return self.fail(XmlErrorKind::DoubleHyphenInComment);
                    }
                    self.flush_text();
                    let s = self.normalized(raw);
                    let id = self.add_node(NodeKind::Comment(s));
                    if self.stack.is_empty() {
                        self.doc.top.push(id);
                    }
                }
                Event::Eof => break,
            }
        }
        if !self.stack.is_empty() {
            self.at = src.len();
            return self.fail(XmlErrorKind::UnexpectedEof);
        }
        if self.doc.root == NONE {
            self.at = src.len();
            return self.fail(XmlErrorKind::NoRoot);
        }
        // The caller attaches the source (a copy, or the owned input itself).
        Ok(self.doc)
    }

    /// The XMLDecl grammar (XML 1.0 §2.8): `version`, then optional `encoding`
    /// and `standalone`, in that order, once each; quick-xml reads these
    /// attributes leniently, so the raw text is checked here.
    fn check_decl(&self, d: &quick_xml::events::BytesDecl<'_>) -> Result<(), Fail> {
        let bad = |detail: String| Err((XmlErrorKind::BadDeclaration { detail }, 0));
        let raw = match std::str::from_utf8(d) {
            Ok(r) => r,
            Err(_) => return bad("not UTF-8".into()),
        };
        let Some(mut rest) = raw.strip_prefix("xml") else {
            return bad("not an XML declaration".into());
        };
        let is_space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
        let mut seen: Vec<(&str, &str)> = Vec::new();
        loop {
            let trimmed = rest.trim_start_matches(is_space);
            if trimmed.is_empty() {
                break;
            }
            if trimmed.len() == rest.len() {
                return bad("white space required between pseudo-attributes".into());
            }
            let name_len = trimmed.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(trimmed.len());
            let (name, after) = trimmed.split_at(name_len);
            let after = after.trim_start_matches(is_space);
            let Some(after) = after.strip_prefix('=') else {
                return bad(format!("expected '=' after {name:?}"));
            };
            let after = after.trim_start_matches(is_space);
            let quote = match after.chars().next() {
                Some(q @ ('"' | '\'')) => q,
                _ => return bad(format!("{name} value must be quoted")),
            };
            let Some(close) = after[1..].find(quote) else {
                return bad(format!("unterminated {name} value"));
            };
            seen.push((name, &after[1..1 + close]));
            rest = &after[2 + close..];
        }
        let order = ["version", "encoding", "standalone"];
        let mut last = None;
        for (name, _) in &seen {
            let Some(i) = order.iter().position(|o| o == name) else {
                return bad(format!("unknown pseudo-attribute {name:?}"));
            };
            if last.is_some_and(|l| i <= l) {
                return bad(format!("{name} repeated or out of order"));
            }
            last = Some(i);
        }
        match seen.first() {
            Some(("version", "1.0")) => {}
            Some(("version", v)) => return bad(format!("version {v:?}")),
            _ => return bad("version is required and comes first".into()),
        }
        for &(name, value) in &seen[1..] {
            match name {
                "encoding" if value.eq_ignore_ascii_case("utf-8") => {}
                "encoding" => {
                    return Err((XmlErrorKind::NotUtf8 { detail: format!("declared encoding {value:?}") }, 0));
                }
                _ if value == "yes" || value == "no" => {}
                _ => return bad(format!("standalone must be yes or no, not {value:?}")),
            }
        }
        Ok(())
    }

    fn add_node(&mut self, kind: NodeKind) -> u32 {
        let id = self.doc.nodes.len() as u32;
        let (parent, last) = match self.stack.last_mut() {
            Some(open) => (open.node, std::mem::replace(&mut open.last_child, id)),
            None => (NONE, NONE),
        };
        self.doc.nodes.push(NodeData { parent, next_sibling: NONE, kind });
        if last != NONE {
            self.doc.nodes[last as usize].next_sibling = id;
        }
        id
    }

    /// Line-end normalization (XML 1.0 §2.11) of literal text.
    fn normalized(&mut self, raw: &'s str) -> Str {
        if !raw.contains('\r') {
            return self.span_of(raw.as_bytes());
        }
        let start = self.doc.decoded.len();
        push_normalized_eol(&mut self.doc.decoded, raw);
        Str::decoded(start as u32, (self.doc.decoded.len() - start) as u32)
    }

    fn push_text(&mut self, raw: &'s str) -> Result<(), Fail> {
        if raw.is_empty() {
            return Ok(());
        }
        if matches!(self.pending, Pending::None) && memchr::memchr(b'\r', raw.as_bytes()).is_none() {
            let s = self.span_of(raw.as_bytes());
            self.pending = Pending::Span(s.start(), s.len());
            return self.check_text_size(raw.len());
        }
        let start = self.decoding();
        push_normalized_eol(&mut self.doc.decoded, raw);
        self.check_text_size(self.doc.decoded.len() - start)
    }

    fn push_decoded(&mut self, s: &str) -> Result<(), Fail> {
        let start = self.decoding();
        self.doc.decoded.push_str(s);
        self.check_text_size(self.doc.decoded.len() - start)
    }

    /// Switches the pending text to decoded form (appended in place at the end of
    /// the decoded buffer) and returns where it starts there.
    fn decoding(&mut self) -> usize {
        let decoded = &mut self.doc.decoded;
        let start = match self.pending {
            Pending::Decoded(start) => return start as usize,
            Pending::None => decoded.len(),
            Pending::Span(start, len) => {
                let at = decoded.len();
                decoded.push_str(&self.src[start as usize..(start + len) as usize]);
                at
            }
        };
        self.pending = Pending::Decoded(start as u32);
        start
    }

    fn check_text_size(&self, len: usize) -> Result<(), Fail> {
        if len > self.limits.max_text_bytes {
            return self.fail(XmlErrorKind::LimitExceeded { limit: Limit::TextBytes, max: self.limits.max_text_bytes });
        }
        Ok(())
    }

    fn flush_text(&mut self) {
        let s = match std::mem::replace(&mut self.pending, Pending::None) {
            Pending::None => return,
            Pending::Span(start, len) => Str::input(start, len),
            Pending::Decoded(start) => Str::decoded(start, self.doc.decoded.len() as u32 - start),
        };
        self.add_node(NodeKind::Text(s));
    }

    /// The index of an interned URI.
    fn interned(&self, uri: &str) -> Option<u32> {
        if self.ns_index.is_empty() {
            self.ns_list.iter().find(|(u, _)| *u == uri).map(|&(_, i)| i)
        } else {
            self.ns_index.get(uri).copied()
        }
    }

    fn intern(&mut self, uri: &'s str) -> u32 {
        if let Some(i) = self.interned(uri) {
            return i;
        }
        let i = self.doc.namespaces.len() as u32;
        self.doc.namespaces.push(Box::from(uri));
        if self.ns_index.is_empty() && self.ns_list.len() < NS_LIST_MAX {
            self.ns_list.push((uri, i));
        } else {
            self.ns_index.extend(self.ns_list.drain(..));
            self.ns_index.insert(uri, i);
        }
        i
    }

    fn resolve(&self, prefix: &str) -> Option<u32> {
        self.scope.iter().rev().find(|(p, _)| *p == prefix).map(|&(_, ns)| ns)
    }

    fn start(&mut self, e: &BytesStart<'s>, empty: bool) -> Result<(), Fail> {
        self.flush_text();
        let limits = self.limits;
        if self.stack.len() + 1 > limits.max_depth {
            return self.fail(XmlErrorKind::LimitExceeded { limit: Limit::Depth, max: limits.max_depth });
        }
        let name = self.text_of(e.name().0)?;
        let Some((prefix, _)) = split_qname(name) else {
            return self.fail(XmlErrorKind::InvalidName { name: name.into() });
        };
        if prefix == Some("xmlns") {
            return self
                .fail(XmlErrorKind::ReservedNamespace { detail: format!("element {name} uses the xmlns prefix") });
        }

        let scope_mark = self.scope.len();
        let item_start = self.doc.items.len();
        // Per-element counts are stored in 16 bits; larger limits act as 65535.
        let max_attributes = limits.max_attributes.min(u16::MAX as usize);
        let max_namespaces = limits.max_namespaces_in_scope.min(u16::MAX as usize);
        // Attributes are parsed twice over the same slice: declarations first, so
        // that prefixes resolve whatever the attribute order.
        // Scratch lists reused across elements (taken here, put back on success).
        let mut plain = std::mem::take(&mut self.plain);
        plain.clear();
        let mut keys = std::mem::take(&mut self.keys);
        keys.clear();
        let mut attrs = e.attributes();
        // quick-xml's duplicate check is quadratic in the attribute count; ours sorts.
        attrs.with_checks(false);
        for a in attrs {
            let a = a.map_err(|err| (XmlErrorKind::Syntax { detail: err.to_string() }, self.at))?;
            let key = self.text_of(a.key.0)?;
            keys.push((key, keys.len() as u32));
            let raw_value = self.text_of(&a.value)?;
            // XML requires white space between attributes; quick-xml does not.
            let after = self.span_of(raw_value.as_bytes());
            match self.src.as_bytes().get((after.start() + after.len() + 1) as usize) {
                Some(b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>') => {}
                _ => {
                    return self.fail(XmlErrorKind::Syntax { detail: format!("no white space after attribute {key}") })
                }
            }
            if memchr::memchr(b'<', raw_value.as_bytes()).is_some() {
                return self.fail(XmlErrorKind::LtInAttributeValue);
            }
            let value = self.attribute_value(raw_value)?;
            if key == "xmlns" || key.starts_with("xmlns:") {
                let prefix = if key == "xmlns" { "" } else { &key[6..] };
                if key != "xmlns" && !is_ncname(prefix) {
                    return self.fail(XmlErrorKind::InvalidName { name: key.into() });
                }
                let uri = self.doc_str(value);
                self.check_declaration(prefix, uri)?;
                if prefix == "xml" {
                    // Declaring xml to its own namespace is allowed and changes nothing.
                    continue;
                }
                if self.scope.len() + 1 > max_namespaces {
                    return self
                        .fail(XmlErrorKind::LimitExceeded { limit: Limit::NamespacesInScope, max: max_namespaces });
                }
                let uri_idx = self.intern_owned(value);
                let pspan = if prefix.is_empty() { Str::default() } else { self.span_of(prefix.as_bytes()) };
                self.doc.items.push(ItemData { name: pspan, ns: uri_idx, value: Str::default() });
                // Same prefix twice on one element is caught as a duplicate attribute by quick-xml.
                let p: &'s str = prefix;
                self.scope.push((p, uri_idx));
            } else {
                let Some((ap, al)) = split_qname(key) else {
                    return self.fail(XmlErrorKind::InvalidName { name: key.into() });
                };
                if plain.len() + 1 > max_attributes {
                    return self
                        .fail(XmlErrorKind::LimitExceeded { limit: Limit::AttributesPerElement, max: max_attributes });
                }
                plain.push((ap, al, value, key));
            }
        }

        if let Some(dup) = first_duplicate(&mut keys) {
            return self.fail(XmlErrorKind::DuplicateAttribute { name: dup.into() });
        }

        let ns = match prefix {
            None => self.resolve("").unwrap_or(0),
            Some("xml") => self.intern(XML_NS),
            Some(p) => match self.resolve(p) {
                Some(ns) => ns,
                None => return self.fail(XmlErrorKind::UndeclaredPrefix { prefix: p.into() }),
            },
        };
        let attr_start = self.doc.items.len();
        // Same expanded name under two prefixes: checked over the prefixed attributes
        // (unprefixed ones are in no namespace, so their raw names were compared above).
        keys.clear();
        let mut expanded = std::mem::take(&mut self.expanded);
        expanded.clear();
        for &(ap, al, value, key) in &plain {
            let ans = match ap {
                None => 0,
                Some("xml") => self.intern(XML_NS),
                Some(p) => match self.resolve(p) {
                    Some(0) | None => return self.fail(XmlErrorKind::UndeclaredPrefix { prefix: p.into() }),
                    Some(ns) => ns,
                },
            };
            if ans != 0 {
                expanded.push(((ans, al), expanded.len() as u32));
                keys.push((key, keys.len() as u32));
            }
            let name = self.span_of(key.as_bytes());
            self.doc.items.push(ItemData { name, ns: ans, value });
        }

        if expanded.len() > 1 {
            if let Some(at) = first_duplicate_at(&mut expanded) {
                return self.fail(XmlErrorKind::DuplicateAttribute { name: keys[at as usize].0.into() });
            }
        }

        let data = ElementData {
            name: self.span_of(name.as_bytes()),
            ns,
            items: item_start as u32,
            // Both bounded by the capped limits above.
            decls: (attr_start - item_start) as u16,
            attrs: plain.len() as u16,
        };
        self.plain = plain;
        self.keys = keys;
        self.expanded = expanded;
        let id = self.add_node(NodeKind::Element(data));
        if self.stack.is_empty() {
            self.doc.root = id;
            self.doc.top.push(id);
        }
        if empty {
            self.scope.truncate(scope_mark);
        } else {
            self.stack.push(Open { node: id, last_child: NONE, scope_mark });
        }
        Ok(())
    }

    fn doc_str(&self, s: Str) -> &str {
        let range = s.start() as usize..(s.start() + s.len()) as usize;
        if s.is_decoded() {
            &self.doc.decoded[range]
        } else {
            &self.src[range]
        }
    }

    fn intern_owned(&mut self, s: Str) -> u32 {
        if !s.is_decoded() {
            let uri: &'s str = &self.src[s.start() as usize..(s.start() + s.len()) as usize];
            return self.intern(uri);
        }
        let uri = self.doc_str(s).to_owned();
        if let Some(i) = self.interned(&uri) {
            return i;
        }
        let i = self.doc.namespaces.len() as u32;
        self.doc.namespaces.push(uri.into_boxed_str());
        // Decoded URIs (with references) are rare; they are not indexed by borrowed key.
        i
    }

    fn check_declaration(&self, prefix: &str, uri: &str) -> Result<(), Fail> {
        let reserved = |detail: String| Err((XmlErrorKind::ReservedNamespace { detail }, self.at));
        if !prefix.is_empty() && !is_ncname(prefix) {
            return self.fail(XmlErrorKind::InvalidName { name: format!("xmlns:{prefix}") });
        }
        match prefix {
            "xmlns" => return reserved("the xmlns prefix cannot be declared".into()),
            "xml" if uri != XML_NS => return reserved(format!("xml prefix bound to {uri:?}")),
            "xml" => {}
            _ if uri == XML_NS || uri == XMLNS_NS => return reserved(format!("{uri} bound to another prefix")),
            "" => {}
            p if uri.is_empty() => return self.fail(XmlErrorKind::EmptyPrefixedNamespace { prefix: p.into() }),
            _ => {}
        }
        Ok(())
    }

    /// Attribute-value normalization for CDATA attributes (XML 1.0 §3.3.3):
    /// literal TAB, LF and CR (CRLF counts once) become spaces, references are
    /// resolved, and characters from references are kept as they are.
    fn attribute_value(&mut self, raw: &'s str) -> Result<Str, Fail> {
        if !raw.bytes().any(|b| matches!(b, b'&' | b'\t' | b'\n' | b'\r')) {
            return Ok(self.span_of(raw.as_bytes()));
        }
        let start = self.doc.decoded.len();
        let out = &mut self.doc.decoded;
        let mut rest = raw;
        while let Some(i) = rest.find(['&', '\t', '\n', '\r']) {
            out.push_str(&rest[..i]);
            let c = rest.as_bytes()[i];
            rest = &rest[i + 1..];
            match c {
                b'&' => {
                    let Some(end) = rest.find(';') else {
                        return self.fail(XmlErrorKind::MalformedReference);
                    };
                    out.push(resolve_reference(&rest[..end]).map_err(|k| (k, self.at))?);
                    rest = &rest[end + 1..];
                }
                b'\r' => {
                    out.push(' ');
                    if rest.starts_with('\n') {
                        rest = &rest[1..];
                    }
                }
                _ => out.push(' '),
            }
        }
        out.push_str(rest);
        Ok(Str::decoded(start as u32, (self.doc.decoded.len() - start) as u32))
    }

    fn end(&mut self, name: &[u8]) -> Result<(), Fail> {
        self.flush_text();
        let Some(open) = self.stack.pop() else {
            return self.fail(XmlErrorKind::Syntax { detail: "end tag without start tag".into() });
        };
        let raw = match &self.doc.nodes[open.node as usize].kind {
            NodeKind::Element(e) => e.name,
            _ => Str::default(),
        };
        let expected = self.doc_str(raw).as_bytes();
        if expected != name {
            return self.fail(XmlErrorKind::MismatchedEndTag {
                expected: String::from_utf8_lossy(expected).into_owned(),
                found: String::from_utf8_lossy(name).into_owned(),
            });
        }
        self.scope.truncate(open.scope_mark);
        Ok(())
    }
}

/// Appends `raw` with line ends normalized (XML 1.0 §2.11).
fn push_normalized_eol(s: &mut String, raw: &str) {
    let mut rest = raw;
    while let Some(i) = rest.find('\r') {
        s.push_str(&rest[..i]);
        s.push('\n');
        rest = &rest[i + 1..];
        if rest.starts_with('\n') {
            rest = &rest[1..];
        }
    }
    s.push_str(rest);
}

/// Resolves the body of `&...;`: the five predefined entities and character references only.
fn resolve_reference(name: &str) -> Result<char, XmlErrorKind> {
    let code = if let Some(hex) = name.strip_prefix("#x") {
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(XmlErrorKind::MalformedReference);
        }
        u32::from_str_radix(hex, 16).ok()
    } else if let Some(dec) = name.strip_prefix('#') {
        if dec.is_empty() || !dec.bytes().all(|b| b.is_ascii_digit()) {
            return Err(XmlErrorKind::MalformedReference);
        }
        dec.parse::<u32>().ok()
    } else {
        return match name {
            "amp" => Ok('&'),
            "lt" => Ok('<'),
            "gt" => Ok('>'),
            "quot" => Ok('"'),
            "apos" => Ok('\''),
            _ if is_ncname(name) => Err(XmlErrorKind::EntityReference { name: name.into() }),
            _ => Err(XmlErrorKind::MalformedReference),
        };
    };
    let code = code.unwrap_or(u32::MAX);
    match char::from_u32(code) {
        Some(c) if is_xml_char(c) => Ok(c),
        _ => Err(XmlErrorKind::IllegalCharacterReference { code }),
    }
}

/// Where `]]>` starts in `raw`, if anywhere (found from its rare `>`).
fn find_cdata_end(raw: &str) -> Option<usize> {
    let b = raw.as_bytes();
    memchr::memchr_iter(b'>', b).find(|&i| i >= 2 && &b[i - 2..i] == b"]]").map(|i| i - 2)
}

/// The first repeated value of `items` ((value, position) pairs), as the later of
/// its two positions in document order; `None` without repeats. O(n log n).
fn first_duplicate_at<T: Ord + Copy>(items: &mut [(T, u32)]) -> Option<u32> {
    if items.len() < 2 {
        return None;
    }
    items.sort_unstable();
    items.windows(2).filter(|w| w[0].0 == w[1].0).map(|w| w[1].1).min()
}

/// The first attribute name written twice, by the position of its second occurrence.
fn first_duplicate<'a>(keys: &mut [(&'a str, u32)]) -> Option<&'a str> {
    let at = first_duplicate_at(keys)?;
    keys.iter().find(|k| k.1 == at).map(|k| k.0)
}

fn map_quick_xml_error(e: &quick_xml::Error, at_top: bool) -> XmlErrorKind {
    use quick_xml::errors::{IllFormedError, SyntaxError};
    match e {
        quick_xml::Error::Syntax(
            SyntaxError::UnclosedComment
            | SyntaxError::UnclosedCData
            | SyntaxError::UnclosedDoctype
            | SyntaxError::UnclosedPIOrXmlDecl
            | SyntaxError::UnclosedTag,
        ) => XmlErrorKind::UnexpectedEof,
        quick_xml::Error::IllFormed(IllFormedError::UnclosedReference) => XmlErrorKind::MalformedReference,
        quick_xml::Error::IllFormed(IllFormedError::MissingEndTag(_)) => XmlErrorKind::UnexpectedEof,
        quick_xml::Error::IllFormed(IllFormedError::UnmatchedEndTag(n)) if at_top => {
            XmlErrorKind::MismatchedEndTag { expected: String::new(), found: n.clone() }
        }
        other => XmlErrorKind::Syntax { detail: other.to_string() },
    }
}
