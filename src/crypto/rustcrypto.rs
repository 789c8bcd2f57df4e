//! The pure-Rust back-end: RustCrypto `rsa`, `sha1`, `sha2` (the default provider).

use std::fmt::Debug;
use std::io;

use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey};
use rsa::traits::{PublicKeyParts, SignatureScheme};
use rsa::{Pkcs1v15Sign, PrivateKey, PublicKey};
use rustls_pki_types::{alg_id, AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};
use sha1::Sha1;
use sha2::{Digest as _, Sha256, Sha384, Sha512};

use super::{
    algorithm_name, memoized, CryptoError, CryptoProvider, Digest, DigestAlgorithm, Memo, SignatureAlgorithm,
    SigningKey, MAX_RSA_BITS, MIN_RSA_BITS, RSA_ENCRYPTION_OID,
};

/// The default provider: pure Rust (RustCrypto `rsa`, `sha1`, `sha2`), signing with RSA
/// blinding from the OS CSPRNG. See the [`crypto` module documentation](super) for RUSTSEC-2023-0071.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct RustCryptoProvider;

impl RustCryptoProvider {
    /// The provider (it holds no state).
    pub const fn new() -> Self {
        Self
    }
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

    fn load_signing_key(&self, pkcs8_der: &[u8]) -> Result<Box<dyn SigningKey>, CryptoError> {
        let info = pkcs8::PrivateKeyInfoRef::try_from(pkcs8_der)
            .map_err(|e| CryptoError::MalformedPrivateKey { reason: format!("not a PKCS#8 PrivateKeyInfo: {e}") })?;
        let oid = info.algorithm.oid.to_string();
        if oid != RSA_ENCRYPTION_OID {
            return Err(CryptoError::NotRsa { algorithm: algorithm_name(&oid) });
        }
        let key = PrivateKey::from_pkcs8_der(pkcs8_der)
            .map_err(|e| CryptoError::MalformedPrivateKey { reason: format!("invalid RSA private key: {e}") })?;
        let bits = bits_of(&key);
        if bits < MIN_RSA_BITS {
            return Err(CryptoError::KeySizeNotAllowed { bits });
        }
        if bits > MAX_RSA_BITS {
            return Err(CryptoError::KeySizeNotAllowed { bits });
        }
        key.validate()
            .map_err(|e| CryptoError::MalformedPrivateKey { reason: format!("inconsistent RSA private key: {e}") })?;
        let spki = key
            .to_public_key()
            .to_public_key_der()
            .map_err(|e| CryptoError::MalformedPrivateKey { reason: format!("cannot encode the public key: {e}") })?
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

thread_local! {
    static PUBLIC_KEYS: std::cell::RefCell<KeyMemo> = const { std::cell::RefCell::new(Vec::new()) };
}

/// [`decode_spki`] through the per-thread memo.
fn memoized_public_key(spki_der: &[u8]) -> Result<std::rc::Rc<PublicKey>, CryptoError> {
    memoized(&PUBLIC_KEYS, KEY_MEMO_ENTRIES, spki_der, |der| decode_spki(der).map(std::rc::Rc::new))
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
    use crate::crypto::default_provider;
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
        assert!(matches!(p.load_signing_key(b"not der"), Err(CryptoError::MalformedPrivateKey { .. })));
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}
