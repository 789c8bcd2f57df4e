//! The signing identity: an RSA private key with its certificate and chain (see the
//! [`pki` module documentation](super)).

use std::fmt;
use std::path::{Path, PathBuf};

use der::zeroize::Zeroizing;
use der::Decode;
use x509_cert::Certificate;

use super::certificate::CertificateInfo;
use super::pem::{certificates_from_pem, private_key_from_pem};
use crate::crypto::{default_provider, CryptoError, CryptoProvider, SigningKey, MIN_RSA_BITS};

/// Where a [`KeyError`] happened, as shown in messages.
const CERT_PEM: &str = "certificate PEM";

/// Errors while loading a signing identity. Display says what went wrong and in which input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}", path = path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An error in the content of a file (from the `*_file` constructors); `source` is the
    /// error about the content, see [`KeyError::root`].
    #[error("{path}: {source}", path = path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: Box<KeyError>,
    },
    /// The input is not PEM, or a PEM block is broken (no END line, mismatched END label,
    /// invalid base64).
    #[error("{input}: malformed PEM: {reason}")]
    MalformedPem {
        /// Which input (`"key PEM"`, `"certificate PEM"`).
        input: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A PEM block with a label that does not belong in this input.
    #[error("{input}: unexpected PEM block `{label}` (expected {expected})")]
    UnknownPemLabel {
        /// Which input.
        input: &'static str,
        /// The label found.
        label: String,
        /// What was expected.
        expected: &'static str,
    },
    /// The key PEM holds no private key block.
    #[error(
        "key PEM: no private key found (expected a `PRIVATE KEY`, `RSA PRIVATE KEY` or \
         `ENCRYPTED PRIVATE KEY` block)"
    )]
    NoPrivateKey,
    /// The key PEM holds more than one private key.
    #[error("key PEM: {count} private keys found, expected exactly one")]
    MultiplePrivateKeys {
        /// How many.
        count: usize,
    },
    /// The key is encrypted and no password was given.
    #[error("the private key is encrypted (`ENCRYPTED PRIVATE KEY`) but no password was given")]
    PasswordRequired,
    /// The password is wrong (decryption or MAC check failed). A corrupted PKCS#12 file whose
    /// MAC no longer matches is reported the same way: the two cannot be told apart.
    #[error("wrong password for the {what}")]
    WrongPassword {
        /// What could not be opened (`"encrypted private key"`, `"PKCS#12 file"`).
        what: &'static str,
    },
    /// The key or PKCS#12 file uses an encryption scheme that is not supported.
    #[error("unsupported encryption: {reason}")]
    UnsupportedEncryption {
        /// Which scheme and what to do about it.
        reason: String,
    },
    /// The private key DER is malformed.
    #[error("malformed private key: {reason}")]
    MalformedKey {
        /// What is wrong.
        reason: String,
    },
    /// The private key is not an RSA key.
    #[error("the private key is not an RSA key but {algorithm}; DHO signatures need RSA")]
    NotRsa {
        /// The key algorithm (`"EC"`, `"Ed25519"`, `"DSA"` or an OID).
        algorithm: String,
    },
    /// The RSA key is shorter than [`MIN_RSA_BITS`](crate::crypto::MIN_RSA_BITS).
    #[error("the RSA key has {bits} bits; at least {} are required", crate::crypto::MIN_RSA_BITS)]
    KeyTooSmall {
        /// The modulus size in bits.
        bits: usize,
    },
    /// The RSA key is longer than [`MAX_RSA_BITS`](crate::crypto::MAX_RSA_BITS).
    #[error("the RSA key has {bits} bits; at most {} are supported", crate::crypto::MAX_RSA_BITS)]
    KeyTooLarge {
        /// The modulus size in bits.
        bits: usize,
    },
    /// No certificate was found.
    #[error("{input}: no certificate found")]
    NoCertificate {
        /// Which input (`"certificate PEM"`, `"PKCS#12 file"`).
        input: &'static str,
    },
    /// A certificate could not be parsed.
    #[error("{input}: certificate #{index} is malformed: {reason}")]
    MalformedCertificate {
        /// Which input.
        input: &'static str,
        /// Position of the certificate in the input, from 0.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// The private key does not belong to the (leaf) certificate.
    #[error("the private key does not match the public key of the certificate (subject {subject})")]
    KeyCertificateMismatch {
        /// Subject DN of the certificate that was expected to match.
        subject: String,
    },
    /// The PKCS#12 file holds no private key.
    #[error("PKCS#12 file: no private key entry found")]
    Pkcs12NoKey,
    /// The PKCS#12 file is malformed.
    #[error("PKCS#12 file: malformed: {reason}")]
    MalformedPkcs12 {
        /// What is wrong.
        reason: String,
    },
}

impl From<CryptoError> for KeyError {
    /// A key the crypto provider refused to load.
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::NotRsa { algorithm } => KeyError::NotRsa { algorithm },
            CryptoError::KeySizeNotAllowed { bits } if bits < MIN_RSA_BITS => KeyError::KeyTooSmall { bits },
            CryptoError::KeySizeNotAllowed { bits } => KeyError::KeyTooLarge { bits },
            other => KeyError::MalformedKey { reason: other.to_string() },
        }
    }
}

impl KeyError {
    /// The error about the content, looking through [`KeyError::InFile`].
    pub fn root(&self) -> &KeyError {
        match self {
            KeyError::InFile { source, .. } => source.root(),
            other => other,
        }
    }

    fn in_file(self, path: &Path) -> KeyError {
        KeyError::InFile { path: path.to_path_buf(), source: Box::new(self) }
    }
}

/// A private key with its certificate and chain, for signing messages. `Send + Sync`; share it
/// behind an `Arc`.
///
/// The identity remembers the [`CryptoProvider`] that loaded its key ([`provider`](Self::provider)):
/// the key can only be used by that provider, so a [`Signer`](crate::wss::Signer) built on the
/// identity does all of its cryptography — digests and the private-key operation — with it.
/// Choose the provider when loading: the `*_with_provider` constructors, or the process
/// default ([`install_default`](crate::crypto::install_default)) for the others.
pub struct SigningIdentity {
    key: Box<dyn SigningKey>,
    /// The key as unencrypted PKCS#8 DER, for a TLS client that needs the key itself (the
    /// `ftps` feature); zeroized on drop, never public.
    #[cfg_attr(not(feature = "ftps"), allow(dead_code))]
    pkcs8: Zeroizing<Vec<u8>>,
    provider: &'static dyn CryptoProvider,
    certificate: Vec<u8>,
    chain: Vec<Vec<u8>>,
    info: CertificateInfo,
}

impl fmt::Debug for SigningIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningIdentity")
            .field("subject", &self.info.subject_dn())
            .field("serial", &self.info.serial_hex())
            .field("sha256", &self.info.sha256_fingerprint())
            .field("chain_len", &self.chain.len())
            .field("key", &self.key)
            .field("provider", &self.provider)
            .finish()
    }
}

impl SigningIdentity {
    /// Loads an identity from PEM with the [default provider](crate::crypto::default_provider).
    ///
    /// `key_pem` holds exactly one private key: `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY`
    /// (PKCS#1, unencrypted) or `ENCRYPTED PRIVATE KEY` (PKCS#8 PBES2; `password` required).
    /// `CERTIFICATE` blocks in it are ignored, so a combined key+certificate file can be passed
    /// as both arguments. The password is ignored for an unencrypted key. OpenSSL's legacy
    /// encrypted PEM (`Proc-Type: 4,ENCRYPTED`) is not supported.
    ///
    /// `cert_chain_pem` holds the leaf certificate first, then any chain certificates in order;
    /// private key blocks in it are ignored. The first certificate must match the key.
    pub fn from_pem(key_pem: &[u8], cert_chain_pem: &[u8], password: Option<&str>) -> Result<Self, KeyError> {
        Self::from_pem_with_provider(key_pem, cert_chain_pem, password, default_provider())
    }

    /// [`from_pem`](Self::from_pem) with the key loaded by `provider`, which the identity then
    /// uses for everything it signs ([`provider`](Self::provider)).
    pub fn from_pem_with_provider(
        key_pem: &[u8],
        cert_chain_pem: &[u8],
        password: Option<&str>,
        provider: &'static dyn CryptoProvider,
    ) -> Result<Self, KeyError> {
        let (key, pkcs8) = load_pem_key(key_pem, password, provider)?;
        Self::with_certificates(key, pkcs8, provider, cert_chain_pem)
    }

    /// Reads the key and certificate PEM files and calls [`from_pem`](Self::from_pem). Errors
    /// name the file they are about ([`KeyError::Io`], [`KeyError::InFile`]); a key that does
    /// not match the certificate is reported on the certificate file.
    pub fn from_pem_files(
        key_path: impl AsRef<Path>,
        cert_chain_path: impl AsRef<Path>,
        password: Option<&str>,
    ) -> Result<Self, KeyError> {
        Self::from_pem_files_with_provider(key_path, cert_chain_path, password, default_provider())
    }

    /// [`from_pem_files`](Self::from_pem_files) with the key loaded by `provider`.
    pub fn from_pem_files_with_provider(
        key_path: impl AsRef<Path>,
        cert_chain_path: impl AsRef<Path>,
        password: Option<&str>,
        provider: &'static dyn CryptoProvider,
    ) -> Result<Self, KeyError> {
        let key_path = key_path.as_ref();
        let cert_path = cert_chain_path.as_ref();
        let key_pem = read(key_path)?;
        let cert_pem = read(cert_path)?;
        let (key, pkcs8) = load_pem_key(&key_pem, password, provider).map_err(|e| e.in_file(key_path))?;
        Self::with_certificates(key, pkcs8, provider, &cert_pem).map_err(|e| e.in_file(cert_path))
    }

    /// Completes an identity from a key `provider` loaded and the certificate PEM (leaf first).
    fn with_certificates(
        key: Box<dyn SigningKey>,
        pkcs8: Zeroizing<Vec<u8>>,
        provider: &'static dyn CryptoProvider,
        cert_chain_pem: &[u8],
    ) -> Result<Self, KeyError> {
        let mut certs = certificates_from_pem(cert_chain_pem, CERT_PEM)?.into_iter();
        let leaf = certs.next().ok_or(KeyError::NoCertificate { input: CERT_PEM })?;
        let (info, cert) = CertificateInfo::from_der(&leaf).map_err(|reason| KeyError::MalformedCertificate {
            input: CERT_PEM,
            index: 0,
            reason,
        })?;
        if !key_matches(key.as_ref(), &cert) {
            return Err(KeyError::KeyCertificateMismatch { subject: info.subject_dn().to_owned() });
        }
        let chain: Vec<Vec<u8>> = certs.collect();
        for (i, der) in chain.iter().enumerate() {
            Certificate::from_der(der).map_err(|e| KeyError::MalformedCertificate {
                input: CERT_PEM,
                index: i + 1,
                reason: e.to_string(),
            })?;
        }
        Ok(SigningIdentity { key, pkcs8, provider, certificate: leaf, chain, info })
    }

    /// Loads an identity from a PKCS#12 (`.p12`/`.pfx`) file's bytes with the default provider.
    ///
    /// Both modern (AES-256-CBC/PBKDF2, SHA-256 MAC) and legacy (RC2-40 or 3DES, SHA-1 MAC)
    /// files are read. The MAC is checked; a wrong password is [`KeyError::WrongPassword`].
    /// The key is the first private key that has a matching certificate in the file; the
    /// chain is built from the other certificates by issuer name, leaf first, and certificates
    /// that do not chain from the leaf are left out.
    pub fn from_pkcs12(der: &[u8], password: &str) -> Result<Self, KeyError> {
        Self::from_pkcs12_with_provider(der, password, default_provider())
    }

    /// [`from_pkcs12`](Self::from_pkcs12) with the key loaded by `provider`, which the identity
    /// then uses for everything it signs ([`provider`](Self::provider)).
    pub fn from_pkcs12_with_provider(
        der: &[u8],
        password: &str,
        provider: &'static dyn CryptoProvider,
    ) -> Result<Self, KeyError> {
        const P12: &str = "PKCS#12 file";
        let archive = p12_keystore::Pkcs12Archive::from_pkcs12(der, password).map_err(map_p12_error)?;
        if archive.keys.is_empty() {
            return Err(KeyError::Pkcs12NoKey);
        }
        let mut certs = Vec::with_capacity(archive.certs.len());
        for (index, bag) in archive.certs.iter().enumerate() {
            let der = bag.cert.as_der().to_vec();
            let cert = Certificate::from_der(&der).map_err(|e| KeyError::MalformedCertificate {
                input: P12,
                index,
                reason: e.to_string(),
            })?;
            certs.push((der, cert));
        }
        let mut first_error = None;
        for bag in &archive.keys {
            let key = match provider.load_signing_key(bag.key.as_der()) {
                Ok(key) => key,
                Err(e) => {
                    first_error.get_or_insert(e);
                    continue;
                }
            };
            let Some(leaf_index) = certs.iter().position(|(_, c)| key_matches(key.as_ref(), c)) else {
                continue;
            };
            let (leaf_der, _) = certs.swap_remove(leaf_index);
            let (info, leaf) = CertificateInfo::from_der(&leaf_der)
                .map_err(|reason| KeyError::MalformedCertificate { input: P12, index: leaf_index, reason })?;
            let chain = build_chain(&leaf, certs);
            let pkcs8 = Zeroizing::new(bag.key.as_der().to_vec());
            return Ok(SigningIdentity { key, pkcs8, provider, certificate: leaf_der, chain, info });
        }
        if let Some(e) = first_error {
            return Err(e.into());
        }
        match certs.first() {
            None => Err(KeyError::NoCertificate { input: P12 }),
            Some((_, cert)) => {
                Err(KeyError::KeyCertificateMismatch { subject: cert.tbs_certificate().subject().to_string() })
            }
        }
    }

    /// Reads a PKCS#12 file and calls [`from_pkcs12`](Self::from_pkcs12). Errors name the file.
    pub fn from_pkcs12_file(path: impl AsRef<Path>, password: &str) -> Result<Self, KeyError> {
        Self::from_pkcs12_file_with_provider(path, password, default_provider())
    }

    /// [`from_pkcs12_file`](Self::from_pkcs12_file) with the key loaded by `provider`.
    pub fn from_pkcs12_file_with_provider(
        path: impl AsRef<Path>,
        password: &str,
        provider: &'static dyn CryptoProvider,
    ) -> Result<Self, KeyError> {
        let path = path.as_ref();
        let der = read(path)?;
        Self::from_pkcs12_with_provider(&der, password, provider).map_err(|e| e.in_file(path))
    }

    /// The leaf certificate, DER.
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate
    }

    /// The chain certificates after the leaf (may be empty), DER, in order.
    pub fn chain_ders(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// Facts about the leaf certificate (subject, CN, serial, fingerprint).
    pub fn certificate(&self) -> &CertificateInfo {
        &self.info
    }

    /// The private key.
    pub fn signing_key(&self) -> &dyn SigningKey {
        self.key.as_ref()
    }

    /// The private key as unencrypted PKCS#8 DER, for the TLS client of `batch::ftps`, which
    /// needs the key itself (rustls signs the handshake with its own provider). Crate-only:
    /// the key never leaves the crate through the public API.
    #[cfg(feature = "ftps")]
    pub(crate) fn private_key_pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The crypto provider that loaded the key: the one that signs with it, and the one a
    /// [`Signer`](crate::wss::Signer) on this identity makes its digests with.
    pub fn provider(&self) -> &'static dyn CryptoProvider {
        self.provider
    }
}

fn read(path: &Path) -> Result<Vec<u8>, KeyError> {
    std::fs::read(path).map_err(|source| KeyError::Io { path: path.to_path_buf(), source })
}

fn map_p12_error(e: p12_keystore::error::Error) -> KeyError {
    use p12_keystore::error::Error as E;
    match e {
        E::MacError(_) => KeyError::WrongPassword { what: "PKCS#12 file (MAC check failed)" },
        // Without a MAC a wrong password shows up as bad padding after decryption.
        E::UnpadError => KeyError::WrongPassword { what: "PKCS#12 file (decryption failed)" },
        E::UnsupportedEncryptionScheme | E::UnsupportedMacAlgorithm => {
            KeyError::UnsupportedEncryption { reason: format!("PKCS#12 file: {e}") }
        }
        other => KeyError::MalformedPkcs12 { reason: other.to_string() },
    }
}

/// Does the key's public key equal the certificate's? Compares the algorithm OID and the
/// subjectPublicKey bits (the PKCS#1 `RSAPublicKey`), not the parameter encoding.
fn key_matches(key: &dyn SigningKey, cert: &Certificate) -> bool {
    let Ok(key_spki) = spki::SubjectPublicKeyInfoRef::try_from(key.public_key_spki_der()) else {
        return false;
    };
    let cert_spki = cert.tbs_certificate().subject_public_key_info();
    key_spki.algorithm.oid == cert_spki.algorithm.oid
        && key_spki.subject_public_key.raw_bytes() == cert_spki.subject_public_key.raw_bytes()
}

/// Orders `rest` into the chain above `leaf` by issuer/subject name; drops unrelated ones.
fn build_chain(leaf: &Certificate, mut rest: Vec<(Vec<u8>, Certificate)>) -> Vec<Vec<u8>> {
    let mut chain = Vec::new();
    let mut issuer = leaf.tbs_certificate().issuer().clone();
    let mut current_subject = leaf.tbs_certificate().subject().clone();
    while issuer != current_subject {
        let Some(pos) = rest.iter().position(|(_, c)| c.tbs_certificate().subject() == &issuer) else {
            break;
        };
        let (der, cert) = rest.swap_remove(pos);
        issuer = cert.tbs_certificate().issuer().clone();
        current_subject = cert.tbs_certificate().subject().clone();
        chain.push(der);
    }
    chain
}

/// A provider's key and the PKCS#8 DER it was loaded from.
type LoadedKey = (Box<dyn SigningKey>, Zeroizing<Vec<u8>>);

/// The provider's key and the PKCS#8 DER it was loaded from.
fn load_pem_key(key_pem: &[u8], password: Option<&str>, provider: &dyn CryptoProvider) -> Result<LoadedKey, KeyError> {
    let pkcs8 = private_key_from_pem(key_pem, password)?;
    Ok((provider.load_signing_key(&pkcs8)?, pkcs8))
}
