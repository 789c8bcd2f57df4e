//! Errors of the XML layer: what went wrong and where.

use std::fmt;

/// Where in the input a problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Byte offset from the start of the input.
    pub offset: usize,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl Position {
    /// Computes line and column of `offset` in `input` (only done on the error path).
    pub(crate) fn locate(input: &[u8], offset: usize) -> Self {
        let offset = offset.min(input.len());
        let before = &input[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        // Count characters, not bytes: UTF-8 continuation bytes do not start a character.
        let column = before[line_start..].iter().filter(|&&b| (b & 0xC0) != 0x80).count() + 1;
        Position { offset, line, column }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {} (byte {})", self.line, self.column, self.offset)
    }
}

/// Which reader limit was exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// [`Limits::max_input_bytes`](crate::xml::Limits::max_input_bytes)
    InputBytes,
    /// [`Limits::max_depth`](crate::xml::Limits::max_depth)
    Depth,
    /// [`Limits::max_attributes`](crate::xml::Limits::max_attributes)
    AttributesPerElement,
    /// [`Limits::max_namespaces_in_scope`](crate::xml::Limits::max_namespaces_in_scope)
    NamespacesInScope,
    /// [`Limits::max_text_bytes`](crate::xml::Limits::max_text_bytes)
    TextBytes,
}

/// What the reader rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlErrorKind {
    /// A document type declaration (SOAP 1.1 forbids DTDs).
    #[error("DOCTYPE is not allowed")]
    Doctype,
    /// A processing instruction (SOAP 1.1 forbids them).
    #[error("processing instructions are not allowed")]
    ProcessingInstruction,
    /// An entity reference other than the five predefined ones.
    #[error("entity reference &{name}; is not allowed (only amp, lt, gt, quot, apos)")]
    EntityReference {
        /// The entity name.
        name: String,
    },
    /// A malformed `&...;` reference.
    #[error("malformed reference")]
    MalformedReference,
    /// A character reference to a character XML cannot carry.
    #[error("character reference to U+{code:04X}, which XML 1.0 does not allow")]
    IllegalCharacterReference {
        /// The referenced code point.
        code: u32,
    },
    /// A literal character XML cannot carry.
    #[error("character U+{code:04X} is not allowed in XML 1.0")]
    IllegalCharacter {
        /// The code point.
        code: u32,
    },
    /// The input is not UTF-8, or declares another encoding.
    #[error("input must be UTF-8: {detail}")]
    NotUtf8 {
        /// What was found instead.
        detail: String,
    },
    /// The XML declaration is malformed or names a version other than 1.0.
    #[error("bad XML declaration: {detail}")]
    BadDeclaration {
        /// What is wrong with it.
        detail: String,
    },
    /// `<` inside an attribute value.
    #[error("'<' is not allowed in an attribute value")]
    LtInAttributeValue,
    /// An element or attribute name that is not a valid QName.
    #[error("invalid name {name:?}")]
    InvalidName {
        /// The offending name.
        name: String,
    },
    /// A second top-level element.
    #[error("more than one root element")]
    MultipleRoots,
    /// No root element.
    #[error("no root element")]
    NoRoot,
    /// Non-whitespace text, a reference or CDATA outside the root element.
    #[error("content outside the root element")]
    ContentOutsideRoot,
    /// `]]>` in character data.
    #[error("']]>' is not allowed in text")]
    CdataEndInText,
    /// `--` inside a comment, or a comment ending in `-`.
    #[error("'--' is not allowed inside a comment")]
    DoubleHyphenInComment,
    /// A prefix without an in-scope declaration.
    #[error("undeclared namespace prefix {prefix:?}")]
    UndeclaredPrefix {
        /// The prefix.
        prefix: String,
    },
    /// The same attribute twice (by name, or by namespace + local name).
    #[error("duplicate attribute {name:?}")]
    DuplicateAttribute {
        /// The attribute as written.
        name: String,
    },
    /// Binding `xml` or `xmlns` to anything else, or another prefix to their namespaces.
    #[error("reserved prefix or namespace rebound: {detail}")]
    ReservedNamespace {
        /// Which declaration.
        detail: String,
    },
    /// `xmlns:p=""` (not allowed in Namespaces in XML 1.0).
    #[error("prefix {prefix:?} bound to the empty namespace name")]
    EmptyPrefixedNamespace {
        /// The prefix.
        prefix: String,
    },
    /// An end tag that does not match its start tag.
    #[error("end tag </{found}> does not match <{expected}>")]
    MismatchedEndTag {
        /// Name of the open element.
        expected: String,
        /// Name in the end tag.
        found: String,
    },
    /// Input ended inside markup or with open elements.
    #[error("unexpected end of input")]
    UnexpectedEof,
    /// A configured limit was exceeded.
    #[error("{limit:?} limit of {max} exceeded")]
    LimitExceeded {
        /// Which limit.
        limit: Limit,
        /// Its configured value.
        max: usize,
    },
    /// Other malformed markup found by the tokenizer.
    #[error("malformed XML: {detail}")]
    Syntax {
        /// The tokenizer's description.
        detail: String,
    },
}

/// An input the reader rejected, with where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at {position}")]
pub struct XmlError {
    /// What was wrong.
    pub kind: XmlErrorKind,
    /// Where.
    pub position: Position,
}

/// A failure of exclusive canonicalization.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum C14nError {
    /// A namespace declaration in the canonicalized subtree has a relative URI (C14N 1.0 §2.1).
    #[error("relative namespace URI {uri:?} in the canonicalized subtree")]
    RelativeNamespaceUri {
        /// The URI.
        uri: String,
    },
    /// A prefix in the InclusiveNamespaces PrefixList is not an NCName or `#default`.
    #[error("invalid InclusiveNamespaces prefix {prefix:?}")]
    InvalidPrefix {
        /// The prefix.
        prefix: String,
    },
    /// The output sink failed; whatever it holds must be discarded.
    #[error("c14n output failed: {0}")]
    Io(#[from] std::io::Error),
}

/// A refusal of the writer: the caller asked for something XML cannot say as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// A name that is not an NCName.
    #[error("invalid XML name {name:?}")]
    InvalidName {
        /// The name.
        name: String,
    },
    /// Text with a character XML 1.0 cannot carry (it is never silently dropped).
    #[error("character U+{code:04X} cannot be written in XML 1.0 (in {context})")]
    IllegalCharacter {
        /// The code point.
        code: u32,
        /// Where it was going.
        context: String,
    },
    /// A prefix used without a declaration in scope.
    #[error("undeclared namespace prefix {prefix:?}")]
    UndeclaredPrefix {
        /// The prefix.
        prefix: String,
    },
    /// A namespace declaration that XML namespaces forbid.
    #[error("invalid namespace declaration: {detail}")]
    InvalidNamespace {
        /// What is wrong.
        detail: String,
    },
    /// The same attribute twice on one element.
    #[error("duplicate attribute {name:?}")]
    DuplicateAttribute {
        /// The attribute.
        name: String,
    },
    /// Calls in an order that cannot produce a document (attribute after content, unbalanced end…).
    #[error("writer misuse: {detail}")]
    State {
        /// What was called out of order.
        detail: String,
    },
}
