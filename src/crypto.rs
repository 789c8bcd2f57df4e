//! Cryptographic primitives behind a small provider trait.
//!
//! Everything the signer and verifier need from a cryptography library goes through
//! [`CryptoProvider`]: streaming digests for the canonicalized XML, loading an RSA private key,
//! RSA PKCS#1 v1.5 signature verification of a `SignatureValue`, and the signature algorithms
//! `rustls-webpki` uses to verify certificate chains. The default, [`RustCryptoProvider`]
//! (returned by [`default_provider`]), is pure Rust (RustCrypto `rsa`, `sha1`, `sha2`). With
//! the cargo feature `openssl`, `openssl::OpenSslProvider` (returned by
//! `openssl::openssl_provider()`) does the same on OpenSSL; nothing outside this module
//! depends on which provider is in use.
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
//! [`CertificateValidator::allow_legacy_sha1_chain_signatures`](crate::trust::CertificateValidator::allow_legacy_sha1_chain_signatures),
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

use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey};
use rsa::traits::{PublicKeyParts, SignatureScheme};
use rsa::{Pkcs1v15Sign, PrivateKey, PublicKey};
use rustls_pki_types::{alg_id, AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};
use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha384, Sha512};

use crate::keys::KeyError;

#[cfg(feature = "openssl")]
pub mod openssl;

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

/// Compares two byte strings (e.g. a computed digest with the decoded `ds:DigestValue`) in
/// time that depends only on their lengths, not on where they differ. Lengths are not secret:
/// different lengths are unequal at once.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// A streaming digest: canonicalized XML is written into it with [`std::io::Write`] and the
/// hash is taken with [`Digest::finalize`]. Writes never fail.
pub trait Digest: io::Write + Send {
    /// Consumes the digest and returns the hash value.
    fn finalize(self: Box<Self>) -> Vec<u8>;
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
    /// Errors: [`KeyError::MalformedKey`], [`KeyError::NotRsa`], [`KeyError::KeyTooSmall`]
    /// (under [`MIN_RSA_BITS`]) and [`KeyError::KeyTooLarge`] (over [`MAX_RSA_BITS`]).
    fn load_signing_key(&self, pkcs8_der: &[u8]) -> Result<Box<dyn SigningKey>, KeyError>;

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

/// The default provider: pure Rust (RustCrypto `rsa`, `sha1`, `sha2`), signing with RSA
/// blinding from the OS CSPRNG. See the [module documentation](self) for RUSTSEC-2023-0071.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct RustCryptoProvider;

impl RustCryptoProvider {
    /// The provider (it holds no state).
    pub const fn new() -> Self {
        Self
    }
}

static DEFAULT_PROVIDER: RustCryptoProvider = RustCryptoProvider::new();

/// The default [`CryptoProvider`]: [`RustCryptoProvider`].
pub fn default_provider() -> &'static dyn CryptoProvider {
    &DEFAULT_PROVIDER
}

/// Streaming digest over any RustCrypto hash.
struct HashWriter<D>(D);

impl<D: sha2::Digest + Send> io::Write for HashWriter<D> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<D: sha2::Digest + Send> Digest for HashWriter<D> {
    fn finalize(self: Box<Self>) -> Vec<u8> {
        self.0.finalize().to_vec()
    }
}

fn hash(alg: DigestAlgorithm, message: &[u8]) -> Vec<u8> {
    match alg {
        DigestAlgorithm::Sha1 => Sha1::digest(message).to_vec(),
        DigestAlgorithm::Sha256 => Sha256::digest(message).to_vec(),
    }
}

fn padding(alg: SignatureAlgorithm) -> Pkcs1v15Sign {
    match alg {
        SignatureAlgorithm::RsaSha1 => Pkcs1v15Sign::new::<Sha1>(),
        SignatureAlgorithm::RsaSha256 => Pkcs1v15Sign::new::<Sha256>(),
    }
}

/// Modulus size in bits of an RSA key.
fn bits_of(key: &impl PublicKeyParts) -> usize {
    key.n().bit_width() as usize
}

fn check_public_size(key: &PublicKey) -> Result<usize, CryptoError> {
    let bits = bits_of(key);
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        return Err(CryptoError::KeySizeNotAllowed { bits });
    }
    Ok(bits)
}

/// RSA PKCS#1 v1.5 verification of `signature` over `hashed` with the length rule enforced.
fn verify_prehashed(key: &PublicKey, scheme: Pkcs1v15Sign, hashed: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
    check_public_size(key)?;
    let expected = key.size();
    if signature.len() != expected {
        return Err(CryptoError::SignatureLength { expected, actual: signature.len() });
    }
    scheme.verify(key, hashed, signature).map_err(|_| CryptoError::BadSignature)
}

impl CryptoProvider for RustCryptoProvider {
    fn new_digest(&self, alg: DigestAlgorithm) -> Box<dyn Digest> {
        match alg {
            DigestAlgorithm::Sha1 => Box::new(HashWriter(Sha1::new())),
            DigestAlgorithm::Sha256 => Box::new(HashWriter(Sha256::new())),
        }
    }

    fn load_signing_key(&self, pkcs8_der: &[u8]) -> Result<Box<dyn SigningKey>, KeyError> {
        let info = pkcs8::PrivateKeyInfoRef::try_from(pkcs8_der)
            .map_err(|e| KeyError::MalformedKey { reason: format!("not a PKCS#8 PrivateKeyInfo: {e}") })?;
        let oid = info.algorithm.oid.to_string();
        if oid != RSA_ENCRYPTION_OID {
            return Err(KeyError::NotRsa { algorithm: crate::keys::algorithm_name(&oid) });
        }
        let key = PrivateKey::from_pkcs8_der(pkcs8_der)
            .map_err(|e| KeyError::MalformedKey { reason: format!("invalid RSA private key: {e}") })?;
        let bits = bits_of(&key);
        if bits < MIN_RSA_BITS {
            return Err(KeyError::KeyTooSmall { bits });
        }
        if bits > MAX_RSA_BITS {
            return Err(KeyError::KeyTooLarge { bits });
        }
        key.validate().map_err(|e| KeyError::MalformedKey { reason: format!("inconsistent RSA private key: {e}") })?;
        let spki = key
            .to_public_key()
            .to_public_key_der()
            .map_err(|e| KeyError::MalformedKey { reason: format!("cannot encode the public key: {e}") })?
            .into_vec();
        Ok(Box::new(RustCryptoSigningKey { key, spki, bits }))
    }

    fn verify_signature(
        &self,
        alg: SignatureAlgorithm,
        spki_der: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        let key = memoized_public_key(spki_der)?;
        verify_prehashed(&key, padding(alg), &hash(alg.digest(), message), signature)
    }

    fn chain_algorithms(&self) -> &'static [&'static dyn SignatureVerificationAlgorithm] {
        CHAIN_ALGORITHMS
    }

    fn legacy_sha1_chain_algorithm(&self) -> Option<&'static dyn SignatureVerificationAlgorithm> {
        Some(&RSA_PKCS1_SHA1_LEGACY)
    }
}

/// Parsed public keys kept per thread (most recently used first), so that a peer signing
/// every message with the same certificate does not pay for decoding its key and setting up
/// the Montgomery parameters each time. Keyed by the exact SPKI bytes; holds public keys
/// only and changes no decision (only successfully decoded keys are kept).
const KEY_MEMO_ENTRIES: usize = 8;

/// (SPKI DER, decoded key) pairs.
type KeyMemo = Memo<std::rc::Rc<PublicKey>>;

/// Parsed keys by their exact DER, most recently used first.
pub(crate) type Memo<K> = Vec<(Box<[u8]>, K)>;

thread_local! {
    static PUBLIC_KEYS: std::cell::RefCell<KeyMemo> = const { std::cell::RefCell::new(Vec::new()) };
}

/// [`decode_spki`] through the per-thread memo.
fn memoized_public_key(spki_der: &[u8]) -> Result<std::rc::Rc<PublicKey>, CryptoError> {
    memoized(&PUBLIC_KEYS, KEY_MEMO_ENTRIES, spki_der, |der| decode_spki(der).map(std::rc::Rc::new))
}

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

/// Decodes an RSA `SubjectPublicKeyInfo`, distinguishing "not RSA" from "malformed".
fn decode_spki(spki_der: &[u8]) -> Result<PublicKey, CryptoError> {
    let spki = spki::SubjectPublicKeyInfoRef::try_from(spki_der)
        .map_err(|e| CryptoError::MalformedPublicKey { reason: format!("not a SubjectPublicKeyInfo: {e}") })?;
    let oid = spki.algorithm.oid.to_string();
    if oid != RSA_ENCRYPTION_OID {
        return Err(CryptoError::NotRsa { algorithm: oid });
    }
    PublicKey::from_public_key_der(spki_der).map_err(|e| CryptoError::MalformedPublicKey { reason: e.to_string() })
}

/// [`SigningKey`] of [`RustCryptoProvider`].
struct RustCryptoSigningKey {
    key: PrivateKey,
    spki: Vec<u8>,
    bits: usize,
}

impl Debug for RustCryptoSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RustCryptoSigningKey").field("modulus_bits", &self.bits).finish_non_exhaustive()
    }
}

impl SigningKey for RustCryptoSigningKey {
    fn sign(&self, alg: SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let hashed = hash(alg.digest(), message);
        // Blinding with the OS CSPRNG; a failing RNG is an error, never a fallback to
        // unblinded signing.
        let mut rng = getrandom::SysRng;
        padding(alg)
            .sign(Some(&mut rng), &self.key, &hashed)
            .map_err(|e| CryptoError::Signing { reason: e.to_string() })
    }

    fn public_key_spki_der(&self) -> &[u8] {
        &self.spki
    }

    fn modulus_bits(&self) -> usize {
        self.bits
    }
}

/// The hash of a certificate-chain signature algorithm.
#[derive(Clone, Copy, Debug)]
enum ChainHash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

/// RSA PKCS#1 v1.5 for `rustls-webpki` certificate chain verification, RSA keys of
/// [`MIN_RSA_BITS`]..=[`MAX_RSA_BITS`] bits.
#[derive(Debug)]
struct RsaPkcs1ChainAlgorithm {
    hash: ChainHash,
    signature_alg_id: AlgorithmIdentifier,
}

/// `sha1WithRSAEncryption` (1.2.840.113549.1.1.5) with NULL parameters, as the contents of the
/// AlgorithmIdentifier SEQUENCE (the form `rustls-pki-types` uses).
const RSA_PKCS1_SHA1_ALG_ID: AlgorithmIdentifier =
    AlgorithmIdentifier::from_slice(&[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00]);

static RSA_PKCS1_SHA256: RsaPkcs1ChainAlgorithm =
    RsaPkcs1ChainAlgorithm { hash: ChainHash::Sha256, signature_alg_id: alg_id::RSA_PKCS1_SHA256 };
static RSA_PKCS1_SHA384: RsaPkcs1ChainAlgorithm =
    RsaPkcs1ChainAlgorithm { hash: ChainHash::Sha384, signature_alg_id: alg_id::RSA_PKCS1_SHA384 };
static RSA_PKCS1_SHA512: RsaPkcs1ChainAlgorithm =
    RsaPkcs1ChainAlgorithm { hash: ChainHash::Sha512, signature_alg_id: alg_id::RSA_PKCS1_SHA512 };
static RSA_PKCS1_SHA1_LEGACY: RsaPkcs1ChainAlgorithm =
    RsaPkcs1ChainAlgorithm { hash: ChainHash::Sha1, signature_alg_id: RSA_PKCS1_SHA1_ALG_ID };

static CHAIN_ALGORITHMS: &[&dyn SignatureVerificationAlgorithm] =
    &[&RSA_PKCS1_SHA256, &RSA_PKCS1_SHA384, &RSA_PKCS1_SHA512];

impl SignatureVerificationAlgorithm for RsaPkcs1ChainAlgorithm {
    fn verify_signature(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), InvalidSignature> {
        // `public_key` is the subjectPublicKey BIT STRING content: a PKCS#1 RSAPublicKey.
        let key = PublicKey::from_pkcs1_der(public_key).map_err(|_| InvalidSignature)?;
        let (scheme, hashed) = match self.hash {
            ChainHash::Sha1 => (Pkcs1v15Sign::new::<Sha1>(), Sha1::digest(message).to_vec()),
            ChainHash::Sha256 => (Pkcs1v15Sign::new::<Sha256>(), Sha256::digest(message).to_vec()),
            ChainHash::Sha384 => (Pkcs1v15Sign::new::<Sha384>(), Sha384::digest(message).to_vec()),
            ChainHash::Sha512 => (Pkcs1v15Sign::new::<Sha512>(), Sha512::digest(message).to_vec()),
        };
        verify_prehashed(&key, scheme, &hashed, signature).map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::RSA_ENCRYPTION
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.signature_alg_id
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn uris_round_trip() {
        for alg in [DigestAlgorithm::Sha1, DigestAlgorithm::Sha256] {
            assert_eq!(DigestAlgorithm::from_uri(alg.uri()), Some(alg));
        }
        for alg in [SignatureAlgorithm::RsaSha1, SignatureAlgorithm::RsaSha256] {
            assert_eq!(SignatureAlgorithm::from_uri(alg.uri()), Some(alg));
        }
        assert_eq!(SignatureAlgorithm::RsaSha256.digest(), DigestAlgorithm::Sha256);
        assert_eq!(SignatureAlgorithm::RsaSha1.digest(), DigestAlgorithm::Sha1);
    }

    #[test]
    fn unknown_or_sloppy_uris_are_rejected() {
        for uri in [
            "",
            "http://www.w3.org/2000/09/xmldsig#md5",
            "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
            " http://www.w3.org/2000/09/xmldsig#sha1",
            "http://www.w3.org/2000/09/xmldsig#SHA1",
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256 ",
        ] {
            assert_eq!(DigestAlgorithm::from_uri(uri), None, "{uri:?}");
            assert_eq!(SignatureAlgorithm::from_uri(uri), None, "{uri:?}");
        }
    }

    #[test]
    fn streaming_digest_matches_known_vectors() {
        let provider = default_provider();
        let mut d = provider.new_digest(DigestAlgorithm::Sha1);
        d.write_all(b"a").unwrap();
        d.write_all(b"bc").unwrap();
        assert_eq!(hex(&d.finalize()), "a9993e364706816aba3e25717850c26c9cd0d89d");
        let mut d = provider.new_digest(DigestAlgorithm::Sha256);
        d.write_all(b"abc").unwrap();
        let out = d.finalize();
        assert_eq!(out.len(), DigestAlgorithm::Sha256.output_len());
        assert_eq!(hex(&out), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(&[1, 2, 3], &[1, 2, 3]));
        assert!(!constant_time_eq(&[1, 2, 3], &[1, 2, 4]));
        assert!(!constant_time_eq(&[1, 2, 3], &[1, 2]));
        assert!(!constant_time_eq(&[], &[0]));
    }

    #[test]
    fn verify_rejects_garbage_keys_with_err() {
        let p = default_provider();
        for spki in [&b""[..], b"\x30\x00", b"garbage", &[0x30, 0x82, 0xff, 0xff]] {
            assert!(matches!(
                p.verify_signature(SignatureAlgorithm::RsaSha256, spki, b"m", &[0; 256]),
                Err(CryptoError::MalformedPublicKey { .. })
            ));
        }
    }

    #[test]
    fn load_signing_key_rejects_garbage() {
        let p = default_provider();
        assert!(matches!(p.load_signing_key(b"not der"), Err(KeyError::MalformedKey { .. })));
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}
