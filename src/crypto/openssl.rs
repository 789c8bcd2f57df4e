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
//!
//! OpenSSL contexts are prepared once and reused. Setting up an `EVP_PKEY_CTX` (fetching the
//! algorithm from the provider, setting padding and digest) costs about as much as 1 % of an
//! RSA-2048 signature and a fifth of a verification. A key's contexts are prepared for PKCS#1
//! v1.5 with one digest (`EVP_PKEY_sign_init`/`EVP_PKEY_verify_init`, padding, signature
//! digest) and then used for many operations, as `EVP_PKEY_sign(3)` allows: the message is
//! hashed here (SHA-1 or SHA-256, one shot) and the digest signed or verified, which is what
//! `EVP_DigestSign`/`EVP_DigestVerify` do inside (RSA_sign/RSA_verify with the DigestInfo of
//! that digest, compared whole). A verification context lives in the per-thread memo next to
//! its key; signing contexts are kept in a small pool in the key, each used by one thread at a
//! time. A context that reported an error is dropped, not reused.

use std::cell::RefCell;
use std::fmt;
use std::io;
use std::rc::Rc;
use std::sync::Mutex;

use ::openssl::bn::BigNum;
use ::openssl::error::ErrorStack;
use ::openssl::md::{Md, MdRef};
use ::openssl::pkey::{Id, PKey, PKeyRef, Private, Public};
use ::openssl::pkey_ctx::PkeyCtx;
use ::openssl::rsa::{Padding, Rsa};
use ::openssl::sha::{Sha1, Sha256};
use rustls_pki_types::SignatureVerificationAlgorithm;

use super::{
    algorithm_name, CryptoError, CryptoProvider, Digest, DigestAlgorithm, Memo, RustCryptoProvider, SignatureAlgorithm,
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

/// Prepared signing contexts a [`OpenSslSigningKey`] keeps per algorithm (one per thread that
/// signs at the same time; more are made when needed and dropped after use).
const POOLED_SIGNING_CONTEXTS: usize = 16;

thread_local! {
    /// Most recently used first.
    static PUBLIC_KEYS: RefCell<Memo<Rc<PublicKey>>> = const { RefCell::new(Vec::new()) };
}

/// A checked RSA public key, and its verification contexts (per algorithm, made on first use).
/// It lives in one thread's memo only.
struct PublicKey {
    key: PKey<Public>,
    /// Modulus length in bytes (= the only accepted signature length).
    size: usize,
    contexts: RefCell<[Option<PkeyCtx<Public>>; 2]>,
}

/// Index of an algorithm's context in the per-key arrays.
fn slot(alg: SignatureAlgorithm) -> usize {
    match alg {
        SignatureAlgorithm::RsaSha1 => 0,
        SignatureAlgorithm::RsaSha256 => 1,
    }
}

fn md(alg: SignatureAlgorithm) -> &'static MdRef {
    match alg {
        SignatureAlgorithm::RsaSha1 => Md::sha1(),
        SignatureAlgorithm::RsaSha256 => Md::sha256(),
    }
}

/// The digest of `message` that `alg` signs.
enum Hashed {
    Sha1([u8; 20]),
    Sha256([u8; 32]),
}

impl Hashed {
    /// Through `SHA1_Init`/`SHA256_Init` and friends: the one-shot `SHA1()` of OpenSSL 3
    /// fetches the algorithm from the provider on every call (`EVP_Q_digest`), which costs more
    /// than hashing a SignedInfo.
    fn of(alg: SignatureAlgorithm, message: &[u8]) -> Self {
        match alg {
            SignatureAlgorithm::RsaSha1 => {
                let mut h = Sha1::new();
                h.update(message);
                Hashed::Sha1(h.finish())
            }
            SignatureAlgorithm::RsaSha256 => {
                let mut h = Sha256::new();
                h.update(message);
                Hashed::Sha256(h.finish())
            }
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Hashed::Sha1(d) => d,
            Hashed::Sha256(d) => d,
        }
    }
}

/// A context for `EVP_PKEY_sign` with `key`: RSA PKCS#1 v1.5 over `alg`'s digest.
fn signing_context(key: &PKeyRef<Private>, alg: SignatureAlgorithm) -> Result<PkeyCtx<Private>, ErrorStack> {
    let mut ctx = PkeyCtx::new(key)?;
    ctx.sign_init()?;
    pkcs1(&mut ctx, alg)?;
    Ok(ctx)
}

/// A context for `EVP_PKEY_verify` with `key`: RSA PKCS#1 v1.5 over `alg`'s digest.
fn verifying_context(key: &PKeyRef<Public>, alg: SignatureAlgorithm) -> Result<PkeyCtx<Public>, ErrorStack> {
    let mut ctx = PkeyCtx::new(key)?;
    ctx.verify_init()?;
    pkcs1(&mut ctx, alg)?;
    Ok(ctx)
}

fn pkcs1<T>(ctx: &mut PkeyCtx<T>, alg: SignatureAlgorithm) -> Result<(), ErrorStack> {
    ctx.set_rsa_padding(Padding::PKCS1)?;
    ctx.set_signature_md(md(alg))
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
fn parse_public_key(spki_der: &[u8]) -> Result<Rc<PublicKey>, CryptoError> {
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
    Ok(Rc::new(PublicKey { key, size: modulus_bits.div_ceil(8), contexts: RefCell::new([None, None]) }))
}

/// [`parse_public_key`] through the per-thread memo.
fn public_key(spki_der: &[u8]) -> Result<Rc<PublicKey>, CryptoError> {
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
        let signing_key = OpenSslSigningKey { key, spki, bits, contexts: Default::default() };
        // One context for the DHO profile prepared ahead (a failure shows when signing).
        if let Ok(ctx) = signing_context(&signing_key.key, SignatureAlgorithm::RsaSha1) {
            signing_key.give_back(SignatureAlgorithm::RsaSha1, ctx);
        }
        Ok(Box::new(signing_key))
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
        let digest = Hashed::of(alg, message);
        let mut contexts = key.contexts.borrow_mut();
        let slot = &mut contexts[slot(alg)];
        let ctx = match slot {
            Some(ctx) => ctx,
            None => slot.insert(verifying_context(&key.key, alg).map_err(|_| CryptoError::BadSignature)?),
        };
        match ctx.verify(digest.bytes(), signature) {
            Ok(true) => Ok(()),
            // `false` and every OpenSSL error alike: never success. The context is not reused.
            Ok(false) | Err(_) => {
                *slot = None;
                Err(CryptoError::BadSignature)
            }
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
    /// Prepared signing contexts per algorithm (see [`slot`]), each taken by one signature at a
    /// time.
    contexts: [Mutex<Vec<PkeyCtx<Private>>>; 2],
}

impl OpenSslSigningKey {
    /// A prepared context for `alg`: a pooled one, or a new one.
    fn take(&self, alg: SignatureAlgorithm) -> Result<PkeyCtx<Private>, ErrorStack> {
        // A poisoned pool only means that no context is reused.
        let pooled = self.contexts[slot(alg)].lock().ok().and_then(|mut pool| pool.pop());
        match pooled {
            Some(ctx) => Ok(ctx),
            None => signing_context(&self.key, alg),
        }
    }

    /// Returns a context that signed without error to the pool.
    fn give_back(&self, alg: SignatureAlgorithm, ctx: PkeyCtx<Private>) {
        if let Ok(mut pool) = self.contexts[slot(alg)].lock() {
            if pool.len() < POOLED_SIGNING_CONTEXTS {
                pool.push(ctx);
            }
        }
    }
}

impl fmt::Debug for OpenSslSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenSslSigningKey").field("modulus_bits", &self.bits).finish_non_exhaustive()
    }
}

impl SigningKey for OpenSslSigningKey {
    fn sign(&self, alg: SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let failed = |e: ErrorStack| CryptoError::Signing { reason: e.to_string() };
        let digest = Hashed::of(alg, message);
        let mut ctx = self.take(alg).map_err(failed)?;
        let mut signature = vec![0; self.key.size()];
        // On error the context is dropped with `ctx`, not pooled.
        let len = ctx.sign(digest.bytes(), Some(&mut signature)).map_err(failed)?;
        signature.truncate(len);
        self.give_back(alg, ctx);
        Ok(signature)
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

    fn test_key() -> (PKey<Private>, Box<dyn SigningKey>) {
        let pem = std::fs::read(format!("{}/testdata/pki/institution.key.pem", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let key = PKey::private_key_from_pem(&pem).unwrap();
        let der = key.private_key_to_pkcs8().unwrap();
        (key, OpenSslProvider.load_signing_key(&der).unwrap())
    }

    fn md_of(alg: SignatureAlgorithm) -> ::openssl::hash::MessageDigest {
        match alg {
            SignatureAlgorithm::RsaSha1 => ::openssl::hash::MessageDigest::sha1(),
            SignatureAlgorithm::RsaSha256 => ::openssl::hash::MessageDigest::sha256(),
        }
    }

    /// The prepared, reused contexts sign exactly as `EVP_DigestSign` with a context per
    /// signature, from several threads at once.
    #[test]
    fn pooled_contexts_sign_like_digest_sign() {
        let (key, signing_key) = test_key();
        for alg in [SignatureAlgorithm::RsaSha1, SignatureAlgorithm::RsaSha256] {
            let expected: Vec<Vec<u8>> = (0..4u8)
                .map(|i| {
                    let mut signer = ::openssl::sign::Signer::new(md_of(alg), &key).unwrap();
                    signer.set_rsa_padding(Padding::PKCS1).unwrap();
                    signer.sign_oneshot_to_vec(&[i; 100]).unwrap()
                })
                .collect();
            std::thread::scope(|scope| {
                for _ in 0..4 {
                    scope.spawn(|| {
                        for round in 0..8 {
                            let i = round % 4;
                            assert_eq!(signing_key.sign(alg, &[i as u8; 100]).unwrap(), expected[i]);
                        }
                    });
                }
            });
            assert!(signing_key.sign(alg, b"").is_ok());
        }
    }

    /// `EVP_PKEY_verify` on a prepared context over the digest accepts exactly what
    /// `EVP_DigestVerify` accepts: PKCS#1 v1.5 blocks holding every variant of a DigestInfo are
    /// made with the raw private-key operation and judged by both; a refusal does not spoil the
    /// next verification.
    #[test]
    fn prepared_verification_accepts_what_digest_verify_accepts() {
        let (key, signing_key) = test_key();
        let spki = signing_key.public_key_spki_der();
        let rsa = key.rsa().unwrap();
        let message = b"<ds:SignedInfo>...</ds:SignedInfo>";
        let sha1 = ::openssl::sha::sha1(message);
        let sha256 = ::openssl::sha::sha256(message);
        let sha1_prefix: &[u8] =
            &[0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14];
        let sha1_no_null: &[u8] = &[0x30, 0x1f, 0x30, 0x07, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x04, 0x14];
        let sha256_prefix: &[u8] = &[
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
            0x20,
        ];
        let mut long_form = vec![0x30, 0x81, 0x21];
        long_form.extend_from_slice(&sha1_prefix[2..]);
        let blocks: Vec<(&str, Vec<u8>)> = vec![
            ("sha1", [sha1_prefix, &sha1].concat()),
            ("sha1 without NULL", [sha1_no_null, &sha1].concat()),
            ("sha1 long-form length", [&long_form[..], &sha1].concat()),
            ("sha1 trailing byte", [sha1_prefix, &sha1, &[0]].concat()),
            ("sha1 truncated", [sha1_prefix, &sha1[..19]].concat()),
            ("sha1 bare digest", sha1.to_vec()),
            ("sha1 of something else", [sha1_prefix, &::openssl::sha::sha1(b"other")].concat()),
            ("sha256", [sha256_prefix, &sha256].concat()),
            ("sha256 DigestInfo of the sha1 digest", [sha256_prefix, &sha1].concat()),
        ];
        for alg in [SignatureAlgorithm::RsaSha1, SignatureAlgorithm::RsaSha256] {
            let public = PKey::public_key_from_der(spki).unwrap();
            for (what, block) in &blocks {
                let mut signature = vec![0; rsa.size() as usize];
                let len = rsa.private_encrypt(block, &mut signature, Padding::PKCS1).unwrap();
                assert_eq!(len, signature.len());
                let mut verifier = ::openssl::sign::Verifier::new(md_of(alg), &public).unwrap();
                verifier.set_rsa_padding(Padding::PKCS1).unwrap();
                let evp = verifier.verify_oneshot(&signature, message).unwrap_or(false);
                let ours = OpenSslProvider.verify_signature(alg, spki, message, &signature).is_ok();
                assert_eq!(ours, evp, "{alg:?}, {what}");
                let good = matches!(
                    (alg, *what),
                    (SignatureAlgorithm::RsaSha1, "sha1") | (SignatureAlgorithm::RsaSha256, "sha256")
                );
                assert_eq!(ours, good, "{alg:?}, {what}");
            }
            let good = signing_key.sign(alg, message).unwrap();
            assert!(OpenSslProvider.verify_signature(alg, spki, message, &good).is_ok());
        }
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
