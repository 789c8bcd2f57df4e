//! Random namespace-heavy XML documents for the property tests
//! (`tests/xml/c14n_differential.rs`, `tests/xml/roundtrip.rs`).
//!
//! Every generated document is well-formed and namespace-well-formed by
//! construction: prefixes are declared where they are used, duplicate attributes
//! (by qualified or by expanded name) are dropped, `]]>` never appears in text,
//! `--` never in a comment. Namespace URIs are absolute and contain no `&` (the
//! oracle has no reference answer for the others; see `tests/c14n/README.md`).
//!
//! What varies: trees of depth ≤ 6, prefixed and unprefixed elements, default
//! namespace declarations and `xmlns=""`, the same prefix rebound at different
//! depths, redundant redeclarations, attributes in several namespaces plus
//! `xml:lang`/`xml:space`, text with `& < > " ' CR TAB LF` (literal and as
//! references, e.g. `&#13;`), CDATA, comments (also before and after the root),
//! non-ASCII and astral characters in names, values, text and comments, an
//! optional XML declaration and whitespace inside tags.

use proptest::prelude::*;
use proptest::sample::{select, subsequence, Index};

/// Prefixes elements and attributes may use or declare.
pub(crate) const PREFIXES: &[&str] = &["a", "b", "p", "ns1", "soap"];
/// Namespace URIs (absolute, no `&`). Index `i` is what a fixup binds prefix `i` to.
pub(crate) const URIS: &[&str] =
    &["urn:a", "urn:b", "http://example.com/ns/c", "http://schemas.xmlsoap.org/soap/envelope/", "urn:oasis:names:tc:x"];
/// Element local names (the selector picks by local name, so repeats matter).
pub(crate) const LOCALS: &[&str] = &["a", "b", "item", "Body", "Vraag", "INSZ", "é", "x𝄞"];
/// Attribute local names (`A` < `_x` < `a` in code-point order).
pub(crate) const ATTR_LOCALS: &[&str] = &["id", "a", "b", "A", "_x", "Id", "é"];
/// PrefixList tokens: declared prefixes, `#default`, never-declared `nope`, and `xml`.
pub(crate) const PLIST_TOKENS: &[&str] = &["a", "b", "p", "ns1", "soap", "#default", "nope", "xml"];

const CHARS: &[char] =
    &['a', 'Z', '0', ' ', '&', '<', '>', '"', '\'', '\r', '\t', '\n', 'é', '€', '𝄞', '😀', ']', '-', '='];
const REF_CHARS: &[char] = &['\r', '\t', '\n', 'A', '€', '𝄞', '&', '<', '>', '"', '\''];
const ENTITIES: &[&str] = &["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"];

/// A piece of character data as it is written.
#[derive(Debug, Clone)]
enum Piece {
    /// Literal characters, escaped only where XML requires it.
    Chars(String),
    /// A character reference, decimal or hex (`&#13;`, `&#x1D11E;`).
    CharRef(char, bool),
    /// A CDATA section (text only).
    Cdata(String),
    /// One of the five predefined entities.
    Entity(&'static str),
}

#[derive(Debug, Clone)]
enum Child {
    El(El),
    Text(Vec<Piece>),
    Comment(String),
}

#[derive(Debug, Clone)]
enum AttrName {
    Plain(usize),
    Prefixed(usize, usize),
    XmlLang,
    XmlSpace,
}

#[derive(Debug, Clone)]
struct Attr {
    name: AttrName,
    value: Vec<Piece>,
    single_quote: bool,
}

#[derive(Debug, Clone)]
struct Decl {
    /// `None`: the default namespace.
    prefix: Option<usize>,
    /// `None` (default namespace only): `xmlns=""`.
    uri: Option<usize>,
}

#[derive(Debug, Clone)]
struct El {
    prefix: Option<usize>,
    local: usize,
    decls: Vec<Decl>,
    attrs: Vec<Attr>,
    children: Vec<Child>,
    /// Use newlines and tabs between attributes instead of single spaces.
    loose_tag: bool,
    /// Write `<a></a>` instead of `<a/>` when there are no children.
    explicit_end: bool,
}

/// A generated document.
#[derive(Debug, Clone)]
pub(crate) struct GenDoc {
    declaration: bool,
    before: Vec<Option<String>>,
    root: El,
    after: Vec<Option<String>>,
}

/// One request for the oracle and for dho-wss.
#[derive(Debug, Clone)]
pub(crate) struct Case {
    /// The document as XML text.
    pub doc: String,
    /// `/`, `LOCAL` or `LOCAL#N` (see `tests/c14n/README.md`).
    pub selector: String,
    /// `#WithComments`.
    pub comments: bool,
    /// PrefixList tokens.
    pub prefixes: Vec<String>,
}

impl Case {
    /// The PrefixList as written in an InclusiveNamespaces attribute.
    pub(crate) fn prefix_list(&self) -> String {
        self.prefixes.join(" ")
    }
}

fn chars(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(select(CHARS), 0..max).prop_map(|v| v.into_iter().collect())
}

fn text_piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        4 => chars(8).prop_map(Piece::Chars),
        2 => (select(REF_CHARS), any::<bool>()).prop_map(|(c, hex)| Piece::CharRef(c, hex)),
        1 => chars(6).prop_map(Piece::Cdata),
        1 => select(ENTITIES).prop_map(Piece::Entity),
    ]
}

fn attr_piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        4 => chars(6).prop_map(Piece::Chars),
        2 => (select(REF_CHARS), any::<bool>()).prop_map(|(c, hex)| Piece::CharRef(c, hex)),
        1 => select(ENTITIES).prop_map(Piece::Entity),
    ]
}

fn comment() -> impl Strategy<Value = String> {
    chars(10)
}

fn attr() -> impl Strategy<Value = Attr> {
    let name = prop_oneof![
        3 => (0..ATTR_LOCALS.len()).prop_map(AttrName::Plain),
        3 => (0..PREFIXES.len(), 0..ATTR_LOCALS.len()).prop_map(|(p, l)| AttrName::Prefixed(p, l)),
        1 => Just(AttrName::XmlLang),
        1 => Just(AttrName::XmlSpace),
    ];
    (name, prop::collection::vec(attr_piece(), 0..3), any::<bool>()).prop_map(|(name, value, single_quote)| Attr {
        name,
        value,
        single_quote,
    })
}

fn decl() -> impl Strategy<Value = Decl> {
    prop_oneof![
        3 => (0..PREFIXES.len(), 0..URIS.len()).prop_map(|(p, u)| Decl { prefix: Some(p), uri: Some(u) }),
        2 => prop::option::weighted(0.7, 0..URIS.len()).prop_map(|uri| Decl { prefix: None, uri }),
    ]
}

type Head = (Option<usize>, usize, Vec<Decl>, Vec<Attr>, (bool, bool));

fn head() -> impl Strategy<Value = Head> {
    (
        prop::option::of(0..PREFIXES.len()),
        0..LOCALS.len(),
        prop::collection::vec(decl(), 0..3),
        prop::collection::vec(attr(), 0..4),
        (prop::bool::weighted(0.2), prop::bool::weighted(0.3)),
    )
}

fn make(h: Head, children: Vec<Child>) -> El {
    let (prefix, local, decls, attrs, (loose_tag, explicit_end)) = h;
    El { prefix, local, decls, attrs, children, loose_tag, explicit_end }
}

fn element() -> impl Strategy<Value = El> {
    let leaf = (head(), prop::collection::vec(text_piece(), 0..3)).prop_map(|(h, t)| {
        let children = if t.is_empty() { vec![] } else { vec![Child::Text(t)] };
        make(h, children)
    });
    // Depth 5 of recursion on top of the leaves: at most 6 levels of elements.
    leaf.prop_recursive(5, 40, 4, |inner| {
        let child = prop_oneof![
            3 => inner.prop_map(Child::El),
            2 => prop::collection::vec(text_piece(), 1..4).prop_map(Child::Text),
            1 => comment().prop_map(Child::Comment),
        ];
        (head(), prop::collection::vec(child, 0..5)).prop_map(|(h, c)| make(h, c))
    })
}

fn misc() -> impl Strategy<Value = Vec<Option<String>>> {
    prop::collection::vec(prop::option::of(comment()), 0..3)
}

/// A random document.
pub(crate) fn document() -> impl Strategy<Value = GenDoc> {
    (any::<bool>(), misc(), element(), misc()).prop_map(|(declaration, before, root, after)| GenDoc {
        declaration,
        before,
        root,
        after,
    })
}

/// A random document with a random selector, comments flag and PrefixList.
pub(crate) fn case() -> impl Strategy<Value = Case> {
    (
        document(),
        any::<Index>(),
        prop::bool::weighted(0.1),
        any::<bool>(),
        prop::bool::weighted(0.6),
        subsequence(PLIST_TOKENS, 0..=3),
    )
        .prop_map(|(doc, pick, whole, comments, with_plist, plist)| {
            let (doc, locals) = doc.serialize();
            let selector = if whole {
                "/".to_owned()
            } else {
                let i = pick.index(locals.len());
                let name = &locals[i];
                let n = locals[..=i].iter().filter(|l| *l == name).count();
                if n == 1 {
                    name.clone()
                } else {
                    format!("{name}#{n}")
                }
            };
            let prefixes = if with_plist { plist.into_iter().map(str::to_owned).collect() } else { Vec::new() };
            Case { doc, selector, comments, prefixes }
        })
}

struct Writer {
    out: String,
    /// In-scope bindings ("" = default), innermost last.
    scope: Vec<(String, String)>,
    /// Local names of the elements in document order.
    locals: Vec<String>,
}

impl GenDoc {
    /// The document as XML text, and the local names of its elements in document order.
    pub(crate) fn serialize(&self) -> (String, Vec<String>) {
        let mut w = Writer { out: String::new(), scope: Vec::new(), locals: Vec::new() };
        if self.declaration {
            w.out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        }
        for m in &self.before {
            w.misc(m);
        }
        w.element(&self.root);
        for m in &self.after {
            w.misc(m);
        }
        (w.out, w.locals)
    }
}

impl Writer {
    fn misc(&mut self, m: &Option<String>) {
        match m {
            Some(c) => self.comment(c),
            None => self.out.push_str("\n  "),
        }
    }

    fn comment(&mut self, c: &str) {
        self.out.push_str("<!--");
        let mut last = ' ';
        for ch in c.chars() {
            if ch == '-' && last == '-' {
                continue;
            }
            self.out.push(ch);
            last = ch;
        }
        if last == '-' {
            self.out.push('x');
        }
        self.out.push_str("-->");
    }

    fn resolve(&self, local: &[(String, String)], p: &str) -> Option<String> {
        local.iter().chain(self.scope.iter().rev()).find(|(q, _)| q == p).map(|(_, u)| u.clone())
    }

    fn element(&mut self, el: &El) {
        let mut decls: Vec<(String, String)> = Vec::new();
        for d in &el.decls {
            let p = d.prefix.map_or("", |i| PREFIXES[i]).to_owned();
            if decls.iter().any(|(q, _)| *q == p) {
                continue;
            }
            decls.push((p, d.uri.map_or("", |u| URIS[u]).to_owned()));
        }
        let need = |p: usize, decls: &mut Vec<(String, String)>, w: &Self| {
            let name = PREFIXES[p];
            if w.resolve(decls, name).is_none() {
                decls.push((name.to_owned(), URIS[p].to_owned()));
            }
        };
        if let Some(p) = el.prefix {
            need(p, &mut decls, self);
        }
        let mut attrs: Vec<(String, &Attr)> = Vec::new();
        let mut expanded: Vec<(String, String)> = Vec::new();
        for a in &el.attrs {
            let (qname, ns, local) = match a.name {
                AttrName::Plain(l) => (ATTR_LOCALS[l].to_owned(), String::new(), ATTR_LOCALS[l]),
                AttrName::Prefixed(p, l) => {
                    need(p, &mut decls, self);
                    let ns = self.resolve(&decls, PREFIXES[p]).unwrap_or_default();
                    (format!("{}:{}", PREFIXES[p], ATTR_LOCALS[l]), ns, ATTR_LOCALS[l])
                }
                AttrName::XmlLang => ("xml:lang".into(), "xml".into(), "lang"),
                AttrName::XmlSpace => ("xml:space".into(), "xml".into(), "space"),
            };
            if expanded.iter().any(|(n, l)| *n == ns && l == local) {
                continue;
            }
            expanded.push((ns, local.to_owned()));
            attrs.push((qname, a));
        }
        let qname = match el.prefix {
            Some(p) => format!("{}:{}", PREFIXES[p], LOCALS[el.local]),
            None => LOCALS[el.local].to_owned(),
        };
        self.locals.push(LOCALS[el.local].to_owned());
        let sep = if el.loose_tag { "\n\t" } else { " " };
        self.out.push('<');
        self.out.push_str(&qname);
        for (p, u) in &decls {
            self.out.push_str(sep);
            if p.is_empty() {
                self.out.push_str("xmlns");
            } else {
                self.out.push_str("xmlns:");
                self.out.push_str(p);
            }
            self.out.push_str("=\"");
            self.out.push_str(u);
            self.out.push('"');
        }
        for (q, a) in &attrs {
            self.out.push_str(sep);
            self.out.push_str(q);
            let quote = if a.single_quote { '\'' } else { '"' };
            self.out.push('=');
            self.out.push(quote);
            if matches!(a.name, AttrName::XmlSpace) {
                self.out.push_str(if a.value.len() % 2 == 0 { "preserve" } else { "default" });
            } else {
                for piece in &a.value {
                    self.attr_piece(piece, quote);
                }
            }
            self.out.push(quote);
        }
        if el.loose_tag {
            self.out.push('\n');
        }
        if el.children.is_empty() && !el.explicit_end {
            self.out.push_str("/>");
            return;
        }
        self.out.push('>');
        let mark = self.scope.len();
        self.scope.extend(decls);
        for c in &el.children {
            match c {
                Child::El(e) => self.element(e),
                Child::Text(t) => {
                    for piece in t {
                        self.text_piece(piece);
                    }
                }
                Child::Comment(c) => self.comment(c),
            }
        }
        self.scope.truncate(mark);
        self.out.push_str("</");
        self.out.push_str(&qname);
        self.out.push('>');
    }

    fn char_ref(&mut self, c: char, hex: bool) {
        let s = if hex { format!("&#x{:X};", c as u32) } else { format!("&#{};", c as u32) };
        self.out.push_str(&s);
    }

    fn text_piece(&mut self, p: &Piece) {
        match p {
            Piece::Chars(s) => {
                for c in s.chars() {
                    match c {
                        '&' => self.out.push_str("&amp;"),
                        '<' => self.out.push_str("&lt;"),
                        '>' if self.out.ends_with("]]") => self.out.push_str("&gt;"),
                        c => self.out.push(c),
                    }
                }
            }
            Piece::CharRef(c, hex) => self.char_ref(*c, *hex),
            Piece::Cdata(s) => {
                self.out.push_str("<![CDATA[");
                self.out.push_str(&s.replace("]]>", "]] >"));
                self.out.push_str("]]>");
            }
            Piece::Entity(e) => self.out.push_str(e),
        }
    }

    fn attr_piece(&mut self, p: &Piece, quote: char) {
        match p {
            Piece::Chars(s) => {
                for c in s.chars() {
                    match c {
                        '&' => self.out.push_str("&amp;"),
                        '<' => self.out.push_str("&lt;"),
                        '"' if quote == '"' => self.out.push_str("&quot;"),
                        '\'' if quote == '\'' => self.out.push_str("&apos;"),
                        c => self.out.push(c),
                    }
                }
            }
            Piece::CharRef(c, hex) => self.char_ref(*c, *hex),
            Piece::Cdata(_) => {}
            Piece::Entity(e) => self.out.push_str(e),
        }
    }
}
