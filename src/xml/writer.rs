//! A byte-stable writer for building messages.
//!
//! Text and attribute values are escaped exactly as Canonical XML escapes them
//! (CR in text as `&#xD;`; TAB, LF and CR in attributes as character references),
//! so what is written, read back and canonicalized is exactly what the caller
//! passed in. Anything XML cannot carry is refused with a [`WriteError`], never
//! dropped or replaced.

use super::c14n::{escape_attr, escape_text, write_declaration};
use super::chars::{find_illegal_char, is_ncname};
use super::error::WriteError;
use super::tree::{Element, Node, XMLNS_NS, XML_NS};

#[derive(Debug)]
struct PendingTag {
    prefix: Option<String>,
    local: String,
    decls: Vec<(String, String)>,
    attrs: Vec<(Option<String>, String, String)>,
}

#[derive(Debug)]
struct OpenElement {
    qname: String,
    scope_mark: usize,
}

/// Writes one XML document element by element; see the module docs.
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: Vec<u8>,
    pending: Option<PendingTag>,
    stack: Vec<OpenElement>,
    /// In-scope bindings: ("" for default, URI).
    scope: Vec<(String, String)>,
    root_closed: bool,
}

impl XmlWriter {
    /// A writer without an XML declaration.
    pub fn new() -> Self {
        Self::default()
    }

    /// A writer that starts with `<?xml version="1.0" encoding="UTF-8"?>`.
    pub fn with_declaration() -> Self {
        let mut w = Self::new();
        w.out.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        w
    }

    /// A writer for a fragment that will be placed where `bindings` (prefix or
    /// `None` for the default namespace, URI) are already in scope: they are
    /// not written, but names may use them.
    pub fn fragment_in_scope<'a>(bindings: impl IntoIterator<Item = (Option<&'a str>, &'a str)>) -> Self {
        let mut w = Self::new();
        w.scope = bindings.into_iter().map(|(p, u)| (p.unwrap_or("").to_owned(), u.to_owned())).collect();
        w
    }

    /// Opens an element. Its namespace declarations and attributes follow.
    pub fn start_element(&mut self, prefix: Option<&str>, local: &str) -> Result<&mut Self, WriteError> {
        self.flush_tag(false)?;
        if self.root_closed {
            return Err(state("a second root element"));
        }
        check_name(local)?;
        if let Some(p) = prefix {
            check_name(p)?;
            if p == "xmlns" {
                return Err(WriteError::InvalidNamespace { detail: "element with the xmlns prefix".into() });
            }
        }
        self.pending = Some(PendingTag {
            prefix: prefix.map(str::to_owned),
            local: local.to_owned(),
            decls: Vec::new(),
            attrs: Vec::new(),
        });
        Ok(self)
    }

    /// Declares a namespace on the element just opened (`None` = default namespace).
    pub fn declare_namespace(&mut self, prefix: Option<&str>, uri: &str) -> Result<&mut Self, WriteError> {
        let tag = self.pending.as_mut().ok_or_else(|| state("namespace declaration outside a start tag"))?;
        let p = prefix.unwrap_or("");
        if let Some(p) = prefix {
            check_name(p)?;
        }
        let bad = |detail: String| Err(WriteError::InvalidNamespace { detail });
        match p {
            "xmlns" => return bad("the xmlns prefix cannot be declared".into()),
            "xml" => return bad("the xml prefix is predeclared".into()),
            _ if uri == XML_NS || uri == XMLNS_NS => return bad(format!("{uri} cannot be bound")),
            "" => {}
            _ if uri.is_empty() => return bad(format!("prefix {p} bound to the empty namespace")),
            _ => {}
        }
        check_chars(uri, "a namespace URI")?;
        if tag.decls.iter().any(|(q, _)| q == p) {
            return bad(format!("prefix {p:?} declared twice on one element"));
        }
        tag.decls.push((p.to_owned(), uri.to_owned()));
        Ok(self)
    }

    /// Adds an attribute to the element just opened.
    pub fn attribute(&mut self, prefix: Option<&str>, local: &str, value: &str) -> Result<&mut Self, WriteError> {
        let tag = self.pending.as_mut().ok_or_else(|| state("attribute outside a start tag"))?;
        check_name(local)?;
        if let Some(p) = prefix {
            check_name(p)?;
        }
        if prefix.is_none() && local == "xmlns" || prefix == Some("xmlns") {
            return Err(WriteError::InvalidNamespace { detail: "use declare_namespace for xmlns".into() });
        }
        check_chars(value, local)?;
        tag.attrs.push((prefix.map(str::to_owned), local.to_owned(), value.to_owned()));
        Ok(self)
    }

    /// Writes character data inside the current element.
    pub fn text(&mut self, s: &str) -> Result<&mut Self, WriteError> {
        self.flush_tag(false)?;
        let Some(open) = self.stack.last() else {
            return Err(state("text outside the root element"));
        };
        check_chars(s, &open.qname)?;
        escape_text(&mut self.out, s).map_err(|e| state(&e.to_string()))?;
        Ok(self)
    }

    /// Writes a comment inside the current element.
    pub fn comment(&mut self, s: &str) -> Result<&mut Self, WriteError> {
        self.flush_tag(false)?;
        if self.stack.is_empty() {
            return Err(state("comment outside the root element"));
        }
        check_chars(s, "a comment")?;
        if s.contains("--") || s.ends_with('-') {
            return Err(state("'--' inside a comment"));
        }
        self.out.extend_from_slice(b"<!--");
        self.out.extend_from_slice(s.as_bytes());
        self.out.extend_from_slice(b"-->");
        Ok(self)
    }

    /// Closes the current element.
    pub fn end_element(&mut self) -> Result<&mut Self, WriteError> {
        if self.pending.is_some() {
            return self.flush_tag(true);
        }
        let open = self.stack.pop().ok_or_else(|| state("end_element without an open element"))?;
        self.out.extend_from_slice(b"</");
        self.out.extend_from_slice(open.qname.as_bytes());
        self.out.push(b'>');
        self.close(open);
        Ok(self)
    }

    /// `<prefix:local>text</prefix:local>` in one call.
    pub fn text_element(&mut self, prefix: Option<&str>, local: &str, text: &str) -> Result<&mut Self, WriteError> {
        self.start_element(prefix, local)?.text(text)?.end_element()
    }

    /// Copies an element of a parsed document, with all its content, declaring
    /// namespaces where the new context needs them so that every name keeps its
    /// namespace.
    pub fn copy_element(&mut self, el: Element<'_>) -> Result<&mut Self, WriteError> {
        self.start_element(el.prefix(), el.local_name())?;
        for (p, uri) in el.namespace_declarations() {
            self.declare_namespace(p, uri)?;
        }
        self.fixup(el.prefix(), el.namespace().unwrap_or(""))?;
        for a in el.attributes() {
            if let (Some(p), Some(ns)) = (a.prefix(), a.namespace()) {
                if p != "xml" {
                    self.fixup(Some(p), ns)?;
                }
            }
            self.attribute(a.prefix(), a.local_name(), a.value())?;
        }
        for child in el.children() {
            match child {
                Node::Element(c) => {
                    self.copy_element(c)?;
                }
                Node::Text(t) => {
                    self.text(t)?;
                }
                Node::Comment(c) => {
                    self.comment(c)?;
                }
            }
        }
        self.end_element()
    }

    /// Declares `prefix` → `uri` on the pending tag unless that binding is already in effect.
    fn fixup(&mut self, prefix: Option<&str>, uri: &str) -> Result<(), WriteError> {
        let p = prefix.unwrap_or("");
        if p == "xml" {
            return Ok(());
        }
        let tag = self.pending.as_ref().ok_or_else(|| state("fixup outside a start tag"))?;
        let current = tag
            .decls
            .iter()
            .find(|(q, _)| q == p)
            .map(|(_, u)| u.as_str())
            .or_else(|| self.scope.iter().rev().find(|(q, _)| q == p).map(|(_, u)| u.as_str()))
            .unwrap_or("");
        if current != uri {
            self.declare_namespace(prefix, uri)?;
        }
        Ok(())
    }

    /// The finished document. Fails if elements are still open or nothing was written.
    pub fn finish(mut self) -> Result<Vec<u8>, WriteError> {
        self.flush_tag(false)?;
        if !self.stack.is_empty() {
            return Err(state("elements left open"));
        }
        if !self.root_closed {
            return Err(state("no root element"));
        }
        Ok(self.out)
    }

    fn resolve(&self, tag: &PendingTag, p: &str) -> Option<String> {
        if p == "xml" {
            return Some(XML_NS.into());
        }
        tag.decls
            .iter()
            .find(|(q, _)| q == p)
            .or_else(|| self.scope.iter().rev().find(|(q, _)| q == p))
            .map(|(_, u)| u.clone())
    }

    fn flush_tag(&mut self, empty: bool) -> Result<&mut Self, WriteError> {
        let Some(tag) = self.pending.take() else {
            return Ok(self);
        };
        if let Some(p) = &tag.prefix {
            match self.resolve(&tag, p) {
                Some(u) if !u.is_empty() => {}
                _ => return Err(WriteError::UndeclaredPrefix { prefix: p.clone() }),
            }
        }
        let mut seen: Vec<(String, &str)> = Vec::with_capacity(tag.attrs.len());
        for (p, local, _) in &tag.attrs {
            let ns = match p {
                None => String::new(),
                Some(p) => match self.resolve(&tag, p) {
                    Some(u) if !u.is_empty() => u,
                    _ => return Err(WriteError::UndeclaredPrefix { prefix: p.clone() }),
                },
            };
            if seen.iter().any(|(n, l)| *n == ns && *l == local) {
                return Err(WriteError::DuplicateAttribute { name: local.clone() });
            }
            seen.push((ns, local));
        }
        let qname = match &tag.prefix {
            Some(p) => format!("{p}:{}", tag.local),
            None => tag.local.clone(),
        };
        let out = &mut self.out;
        out.push(b'<');
        out.extend_from_slice(qname.as_bytes());
        for (p, u) in &tag.decls {
            write_declaration(out, p, u).map_err(|e| state(&e.to_string()))?;
        }
        for (p, local, v) in &tag.attrs {
            out.push(b' ');
            if let Some(p) = p {
                out.extend_from_slice(p.as_bytes());
                out.push(b':');
            }
            out.extend_from_slice(local.as_bytes());
            out.extend_from_slice(b"=\"");
            escape_attr(out, v).map_err(|e| state(&e.to_string()))?;
            out.push(b'"');
        }
        let open = OpenElement { qname, scope_mark: self.scope.len() };
        self.scope.extend(tag.decls);
        if empty {
            self.out.extend_from_slice(b"/>");
            self.close(open);
        } else {
            self.out.push(b'>');
            self.stack.push(open);
        }
        Ok(self)
    }

    fn close(&mut self, open: OpenElement) {
        self.scope.truncate(open.scope_mark);
        if self.stack.is_empty() {
            self.root_closed = true;
        }
    }
}

fn state(detail: &str) -> WriteError {
    WriteError::State { detail: detail.into() }
}

fn check_name(n: &str) -> Result<(), WriteError> {
    if is_ncname(n) {
        Ok(())
    } else {
        Err(WriteError::InvalidName { name: n.into() })
    }
}

fn check_chars(s: &str, context: &str) -> Result<(), WriteError> {
    match find_illegal_char(s) {
        Some((_, c)) => Err(WriteError::IllegalCharacter { code: c as u32, context: context.into() }),
        None => Ok(()),
    }
}
