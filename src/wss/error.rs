//! Errors of signing and verification, and the SOAP fault code each maps to.

use crate::crypto::CryptoError;
use crate::pki::TrustError;
use crate::xml::{C14nError, WriteError, XmlError};

/// The fault code a verification error is reported with (WS-Security 1.0 §12,
/// SOAP 1.1 §4.4.1 for the non-security ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultCode {
    /// `soapenv:Client`: the message is not well-formed or not a SOAP 1.1 envelope.
    Client,
    /// `soapenv:MustUnderstand`: a mandatory header this receiver does not process.
    MustUnderstand,
    /// `wsse:InvalidSecurity`: an error processing the Security header.
    InvalidSecurity,
    /// `wsse:UnsupportedAlgorithm`: an algorithm, transform or URI outside the policy.
    UnsupportedAlgorithm,
    /// `wsse:InvalidSecurityToken`: the token is malformed.
    InvalidSecurityToken,
    /// `wsse:SecurityTokenUnavailable`: the referenced token cannot be found.
    SecurityTokenUnavailable,
    /// `wsse:FailedAuthentication`: the token is not trusted.
    FailedAuthentication,
    /// `wsse:FailedCheck`: a digest or the signature does not match.
    FailedCheck,
    /// `wsse:MessageExpired`: the Timestamp is expired or not yet valid.
    MessageExpired,
}

impl FaultCode {
    /// The namespace of the fault code QName.
    pub fn namespace(&self) -> &'static str {
        match self {
            FaultCode::Client | FaultCode::MustUnderstand => crate::soap::SOAP11_NS,
            _ => crate::soap::WSSE_NS,
        }
    }

    /// The local part of the fault code QName.
    pub fn local_name(&self) -> &'static str {
        match self {
            FaultCode::Client => "Client",
            FaultCode::MustUnderstand => "MustUnderstand",
            FaultCode::InvalidSecurity => "InvalidSecurity",
            FaultCode::UnsupportedAlgorithm => "UnsupportedAlgorithm",
            FaultCode::InvalidSecurityToken => "InvalidSecurityToken",
            FaultCode::SecurityTokenUnavailable => "SecurityTokenUnavailable",
            FaultCode::FailedAuthentication => "FailedAuthentication",
            FaultCode::FailedCheck => "FailedCheck",
            FaultCode::MessageExpired => "MessageExpired",
        }
    }

    /// The conventional prefixed form (`wsse:FailedCheck`, `soapenv:Client`).
    pub fn prefixed(&self) -> String {
        let prefix = if self.namespace() == crate::soap::SOAP11_NS { "soapenv" } else { "wsse" };
        format!("{prefix}:{}", self.local_name())
    }
}

impl From<FaultCode> for crate::model::FaultCode {
    /// The faultcode QName a Fault is written with: same namespace and local name, prefixed
    /// `soapenv:` or `wsse:`.
    fn from(code: FaultCode) -> Self {
        crate::model::FaultCode::known(code.namespace(), code.local_name())
    }
}

/// Why an envelope was not verified. Every variant is a rejection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// Not well-formed, or outside the reader's rules or limits (rule 1).
    #[error("malformed XML: {0}")]
    Xml(#[from] XmlError),
    /// The envelope's shape is wrong (rule 2).
    #[error("not a valid SOAP 1.1 envelope: {detail}")]
    Envelope {
        /// What is wrong.
        detail: String,
    },
    /// A header marked `mustUnderstand="1"` that this receiver does not process.
    #[error("header {header} must be understood but is not processed here")]
    NotUnderstood {
        /// Expanded name of the header.
        header: String,
    },
    /// No `wsse:Security` header addressed to this receiver (rule 3).
    #[error("no wsse:Security header for this receiver")]
    MissingSecurityHeader,
    /// More than one `wsse:Security` header addressed to this receiver (rule 2, A21).
    #[error("more than one wsse:Security header for this receiver")]
    MultipleSecurityHeaders,
    /// No `ds:Signature` in the Security header (rule 3, A5).
    #[error("the Security header holds no ds:Signature")]
    MissingSignature,
    /// More than one `ds:Signature` in the document (rule 3, A6).
    #[error("more than one ds:Signature in the message")]
    MultipleSignatures,
    /// A `ds:Signature` outside the Security header (A6).
    #[error("a ds:Signature outside the wsse:Security header")]
    SignatureOutsideSecurityHeader,
    /// More than one `ds:SignedInfo` (rule 3, A6).
    #[error("more than one ds:SignedInfo")]
    MultipleSignedInfo,
    /// An element of the signature structure is missing, repeated, out of order or unknown.
    #[error("malformed {context}: {detail}")]
    MalformedSignature {
        /// Which element.
        context: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// A comment or element inside a value element (DigestValue, SignatureValue, token) (A8).
    #[error("{element} must hold only text")]
    NotPlainText {
        /// Which element.
        element: &'static str,
    },
    /// The same Id on two elements, in any of `wsu:Id`, `Id`, `ID`, `xml:id` (rule 3, A2).
    #[error("duplicate Id {id:?}")]
    DuplicateId {
        /// The Id.
        id: String,
    },
    /// The c14n method is not on the allow-list (rule 4).
    #[error("canonicalization method {uri} is not allowed")]
    UnsupportedCanonicalization {
        /// The algorithm URI.
        uri: String,
    },
    /// The signature method is not on the allow-list (rule 4, A14).
    #[error("signature method {uri} is not allowed")]
    UnsupportedSignatureMethod {
        /// The algorithm URI.
        uri: String,
    },
    /// The digest method is not on the allow-list (rule 4, A14).
    #[error("digest method {uri} is not allowed")]
    UnsupportedDigestMethod {
        /// The algorithm URI.
        uri: String,
    },
    /// The SignatureMethod and a Reference's DigestMethod are each allowed, but not
    /// together: no profile of the policy pairs them (rule 4, attack catalogue F5).
    #[error("signature method {signature} with digest method {digest} is not an allowed profile")]
    AlgorithmPairNotAllowed {
        /// The SignatureMethod URI.
        signature: &'static str,
        /// The DigestMethod URI.
        digest: &'static str,
    },
    /// A transform other than exactly one exclusive c14n (rule 4, A13).
    #[error("transform {uri} is not allowed")]
    UnsupportedTransform {
        /// The algorithm URI, or a description.
        uri: String,
    },
    /// A Reference URI other than `#NCName` (rule 4, A12, A23).
    #[error("reference URI {uri:?} is not allowed (only #NCName)")]
    UnsupportedReferenceUri {
        /// The URI.
        uri: String,
    },
    /// More References than the policy allows (A16).
    #[error("{count} references exceed the limit of {max}")]
    TooManyReferences {
        /// How many.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// An `ec:InclusiveNamespaces` PrefixList with more entries than
    /// [`Limits::max_prefix_list_entries`](crate::xml::Limits::max_prefix_list_entries)
    /// (attack catalogue F1: a long list of made-up prefixes was a CPU denial of service).
    #[error("the PrefixList of {element} has more than {max} entries")]
    PrefixListTooLong {
        /// The element whose InclusiveNamespaces carries it (`ds:CanonicalizationMethod`, `ds:Transform`).
        element: &'static str,
        /// The limit.
        max: usize,
    },
    /// A Reference points at no element.
    #[error("reference {uri} points at no element")]
    ReferenceTargetNotFound {
        /// The URI.
        uri: String,
    },
    /// A Reference points at something the DHO profile never signs.
    #[error("reference {uri} points at {element}, which this profile does not sign")]
    UnexpectedReferenceTarget {
        /// The URI.
        uri: String,
        /// The element's expanded name.
        element: String,
    },
    /// Two References to the same element.
    #[error("element {uri} is referenced twice")]
    DuplicateReference {
        /// The URI.
        uri: String,
    },
    /// A signed `soap:Body` that is not the Envelope's Body (A1).
    #[error("the signed Body is not the Envelope's Body (signature wrapping)")]
    SignedBodyNotEnvelopeBody,
    /// The Envelope's Body is not covered by any Reference (A3, A5).
    #[error("the Envelope's Body is not signed")]
    BodyNotSigned,
    /// KeyInfo is not exactly one SecurityTokenReference with one Reference (rule 5, A10).
    #[error("unsupported KeyInfo: {detail}")]
    UnsupportedKeyInfo {
        /// What was found.
        detail: String,
    },
    /// The token reference does not resolve to the Security header's BinarySecurityToken (A11).
    #[error("security token reference {uri:?} does not resolve to the BinarySecurityToken")]
    TokenNotFound {
        /// The referenced URI.
        uri: String,
    },
    /// More than one BinarySecurityToken in the Security header (A10).
    #[error("more than one BinarySecurityToken")]
    MultipleTokens,
    /// The token's type, encoding or content is not acceptable (rule 5).
    #[error("invalid security token: {detail}")]
    InvalidToken {
        /// What is wrong.
        detail: String,
    },
    /// The signing certificate is not trusted (rule 5).
    #[error("untrusted signing certificate: {0}")]
    Untrusted(#[from] TrustError),
    /// The Timestamp is missing though required (rule 7).
    #[error("no wsu:Timestamp, but the policy requires one")]
    MissingTimestamp,
    /// More than one Timestamp (rule 7, A19).
    #[error("more than one wsu:Timestamp")]
    MultipleTimestamps,
    /// The Timestamp is malformed (BSP: exactly one Created, at most one Expires).
    #[error("malformed wsu:Timestamp: {detail}")]
    MalformedTimestamp {
        /// What is wrong.
        detail: String,
    },
    /// The Timestamp is not covered by the signature (rule 7).
    #[error("the wsu:Timestamp is not signed")]
    TimestampNotSigned,
    /// The message has expired (Expires passed, or Created older than the TTL).
    #[error("the message has expired")]
    MessageExpired,
    /// Created lies further in the future than the allowed clock skew.
    #[error("the Timestamp is in the future")]
    TimestampInFuture,
    /// A digest or value is not valid base64.
    #[error("{element} is not valid base64")]
    BadBase64 {
        /// Which element.
        element: &'static str,
    },
    /// Canonicalization failed; nothing was digested (A17).
    #[error("canonicalization failed: {0}")]
    C14n(#[from] C14nError),
    /// A Reference's digest does not match (rule 6).
    #[error("digest mismatch for reference {uri}")]
    DigestMismatch {
        /// The reference URI.
        uri: String,
    },
    /// The signature value does not verify (rule 6).
    #[error("signature value does not verify: {0}")]
    BadSignature(CryptoError),
}

impl VerifyError {
    /// The SOAP fault code this rejection is reported with.
    pub fn fault_code(&self) -> FaultCode {
        use VerifyError::*;
        match self {
            Xml(_) | Envelope { .. } => FaultCode::Client,
            NotUnderstood { .. } => FaultCode::MustUnderstand,
            UnsupportedCanonicalization { .. }
            | UnsupportedSignatureMethod { .. }
            | UnsupportedDigestMethod { .. }
            | AlgorithmPairNotAllowed { .. }
            | UnsupportedTransform { .. }
            | UnsupportedReferenceUri { .. } => FaultCode::UnsupportedAlgorithm,
            UnsupportedKeyInfo { .. } | MultipleTokens | InvalidToken { .. } => FaultCode::InvalidSecurityToken,
            TokenNotFound { .. } => FaultCode::SecurityTokenUnavailable,
            Untrusted(_) => FaultCode::FailedAuthentication,
            DigestMismatch { .. } | BadSignature(_) | BadBase64 { .. } => FaultCode::FailedCheck,
            MessageExpired | TimestampInFuture => FaultCode::MessageExpired,
            _ => FaultCode::InvalidSecurity,
        }
    }
}

/// Why an envelope could not be signed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The input is not well-formed XML within the reader's rules.
    #[error("input is not well-formed: {0}")]
    Xml(#[from] XmlError),
    /// The input is not a SOAP 1.1 envelope.
    #[error("input is not a SOAP 1.1 envelope: {detail}")]
    Envelope {
        /// What is wrong.
        detail: String,
    },
    /// The envelope already carries a wsse:Security header.
    #[error("the envelope already has a wsse:Security header")]
    AlreadySigned,
    /// The Body carries an Id that is not usable (not an NCName, or not unique).
    #[error("the Body's Id {id:?} is not usable: {detail}")]
    BadBodyId {
        /// The Id.
        id: String,
        /// Why.
        detail: String,
    },
    /// Canonicalization failed.
    #[error("canonicalization failed: {0}")]
    C14n(#[from] C14nError),
    /// Writing the header failed.
    #[error("building the Security header failed: {0}")]
    Write(#[from] WriteError),
    /// The private-key operation failed.
    #[error("signing failed: {0}")]
    Crypto(#[from] CryptoError),
    /// The identity's certificates cannot form the requested token.
    #[error("cannot build the security token: {detail}")]
    Token {
        /// Why.
        detail: String,
    },
}

#[cfg(test)]
mod tests {
    use super::FaultCode;
    use crate::model::FaultCode as SoapFaultCode;

    #[test]
    fn every_security_fault_code_converts_into_the_soap_faultcode_of_the_same_qname() {
        use FaultCode::*;
        for code in [
            Client,
            MustUnderstand,
            InvalidSecurity,
            UnsupportedAlgorithm,
            InvalidSecurityToken,
            SecurityTokenUnavailable,
            FailedAuthentication,
            FailedCheck,
            MessageExpired,
        ] {
            let soap = SoapFaultCode::from(code);
            assert_eq!(soap.namespace(), Some(code.namespace()), "{code:?}");
            assert_eq!(soap.local_name(), code.local_name(), "{code:?}");
            assert_eq!(format!("{}:{}", soap.prefix().unwrap_or_default(), soap.local_name()), code.prefixed());
            let checked = SoapFaultCode::new(Some(code.namespace()), code.local_name()).expect("a valid QName");
            assert_eq!(soap, checked, "{code:?}");
        }
        assert_eq!(SoapFaultCode::from(Client), SoapFaultCode::client());
        assert_eq!(SoapFaultCode::from(FailedCheck), SoapFaultCode::wsse("FailedCheck").expect("wsse"));
    }
}
