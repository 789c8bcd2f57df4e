//! SOAP 1.1 and the namespaces of the WS-Security profile: the ground floor the
//! message model and the signature layer both stand on.
//!
//! One definition of every namespace the crate speaks, and one check of the envelope's
//! shape, `Envelope(Header?, Body)`, used by the model's reader, the signer and the verifier.

use crate::xml::{Element, Node};

/// SOAP 1.1 envelope namespace.
pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// SOAP 1.2 envelope namespace (rejected: DHO speaks SOAP 1.1).
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
/// WS-Security 1.0 secext namespace (`wsse`).
pub const WSSE_NS: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
/// WS-Security 1.0 utility namespace (`wsu`).
pub const WSU_NS: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
/// WS-Security 1.1 secext namespace (`wsse11`), for `TokenType`.
pub const WSSE11_NS: &str = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd";
/// XML-DSig namespace (`ds`).
pub const DS_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Namespace of `ec:InclusiveNamespaces`: the exclusive c14n algorithm URI itself.
pub const EC_NS: &str = crate::xml::EXC_C14N;

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

/// Checks `Envelope(Header?, Body)` in the SOAP 1.1 namespace, nothing else, from the
/// document element.
pub(crate) fn envelope_parts(envelope: Element<'_>) -> Result<EnvelopeParts<'_>, ShapeError> {
    if envelope.local_name() == "Envelope" && envelope.namespace() == Some(SOAP12_NS) {
        return Err(ShapeError::Soap12);
    }
    if !envelope.is(Some(SOAP11_NS), "Envelope") {
        return Err(ShapeError::NotEnvelope { found: envelope.expanded_name() });
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
            Node::Element(e) => return Err(ShapeError::UnexpectedChild { found: e.expanded_name() }),
        }
    }
    let body = body.ok_or(ShapeError::MissingBody)?;
    Ok(EnvelopeParts { envelope, header, body })
}
