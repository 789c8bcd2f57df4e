//! Cryptographic primitives behind a small provider trait.
//!
//! Everything the signer and verifier need from a cryptography library goes through
//! [`CryptoProvider`]: streaming digests for the canonicalized XML, loading an RSA private key,
//! RSA PKCS#1 v1.5 signature verification of a `SignatureValue`, and the signature algorithms
//! `rustls-webpki` uses to verify certificate chains. The default, [`RustCryptoProvider`]
//! (returned by [`default_provider`]), is pure Rust (RustCrypto `rsa`, `sha1`, `sha2`). With
//! the cargo feature `openssl`, `OpenSslProvider` (returned by
//! `openssl_provider()`) does the same on OpenSSL; nothing outside this module
//! depends on which provider is in use.
//!
//! # Choosing the provider
//!
//! As in rustls, a provider is chosen once and handed around as `&'static dyn CryptoProvider`:
//! - **the process default**: [`install_default`] at start-up, before anything uses the
//!   default; without it, the first use fixes [`RustCryptoProvider`]. Every constructor
//!   without a provider argument takes the default when it runs ([`default_provider`]);
//! - **explicitly, on the object that owns the keys**:
//!   - a [`SigningIdentity`](crate::pki::SigningIdentity) is loaded by a provider
//!     (`SigningIdentity::from_pem_with_provider` and the other `*_with_provider` loaders) and
//!     remembers it ([`SigningIdentity::provider`](crate::pki::SigningIdentity::provider)); a
//!     [`Signer`](crate::wss::Signer) on it makes its digests and its signature with that
//!     provider, so a signer cannot sign with one provider and hash with another;
//!   - a [`CertificateValidator`](crate::pki::CertificateValidator) verifies chains with its
//!     provider ([`with_provider`](crate::pki::CertificateValidator::with_provider));
//!   - a [`Verifier`](crate::wss::Verifier) verifies messages *and* chains with one provider:
//!     `Verifier::new` takes its validator's, and
//!     [`Verifier::with_provider`](crate::wss::Verifier::with_provider) switches both;
//!   - the provider side's [`Pep`](crate::provider::Pep) verifies with the `Verifier` its
//!     policy is given, so an Internet-facing PEP that should run on OpenSSL gets a verifier
//!     built with `with_provider(openssl_provider())`.
//!
//! # Algorithms
//!
//! Only RSA PKCS#1 v1.5 with SHA-1 ([`SignatureAlgorithm::RsaSha1`], the legacy DHO profile) and
//! SHA-256 ([`SignatureAlgorithm::RsaSha256`]) exist for message signatures. Which of them a
//! verifier accepts is decided by its policy, not here. RSA keys must have a modulus of at least
//! [`MIN_RSA_BITS`] and at most [`MAX_RSA_BITS`] bits, both for loading a signing key and for
//! verifying a signature.
//!
//! Certificate chains are verified with RSA PKCS#1 v1.5 over SHA-256, SHA-384 or SHA-512
//! ([`CryptoProvider::chain_algorithms`]). SHA-1 signed certificates are rejected unless the
//! caller explicitly opts in with
//! [`CertificateValidator::allow_legacy_sha1_chain_signatures`](crate::pki::CertificateValidator::allow_legacy_sha1_chain_signatures),
//! which uses [`CryptoProvider::legacy_sha1_chain_algorithm`].
//!
//! # Errors are values, never booleans
//!
//! [`CryptoProvider::verify_signature`] returns `Result<(), CryptoError>`: a malformed key, a
//! signature of the wrong length, an unsupported key and a mismatching signature are all `Err`.
//! There is no code path that turns a back-end failure into success (attack A18).
//!
//! # RUSTSEC-2023-0071 (the Marvin attack) and what it means here
//!
//! The RustCrypto `rsa` crate is affected by
//! [RUSTSEC-2023-0071](https://rustsec.org/advisories/RUSTSEC-2023-0071.html), the
//! [Marvin attack](https://people.redhat.com/~hkario/marvin/): its private-key operation
//! (modular exponentiation with the private exponent) is not constant time, so its duration
//! depends on secret values. An attacker who can make a server perform many private-key
//! operations on inputs of their choice and measure the time each takes, precisely enough
//! (over a network, with enough samples), can recover information about the private key or
//! decrypt/forge. No patched `rsa` release exists at the time of writing (the advisory lists
//! none; the 0.10 work on constant-time `crypto-bigint` arithmetic is the intended fix, tracked
//! in RustCrypto/RSA#390).
//!
//! **Why it matters for dho-wss.** Verifying signatures uses only the public key and is not
//! affected. Signing is: a provider/PEP that signs every Repliek, or an institution service that
//! signs requests on demand, performs a private-key operation per message, and an attacker who
//! can trigger messages and time the responses is in the position the attack needs. The message
//! that is signed is a hash the attacker cannot choose freely, which makes exploitation harder,
//! but the library does not rely on that.
//!
//! **What blinding does and does not do.** [`RustCryptoProvider`] always signs with RSA
//! blinding, drawing the blinding factor from the operating system CSPRNG (`getrandom`): the
//! exponentiation runs on `m·rᵉ` for a fresh random `r`, so the timing no longer correlates with
//! the value being signed, and the result is checked (`sᵉ = m`) before it is released, which
//! also guards against fault attacks. Blinding does *not* make the big-integer arithmetic
//! itself constant time; residual leakage from the exponent (`d`) handling is what the Marvin
//! research showed can remain measurable. Treat the pure-Rust provider as acceptable for
//! clients and for low-exposure signing, and prefer a constant-time back-end for a
//! high-volume, Internet-facing signing service: the `openssl` feature (OpenSSL's RSA is
//! constant time and has Marvin mitigations) is that alternative. Rate limiting and not
//! exposing precise response times further reduce the risk.

use std::fmt::Debug;
use std::io;
use std::sync::OnceLock;

use rustls_pki_types::SignatureVerificationAlgorithm;

#[cfg(feature = "openssl")]
mod openssl;
mod rustcrypto;

#[cfg(feature = "openssl")]
pub use openssl::{openssl_provider, OpenSslProvider};
pub use rustcrypto::RustCryptoProvider;

/// Smallest accepted RSA modulus, in bits, for signing keys, message signatures and
/// certificate chain signatures.
pub const MIN_RSA_BITS: usize = 2048;

/// Largest accepted RSA modulus, in bits (bounds the cost of a verification).
pub const MAX_RSA_BITS: usize = 8192;

/// OID of `rsaEncryption` (1.2.840.113549.1.1.1), the SPKI algorithm of an RSA public key.
pub(crate) const RSA_ENCRYPTION_OID: &str = "1.2.840.113549.1.1.1";

/// A digest algorithm of XML Signature (`ds:DigestMethod`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// SHA-1, `http://www.w3.org/2000/09/xmldsig#sha1`. Legacy: mandated by the DHO profile.
    Sha1,
    /// SHA-256, `http://www.w3.org/2001/04/xmlenc#sha256`.
    Sha256,
}

impl DigestAlgorithm {
    /// The algorithm URI used in `ds:DigestMethod/@Algorithm`.
    pub const fn uri(self) -> &'static str {
        match self {
            Self::Sha1 => "http://www.w3.org/2000/09/xmldsig#sha1",
            Self::Sha256 => "http://www.w3.org/2001/04/xmlenc#sha256",
        }
    }

    /// The algorithm for an exact `ds:DigestMethod/@Algorithm` URI, or `None` if it is not
    /// one this crate implements. The comparison is exact (no trimming, case-sensitive).
    pub fn from_uri(uri: &str) -> Option<Self> {
        [Self::Sha1, Self::Sha256].into_iter().find(|alg| alg.uri() == uri)
    }

    /// Length of the digest output in bytes (20 for SHA-1, 32 for SHA-256).
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
        }
    }
}

/// A signature algorithm of XML Signature (`ds:SignatureMethod`): RSA PKCS#1 v1.5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-1, `http://www.w3.org/2000/09/xmldsig#rsa-sha1`. Legacy: the
    /// DHO profile mandates it.
    RsaSha1,
    /// RSA PKCS#1 v1.5 with SHA-256, `http://www.w3.org/2001/04/xmldsig-more#rsa-sha256`.
    RsaSha256,
}

impl SignatureAlgorithm {
    /// The algorithm URI used in `ds:SignatureMethod/@Algorithm`.
    pub const fn uri(self) -> &'static str {
        match self {
            Self::RsaSha1 => "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
            Self::RsaSha256 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        }
    }

    /// The algorithm for an exact `ds:SignatureMethod/@Algorithm` URI, or `None` if it is not
    /// one this crate implements. The comparison is exact (no trimming, case-sensitive).
    pub fn from_uri(uri: &str) -> Option<Self> {
        [Self::RsaSha1, Self::RsaSha256].into_iter().find(|alg| alg.uri() == uri)
    }

    /// The digest algorithm the signature is computed over.
    pub const fn digest(self) -> DigestAlgorithm {
        match self {
            Self::RsaSha1 => DigestAlgorithm::Sha1,
            Self::RsaSha256 => DigestAlgorithm::Sha256,
        }
    }
}

/// A streaming digest: canonicalized XML is written into it with [`std::io::Write`] and the
/// hash is taken with [`Digest::finalize`]. Writes never fail.
pub trait Digest: io::Write + Send {
    /// Consumes the digest and returns the hash value.
    fn finalize(self: Box<Self>) -> Vec<u8>;
}

/// A [`Digest`] behind a write buffer on the stack. Canonical XML arrives in pieces of a few
/// bytes (`<`, a name, `="`, a value…), and each write into a boxed digest is a dynamic call
/// and a call into the hash function: the buffer hands it 2 KiB at a time (pieces longer than
/// the buffer go straight through). The hash is the same.
pub(crate) struct BufferedDigest {
    digest: Box<dyn Digest>,
    buf: [u8; 2048],
    len: usize,
}

impl BufferedDigest {
    pub(crate) fn new(digest: Box<dyn Digest>) -> Self {
        BufferedDigest { digest, buf: [0; 2048], len: 0 }
    }

    fn drain(&mut self) {
        // Digests never fail to write.
        let _ = self.digest.write_all(&self.buf[..self.len]);
        self.len = 0;
    }

    /// The hash of everything written.
    pub(crate) fn finalize(mut self) -> Vec<u8> {
        self.drain();
        self.digest.finalize()
    }
}

impl BufferedDigest {
    /// `data` when it does not fit the buffer's free space.
    #[cold]
    fn write_spill(&mut self, data: &[u8]) {
        self.drain();
        if data.len() >= self.buf.len() {
            let _ = self.digest.write_all(data);
        } else {
            self.buf[..data.len()].copy_from_slice(data);
            self.len = data.len();
        }
    }
}

impl io::Write for BufferedDigest {
    // Inlined into the c14n walker, so that its constant pieces (`<`, `="`…) are stores.
    #[inline]
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.write_all(data)?;
        Ok(data.len())
    }

    #[inline]
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self.buf.get_mut(self.len..self.len + data.len()) {
            Some(free) => {
                free.copy_from_slice(data);
                self.len += data.len();
            }
            None => self.write_spill(data),
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Errors of the cryptographic primitives. Every failure of a verification is one of these;
/// none of them means success.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The public key could not be decoded (bad DER, not an RSA `SubjectPublicKeyInfo`,
    /// invalid modulus or exponent).
    #[error("malformed public key: {reason}")]
    MalformedPublicKey {
        /// What was wrong.
        reason: String,
    },
    /// The public key is not an RSA key.
    #[error("public key is not an RSA key (algorithm {algorithm})")]
    NotRsa {
        /// The SPKI algorithm OID.
        algorithm: String,
    },
    /// The RSA modulus is smaller than [`MIN_RSA_BITS`] or larger than [`MAX_RSA_BITS`].
    #[error("RSA key of {bits} bits is outside the accepted range {MIN_RSA_BITS}..={MAX_RSA_BITS}")]
    KeySizeNotAllowed {
        /// The modulus size in bits.
        bits: usize,
    },
    /// The private key could not be decoded (bad DER, not a PKCS#8 `PrivateKeyInfo`, an
    /// inconsistent RSA key).
    #[error("malformed private key: {reason}")]
    MalformedPrivateKey {
        /// What was wrong.
        reason: String,
    },
    /// The signature does not have exactly the length of the modulus.
    #[error("signature is {actual} bytes, the RSA modulus needs exactly {expected}")]
    SignatureLength {
        /// The modulus length in bytes.
        expected: usize,
        /// The length of the signature that was given.
        actual: usize,
    },
    /// The signature does not verify with this key and message.
    #[error("signature does not verify")]
    BadSignature,
    /// The private-key operation failed (including a failing CSPRNG for blinding).
    #[error("signing failed: {reason}")]
    Signing {
        /// What failed.
        reason: String,
    },
}

/// A private key that can produce message signatures. Implementations must not reveal key
/// material through `Debug`.
pub trait SigningKey: Send + Sync + Debug {
    /// Signs `message` (the canonicalized `ds:SignedInfo`) with `alg`: the message is hashed
    /// with `alg.digest()` and signed with RSA PKCS#1 v1.5.
    fn sign(&self, alg: SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>, CryptoError>;

    /// The DER `SubjectPublicKeyInfo` of the matching public key.
    fn public_key_spki_der(&self) -> &[u8];

    /// The size of the RSA modulus in bits.
    fn modulus_bits(&self) -> usize;
}

/// A source of cryptographic primitives, in the spirit of rustls' `CryptoProvider`.
pub trait CryptoProvider: Send + Sync + Debug {
    /// A new streaming digest for `alg`.
    fn new_digest(&self, alg: DigestAlgorithm) -> Box<dyn Digest>;

    /// Loads an RSA private key from an unencrypted PKCS#8 `PrivateKeyInfo` DER.
    ///
    /// Errors: [`CryptoError::MalformedPrivateKey`], [`CryptoError::NotRsa`] and
    /// [`CryptoError::KeySizeNotAllowed`] (outside [`MIN_RSA_BITS`]..=[`MAX_RSA_BITS`]).
    fn load_signing_key(&self, pkcs8_der: &[u8]) -> Result<Box<dyn SigningKey>, CryptoError>;

    /// Verifies an RSA PKCS#1 v1.5 `signature` over `message` (which is hashed here with
    /// `alg.digest()`) with the RSA public key in `spki_der` (a DER `SubjectPublicKeyInfo`).
    ///
    /// `Ok(())` only for a valid signature. The key must be RSA with a modulus of
    /// [`MIN_RSA_BITS`]..=[`MAX_RSA_BITS`] bits, and the signature must be exactly as long as
    /// the modulus (no leading zeros stripped or added).
    fn verify_signature(
        &self,
        alg: SignatureAlgorithm,
        spki_der: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError>;

    /// The signature algorithms `rustls-webpki` may use to verify certificate chains. The
    /// default is RSA PKCS#1 v1.5 with SHA-256, SHA-384 and SHA-512 (no SHA-1, no PSS, no ECDSA).
    fn chain_algorithms(&self) -> &'static [&'static dyn SignatureVerificationAlgorithm];

    /// RSA PKCS#1 v1.5 with SHA-1 for certificate chains, used only when a validator explicitly
    /// opts in to legacy SHA-1 chains. `None` if the provider does not offer it.
    fn legacy_sha1_chain_algorithm(&self) -> Option<&'static dyn SignatureVerificationAlgorithm> {
        None
    }
}

/// The process-wide default provider, fixed by [`install_default`] or, failing that, by the
/// first use of [`default_provider`].
static DEFAULT: OnceLock<&'static dyn CryptoProvider> = OnceLock::new();

/// Installs `provider` as the process default, as rustls does: once, before anything uses the
/// default. Everything built afterwards without a provider of its own then uses it: identities
/// loaded with [`SigningIdentity::from_pem`](crate::pki::SigningIdentity::from_pem) and the other
/// loaders without `_with_provider` (and so the [`Signer`](crate::wss::Signer)s on them),
/// [`CertificateValidator::new`](crate::pki::CertificateValidator::new) (and so the
/// [`Verifier`](crate::wss::Verifier)s and [`Pep`](crate::provider::Pep)s built on it).
/// Objects keep the provider they were built with.
///
/// The default can be fixed only once per process: `Err` with the provider in force when one
/// was installed already, or when [`default_provider`] was already called (which fixes
/// [`RustCryptoProvider`]). Call it first thing in `main`.
///
/// ```
/// use dho_wss::crypto::{default_provider, install_default, RustCryptoProvider};
///
/// static PROVIDER: RustCryptoProvider = RustCryptoProvider::new();
/// // (with the `openssl` feature: `install_default(dho_wss::crypto::openssl_provider())`)
/// match install_default(&PROVIDER) {
///     Ok(()) => assert!(std::ptr::addr_eq(default_provider(), &PROVIDER)),
///     Err(already) => assert!(std::ptr::addr_eq(already, default_provider())),
/// }
/// ```
pub fn install_default(provider: &'static dyn CryptoProvider) -> Result<(), &'static dyn CryptoProvider> {
    let mut installed = false;
    let current = *DEFAULT.get_or_init(|| {
        installed = true;
        provider
    });
    if installed {
        Ok(())
    } else {
        Err(current)
    }
}

/// The process default [`CryptoProvider`]: the one [`install_default`] installed, else
/// [`RustCryptoProvider`] (after which the default can no longer be changed).
pub fn default_provider() -> &'static dyn CryptoProvider {
    static RUST_CRYPTO: RustCryptoProvider = RustCryptoProvider::new();
    *DEFAULT.get_or_init(|| &RUST_CRYPTO)
}

/// A readable name for a key algorithm OID (errors about non-RSA keys).
pub(crate) fn algorithm_name(oid: &str) -> String {
    match oid {
        "1.2.840.10045.2.1" => "EC".to_owned(),
        "1.3.101.112" => "Ed25519".to_owned(),
        "1.3.101.113" => "Ed448".to_owned(),
        "1.2.840.10040.4.1" => "DSA".to_owned(),
        "1.2.840.113549.1.1.10" => "RSASSA-PSS".to_owned(),
        other => format!("OID {other}"),
    }
}

/// Parsed keys by their exact DER, most recently used first.
pub(crate) type Memo<K> = Vec<(Box<[u8]>, K)>;

/// A most-recently-used memo of parsed public keys, keyed by their exact DER, in
/// a thread-local list of at most `entries` (both providers use it).
pub(crate) fn memoized<K: Clone + 'static>(
    memo: &'static std::thread::LocalKey<std::cell::RefCell<Memo<K>>>,
    entries: usize,
    der: &[u8],
    parse: impl FnOnce(&[u8]) -> Result<K, CryptoError>,
) -> Result<K, CryptoError> {
    let hit = memo.with_borrow_mut(|memo| {
        let i = memo.iter().position(|(d, _)| **d == *der)?;
        let entry = memo.remove(i);
        let key = entry.1.clone();
        memo.insert(0, entry);
        Some(key)
    });
    if let Some(key) = hit {
        return Ok(key);
    }
    let key = parse(der)?;
    memo.with_borrow_mut(|memo| {
        memo.truncate(entries.saturating_sub(1));
        memo.insert(0, (der.into(), key.clone()));
    });
    Ok(key)
}
