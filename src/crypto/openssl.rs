//! [`OpenSslProvider`]: the [`CryptoProvider`] on OpenSSL (cargo feature `openssl`).
//!
//! OpenSSL's RSA private-key operation is constant time and blinded, has the Marvin
//! mitigations (see the [`crypto`](super) module documentation on RUSTSEC-2023-0071) and is
//! about three times as fast as RustCrypto's. Digests use OpenSSL's SHA-1 and SHA-256.
//!
//! Acceptance is the same as [`RustCryptoProvider`]'s, checked
//! here before OpenSSL sees a key so that both providers accept exactly the same inputs:
//! - public keys: a DER `SubjectPublicKeyInfo` with no trailing data, algorithm
//!   `rsaEncryption` with NULL parameters ([`CryptoError::NotRsa`] for any other algorithm),
//!   an odd modulus of [`MIN_RSA_BITS`]..=[`MAX_RSA_BITS`] bits, an odd public exponent in
//!   `2..=2³³−1` below the modulus;
//! - signatures: exactly as long as the modulus, RSA PKCS#1 v1.5 with the DigestInfo of the
//!   algorithm's hash (OpenSSL compares the re-encoded DigestInfo, so no parameter or length
//!   malleability), every failure an `Err`;
//! - private keys: unencrypted PKCS#8 `rsaEncryption` (NULL parameters), two primes,
//!   [`MIN_RSA_BITS`]..=[`MAX_RSA_BITS`] bits, consistent (`RSA_check_key`, which also checks the CRT values
//!   RustCrypto recomputes: a corrupted key file may be rejected here and not there, never
//!   the other way round).
//!
//! Certificate chains are verified with the RustCrypto chain algorithms (they are not on the
//! per-message path once [chain caching](crate::pki::CertificateValidator::with_chain_cache)
//! is on).
//!
//! Parsed public keys are kept in a small per-thread memo keyed by the exact SPKI bytes, so a
//! peer that signs every message with the same certificate does not pay for turning its key
//! into an OpenSSL key each time. The memo holds public keys only and changes no decision: a
//! key is looked up by its full DER encoding, which was checked when it was first parsed.

use std::cell::RefCell;
use std::fmt;
use std::io;

use ::openssl::bn::BigNum;
use ::openssl::hash::MessageDigest;
use ::openssl::pkey::{Id, PKey, Private, Public};
use ::openssl::rsa::{Padding, Rsa};
use ::openssl::sha::{Sha1, Sha256};
use ::openssl::sign::{Signer, Verifier};
use rustls_pki_types::SignatureVerificationAlgorithm;

use super::{
    algorithm_name, CryptoError, CryptoProvider, Digest, DigestAlgorithm, RustCryptoProvider, SignatureAlgorithm,
    SigningKey, MAX_RSA_BITS, MIN_RSA_BITS, RSA_ENCRYPTION_OID,
};

/// The OpenSSL provider (stateless apart from a per-thread memo of parsed public keys).
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct OpenSslProvider;

impl OpenSslProvider {
    /// The provider.
    pub const fn new() -> Self {
        Self
    }
}

static OPENSSL_PROVIDER: OpenSslProvider = OpenSslProvider::new();

/// The shared [`OpenSslProvider`], for [`install_default`](super::install_default) or the
/// `with_provider` methods and `*_with_provider` loaders (see [Choosing the provider](super#choosing-the-provider)).
pub fn openssl_provider() -> &'static dyn CryptoProvider {
    &OPENSSL_PROVIDER
}

/// Largest public exponent accepted (as RustCrypto's `RsaPublicKey::MAX_PUB_EXPONENT`).
const MAX_PUBLIC_EXPONENT: u64 = (1 << 33) - 1;

/// Parsed public keys kept per thread.
const MEMO_ENTRIES: usize = 8;

thread_local! {
    /// Most recently used first.
    static PUBLIC_KEYS: RefCell<Vec<(Box<[u8]>, PublicKey)>> = const { RefCell::new(Vec::new()) };
}

/// A checked RSA public key.
#[derive(Clone)]
struct PublicKey {
    key: PKey<Public>,
    /// Modulus length in bytes (= the only accepted signature length).
    size: usize,
}

enum Sha {
    Sha1(Sha1),
    Sha256(Sha256),
}

/// Streaming digest over OpenSSL's SHA functions.
struct ShaWriter(Sha);

impl io::Write for ShaWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.0 {
            Sha::Sha1(h) => h.update(buf),
            Sha::Sha256(h) => h.update(buf),
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Digest for ShaWriter {
    fn finalize(self: Box<Self>) -> Vec<u8> {
        match self.0 {
            Sha::Sha1(h) => h.finish().to_vec(),
            Sha::Sha256(h) => h.finish().to_vec(),
        }
    }
}

fn message_digest(alg: SignatureAlgorithm) -> MessageDigest {
    match alg {
        SignatureAlgorithm::RsaSha1 => MessageDigest::sha1(),
        SignatureAlgorithm::RsaSha256 => MessageDigest::sha256(),
    }
}

/// Bits of a big-endian unsigned integer (leading zero bytes allowed).
fn bit_length(be: &[u8]) -> usize {
    match be.iter().position(|b| *b != 0) {
        None => 0,
        Some(i) => (be.len() - i) * 8 - be[i].leading_zeros() as usize,
    }
}

/// The value of a big-endian unsigned integer of at most 8 significant bytes.
fn small_value(be: &[u8]) -> Option<u64> {
    let first = be.iter().position(|b| *b != 0).unwrap_or(be.len());
    let digits = &be[first..];
    (digits.len() <= 8).then(|| digits.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
}

/// RustCrypto's public-key rules on the raw components; `Ok(bits of n)`.
fn check_components(n: &[u8], e: &[u8]) -> Result<usize, CryptoError> {
    let malformed = |reason: &str| CryptoError::MalformedPublicKey { reason: reason.to_owned() };
    let bits = bit_length(n);
    if bits > MAX_RSA_BITS {
        return Err(CryptoError::KeySizeNotAllowed { bits });
    }
    if n.last().is_none_or(|b| b & 1 == 0) {
        return Err(malformed("the modulus is even or zero"));
    }
    let exponent = small_value(e).ok_or_else(|| malformed("the public exponent is too large"))?;
    if !(2..=MAX_PUBLIC_EXPONENT).contains(&exponent) {
        return Err(malformed("the public exponent is out of range"));
    }
    if exponent & 1 == 0 {
        return Err(malformed("the public exponent is even"));
    }
    // e ≤ 2³³−1 < n for any accepted n, but keep the rule explicit.
    if bit_length(e) >= bits {
        return Err(malformed("the public exponent is not below the modulus"));
    }
    if bits < MIN_RSA_BITS {
        return Err(CryptoError::KeySizeNotAllowed { bits });
    }
    Ok(bits)
}

/// RustCrypto requires the `rsaEncryption` parameters to be present and NULL.
fn null_parameters(alg: &spki::AlgorithmIdentifierRef<'_>) -> bool {
    matches!(alg.parameters, Some(p) if der::Tagged::tag(&p) == der::Tag::Null && p.value().is_empty())
}

/// Decodes and checks an RSA `SubjectPublicKeyInfo` and makes an OpenSSL key of it.
fn parse_public_key(spki_der: &[u8]) -> Result<PublicKey, CryptoError> {
    let malformed = |reason: String| CryptoError::MalformedPublicKey { reason };
    let spki = spki::SubjectPublicKeyInfoRef::try_from(spki_der)
        .map_err(|e| malformed(format!("not a SubjectPublicKeyInfo: {e}")))?;
    let oid = spki.algorithm.oid.to_string();
    if oid != RSA_ENCRYPTION_OID {
        return Err(CryptoError::NotRsa { algorithm: oid });
    }
    if !null_parameters(&spki.algorithm) {
        return Err(malformed("rsaEncryption parameters must be NULL".into()));
    }
    let bits = spki.subject_public_key.as_bytes().ok_or_else(|| malformed("unused bits in the key".into()))?;
    let rsa = pkcs1::RsaPublicKeyRef::try_from(bits).map_err(|e| malformed(format!("not an RSAPublicKey: {e}")))?;
    let (n, e) = (rsa.modulus.as_bytes(), rsa.public_exponent.as_bytes());
    let modulus_bits = check_components(n, e)?;
    let openssl = |e: ::openssl::error::ErrorStack| malformed(format!("OpenSSL: {e}"));
    let key =
        Rsa::from_public_components(BigNum::from_slice(n).map_err(openssl)?, BigNum::from_slice(e).map_err(openssl)?)
            .and_then(PKey::from_rsa)
            .map_err(openssl)?;
    Ok(PublicKey { key, size: modulus_bits.div_ceil(8) })
}

/// [`parse_public_key`] through the per-thread memo.
fn public_key(spki_der: &[u8]) -> Result<PublicKey, CryptoError> {
    super::memoized(&PUBLIC_KEYS, MEMO_ENTRIES, spki_der, parse_public_key)
}

impl CryptoProvider for OpenSslProvider {
    fn new_digest(&self, alg: DigestAlgorithm) -> Box<dyn Digest> {
        Box::new(ShaWriter(match alg {
            DigestAlgorithm::Sha1 => Sha::Sha1(Sha1::new()),
            DigestAlgorithm::Sha256 => Sha::Sha256(Sha256::new()),
        }))
    }

    fn load_signing_key(&self, pkcs8_der: &[u8]) -> Result<Box<dyn SigningKey>, CryptoError> {
        let malformed = |reason: String| CryptoError::MalformedPrivateKey { reason };
        let info = pkcs8::PrivateKeyInfoRef::try_from(pkcs8_der)
            .map_err(|e| malformed(format!("not a PKCS#8 PrivateKeyInfo: {e}")))?;
        let oid = info.algorithm.oid.to_string();
        if oid != RSA_ENCRYPTION_OID {
            return Err(CryptoError::NotRsa { algorithm: algorithm_name(&oid) });
        }
        if !null_parameters(&info.algorithm) {
            return Err(malformed("invalid RSA private key: rsaEncryption parameters must be NULL".into()));
        }
        // The same structural rules as RustCrypto: two primes, sane public part.
        let parts = pkcs1::RsaPrivateKeyRef::try_from(info.private_key.as_bytes())
            .map_err(|e| malformed(format!("invalid RSA private key: {e}")))?;
        if parts.version() != pkcs1::Version::TwoPrime {
            return Err(malformed("invalid RSA private key: multi-prime keys are not supported".into()));
        }
        let bits = match check_components(parts.modulus.as_bytes(), parts.public_exponent.as_bytes()) {
            Ok(bits) => bits,
            Err(e @ CryptoError::KeySizeNotAllowed { .. }) => return Err(e),
            Err(e) => return Err(malformed(format!("invalid RSA private key: {e}"))),
        };
        let key =
            PKey::private_key_from_pkcs8(pkcs8_der).map_err(|e| malformed(format!("invalid RSA private key: {e}")))?;
        if key.id() != Id::RSA {
            return Err(malformed("OpenSSL did not read an RSA key".into()));
        }
        let rsa = key.rsa().map_err(|e| malformed(format!("invalid RSA private key: {e}")))?;
        if !rsa.check_key().unwrap_or(false) {
            return Err(malformed("inconsistent RSA private key".into()));
        }
        let spki = key.public_key_to_der().map_err(|e| malformed(format!("cannot encode the public key: {e}")))?;
        Ok(Box::new(OpenSslSigningKey { key, spki, bits }))
    }

    fn verify_signature(
        &self,
        alg: SignatureAlgorithm,
        spki_der: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        let key = public_key(spki_der)?;
        if signature.len() != key.size {
            return Err(CryptoError::SignatureLength { expected: key.size, actual: signature.len() });
        }
        let mut verifier = Verifier::new(message_digest(alg), &key.key).map_err(|_| CryptoError::BadSignature)?;
        verifier.set_rsa_padding(Padding::PKCS1).map_err(|_| CryptoError::BadSignature)?;
        match verifier.verify_oneshot(signature, message) {
            Ok(true) => Ok(()),
            // `false` and every OpenSSL error alike: never success.
            Ok(false) | Err(_) => Err(CryptoError::BadSignature),
        }
    }

    fn chain_algorithms(&self) -> &'static [&'static dyn SignatureVerificationAlgorithm] {
        RustCryptoProvider.chain_algorithms()
    }

    fn legacy_sha1_chain_algorithm(&self) -> Option<&'static dyn SignatureVerificationAlgorithm> {
        RustCryptoProvider.legacy_sha1_chain_algorithm()
    }
}

/// [`SigningKey`] of [`OpenSslProvider`].
struct OpenSslSigningKey {
    key: PKey<Private>,
    spki: Vec<u8>,
    bits: usize,
}

impl fmt::Debug for OpenSslSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenSslSigningKey").field("modulus_bits", &self.bits).finish_non_exhaustive()
    }
}

impl SigningKey for OpenSslSigningKey {
    fn sign(&self, alg: SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let failed = |e: ::openssl::error::ErrorStack| CryptoError::Signing { reason: e.to_string() };
        let mut signer = Signer::new(message_digest(alg), &self.key).map_err(failed)?;
        signer.set_rsa_padding(Padding::PKCS1).map_err(failed)?;
        signer.sign_oneshot_to_vec(message).map_err(failed)
    }

    fn public_key_spki_der(&self) -> &[u8] {
        &self.spki
    }

    fn modulus_bits(&self) -> usize {
        self.bits
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn integer_helpers() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert_eq!(bit_length(&[0, 1]), 1);
        assert_eq!(bit_length(&[0x80, 0]), 16);
        assert_eq!(small_value(&[0, 1, 0, 1]), Some(65537));
        assert_eq!(small_value(&[1; 9]), None);
        assert_eq!(small_value(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 3]), Some(3));
    }

    #[test]
    fn component_rules_match_rustcrypto() {
        let mut n = vec![0xff; 256];
        assert_eq!(check_components(&n, &[1, 0, 1]).unwrap(), 2048);
        for e in [&[1u8][..], &[0], &[2], &[1, 0, 0], &[2, 0, 0, 0, 1], &[1; 9]] {
            assert!(matches!(check_components(&n, e), Err(CryptoError::MalformedPublicKey { .. })), "{e:?}");
        }
        assert!(check_components(&n, &[1, 0xff, 0xff, 0xff, 0xff]).is_ok());
        n[255] = 0xfe;
        assert!(matches!(check_components(&n, &[3]), Err(CryptoError::MalformedPublicKey { .. })));
        assert!(matches!(check_components(&[0xff; 128], &[3]), Err(CryptoError::KeySizeNotAllowed { bits: 1024 })));
        assert!(matches!(check_components(&[0xff; 1025], &[3]), Err(CryptoError::KeySizeNotAllowed { bits: 8200 })));
    }
}
