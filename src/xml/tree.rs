//! The parsed document: an arena of nodes with resolved namespaces.
//!
//! Names and unmodified text point into the retained input; only text that the
//! reader had to decode (references, line ends) is stored separately. Nothing
//! here can be built except by the reader, so every `Document` is well-formed,
//! namespace-correct and within the limits it was read with.

use std::fmt;

pub(crate) const NONE: u32 = u32::MAX;

/// The XML namespace (`xml:` prefix).
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
/// The namespace of namespace declarations (`xmlns`).
pub const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

/// A string in the document: a span of the input, or of the decoded-text buffer
/// when the top bit of `len` is set. Eight bytes, because the tree holds one per
/// text node, element and attribute.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Str {
    start: u32,
    len: u32,
}

const DECODED: u32 = 1 << 31;

/// Inputs (and so every span) are kept below this many bytes.
pub(crate) const MAX_SPAN: usize = DECODED as usize;

impl Str {
    /// `len` bytes of the input from `start`.
    #[inline]
    pub(crate) fn input(start: u32, len: u32) -> Str {
        debug_assert!(len < DECODED);
        Str { start, len }
    }

    /// `len` bytes of the decoded-text buffer from `start`.
    #[inline]
    pub(crate) fn decoded(start: u32, len: u32) -> Str {
        debug_assert!(len < DECODED);
        Str { start, len: len | DECODED }
    }

    #[inline]
    pub(crate) fn start(self) -> u32 {
        self.start
    }

    #[inline]
    pub(crate) fn len(self) -> u32 {
        self.len & !DECODED
    }

    #[inline]
    pub(crate) fn is_decoded(self) -> bool {
        self.len & DECODED != 0
    }

    #[inline]
    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.start as usize + self.len() as usize
    }
}

/// Identifies a node of one [`Document`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub(crate) u32);

/// One node of the arena. Nodes are stored in document order, so an element's
/// first child, if it has any, is the node right after it: no child pointer is
/// kept. 32 bytes (checked below), which is most of a parsed tree's size.
#[derive(Debug)]
pub(crate) struct NodeData {
    pub(crate) parent: u32,
    pub(crate) next_sibling: u32,
    pub(crate) kind: NodeKind,
}

const _: () = assert!(std::mem::size_of::<NodeData>() == 32);

#[derive(Debug)]
pub(crate) enum NodeKind {
    Element(ElementData),
    Text(Str),
    Comment(Str),
}

#[derive(Debug)]
pub(crate) struct ElementData {
    /// The name as written (`prefix:local` or `local`), always a span of the input
    /// right after the `<` of the start tag.
    pub(crate) name: Str,
    /// Index into `Document::namespaces`; 0 is "no namespace".
    pub(crate) ns: u32,
    /// Index of this element's first item in `Document::items`: its namespace
    /// declarations, then its attributes.
    pub(crate) items: u32,
    pub(crate) decls: u16,
    pub(crate) attrs: u16,
}

/// An attribute or a namespace declaration of an element.
#[derive(Debug)]
pub(crate) struct ItemData {
    /// An attribute's name as written; a declaration's prefix (empty for the default namespace).
    pub(crate) name: Str,
    /// Index into `Document::namespaces`: an attribute's namespace (0 for none), or the
    /// URI a declaration binds (0 for `xmlns=""`).
    pub(crate) ns: u32,
    /// An attribute's normalized value; empty for a declaration.
    pub(crate) value: Str,
}

/// A well-formed, namespace-resolved XML document read by [`Document::parse`].
pub struct Document {
    pub(crate) src: Box<str>,
    pub(crate) decoded: String,
    pub(crate) nodes: Vec<NodeData>,
    pub(crate) items: Vec<ItemData>,
    pub(crate) namespaces: Vec<Box<str>>,
    /// Top-level nodes in order: comments and the one root element.
    pub(crate) top: Vec<u32>,
    pub(crate) root: u32,
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("bytes", &self.src.len())
            .field("nodes", &self.nodes.len())
            .field("root", &self.root().qualified_name())
            .finish()
    }
}

impl Document {
    #[inline]
    pub(crate) fn str(&self, s: Str) -> &str {
        let buf = if s.is_decoded() { self.decoded.as_str() } else { &*self.src };
        &buf[s.range()]
    }

    #[inline]
    pub(crate) fn ns_str(&self, idx: u32) -> &str {
        &self.namespaces[idx as usize]
    }

    #[inline]
    pub(crate) fn data(&self, id: u32) -> &NodeData {
        &self.nodes[id as usize]
    }

    #[inline]
    pub(crate) fn element_data(&self, id: u32) -> &ElementData {
        match &self.nodes[id as usize].kind {
            NodeKind::Element(e) => e,
            // Element handles are only made for element nodes.
            _ => unreachable!("element handle on a non-element node"),
        }
    }

    /// The first child of node `id`, or `NONE`.
    #[inline]
    pub(crate) fn first_child(&self, id: u32) -> u32 {
        match self.nodes.get(id as usize + 1) {
            Some(n) if n.parent == id => id + 1,
            _ => NONE,
        }
    }

    /// The document element.
    pub fn root(&self) -> Element<'_> {
        Element { doc: self, id: self.root }
    }

    /// The element with this id, if the id names an element of this document.
    pub fn element(&self, id: NodeId) -> Option<Element<'_>> {
        match self.nodes.get(id.0 as usize)?.kind {
            NodeKind::Element(_) => Some(Element { doc: self, id: id.0 }),
            _ => None,
        }
    }

    /// Top-level nodes in document order: comments around the root and the root itself.
    pub fn top_level(&self) -> impl Iterator<Item = Node<'_>> + '_ {
        self.top.iter().map(move |&id| self.node(id))
    }

    /// Number of nodes (elements, text runs, comments).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The input the document was read from (without a byte-order mark).
    pub fn source(&self) -> &str {
        &self.src
    }

    pub(crate) fn node(&self, id: u32) -> Node<'_> {
        match &self.nodes[id as usize].kind {
            NodeKind::Element(_) => Node::Element(Element { doc: self, id }),
            NodeKind::Text(s) => Node::Text(self.str(*s)),
            NodeKind::Comment(s) => Node::Comment(self.str(*s)),
        }
    }
}

/// A node of a [`Document`].
#[derive(Debug, Clone, Copy)]
pub enum Node<'d> {
    /// An element.
    Element(Element<'d>),
    /// Character data: text, CDATA and references merged, line ends normalized.
    Text(&'d str),
    /// A comment's content.
    Comment(&'d str),
}

/// An element of a [`Document`].
#[derive(Clone, Copy)]
pub struct Element<'d> {
    pub(crate) doc: &'d Document,
    pub(crate) id: u32,
}

impl fmt::Debug for Element<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}>@{}", self.qualified_name(), self.position())
    }
}

impl PartialEq for Element<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.doc, other.doc) && self.id == other.id
    }
}
impl Eq for Element<'_> {}

impl<'d> Element<'d> {
    #[inline]
    fn data(&self) -> &'d ElementData {
        self.doc.element_data(self.id)
    }

    /// This element's id in its document.
    pub fn id(&self) -> NodeId {
        NodeId(self.id)
    }

    /// The document this element belongs to.
    pub fn document(&self) -> &'d Document {
        self.doc
    }

    /// Byte offset of the start tag in the input.
    pub fn position(&self) -> usize {
        // The name follows the `<` directly.
        self.data().name.start() as usize - 1
    }

    /// The name as written, borrowed.
    #[inline]
    pub(crate) fn raw_name(&self) -> &'d str {
        self.doc.str(self.data().name)
    }

    /// Local part of the name.
    pub fn local_name(&self) -> &'d str {
        split_name(self.raw_name()).1
    }

    /// Prefix as written, if any.
    pub fn prefix(&self) -> Option<&'d str> {
        split_name(self.raw_name()).0
    }

    /// The name as written (`prefix:local` or `local`).
    pub fn qualified_name(&self) -> String {
        self.raw_name().to_owned()
    }

    /// The expanded name in James Clark notation, `{namespace}local` (or `local` in no
    /// namespace): how errors name an element whatever prefix it was written with.
    pub fn expanded_name(&self) -> String {
        match self.namespace() {
            Some(ns) => format!("{{{ns}}}{}", self.local_name()),
            None => self.local_name().to_owned(),
        }
    }

    /// Namespace name; `None` for an element in no namespace.
    pub fn namespace(&self) -> Option<&'d str> {
        let ns = self.data().ns;
        (ns != 0).then(|| self.doc.ns_str(ns))
    }

    /// Whether the element has this expanded name (`None` = no namespace).
    pub fn is(&self, namespace: Option<&str>, local: &str) -> bool {
        self.local_name() == local && self.namespace() == namespace
    }

    /// The parent element; `None` for the root.
    pub fn parent(&self) -> Option<Element<'d>> {
        let p = self.doc.data(self.id).parent;
        (p != NONE).then_some(Element { doc: self.doc, id: p })
    }

    /// Attributes (namespace declarations excluded), in document order.
    pub fn attributes(&self) -> impl ExactSizeIterator<Item = Attribute<'d>> + 'd {
        let doc = self.doc;
        let d = self.data();
        let start = d.items as usize + d.decls as usize;
        doc.items[start..start + d.attrs as usize].iter().map(move |a| Attribute { doc, data: a })
    }

    /// The value of the attribute with this expanded name.
    pub fn attribute(&self, namespace: Option<&str>, local: &str) -> Option<&'d str> {
        self.attributes().find(|a| a.local_name() == local && a.namespace() == namespace).map(|a| a.value())
    }

    /// Namespace declarations written on this element: (prefix or `None` for default, URI).
    pub fn namespace_declarations(&self) -> impl ExactSizeIterator<Item = (Option<&'d str>, &'d str)> + 'd {
        let doc = self.doc;
        let d = self.data();
        let start = d.items as usize;
        doc.items[start..start + d.decls as usize].iter().map(move |d| {
            let p = (d.name.len() > 0).then(|| doc.str(d.name));
            (p, doc.ns_str(d.ns))
        })
    }

    /// Resolves a prefix (`None` = default namespace) in this element's scope.
    /// `Some("")` is returned for an explicitly undeclared default namespace.
    pub fn lookup_namespace(&self, prefix: Option<&str>) -> Option<&'d str> {
        if prefix == Some("xml") {
            return Some(XML_NS);
        }
        let mut cur = Some(*self);
        while let Some(e) = cur {
            if let Some((_, uri)) = e.namespace_declarations().find(|(p, _)| *p == prefix) {
                return Some(uri);
            }
            cur = e.parent();
        }
        None
    }

    /// Child nodes in order.
    pub fn children(&self) -> Children<'d> {
        Children { doc: self.doc, next: self.doc.first_child(self.id) }
    }

    /// Child elements in order.
    pub fn child_elements(&self) -> impl Iterator<Item = Element<'d>> + 'd {
        self.children().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// This element and all elements below it, in document order.
    pub fn descendants(&self) -> Descendants<'d> {
        Descendants { doc: self.doc, apex: self.id, next: self.id }
    }

    /// The concatenated text children (not descendants) of this element.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for n in self.children() {
            if let Node::Text(t) = n {
                s.push_str(t);
            }
        }
        s
    }

    /// Whether the element has any comment child.
    pub fn has_comment_child(&self) -> bool {
        self.children().any(|n| matches!(n, Node::Comment(_)))
    }
}

/// An attribute of an [`Element`].
#[derive(Clone, Copy)]
pub struct Attribute<'d> {
    doc: &'d Document,
    data: &'d ItemData,
}

impl fmt::Debug for Attribute<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}={:?}", self.qualified_name(), self.value())
    }
}

impl<'d> Attribute<'d> {
    /// Local part of the name.
    pub fn local_name(&self) -> &'d str {
        split_name(self.doc.str(self.data.name)).1
    }
    /// Prefix as written.
    pub fn prefix(&self) -> Option<&'d str> {
        split_name(self.doc.str(self.data.name)).0
    }
    /// Namespace name; `None` for an unprefixed attribute.
    pub fn namespace(&self) -> Option<&'d str> {
        (self.data.ns != 0).then(|| self.doc.ns_str(self.data.ns))
    }
    /// Normalized value (references resolved, literal whitespace turned into spaces).
    pub fn value(&self) -> &'d str {
        self.doc.str(self.data.value)
    }
    /// The name as written.
    pub fn qualified_name(&self) -> String {
        self.doc.str(self.data.name).to_owned()
    }
}

/// Iterator over child nodes.
#[derive(Debug, Clone)]
pub struct Children<'d> {
    doc: &'d Document,
    next: u32,
}

impl<'d> Iterator for Children<'d> {
    type Item = Node<'d>;
    fn next(&mut self) -> Option<Node<'d>> {
        if self.next == NONE {
            return None;
        }
        let id = self.next;
        self.next = self.doc.data(id).next_sibling;
        Some(self.doc.node(id))
    }
}

/// Iterator over an element and its descendant elements in document order.
#[derive(Debug, Clone)]
pub struct Descendants<'d> {
    doc: &'d Document,
    apex: u32,
    next: u32,
}

impl<'d> Iterator for Descendants<'d> {
    type Item = Element<'d>;
    fn next(&mut self) -> Option<Element<'d>> {
        let doc = self.doc;
        let cur = self.next;
        if cur == NONE {
            return None;
        }
        // Advance: first element child, else next element sibling up the chain.
        let first_el = |mut id: u32| {
            while id != NONE && !matches!(doc.data(id).kind, NodeKind::Element(_)) {
                id = doc.data(id).next_sibling;
            }
            id
        };
        let mut next = first_el(doc.first_child(cur));
        let mut up = cur;
        while next == NONE && up != self.apex {
            next = first_el(doc.data(up).next_sibling);
            if next == NONE {
                up = doc.data(up).parent;
            }
        }
        self.next = next;
        Some(Element { doc, id: cur })
    }
}

/// Splits a name the reader has checked to be a QName (at most one colon, not at either end).
#[inline]
fn split_name(name: &str) -> (Option<&str>, &str) {
    // Names are short: a plain byte loop beats a searcher.
    match name.bytes().position(|b| b == b':') {
        Some(i) => (Some(&name[..i]), &name[i + 1..]),
        None => (None, name),
    }
}
