//! The one error type of the message model.

use std::fmt;

use crate::xml::{WriteError, XmlError};

use super::SchemaVersion;

/// Why a value was refused. Carried by [`ModelError::Invalid`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// Empty where at least one character is required.
    Empty,
    /// More characters than the field allows.
    TooLong {
        /// The maximum number of characters.
        max: usize,
        /// The number of characters given.
        actual: usize,
    },
    /// Does not have the required form.
    Pattern {
        /// The expected form, e.g. `NN.NN.NNNN`.
        expected: &'static str,
    },
    /// Not one of the values the schema enumerates.
    NotInEnumeration {
        /// The allowed values, separated by `|`.
        allowed: &'static str,
    },
    /// An INSZ whose check digits are wrong under both the pre-2000 and the 2000+ rule.
    CheckDigits,
    /// A character XML 1.0 cannot carry.
    IllegalCharacter {
        /// The code point.
        code: u32,
    },
    /// Not a calendar date or clock time.
    NotADateOrTime,
    /// Required in this schema version.
    RequiredIn(SchemaVersion),
    /// Not allowed in this schema version.
    NotAllowedIn(SchemaVersion),
    /// A QName whose prefix has no namespace declaration in scope.
    UndeclaredPrefix {
        /// The prefix.
        prefix: String,
    },
    /// A QName in a signed message whose prefix binding the signature does not cover:
    /// exclusive c14n did not render it, so it could have been changed after signing
    /// (attack catalogue F4).
    UnsignedPrefix {
        /// The prefix.
        prefix: String,
    },
    /// An Uitzondering of the wrong Type for where it is used.
    WrongUitzonderingType {
        /// What is required (e.g. `FOUT`, or `not FOUT`).
        required: &'static str,
    },
    /// An Antwoord with both Inhoud and an Uitzondering of Type FOUT
    /// (the deck: a failure returns Uitzonderingen and no Inhoud).
    InhoudWithFout,
    /// An Antwoord with neither Inhoud nor Uitzonderingen.
    NeitherInhoudNorUitzonderingen,
    /// Something else, described.
    Other(String),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Empty => f.write_str("must not be empty"),
            Reason::TooLong { max, actual } => {
                write!(f, "{actual} characters, at most {max} allowed")
            }
            Reason::Pattern { expected } => write!(f, "must have the form {expected}"),
            Reason::NotInEnumeration { allowed } => write!(f, "must be one of {allowed}"),
            Reason::CheckDigits => f.write_str("modulo-97 check digits do not match"),
            Reason::IllegalCharacter { code } => {
                write!(f, "character U+{code:04X} cannot be carried by XML 1.0")
            }
            Reason::NotADateOrTime => f.write_str("not a valid date or time"),
            Reason::RequiredIn(v) => write!(f, "required in generiek-{v}"),
            Reason::NotAllowedIn(v) => write!(f, "not allowed in generiek-{v}"),
            Reason::UndeclaredPrefix { prefix } => {
                write!(f, "prefix {prefix:?} has no namespace declaration in scope")
            }
            Reason::UnsignedPrefix { prefix } => {
                write!(f, "the binding of prefix {prefix:?} is not covered by the signature")
            }
            Reason::WrongUitzonderingType { required } => {
                write!(f, "Uitzondering Type must be {required} here")
            }
            Reason::InhoudWithFout => f.write_str("an Antwoord with an Uitzondering of Type FOUT carries no Inhoud"),
            Reason::NeitherInhoudNorUitzonderingen => f.write_str("an Antwoord needs Inhoud or Uitzonderingen"),
            Reason::Other(s) => f.write_str(s),
        }
    }
}

/// Everything the message model refuses, when building, reading or writing.
///
/// Variants name the field (`"Afzender/Referte"`) or, when reading, the path of the
/// element (`/Envelope/Body/GeefX/Verzoek/Vragen/Vraag[3]`) so that a caller can
/// tell exactly what was wrong. The reader never panics: every input maps to a
/// message or to one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A field value that breaks its rule.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field, e.g. `"Context/Naam"`.
        field: &'static str,
        /// What is wrong with it.
        reason: Reason,
    },
    /// A Verzoek without any Vraag.
    #[error("a Verzoek needs at least one Vraag")]
    NoVragen,
    /// More Vragen than the deck's limit of 99.
    #[error("{count} Vragen, at most 99 allowed")]
    TooManyVragen {
        /// How many were given (when reading: the count at which reading stopped).
        count: usize,
    },
    /// More Antwoorden than the limit of 99 (one per Vraag).
    #[error("{count} Antwoorden, at most 99 allowed")]
    TooManyAntwoorden {
        /// How many were given.
        count: usize,
    },
    /// The same Referte twice among the Vragen of a Verzoek (or the Antwoorden of a Repliek).
    #[error("duplicate {field} {referte:?}")]
    DuplicateReferte {
        /// `"Vraag/Referte"` or `"Antwoord/Referte"`.
        field: &'static str,
        /// The repeated value.
        referte: String,
    },
    /// An element other than the one the model expects at this place.
    #[error("at {path}: expected {expected}, found {found}")]
    UnexpectedElement {
        /// What was expected (e.g. `Context`, `unqualified Verzoek`).
        expected: String,
        /// What was found, as `{namespace}local` or `local`.
        found: String,
        /// Where (the parent's path).
        path: String,
    },
    /// A required element that is absent.
    #[error("at {path}: missing {expected}")]
    MissingElement {
        /// The missing element.
        expected: &'static str,
        /// Where (the parent's path).
        path: String,
    },
    /// Not a SOAP 1.1 `Envelope(Header?, Body)`: a SOAP 1.2 envelope, two Headers or
    /// Bodies, a Header after the Body, another child, or text in the Envelope.
    #[error("not a SOAP 1.1 envelope: {detail}")]
    NotAnEnvelope {
        /// What is wrong.
        detail: String,
    },
    /// Non-whitespace text where only elements are allowed.
    #[error("at {path}: unexpected text {text:?}")]
    UnexpectedText {
        /// Where.
        path: String,
        /// The first characters of the text.
        text: String,
    },
    /// An attribute on an element of the model, which has none.
    #[error("at {path}: unexpected attribute {name}")]
    UnexpectedAttribute {
        /// The attribute as written.
        name: String,
        /// The element's path.
        path: String,
    },
    /// An XML fragment (Inhoud or Fault detail) that the reader refused.
    #[error("{field}: not a well-formed fragment: {error}")]
    Fragment {
        /// `"Inhoud"` or `"detail"`.
        field: &'static str,
        /// The reader's error (positions are in the wrapped fragment).
        error: XmlError,
    },
    /// The input is not well-formed XML (from `from_envelope_bytes`).
    #[error("not well-formed: {0}")]
    Xml(#[from] XmlError),
    /// The writer refused (e.g. a name that is not an NCName).
    #[error("write failed: {0}")]
    Write(#[from] WriteError),
    /// Operation-specific content that an [`InhoudContent`](super::InhoudContent)
    /// implementation could not read.
    #[error("Inhoud content: {detail}")]
    Content {
        /// What was wrong.
        detail: String,
    },
}

impl ModelError {
    pub(crate) fn invalid(field: &'static str, reason: Reason) -> Self {
        ModelError::Invalid { field, reason }
    }
}
