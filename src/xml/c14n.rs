//! Exclusive XML Canonicalization 1.0 (`http://www.w3.org/2001/10/xml-exc-c14n#`).
//!
//! Works on any element subtree of a [`Document`] (the SOAP Body, a SignedInfo,
//! a Timestamp) or on the whole document, with or without comments, honouring an
//! InclusiveNamespaces PrefixList. The walk is iterative and the namespace
//! bookkeeping is a pair of stacks bounded by the reader's namespace limit, so the
//! cost is linear in the size of the subtree.
//!
//! Errors are detected before the first byte is written: a caller streaming into a
//! digest never sees a partial result followed by an error from c14n itself (only
//! a failing sink can interrupt the output, and then the sink's content is void).

use std::io::Write;

use super::chars::{is_absolute_uri, is_ncname};
use super::error::C14nError;
use super::tree::{Document, Element, NodeKind, NONE};

/// Algorithm URI of exclusive c14n without comments.
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// Algorithm URI of exclusive c14n with comments.
pub const EXC_C14N_WITH_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";

/// An exclusive canonicalization: comment mode plus the InclusiveNamespaces PrefixList.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ExcC14n {
    with_comments: bool,
    /// The listed prefixes, each once, in the order first written, each followed by a space;
    /// `""` stands for `#default`. One buffer: a list of 128 prefixes is three allocations,
    /// not 256 (attack catalogue F1).
    names: String,
    /// The prefixes as spans of `names`, in written order …
    inclusive: Vec<(usize, usize)>,
    /// … and sorted, for membership tests in `O(log n)`: the walker asks "is this prefix
    /// listed?" per declaration, never loops over the list per element (attack catalogue F1).
    sorted: Vec<(usize, usize)>,
}

impl std::fmt::Debug for ExcC14n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = |spans: &[(usize, usize)]| spans.iter().map(|&s| self.name(s)).collect::<Vec<_>>();
        f.debug_struct("ExcC14n")
            .field("with_comments", &self.with_comments)
            .field("inclusive", &names(&self.inclusive))
            .field("sorted", &names(&self.sorted))
            .finish()
    }
}

impl ExcC14n {
    /// Exclusive c14n without comments and without a PrefixList.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keep comments (the `#WithComments` variant).
    pub fn with_comments(mut self, yes: bool) -> Self {
        self.with_comments = yes;
        self
    }

    /// Sets the InclusiveNamespaces PrefixList as written in the attribute:
    /// whitespace-separated NCNames, `#default` for the default namespace.
    ///
    /// Linear in the length of the list: repeats are dropped through a sorted copy,
    /// not by comparing each entry with every other (attack catalogue F1). A
    /// verifier bounds the list first ([`Limits::max_prefix_list_entries`](super::Limits)).
    pub fn with_prefix_list(mut self, list: &str) -> Result<Self, C14nError> {
        let mut tokens: Vec<(&str, usize)> = Vec::new();
        for (i, p) in list.split_ascii_whitespace().enumerate() {
            let p = match p {
                "#default" => "",
                p if is_ncname(p) => p,
                p => return Err(C14nError::InvalidPrefix { prefix: p.into() }),
            };
            tokens.push((p, i));
        }
        // Sort by (prefix, position) and keep each prefix's first occurrence; then lay the
        // prefixes out in written order and note where each sorted one went.
        tokens.sort_unstable();
        tokens.dedup_by(|b, a| a.0 == b.0);
        let mut written: Vec<usize> = (0..tokens.len()).collect();
        written.sort_unstable_by_key(|&k| tokens[k].1);
        let mut names = String::with_capacity(tokens.iter().map(|(p, _)| p.len() + 1).sum());
        let mut sorted = vec![(0, 0); tokens.len()];
        let mut inclusive = Vec::with_capacity(tokens.len());
        for k in written {
            let span = (names.len(), tokens[k].0.len());
            names.push_str(tokens[k].0);
            names.push(' ');
            sorted[k] = span;
            inclusive.push(span);
        }
        (self.names, self.inclusive, self.sorted) = (names, inclusive, sorted);
        Ok(self)
    }

    /// The prefix at a span of `names`.
    fn name(&self, (start, len): (usize, usize)) -> &str {
        &self.names[start..start + len]
    }

    /// Whether `prefix` (`""` for `#default`) is in the PrefixList.
    pub(crate) fn lists(&self, prefix: &str) -> bool {
        self.sorted.binary_search_by(|&q| self.name(q).cmp(prefix)).is_ok()
    }

    /// The PrefixList as it would be written in an `InclusiveNamespaces` element.
    pub fn prefix_list(&self) -> String {
        let names: Vec<&str> =
            self.inclusive.iter().map(|&s| self.name(s)).map(|p| if p.is_empty() { "#default" } else { p }).collect();
        names.join(" ")
    }

    /// Whether comments are kept.
    pub fn keeps_comments(&self) -> bool {
        self.with_comments
    }

    /// The algorithm URI of this variant.
    pub fn algorithm(&self) -> &'static str {
        if self.with_comments {
            EXC_C14N_WITH_COMMENTS
        } else {
            EXC_C14N
        }
    }

    /// Canonicalizes the subtree rooted at `apex` into a new buffer.
    pub fn canonicalize(&self, apex: Element<'_>) -> Result<Vec<u8>, C14nError> {
        // Small start: the canonical form of a SignedInfo is far smaller than its document.
        let mut out = Vec::with_capacity(1024);
        self.canonicalize_to(apex, &mut out)?;
        Ok(out)
    }

    /// Streams the canonical form of the subtree rooted at `apex` into `out`
    /// (a digest, a file…). On `Err` the sink's content must be discarded.
    pub fn canonicalize_to<W: Write>(&self, apex: Element<'_>, out: &mut W) -> Result<(), C14nError> {
        check_subtree(apex, self)?;
        Walker::new(self, apex, out).run()
    }

    /// Streams the canonical form of `apex` as if its start tag also carried
    /// `extra`: how the signer digests a Body before the `wsu:Id` it adds is
    /// spliced into the unchanged input bytes (no second parse of the payload).
    pub(crate) fn canonicalize_with_extra<'d, W: Write>(
        &self,
        apex: Element<'d>,
        extra: ApexExtra<'d>,
        out: &mut W,
    ) -> Result<(), C14nError> {
        check_subtree(apex, self)?;
        if let Some((_, uri)) = extra.decl {
            if !is_absolute_uri(uri) {
                return Err(C14nError::RelativeNamespaceUri { uri: uri.into() });
            }
        }
        let mut w = Walker::new(self, apex, out);
        w.extra = Some(extra);
        w.run()
    }

    /// Canonicalizes the whole document: the root element and, with comments,
    /// the comments before and after it.
    pub fn canonicalize_document(&self, doc: &Document) -> Result<Vec<u8>, C14nError> {
        let root = doc.root();
        check_subtree(root, self)?;
        let mut out = Vec::with_capacity(doc.source().len());
        let mut after_root = false;
        for &id in &doc.top {
            match &doc.data(id).kind {
                NodeKind::Element(_) => {
                    Walker::new(self, root, &mut out).run()?;
                    after_root = true;
                }
                NodeKind::Comment(c) if self.with_comments => {
                    if after_root {
                        out.push(b'\n');
                    }
                    out.extend_from_slice(b"<!--");
                    out.extend_from_slice(doc.str(*c).as_bytes());
                    out.extend_from_slice(b"-->");
                    if !after_root {
                        out.push(b'\n');
                    }
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

/// Rejects what c14n must fail on, before anything is written: a relative
/// namespace URI declared in the subtree, or one the subtree would render —
/// a namespace its elements or attributes use, or a PrefixList entry — even
/// when it is declared on an ancestor.
fn check_subtree(apex: Element<'_>, c14n: &ExcC14n) -> Result<(), C14nError> {
    let relative = |uri: &str| !uri.is_empty() && !is_absolute_uri(uri);
    let fail = |uri: &str| Err(C14nError::RelativeNamespaceUri { uri: uri.into() });
    for e in apex.descendants() {
        for (_, uri) in e.namespace_declarations() {
            if relative(uri) {
                return fail(uri);
            }
        }
        let used = e.namespace().into_iter().chain(e.attributes().filter_map(|a| a.namespace()));
        for uri in used {
            if relative(uri) {
                return fail(uri);
            }
        }
    }
    // The PrefixList renders at the apex the binding in scope there of each listed
    // prefix: one pass over the in-scope declarations, nearest first, never a lookup per
    // listed prefix (attack catalogue F1).
    if !c14n.sorted.is_empty() {
        let mut seen = std::collections::HashSet::new();
        for e in std::iter::successors(Some(apex), |e| e.parent()) {
            for (p, uri) in e.namespace_declarations() {
                let p = p.unwrap_or("");
                if seen.insert(p) && c14n.lists(p) && relative(uri) {
                    return fail(uri);
                }
            }
        }
    }
    Ok(())
}

/// The PrefixList WSS4J's `getInclusivePrefixes` computes for a signed element:
/// every prefix declared on the element's ancestors (`#default` for the default
/// namespace), nearest ancestor first, without repeats; with `exclude_visible`,
/// minus the prefixes the element itself declares or visibly uses. Putting these
/// in the PrefixList keeps prefixes used only inside content (QName values such as
/// `xsi:type="xsd:string"`) covered by the signature.
pub(crate) fn wss4j_inclusive_prefixes(target: Element<'_>, exclude_visible: bool) -> Vec<String> {
    let mut result = prefixes_declared_outward(target.parent());
    if exclude_visible {
        let mut drop: Vec<&str> = target.namespace_declarations().map(|(p, _)| p.unwrap_or("#default")).collect();
        drop.extend(target.attributes().filter_map(|a| a.prefix()));
        drop.push(target.prefix().unwrap_or("#default"));
        result.retain(|r| !drop.contains(&r.as_str()));
    }
    result
}

/// A namespace declaration and an attribute to canonicalize as if present on the apex.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ApexExtra<'x> {
    /// (prefix, URI) declared on the apex.
    pub(crate) decl: Option<(&'x str, &'x str)>,
    /// (namespace URI, prefix, local name, value).
    pub(crate) attr: (&'x str, &'x str, &'x str, &'x str),
}

/// Every prefix declared on `from` and its ancestors (`#default` for the default
/// namespace), nearest element first, each once: WSS4J's walk for the
/// PrefixList of an element whose parent is `from`.
pub(crate) fn prefixes_declared_outward(from: Option<Element<'_>>) -> Vec<String> {
    let mut result: Vec<String> = Vec::new();
    for e in std::iter::successors(from, |e| e.parent()) {
        let mut here: Vec<&str> = e.namespace_declarations().map(|(p, _)| p.unwrap_or("#default")).collect();
        // Xerces hands attributes out sorted by name; "xmlns" sorts before "xmlns:…".
        here.sort_by(|a, b| (*a != "#default", *a).cmp(&(*b != "#default", *b)));
        for p in here {
            if !result.iter().any(|r| r == p) {
                result.push(p.to_owned());
            }
        }
    }
    result
}

/// The namespace declarations exclusive c14n renders on the apex of a subtree
/// when `scope` is in scope there (later entries override earlier ones; `""` is
/// the default namespace): each visibly used prefix and each `prefix_list` entry
/// (`#default` for the default namespace) bound to a non-empty URI, sorted by
/// prefix. The same rules the walker applies at its apex, for the header
/// elements the signer writes itself instead of parsing.
pub(crate) fn apex_namespaces<'a>(
    scope: &[(&'a str, &'a str)],
    visible: &[&str],
    prefix_list: &str,
) -> Vec<(&'a str, &'a str)> {
    let listed = prefix_list.split_ascii_whitespace().map(|p| if p == "#default" { "" } else { p });
    let mut render: Vec<(&'a str, &'a str)> = Vec::new();
    for p in visible.iter().copied().chain(listed) {
        if p == "xml" || render.iter().any(|(q, _)| *q == p) {
            continue;
        }
        if let Some(&(q, uri)) = scope.iter().rev().find(|(q, _)| *q == p) {
            if !uri.is_empty() {
                render.push((q, uri));
            }
        }
    }
    render.sort_unstable_by(|a, b| a.0.cmp(b.0));
    render
}

struct Frame {
    node: u32,
    rendered_mark: usize,
}

struct Walker<'a, 'd, W: Write> {
    c14n: &'a ExcC14n,
    doc: &'d Document,
    apex: u32,
    out: &'a mut W,
    /// Namespaces rendered by output ancestors: (prefix, "" for default; URI).
    rendered: Vec<(&'d str, &'d str)>,
    /// The declarations in scope at the apex from its ancestors, outermost first; only
    /// kept when a PrefixList needs them (below the apex only an element's own
    /// declarations matter).
    ancestor_scope: Vec<(&'d str, &'d str)>,
    stack: Vec<Frame>,
    attrs: Vec<(&'d str, &'d str, Option<&'d str>, &'d str)>,
    render: Vec<(&'d str, &'d str)>,
    extra: Option<ApexExtra<'d>>,
}

impl<'a, 'd, W: Write> Walker<'a, 'd, W> {
    fn new(c14n: &'a ExcC14n, apex: Element<'d>, out: &'a mut W) -> Self {
        let doc = apex.document();
        let mut ancestor_scope = Vec::new();
        if !c14n.sorted.is_empty() {
            // The apex's ancestors contribute their declarations, outermost first.
            let mut chain = Vec::new();
            let mut cur = apex.parent();
            while let Some(e) = cur {
                chain.push(e);
                cur = e.parent();
            }
            for e in chain.iter().rev() {
                ancestor_scope.extend(e.namespace_declarations().map(|(p, u)| (p.unwrap_or(""), u)));
            }
        }
        Walker {
            c14n,
            doc,
            apex: apex.id,
            out,
            // Sized for a typical message (a large one still grows).
            rendered: Vec::with_capacity(16),
            ancestor_scope,
            stack: Vec::with_capacity(16),
            attrs: Vec::with_capacity(8),
            render: Vec::with_capacity(8),
            extra: None,
        }
    }

    fn rendered_uri(&self, prefix: &str) -> &'d str {
        self.rendered.iter().rev().find(|(p, _)| same(p, prefix)).map_or("", |&(_, u)| u)
    }

    /// Queues `xmlns[:prefix]="uri"` unless the nearest output ancestor already rendered it.
    fn want(&mut self, prefix: &'d str, uri: &'d str) {
        if prefix == "xml" || self.render.iter().any(|(p, _)| same(p, prefix)) {
            return;
        }
        if !same(self.rendered_uri(prefix), uri) {
            self.render.push((prefix, uri));
        }
    }

    fn run(mut self) -> Result<(), C14nError> {
        let doc = self.doc;
        let mut id = self.apex;
        loop {
            // Enter `id`.
            let data = doc.data(id);
            let mut descend = NONE;
            match &data.kind {
                NodeKind::Element(_) => {
                    self.start_tag(id)?;
                    descend = doc.first_child(id);
                    if descend == NONE {
                        self.end_tag(id)?;
                    }
                }
                NodeKind::Text(t) => escape_text(self.out, doc.str(*t))?,
                NodeKind::Comment(c) => {
                    if self.c14n.with_comments {
                        self.out.write_all(b"<!--")?;
                        self.out.write_all(doc.str(*c).as_bytes())?;
                        self.out.write_all(b"-->")?;
                    }
                }
            }
            if descend != NONE {
                id = descend;
                continue;
            }
            // Leave: next sibling, or close parents until one has a next sibling.
            loop {
                if id == self.apex {
                    return Ok(());
                }
                let next = doc.data(id).next_sibling;
                if next != NONE {
                    id = next;
                    break;
                }
                id = doc.data(id).parent;
                self.end_tag(id)?;
            }
        }
    }

    fn start_tag(&mut self, id: u32) -> Result<(), C14nError> {
        let doc = self.doc;
        let el = Element { doc, id };
        let frame = Frame { node: id, rendered_mark: self.rendered.len() };
        let listed = !self.c14n.sorted.is_empty();
        let extra = if id == self.apex { self.extra.take() } else { None };

        self.render.clear();
        // Visibly utilized: the element's own prefix (or the default namespace) …
        self.want(el.prefix().unwrap_or(""), el.namespace().unwrap_or(""));
        // … and the prefixes of its attributes (unprefixed attributes use no namespace).
        self.attrs.clear();
        for a in el.attributes() {
            if let Some(p) = a.prefix() {
                self.want(p, a.namespace().unwrap_or(""));
            }
            self.attrs.push((a.namespace().unwrap_or(""), a.local_name(), a.prefix(), a.value()));
        }
        if let Some(ApexExtra { attr: (ns, prefix, local, value), .. }) = extra {
            let prefix = (!prefix.is_empty()).then_some(prefix);
            if let Some(p) = prefix {
                self.want(p, ns);
            }
            self.attrs.push((ns, local, prefix, value));
        }
        // InclusiveNamespaces prefixes are treated as in inclusive c14n: all of them at
        // the apex; below it only those an element declares itself (every element of
        // the subtree is output, so an undeclared prefix keeps the value rendered above).
        // Cost: one pass over the list at the apex, then a lookup per declaration —
        // never list × elements (attack catalogue F1).
        if listed {
            if id == self.apex {
                self.want_listed_at_apex(el, extra.and_then(|x| x.decl));
            } else {
                for (q, uri) in el.namespace_declarations() {
                    let q = q.unwrap_or("");
                    if (!uri.is_empty() || q.is_empty()) && self.c14n.lists(q) {
                        self.want(q, uri);
                    }
                }
            }
        }
        for &(p, u) in &self.render {
            if !u.is_empty() && !is_absolute_uri(u) {
                return Err(C14nError::RelativeNamespaceUri { uri: u.into() });
            }
            let _ = p;
        }
        self.render.sort_unstable_by(|a, b| a.0.cmp(b.0));
        self.attrs.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));

        let out = &mut *self.out;
        out.write_all(b"<")?;
        out.write_all(el.raw_name().as_bytes())?;
        for &(p, u) in &self.render {
            write_declaration(out, p, u)?;
        }
        for &(_, local, prefix, value) in &self.attrs {
            out.write_all(b" ")?;
            write_qname(out, prefix, local)?;
            out.write_all(b"=\"")?;
            escape_attr(out, value)?;
            out.write_all(b"\"")?;
        }
        out.write_all(b">")?;
        self.rendered.extend(self.render.iter().copied());
        self.stack.push(frame);
        Ok(())
    }

    /// Queues, at the apex, the binding in scope of each PrefixList entry: the nearest
    /// declaration (the apex's own, the signer's extra one, then its ancestors'); an
    /// unlisted or unbound prefix renders nothing, `#default` unbound renders `xmlns=""`.
    fn want_listed_at_apex(&mut self, apex: Element<'d>, extra: Option<(&'d str, &'d str)>) {
        // The binding in force for each prefix: the last declaration of it wins. Sorted
        // (stable, nearest first among equals) and deduplicated, then searched per listed
        // prefix (a hash map with SipHash cost more than the searches).
        let own = apex.namespace_declarations().map(|(p, u)| (p.unwrap_or(""), u));
        let mut scope: Vec<(&'d str, &'d str)> = self.ancestor_scope.iter().copied().chain(own).chain(extra).collect();
        scope.reverse();
        scope.sort_by(|a, b| a.0.cmp(b.0));
        scope.dedup_by(|b, a| a.0 == b.0);
        let c14n = self.c14n;
        for &span in &c14n.sorted {
            let p = c14n.name(span);
            let found = scope.binary_search_by(|(q, _)| (*q).cmp(p)).ok().map(|i| (&scope[i].0, &scope[i].1));
            match found {
                Some((&q, &uri)) if !uri.is_empty() || q.is_empty() => self.want(q, uri),
                None if p.is_empty() => self.want("", ""),
                _ => {}
            }
        }
    }

    fn end_tag(&mut self, id: u32) -> Result<(), C14nError> {
        let el = Element { doc: self.doc, id };
        self.out.write_all(b"</")?;
        self.out.write_all(el.raw_name().as_bytes())?;
        self.out.write_all(b">")?;
        if let Some(frame) = self.stack.pop() {
            debug_assert_eq!(frame.node, id);
            self.rendered.truncate(frame.rendered_mark);
        }
        Ok(())
    }
}

/// String equality for the walker's hot path: prefixes are mostly empty or a few
/// bytes, and equal namespace URIs of one document are usually the same interned
/// string, so length and address settle most comparisons without a `memcmp` call.
#[inline]
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && (a.is_empty() || std::ptr::eq(a.as_ptr(), b.as_ptr()) || a == b)
}

fn write_qname<W: Write>(out: &mut W, prefix: Option<&str>, local: &str) -> std::io::Result<()> {
    if let Some(p) = prefix {
        out.write_all(p.as_bytes())?;
        out.write_all(b":")?;
    }
    out.write_all(local.as_bytes())
}

/// ` xmlns="uri"` or ` xmlns:prefix="uri"` (prefix `""`: the default namespace), the
/// URI escaped as c14n escapes attribute values.
pub(crate) fn write_declaration<W: Write + ?Sized>(out: &mut W, prefix: &str, uri: &str) -> std::io::Result<()> {
    if prefix.is_empty() {
        out.write_all(b" xmlns=\"")?;
    } else {
        out.write_all(b" xmlns:")?;
        out.write_all(prefix.as_bytes())?;
        out.write_all(b"=\"")?;
    }
    escape_attr(out, uri)?;
    out.write_all(b"\"")
}

/// Text node escaping of C14N 1.0 §2.3: `&`, `<`, `>` and CR.
pub(crate) fn escape_text<W: Write + ?Sized>(out: &mut W, s: &str) -> std::io::Result<()> {
    let bytes = s.as_bytes();
    // CR in text only comes from `&#13;` and is rare: without it the markup
    // characters are found with a vectorized search instead of byte by byte.
    if memchr::memchr(b'\r', bytes).is_none() {
        let mut start = 0;
        for i in memchr::memchr3_iter(b'&', b'<', b'>', bytes) {
            out.write_all(&bytes[start..i])?;
            out.write_all(match bytes[i] {
                b'&' => b"&amp;",
                b'<' => b"&lt;",
                _ => b"&gt;",
            })?;
            start = i + 1;
        }
        return out.write_all(&bytes[start..]);
    }
    escape(out, s, |b| match b {
        b'&' => Some(b"&amp;"),
        b'<' => Some(b"&lt;"),
        b'>' => Some(b"&gt;"),
        b'\r' => Some(b"&#xD;"),
        _ => None,
    })
}

/// Attribute value escaping of C14N 1.0 §2.3: `&`, `<`, `"`, TAB, LF and CR.
pub(crate) fn escape_attr<W: Write + ?Sized>(out: &mut W, s: &str) -> std::io::Result<()> {
    escape(out, s, |b| match b {
        b'&' => Some(b"&amp;"),
        b'<' => Some(b"&lt;"),
        b'"' => Some(b"&quot;"),
        b'\t' => Some(b"&#x9;"),
        b'\n' => Some(b"&#xA;"),
        b'\r' => Some(b"&#xD;"),
        _ => None,
    })
}

#[inline]
fn escape<W: Write + ?Sized>(out: &mut W, s: &str, map: impl Fn(u8) -> Option<&'static [u8]>) -> std::io::Result<()> {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if let Some(rep) = map(b) {
            out.write_all(&bytes[start..i])?;
            out.write_all(rep)?;
            start = i + 1;
        }
    }
    out.write_all(&bytes[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escaping_with_and_without_cr() {
        let esc = |s: &str| {
            let mut v = Vec::new();
            escape_text(&mut v, s).expect("vec");
            String::from_utf8(v).expect("utf8")
        };
        assert_eq!(esc("a&b<c>d\"e'f\tg\n"), "a&amp;b&lt;c&gt;d\"e'f\tg\n");
        assert_eq!(esc("&<>"), "&amp;&lt;&gt;");
        assert_eq!(esc("a\r&b<c>d\r"), "a&#xD;&amp;b&lt;c&gt;d&#xD;");
        assert_eq!(esc(""), "");
    }

    /// `apex_namespaces` must render what the walker renders on an apex, for every
    /// mix of visible prefixes, PrefixList entries, shadowing and `xmlns=""`.
    #[test]
    fn apex_namespaces_agrees_with_the_walker() {
        let doc = Document::parse(
            br#"<r xmlns="urn:d" xmlns:a="urn:a" xmlns:ec="urn:ec" xmlns:s="urn:s&amp;t"><m xmlns:a="urn:a2" xmlns:z="urn:z"><x:e xmlns:x="urn:x" a:at="1" plain="2"><x:c/></x:e><u xmlns=""><x:e xmlns:x="urn:x" a:at="1"/></u></m></r>"#,
        )
        .expect("parse");
        let lists = ["", "#default", "a", "ec #default a zz", "x", "s z", "xml a", "#default ec s z a x", "q #default"];
        let mut checked = 0;
        for apex in doc.root().descendants().filter(|e| e.local_name() == "e") {
            // In-scope bindings at the apex, outermost first, as the signer builds them.
            let mut chain: Vec<Element<'_>> = std::iter::successors(Some(apex), |e| e.parent()).collect();
            chain.reverse();
            let scope: Vec<(&str, &str)> =
                chain.iter().flat_map(|e| e.namespace_declarations().map(|(p, u)| (p.unwrap_or(""), u))).collect();
            for list in lists {
                let c14n = ExcC14n::new().with_prefix_list(list).expect("list");
                let out = String::from_utf8(c14n.canonicalize(apex).expect("c14n")).expect("utf8");
                let mut expected = String::new();
                for (p, u) in apex_namespaces(&scope, &["x", "a"], list) {
                    let name = if p.is_empty() { "xmlns".to_owned() } else { format!("xmlns:{p}") };
                    let mut v = Vec::new();
                    escape_attr(&mut v, u).expect("escape");
                    expected += &format!(" {name}=\"{}\"", String::from_utf8(v).expect("utf8"));
                }
                // `<x:e` then the declarations, then attributes or `>`.
                let rest = &out["<x:e".len()..];
                assert!(rest.starts_with(&expected), "apex {apex:?}, PrefixList {list:?}: {out} vs {expected}");
                assert!(!rest[expected.len()..].starts_with(" xmlns"), "apex {apex:?}, PrefixList {list:?}: {out}");
                checked += 1;
            }
        }
        assert_eq!(checked, 18);
    }
}
