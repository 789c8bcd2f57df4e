//! Keys and certificates: the signing identity (PEM, PKCS#12), certificate facts and RFC 4514
//! names, trust anchors and the path validation that turns a certificate into a
//! [`ValidatedCertificate`].
//!
//! Stands on [`crypto`](crate::crypto) (and [`clock`](crate::clock)) only: it loads keys through a
//! [`CryptoProvider`](crate::crypto::CryptoProvider) and verifies chains with the provider's
//! algorithms; nothing here knows about XML or SOAP. A [`SigningIdentity`] remembers the
//! provider that loaded its key and a [`CertificateValidator`] has one (see [Choosing the
//! provider](crate::crypto#choosing-the-provider)).
//!
//! # The signing identity
//!
//! A [`SigningIdentity`] is loaded from
//! - PEM ([`SigningIdentity::from_pem`], [`SigningIdentity::from_pem_files`]): the key as PKCS#1
//!   (`RSA PRIVATE KEY`), PKCS#8 (`PRIVATE KEY`) or encrypted PKCS#8 (`ENCRYPTED PRIVATE KEY`,
//!   PBES2, e.g. `openssl pkcs8 -topk8 -v2 aes-256-cbc`), and the certificates as one or more
//!   `CERTIFICATE` blocks, the leaf (the key's certificate) first, then the chain;
//! - PKCS#12 ([`SigningIdentity::from_pkcs12`], [`SigningIdentity::from_pkcs12_file`]) as
//!   `openssl pkcs12 -export` writes it today (AES-256-CBC, PBKDF2, SHA-256 MAC) and as older
//!   tools did ("legacy": RC2-40 / 3DES, SHA-1 MAC).
//!
//! Loading checks that the key is RSA with at least [`MIN_RSA_BITS`](crate::crypto::MIN_RSA_BITS)
//! bits and that it matches the leaf certificate's public key. It does not check that the
//! certificate is valid or trusted: that is the receiver's job
//! ([`CertificateValidator`]).
//!
//! Every failure is a [`KeyError`]; malformed input never panics.
//!
//! # Trust
//!
//! [`TrustAnchors`] holds the root certificates (from a PEM bundle) and optional intermediates;
//! [`CertificateValidator`] checks a signer's certificate against them with `rustls-webpki` and
//! its provider's RSA implementation, then applies the checks webpki leaves to the caller.
//! A successful check gives a [`ValidatedCertificate`], which only the validator can make: code
//! that needs a trusted key asks for one and cannot skip the check.
//!
//! ## What is checked
//!
//! By `rustls-webpki` ([`EndEntityCert::verify_for_usage`](webpki::EndEntityCert::verify_for_usage)):
//! - a path from the leaf through the configured and the message's intermediates to one of the
//!   anchors ([`TrustError::UnknownIssuer`] otherwise), every signature on it verified with RSA
//!   PKCS#1 v1.5 and SHA-256/384/512 from keys of 2048..=8192 bits
//!   ([`TrustError::UnsupportedSignatureAlgorithm`] for anything else, in particular SHA-1 unless
//!   [`CertificateValidator::allow_legacy_sha1_chain_signatures`] was called);
//! - the validity period of every certificate on the path at the given time
//!   ([`TrustError::Expired`], [`TrustError::NotYetValid`]);
//! - basicConstraints: the leaf must not be a CA ([`TrustError::CaUsedAsEndEntity`]), issuers
//!   must be CAs, path length and name constraints;
//! - extended key usage: **`id-kp-clientAuth` if the leaf has an EKU extension at all**
//!   (`KeyUsage::client_auth()`, i.e. required-if-present). The DHO profile uses the same
//!   certificate as TLS client certificate (SPEC §3), so a certificate whose EKU excludes
//!   client authentication is not one the PEP should accept; a certificate without EKU is
//!   accepted, as RFC 5280 §4.2.1.12 intends ([`TrustError::ExtendedKeyUsageNotAllowed`]);
//! - revocation, only when CRLs were given ([`CertificateValidator::with_crls_pem`]): every
//!   certificate on the path whose issuer has a configured CRL ([`TrustError::Revoked`]);
//!   certificates whose issuer has no CRL are accepted. A CRL whose issuing intermediate has a
//!   keyUsage without `cRLSign` is not used: the validation fails
//!   ([`TrustError::CrlIssuerKeyUsageMissingCrlSign`], RFC 5280 §6.3.3(f)).
//!
//! By this module, on every candidate path webpki builds (so that when one candidate is
//! refused, webpki goes on to try the others):
//! - every intermediate CA certificate on the path that has a keyUsage extension asserts
//!   `keyCertSign` (RFC 5280 §6.1.4(n); attack catalogue F3). webpki does not check this, so
//!   without it a CA:TRUE certificate whose keyUsage is, say, `digitalSignature` only could
//!   issue a trusted leaf with any subject ([`TrustError::IssuerKeyUsageMissingKeyCertSign`],
//!   naming the intermediate). An intermediate without keyUsage is not restricted. The
//!   anchor's own keyUsage is not checked (nor, for CRLs it signs, by webpki): an anchor is
//!   trusted by configuration, see [Trust anchors](#trust-anchors).
//!
//! Then by this module, on the leaf:
//! - the key is RSA ([`TrustError::NotRsa`]) with a modulus of at least
//!   [`MIN_RSA_BITS`](crate::crypto::MIN_RSA_BITS) bits ([`TrustError::KeyTooSmall`]) and at
//!   most [`MAX_RSA_BITS`](crate::crypto::MAX_RSA_BITS) ([`TrustError::KeyTooLarge`]);
//! - if the leaf has a keyUsage extension, it asserts `digitalSignature` **or**
//!   `nonRepudiation` (contentCommitment) ([`TrustError::KeyUsageMissingDigitalSignature`]).
//!   RFC 5280 §4.2.1.3 defines both bits as "verifies digital signatures other than on
//!   certificates and CRLs"; some CAs issue signing certificates with only `nonRepudiation`.
//!   [`CertificateValidator::require_digital_signature_bit`] makes `digitalSignature`
//!   mandatory. A leaf without keyUsage is accepted (RFC 5280: no restriction).
//!
//! ## Caching
//!
//! A validator remembers successful validations ([`ChainCacheConfig`], on by default: 1024
//! entries, 10 minutes), so a peer that signs every message with the same certificate costs
//! one path validation per ten minutes instead of one per message. The cache never turns a
//! rejection into an acceptance:
//! - the key is the SHA-256 of the leaf together with the SHA-256 of the extra chain
//!   certificates given with it, so the same inputs are needed for a hit;
//! - an entry is used only while the time asked about lies in the window in which the same
//!   validation must succeed again: inside the validity period of every certificate on the
//!   path that was verified, and before the `nextUpdate` of every configured CRL. Outside it
//!   the full validation runs (and reports `Expired`, `NotYetValid`, ...);
//! - an entry is used for at most [`ChainCacheConfig::max_age`] after the validation that made
//!   it, and only by the validator that made it: the anchors, intermediates, CRLs and options
//!   of a validator cannot change once it validated anything (every builder method starts an
//!   empty cache). A new CRL means a new validator, hence a new cache.
//!
//! Failures are not cached. Every check above, the intermediates' keyUsage included, is part of
//! the validation whose success is cached.
//!
//! ## Trust anchors
//!
//! Every certificate in the bundle becomes an anchor, whether or not it is a CA certificate
//! (webpki uses only the anchor's subject, public key and name constraints, not its
//! basicConstraints, validity or keyUsage). Putting a leaf certificate in the bundle therefore
//! trusts it to issue certificates; put only CA certificates there, and pin leaf identities
//! with an authorization binding instead.

mod cache;
mod certificate;
mod identity;
mod pem;
mod selector;
#[cfg(test)]
mod test_support;
mod trust;

pub use cache::ChainCacheConfig;
#[cfg(feature = "batch")]
pub(crate) use certificate::hex;
pub use certificate::CertificateInfo;
pub use identity::{KeyError, SigningIdentity};
pub use selector::{CertificateSelector, SelectorError};
pub use trust::{CertificateValidator, TrustAnchors, TrustError, ValidatedCertificate};
