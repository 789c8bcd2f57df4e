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

/// A string in the document: a span of the input or of the decoded-text buffer.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Str {
    pub(crate) start: u32,
    pub(crate) len: u32,
    pub(crate) owned: bool,
}

/// Identifies a node of one [`Document`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub(crate) u32);

#[derive(Debug)]
pub(crate) struct NodeData {
    pub(crate) parent: u32,
    pub(crate) next_sibling: u32,
    pub(crate) offset: u32,
    pub(crate) kind: NodeKind,
}

#[derive(Debug)]
pub(crate) enum NodeKind {
    Element(ElementData),
    Text(Str),
    Comment(Str),
}

#[derive(Debug)]
pub(crate) struct ElementData {
    /// Prefix as written; `len == 0` for none.
    pub(crate) prefix: Str,
    pub(crate) local: Str,
    /// Index into `Document::namespaces`; 0 is "no namespace".
    pub(crate) ns: u32,
    pub(crate) attrs: (u32, u32),
    pub(crate) decls: (u32, u32),
    pub(crate) first_child: u32,
    pub(crate) last_child: u32,
}

#[derive(Debug)]
pub(crate) struct AttrData {
    pub(crate) prefix: Str,
    pub(crate) local: Str,
    pub(crate) ns: u32,
    pub(crate) value: Str,
}

#[derive(Debug)]
pub(crate) struct NsDeclData {
    /// `len == 0` for the default namespace.
    pub(crate) prefix: Str,
    /// Index into `Document::namespaces`; 0 is the empty name (`xmlns=""`).
    pub(crate) uri: u32,
}

/// A well-formed, namespace-resolved XML document read by [`Document::parse`].
pub struct Document {
    pub(crate) src: Box<str>,
    pub(crate) decoded: String,
    pub(crate) nodes: Vec<NodeData>,
    pub(crate) attrs: Vec<AttrData>,
    pub(crate) decls: Vec<NsDeclData>,
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
        let buf = if s.owned { self.decoded.as_str() } else { &*self.src };
        &buf[s.start as usize..(s.start + s.len) as usize]
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
        self.doc.data(self.id).offset as usize
    }

    /// Local part of the name.
    pub fn local_name(&self) -> &'d str {
        self.doc.str(self.data().local)
    }

    /// Prefix as written, if any.
    pub fn prefix(&self) -> Option<&'d str> {
        let p = self.data().prefix;
        (p.len > 0).then(|| self.doc.str(p))
    }

    /// The name as written (`prefix:local` or `local`).
    pub fn qualified_name(&self) -> String {
        match self.prefix() {
            Some(p) => format!("{p}:{}", self.local_name()),
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
        let (a, b) = self.data().attrs;
        doc.attrs[a as usize..b as usize].iter().map(move |a| Attribute { doc, data: a })
    }

    /// The value of the attribute with this expanded name.
    pub fn attribute(&self, namespace: Option<&str>, local: &str) -> Option<&'d str> {
        self.attributes().find(|a| a.local_name() == local && a.namespace() == namespace).map(|a| a.value())
    }

    /// Namespace declarations written on this element: (prefix or `None` for default, URI).
    pub fn namespace_declarations(&self) -> impl ExactSizeIterator<Item = (Option<&'d str>, &'d str)> + 'd {
        let doc = self.doc;
        let (a, b) = self.data().decls;
        doc.decls[a as usize..b as usize].iter().map(move |d| {
            let p = (d.prefix.len > 0).then(|| doc.str(d.prefix));
            (p, doc.ns_str(d.uri))
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
        Children { doc: self.doc, next: self.data().first_child }
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
    data: &'d AttrData,
}

impl fmt::Debug for Attribute<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}={:?}", self.qualified_name(), self.value())
    }
}

impl<'d> Attribute<'d> {
    /// Local part of the name.
    pub fn local_name(&self) -> &'d str {
        self.doc.str(self.data.local)
    }
    /// Prefix as written.
    pub fn prefix(&self) -> Option<&'d str> {
        (self.data.prefix.len > 0).then(|| self.doc.str(self.data.prefix))
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
        match self.prefix() {
            Some(p) => format!("{p}:{}", self.local_name()),
            None => self.local_name().to_owned(),
        }
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
        let mut next = first_el(doc.element_data(cur).first_child);
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
