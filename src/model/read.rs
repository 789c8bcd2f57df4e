//! Reading helpers: walk the children of an element in schema order.
//!
//! Public so that [`InhoudContent`](super::InhoudContent) implementations can read their
//! content with the same strictness (and the same errors) as the model itself.

use crate::xml::{Element, Node};

use super::error::ModelError;

fn snippet(t: &str) -> String {
    let t = t.trim();
    let mut s: String = t.chars().take(40).collect();
    if t.chars().count() > 40 {
        s.push('…');
    }
    s
}

/// Fails if `el` has attributes (the model's elements have none).
pub(crate) fn no_attributes(el: Element<'_>, path: &str) -> Result<(), ModelError> {
    match el.attributes().next() {
        Some(a) => Err(ModelError::UnexpectedAttribute { name: a.qualified_name(), path: path.to_owned() }),
        None => Ok(()),
    }
}

/// The text of a simple-content element: no attributes, no child elements
/// (comments are skipped, as exclusive c14n without comments skips them).
/// The text is returned exactly as read, without trimming.
pub fn simple_text(el: Element<'_>, path: &str) -> Result<String, ModelError> {
    no_attributes(el, path)?;
    if let Some(c) = el.child_elements().next() {
        return Err(ModelError::UnexpectedElement {
            expected: "text".into(),
            found: c.expanded_name(),
            path: path.to_owned(),
        });
    }
    Ok(el.text())
}

/// A cursor over the child elements of one element, in order.
///
/// Creating it checks that the element has no attributes and no text other than
/// whitespace between its children.
#[derive(Debug)]
pub struct ElementCursor<'d> {
    items: Vec<Element<'d>>,
    pos: usize,
    path: String,
}

impl<'d> ElementCursor<'d> {
    /// A cursor over `parent`'s child elements; `path` names `parent` in errors.
    pub fn new(parent: Element<'d>, path: &str) -> Result<Self, ModelError> {
        no_attributes(parent, path)?;
        Self::new_allowing_attributes(parent, path)
    }

    /// Like [`new`](Self::new), without the attribute check.
    pub fn new_allowing_attributes(parent: Element<'d>, path: &str) -> Result<Self, ModelError> {
        let mut items = Vec::new();
        for n in parent.children() {
            match n {
                Node::Element(e) => items.push(e),
                Node::Text(t) if !t.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) => {
                    return Err(ModelError::UnexpectedText { path: path.to_owned(), text: snippet(t) })
                }
                _ => {}
            }
        }
        Ok(ElementCursor { items, pos: 0, path: path.to_owned() })
    }

    /// The path of the parent element.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The path of a child called `local` of the parent.
    pub fn child_path(&self, local: &str) -> String {
        format!("{}/{}", self.path, local)
    }

    /// The next child, which must be the unqualified element `local`.
    pub fn required(&mut self, local: &'static str) -> Result<Element<'d>, ModelError> {
        match self.optional(local)? {
            Some(e) => Ok(e),
            None => match self.items.get(self.pos) {
                Some(e) => Err(ModelError::UnexpectedElement {
                    expected: local.to_owned(),
                    found: e.expanded_name(),
                    path: self.path.clone(),
                }),
                None => Err(ModelError::MissingElement { expected: local, path: self.path.clone() }),
            },
        }
    }

    /// The next child if it is the unqualified element `local`. An element with that
    /// local name in a namespace is an error, not a miss.
    pub fn optional(&mut self, local: &'static str) -> Result<Option<Element<'d>>, ModelError> {
        let Some(e) = self.items.get(self.pos).copied() else {
            return Ok(None);
        };
        if e.local_name() != local {
            return Ok(None);
        }
        if e.namespace().is_some() {
            return Err(ModelError::UnexpectedElement {
                expected: format!("unqualified {local}"),
                found: e.expanded_name(),
                path: self.path.clone(),
            });
        }
        self.pos += 1;
        Ok(Some(e))
    }

    /// The text of the next child, which must be the simple element `local`.
    pub fn required_text(&mut self, local: &'static str) -> Result<String, ModelError> {
        let e = self.required(local)?;
        simple_text(e, &self.child_path(local))
    }

    /// The text of the next child if it is the simple element `local`.
    pub fn optional_text(&mut self, local: &'static str) -> Result<Option<String>, ModelError> {
        match self.optional(local)? {
            Some(e) => simple_text(e, &self.child_path(local)).map(Some),
            None => Ok(None),
        }
    }

    /// One or more consecutive unqualified elements `local`.
    pub fn one_or_more(&mut self, local: &'static str) -> Result<Vec<Element<'d>>, ModelError> {
        let mut v = vec![self.required(local)?];
        while let Some(e) = self.optional(local)? {
            v.push(e);
        }
        Ok(v)
    }

    /// The next child, whatever it is.
    pub fn next_any(&mut self) -> Option<Element<'d>> {
        let e = self.items.get(self.pos).copied();
        if e.is_some() {
            self.pos += 1;
        }
        e
    }

    /// How many children are left.
    pub fn remaining(&self) -> usize {
        self.items.len() - self.pos
    }

    /// Fails if any child is left.
    pub fn finish(self) -> Result<(), ModelError> {
        match self.items.get(self.pos) {
            Some(e) => Err(ModelError::UnexpectedElement {
                expected: format!("end of {}", self.path),
                found: e.expanded_name(),
                path: self.path,
            }),
            None => Ok(()),
        }
    }
}
