//! The SOAP 1.1 envelope shape both the signer and the verifier insist on.

use crate::xml::{Document, Element, Node};

use super::{SOAP11_NS, SOAP12_NS};

/// Envelope, optional Header and the one Body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EnvelopeParts<'d> {
    pub(crate) envelope: Element<'d>,
    pub(crate) header: Option<Element<'d>>,
    pub(crate) body: Element<'d>,
}

/// What is wrong with the envelope's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ShapeError {
    NotEnvelope { found: String },
    Soap12,
    DuplicateHeader,
    DuplicateBody,
    MissingBody,
    HeaderAfterBody,
    UnexpectedChild { found: String },
    TextInEnvelope,
}

impl std::fmt::Display for ShapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShapeError::NotEnvelope { found } => write!(f, "root element is {found}, not a SOAP 1.1 Envelope"),
            ShapeError::Soap12 => f.write_str("SOAP 1.2 envelope; DHO speaks SOAP 1.1"),
            ShapeError::DuplicateHeader => f.write_str("more than one Header"),
            ShapeError::DuplicateBody => f.write_str("more than one Body"),
            ShapeError::MissingBody => f.write_str("no Body"),
            ShapeError::HeaderAfterBody => f.write_str("Header after Body"),
            ShapeError::UnexpectedChild { found } => write!(f, "unexpected Envelope child {found}"),
            ShapeError::TextInEnvelope => f.write_str("text directly inside the Envelope"),
        }
    }
}

fn expanded(e: Element<'_>) -> String {
    match e.namespace() {
        Some(ns) => format!("{{{ns}}}{}", e.local_name()),
        None => e.local_name().to_owned(),
    }
}

/// Checks `Envelope(Header?, Body)` in the SOAP 1.1 namespace, nothing else.
pub(crate) fn envelope_parts(doc: &Document) -> Result<EnvelopeParts<'_>, ShapeError> {
    let envelope = doc.root();
    if envelope.local_name() == "Envelope" && envelope.namespace() == Some(SOAP12_NS) {
        return Err(ShapeError::Soap12);
    }
    if !envelope.is(Some(SOAP11_NS), "Envelope") {
        return Err(ShapeError::NotEnvelope { found: expanded(envelope) });
    }
    let (mut header, mut body) = (None, None);
    for child in envelope.children() {
        match child {
            Node::Text(t) if t.trim_matches([' ', '\t', '\r', '\n']).is_empty() => {}
            Node::Text(_) => return Err(ShapeError::TextInEnvelope),
            Node::Comment(_) => {}
            Node::Element(e) if e.is(Some(SOAP11_NS), "Header") => {
                if header.is_some() {
                    return Err(ShapeError::DuplicateHeader);
                }
                if body.is_some() {
                    return Err(ShapeError::HeaderAfterBody);
                }
                header = Some(e);
            }
            Node::Element(e) if e.is(Some(SOAP11_NS), "Body") => {
                if body.is_some() {
                    return Err(ShapeError::DuplicateBody);
                }
                body = Some(e);
            }
            Node::Element(e) => return Err(ShapeError::UnexpectedChild { found: expanded(e) }),
        }
    }
    let body = body.ok_or(ShapeError::MissingBody)?;
    Ok(EnvelopeParts { envelope, header, body })
}
