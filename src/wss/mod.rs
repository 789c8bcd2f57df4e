//! WS-Security 1.0 for DHO: the signer and the hardened verifier.
//!
//! The profile (SPEC §3): one `wsse:Security` header (`mustUnderstand="1"`)
//! holding a BinarySecurityToken (X509v3, or X509PKIPathv1 with the chain), an
//! optional signed `wsu:Timestamp`, and a `ds:Signature` over the SOAP Body with
//! exclusive c14n (PrefixList computed like WSS4J), whose KeyInfo is a
//! SecurityTokenReference to the token.
//!
//! The verifier follows SPEC §4 rule by rule and returns a [`VerifiedEnvelope`]
//! that only it can construct and that exposes only what was signed.

mod error;
mod profile;
mod signer;
mod verifier;

pub use error::{FaultCode, SignError, VerifyError};
pub use profile::{SignatureProfile, TokenType};
pub use signer::{Signer, TimestampOptions};
pub use verifier::{TimestampPolicy, VerificationPolicy, VerifiedEnvelope, VerifiedTimestamp, Verifier};

/// BinarySecurityToken encoding type: base64.
pub const BASE64_ENCODING: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";
/// BinarySecurityToken value type: one X.509 v3 certificate.
pub const X509V3_TOKEN: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3";
/// BinarySecurityToken value type: a PkiPath certificate chain.
pub const PKIPATH_TOKEN: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509PKIPathv1";
