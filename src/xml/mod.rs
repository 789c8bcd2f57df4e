//! XML core: one strict reader, exclusive canonicalization, and a byte-stable writer.
//!
//! Everything else in the crate stands on this module. The signer canonicalizes
//! what [`XmlWriter`] wrote, the verifier canonicalizes what [`Document::parse`]
//! read, and applications read their messages from that same [`Document`]: there
//! is no second parser anywhere on the verification path.

mod c14n;
mod chars;
mod error;
mod reader;
mod tree;
mod writer;

pub(crate) use c14n::{
    apex_namespaces, prefixes_declared_outward, write_declaration, wss4j_inclusive_prefixes, ApexExtra,
};
pub use c14n::{ExcC14n, EXC_C14N, EXC_C14N_WITH_COMMENTS};
pub(crate) use chars::{is_absolute_uri, is_ncname, is_xml_char};
pub use error::{C14nError, Limit, Position, WriteError, XmlError, XmlErrorKind};
pub use reader::Limits;
pub use tree::{Attribute, Children, Descendants, Document, Element, Node, NodeId, XMLNS_NS, XML_NS};
pub use writer::XmlWriter;
