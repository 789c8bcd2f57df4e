//! Trust anchors and certificate path validation (see the [`pki` module
//! documentation](super#trust)).

use std::cell::RefCell;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use der::Decode;
use rustls_pki_types::{CertificateDer, ServerName, SignatureVerificationAlgorithm, TrustAnchor, UnixTime};
use webpki::{
    CertRevocationList, EndEntityCert, ExpirationPolicy, KeyUsage, OwnedCertRevocationList, RevocationCheckDepth,
    RevocationOptionsBuilder, UnknownStatusPolicy, VerifiedPath,
};
use x509_cert::ext::pkix::KeyUsage as KeyUsageExt;

use super::cache::{cache_key, validity_secs, ChainCache, ChainCacheConfig};
use super::certificate::{format_name, rfc3339, system_time, CertificateInfo};
use super::pem::parse_pem;
use crate::crypto::algorithm_name;
use crate::crypto::{default_provider, CryptoProvider, MAX_RSA_BITS, MIN_RSA_BITS, RSA_ENCRYPTION_OID};

/// Why a certificate is not trusted, or why trust configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}", path = path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The trust anchor bundle holds no certificate.
    #[error("the trust anchor bundle holds no certificate")]
    EmptyBundle,
    /// No path from the certificate to a trust anchor.
    #[error("the certificate does not chain to a trusted root (unknown issuer)")]
    UnknownIssuer,
    /// A certificate on the path has expired.
    #[error("a certificate on the path expired at {}", rfc3339(*not_after))]
    Expired {
        /// End of the expired certificate's validity (notAfter).
        not_after: SystemTime,
    },
    /// A certificate on the path is not valid yet.
    #[error("a certificate on the path is not valid before {}", rfc3339(*not_before))]
    NotYetValid {
        /// Start of that certificate's validity (notBefore).
        not_before: SystemTime,
    },
    /// The signer's certificate is a CA certificate (basicConstraints cA=TRUE).
    #[error("a CA certificate cannot sign messages (basicConstraints cA=TRUE on the signer)")]
    CaUsedAsEndEntity,
    /// A non-CA certificate appears as an issuer on the path.
    #[error("a non-CA certificate is used as an issuer")]
    EndEntityUsedAsCa,
    /// An intermediate CA certificate on the path has a keyUsage extension without
    /// `keyCertSign`, so it may not issue certificates (RFC 5280 §4.2.1.3, §6.1.4(n); attack
    /// catalogue F3). webpki leaves this check to the caller; OpenSSL reports "key usage does
    /// not include certificate signing".
    #[error("the issuer {subject} may not sign certificates: its keyUsage does not include keyCertSign")]
    IssuerKeyUsageMissingKeyCertSign {
        /// Subject DN of the offending intermediate (RFC 4514, as
        /// [`CertificateInfo::subject_dn`] writes it).
        subject: String,
    },
    /// A configured CRL is signed by an issuer whose keyUsage extension lacks `cRLSign`
    /// (RFC 5280 §4.2.1.3, §6.3.3(f); attack catalogue F3), so the CRL cannot be used and the
    /// revocation status it should give is unknown.
    #[error("a CRL on the path is signed by an issuer whose keyUsage does not include cRLSign")]
    CrlIssuerKeyUsageMissingCrlSign,
    /// The leaf's keyUsage does not allow signatures.
    #[error("the certificate's keyUsage does not include digitalSignature")]
    KeyUsageMissingDigitalSignature,
    /// The leaf's extended key usage does not include the required purpose (clientAuth).
    #[error("the certificate's extendedKeyUsage does not include id-kp-clientAuth")]
    ExtendedKeyUsageNotAllowed,
    /// The leaf's RSA key is too short.
    #[error("the certificate's RSA key has {bits} bits; at least {MIN_RSA_BITS} are required")]
    KeyTooSmall {
        /// Modulus size in bits.
        bits: usize,
    },
    /// The leaf's RSA key is larger than supported.
    #[error("the certificate's RSA key has {bits} bits; at most {MAX_RSA_BITS} are supported")]
    KeyTooLarge {
        /// Modulus size in bits.
        bits: usize,
    },
    /// The leaf's key is not RSA.
    #[error("the certificate's key is {algorithm}, not RSA")]
    NotRsa {
        /// The key algorithm (`"EC"`, `"Ed25519"`, or an OID).
        algorithm: String,
    },
    /// A certificate on the path is signed with an algorithm outside the allow-list (e.g.
    /// SHA-1, RSA-PSS, ECDSA) or with an RSA key outside 2048..=8192 bits.
    #[error("a certificate on the path is signed with an algorithm that is not allowed")]
    UnsupportedSignatureAlgorithm,
    /// A signature on the path does not verify.
    #[error("a certificate signature on the path is invalid")]
    BadChainSignature,
    /// A certificate on the path is revoked by a configured CRL.
    #[error("a certificate on the path is revoked")]
    Revoked,
    /// A certificate, CRL or PEM input is malformed.
    #[error("malformed: {0}")]
    Malformed(String),
    /// Any other path validation failure (the webpki error, as text).
    #[error("certificate path validation failed: {0}")]
    Other(String),
}

// The deprecated context-free variants are still matched in case a dependency returns them.
#[allow(deprecated)]
fn map_webpki(e: webpki::Error) -> TrustError {
    use webpki::Error as E;
    match e {
        E::UnknownIssuer => TrustError::UnknownIssuer,
        E::CertExpired { not_after, .. } => TrustError::Expired { not_after: unix_to_system(not_after) },
        E::CertNotValidYet { not_before, .. } => TrustError::NotYetValid { not_before: unix_to_system(not_before) },
        E::CaUsedAsEndEntity => TrustError::CaUsedAsEndEntity,
        E::EndEntityUsedAsCa => TrustError::EndEntityUsedAsCa,
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => TrustError::ExtendedKeyUsageNotAllowed,
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => TrustError::UnsupportedSignatureAlgorithm,
        E::InvalidSignatureForPublicKey => TrustError::BadChainSignature,
        E::CertRevoked => TrustError::Revoked,
        E::IssuerNotCrlSigner => TrustError::CrlIssuerKeyUsageMissingCrlSign,
        E::BadDer
        | E::BadDerTime
        | E::TrailingData(_)
        | E::MalformedExtensions
        | E::ExtensionValueInvalid
        | E::InvalidCertValidity
        | E::InvalidSerialNumber
        | E::UnsupportedCertVersion
        | E::UnsupportedCriticalExtension => TrustError::Malformed(format!("{e:?}")),
        other => TrustError::Other(format!("{other:?}")),
    }
}

/// The error [`CertificateValidator`] gives webpki for a path it refuses (F3), to tell it apart
/// from webpki's own errors: path building never reports a name mismatch (only
/// `verify_is_valid_for_subject_name` does, which this crate does not call).
fn issuer_refused() -> webpki::Error {
    let expected = ServerName::from(std::net::IpAddr::from([0u8, 0, 0, 0]));
    webpki::Error::CertNotValidForName(webpki::InvalidNameContext { expected, presented: Vec::new() })
}

/// RFC 5280 §6.1.4(n): an intermediate whose keyUsage extension is present must assert
/// `keyCertSign` (attack catalogue F3). A certificate without keyUsage passes (no restriction).
fn check_issuer_key_usage(der: &[u8]) -> Result<(), TrustError> {
    let cert = x509_cert::Certificate::from_der(der)
        .map_err(|e| TrustError::Malformed(format!("intermediate certificate: {e}")))?;
    match cert.tbs_certificate().get_extension::<KeyUsageExt>() {
        Err(e) => Err(TrustError::Malformed(format!("intermediate certificate keyUsage: {e}"))),
        Ok(Some((_, ku))) if !ku.key_cert_sign() => {
            Err(TrustError::IssuerKeyUsageMissingKeyCertSign { subject: format_name(cert.tbs_certificate().subject()) })
        }
        Ok(_) => Ok(()),
    }
}

fn unix_to_system(t: UnixTime) -> SystemTime {
    system_time(Duration::from_secs(t.as_secs()))
}

/// The `CERTIFICATE` blocks of a PEM bundle as DER; other blocks are an error.
fn pem_certificates(pem: &[u8], what: &str) -> Result<Vec<Vec<u8>>, TrustError> {
    let blocks = parse_pem(pem).map_err(|e| TrustError::Malformed(format!("{what}: {e}")))?;
    let mut out = Vec::with_capacity(blocks.len());
    for mut block in blocks {
        if block.label != "CERTIFICATE" {
            return Err(TrustError::Malformed(format!(
                "{what}: unexpected PEM block `{}` (expected CERTIFICATE)",
                block.label
            )));
        }
        out.push(std::mem::take(&mut *block.der));
    }
    Ok(out)
}

fn read(path: &Path) -> Result<Vec<u8>, TrustError> {
    std::fs::read(path).map_err(|source| TrustError::Io { path: path.to_path_buf(), source })
}

/// The trusted roots (and optional intermediates) for certificate validation.
///
/// Every certificate in the bundle is an anchor, CA or not: see the [module
/// documentation](crate::pki#trust-anchors).
#[derive(Clone)]
pub struct TrustAnchors {
    anchors: Vec<TrustAnchor<'static>>,
    subjects: Vec<String>,
    intermediates: Vec<CertificateDer<'static>>,
}

impl fmt::Debug for TrustAnchors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustAnchors")
            .field("anchors", &self.subjects)
            .field("intermediates", &self.intermediates.len())
            .finish()
    }
}

impl TrustAnchors {
    /// Anchors from a PEM bundle of `CERTIFICATE` blocks. Errors: [`TrustError::EmptyBundle`]
    /// for a bundle without certificates, [`TrustError::Malformed`] for broken PEM, other PEM
    /// labels or a certificate webpki cannot use as an anchor.
    pub fn from_pem(bundle: &[u8]) -> Result<Self, TrustError> {
        let ders = pem_certificates(bundle, "trust anchor bundle")?;
        Self::from_der_certificates(ders.iter().map(Vec::as_slice))
    }

    /// [`from_pem`](Self::from_pem) on a file; a read error names the path, content errors
    /// are prefixed with it.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, TrustError> {
        let path = path.as_ref();
        Self::from_pem(&read(path)?).map_err(|e| match e {
            TrustError::Malformed(m) => TrustError::Malformed(format!("{}: {m}", path.display())),
            other => other,
        })
    }

    /// Anchors from DER certificates. [`TrustError::EmptyBundle`] if there are none.
    pub fn from_der_certificates<'a>(ders: impl IntoIterator<Item = &'a [u8]>) -> Result<Self, TrustError> {
        let mut anchors = Vec::new();
        let mut subjects = Vec::new();
        for (i, der) in ders.into_iter().enumerate() {
            let cert = CertificateDer::from(der);
            let anchor = webpki::anchor_from_trusted_cert(&cert)
                .map_err(|e| TrustError::Malformed(format!("trust anchor #{i}: {e:?}")))?
                .to_owned();
            let subject = CertificateInfo::from_der(der)
                .map(|(info, _)| info.subject_dn().to_owned())
                .unwrap_or_else(|_| format!("anchor #{i}"));
            anchors.push(anchor);
            subjects.push(subject);
        }
        if anchors.is_empty() {
            return Err(TrustError::EmptyBundle);
        }
        Ok(TrustAnchors { anchors, subjects, intermediates: Vec::new() })
    }

    /// Adds intermediate CA certificates (PEM `CERTIFICATE` blocks) that paths may use. They
    /// are not trusted by themselves; an empty input adds nothing.
    pub fn with_intermediates_pem(mut self, pem: &[u8]) -> Result<Self, TrustError> {
        for der in pem_certificates(pem, "intermediates")? {
            webpki::EndEntityCert::try_from(&CertificateDer::from(der.as_slice()))
                .map_err(|e| TrustError::Malformed(format!("intermediate: {e:?}")))?;
            self.intermediates.push(CertificateDer::from(der));
        }
        Ok(self)
    }

    /// Number of anchors (never zero).
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Always `false`: a bundle without anchors cannot be built. Present for API symmetry.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// Subject DNs of the anchors, in bundle order.
    pub fn subjects(&self) -> &[String] {
        &self.subjects
    }
}

/// Validates signer certificates against [`TrustAnchors`]. Immutable after construction,
/// `Send + Sync`, and reusable for any number of validations.
pub struct CertificateValidator {
    anchors: TrustAnchors,
    provider: &'static dyn CryptoProvider,
    /// The provider's chain algorithms, plus its SHA-1 one when `legacy_sha1` (see
    /// [`chain_algorithms`]).
    algorithms: Vec<&'static dyn SignatureVerificationAlgorithm>,
    legacy_sha1: bool,
    crls: Vec<CertRevocationList<'static>>,
    /// The earliest `nextUpdate` of the CRLs, in seconds since the epoch; `None` without CRLs.
    crl_deadline: Option<u64>,
    require_digital_signature: bool,
    pub(super) cache: ChainCache,
}

impl fmt::Debug for CertificateValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateValidator")
            .field("anchors", &self.anchors)
            .field("provider", &self.provider)
            .field("algorithms", &self.algorithms)
            .field("crls", &self.crls.len())
            .field("require_digital_signature", &self.require_digital_signature)
            .field("cache", &self.cache)
            .finish()
    }
}

impl CertificateValidator {
    /// A validator that verifies certificate signatures with the [process default
    /// provider](crate::crypto::default_provider)'s chain algorithms (RSA PKCS#1 v1.5 with
    /// SHA-256/384/512); [`with_provider`](Self::with_provider) chooses another.
    pub fn new(anchors: TrustAnchors) -> Self {
        let provider = default_provider();
        CertificateValidator {
            anchors,
            provider,
            algorithms: chain_algorithms(provider, false),
            legacy_sha1: false,
            crls: Vec::new(),
            crl_deadline: None,
            require_digital_signature: false,
            cache: ChainCache::new(ChainCacheConfig::default()),
        }
    }

    /// Verifies certificate (and CRL) signatures with `provider`'s chain algorithms instead,
    /// whether called before or after
    /// [`allow_legacy_sha1_chain_signatures`](Self::allow_legacy_sha1_chain_signatures).
    /// Starts an empty cache. A [`Verifier`](crate::wss::Verifier) calls this with its own
    /// provider, so that a message and its signer's chain are verified by one provider.
    pub fn with_provider(mut self, provider: &'static dyn CryptoProvider) -> Self {
        self.provider = provider;
        self.algorithms = chain_algorithms(provider, self.legacy_sha1);
        self.cache = self.cache.emptied();
        self
    }

    /// The crypto provider whose algorithms verify certificate chains.
    pub fn provider(&self) -> &'static dyn CryptoProvider {
        self.provider
    }

    /// Sets how successful validations are cached (see the [module documentation](crate::pki#caching));
    /// [`ChainCacheConfig::disabled`] turns caching off. Starts an empty cache.
    pub fn with_chain_cache(mut self, config: ChainCacheConfig) -> Self {
        self.cache = ChainCache::new(config);
        self
    }

    /// The cache settings.
    pub fn chain_cache_config(&self) -> ChainCacheConfig {
        self.cache.config
    }

    /// **Legacy, weakens security**: also accept certificates on the path that are signed with
    /// RSA PKCS#1 v1.5 and SHA-1 (`sha1WithRSAEncryption`). SHA-1 certificate signatures are
    /// forgeable by chosen-prefix collisions (SHAttered/Shambles); use this only for an old
    /// private CA that cannot be replaced. This is about certificate signatures only; message
    /// signatures are governed by the verifier's policy. If the provider does not offer SHA-1
    /// ([`CryptoProvider::legacy_sha1_chain_algorithm`] is `None`) this has no effect.
    pub fn allow_legacy_sha1_chain_signatures(mut self) -> Self {
        self.legacy_sha1 = true;
        self.algorithms = chain_algorithms(self.provider, true);
        self.cache = self.cache.emptied();
        self
    }

    /// Require the `digitalSignature` bit when the leaf has a keyUsage extension; by default
    /// `nonRepudiation` alone is also accepted (see the [module documentation](crate::pki#trust)).
    pub fn require_digital_signature_bit(mut self) -> Self {
        self.require_digital_signature = true;
        self.cache = self.cache.emptied();
        self
    }

    /// Checks revocation against these CRLs (PEM `X509 CRL` blocks): every certificate on
    /// the path whose issuer has one of these CRLs must not be listed; an expired CRL
    /// fails validation. The CRL signatures are verified during validation. Errors:
    /// [`TrustError::Malformed`] for bad PEM/DER or an input without CRLs.
    pub fn with_crls_pem(mut self, pem: &[u8]) -> Result<Self, TrustError> {
        let blocks = parse_pem(pem).map_err(|e| TrustError::Malformed(format!("CRL: {e}")))?;
        let before = self.crls.len();
        for block in blocks {
            if block.label != "X509 CRL" {
                return Err(TrustError::Malformed(format!(
                    "CRL: unexpected PEM block `{}` (expected X509 CRL)",
                    block.label
                )));
            }
            let crl = OwnedCertRevocationList::from_der(&block.der)
                .map_err(|e| TrustError::Malformed(format!("CRL: {e:?}")))?;
            // webpki rejects a CRL without nextUpdate; read it for the cache window.
            let next_update = x509_cert::crl::CertificateList::<x509_cert::certificate::Rfc5280>::from_der(&block.der)
                .ok()
                .and_then(|list| list.tbs_cert_list.next_update)
                .map(|t| t.to_unix_duration().as_secs())
                .ok_or_else(|| TrustError::Malformed("CRL: no readable nextUpdate".into()))?;
            self.crl_deadline = Some(self.crl_deadline.map_or(next_update, |d| d.min(next_update)));
            self.crls.push(CertRevocationList::from(crl));
        }
        if self.crls.len() == before {
            return Err(TrustError::Malformed("CRL: no X509 CRL block found".into()));
        }
        self.cache = self.cache.emptied();
        Ok(self)
    }

    /// Validates `leaf_der` at time `at`, using `extra_chain_ders` (e.g. from an
    /// `X509PKIPathv1` token) and the configured intermediates to build the path. See the
    /// [module documentation](crate::pki#trust) for every check and its error.
    ///
    /// A cached earlier success for the same leaf and extra chain is returned without repeating
    /// the work while `at` is inside that path's validity window (see the [module
    /// documentation](crate::pki#caching)).
    ///
    /// The time is an argument, not a clock: the validator answers "was this certificate
    /// valid at `at`". The [`Verifier`](crate::wss::Verifier) asks with its
    /// [`Clock`](crate::clock::Clock)'s time; for the current time pass `SystemTime::now()`.
    pub fn validate(
        &self,
        leaf_der: &[u8],
        extra_chain_ders: &[&[u8]],
        at: SystemTime,
    ) -> Result<ValidatedCertificate, TrustError> {
        let since_epoch = at.duration_since(SystemTime::UNIX_EPOCH).unwrap_or(Duration::ZERO);
        if !self.cache.enabled() {
            return self.validate_uncached(leaf_der, extra_chain_ders, since_epoch).map(|(v, _)| v);
        }
        if extra_chain_ders.is_empty() {
            if let Some(hit) = self.cache.get_recent(leaf_der, since_epoch.as_secs()) {
                return Ok(hit);
            }
        }
        let key = cache_key(leaf_der, extra_chain_ders);
        if let Some(hit) = self.cache.get(&key, since_epoch.as_secs()) {
            return Ok(hit);
        }
        let (validated, window) = self.validate_uncached(leaf_der, extra_chain_ders, since_epoch)?;
        if let Some(window) = window {
            self.cache.insert(key, validated.clone(), window);
        }
        Ok(validated)
    }

    /// The full validation; also the window (seconds since the epoch, both ends included) in
    /// which it is bound to succeed again, if that could be determined.
    fn validate_uncached(
        &self,
        leaf_der: &[u8],
        extra_chain_ders: &[&[u8]],
        since_epoch: Duration,
    ) -> Result<(ValidatedCertificate, Option<(u64, u64)>), TrustError> {
        let time = UnixTime::since_unix_epoch(since_epoch);

        let leaf = CertificateDer::from(leaf_der);
        let end_entity = EndEntityCert::try_from(&leaf).map_err(map_webpki)?;
        let mut intermediates: Vec<CertificateDer<'_>> =
            extra_chain_ders.iter().map(|d| CertificateDer::from(*d)).collect();
        intermediates.extend(self.anchors.intermediates.iter().cloned());

        let crl_refs: Vec<&CertRevocationList<'static>> = self.crls.iter().collect();
        let revocation = RevocationOptionsBuilder::new(&crl_refs).ok().map(|b| {
            b.with_depth(RevocationCheckDepth::Chain)
                .with_status_policy(UnknownStatusPolicy::Allow)
                .with_expiration_policy(ExpirationPolicy::Enforce)
                .build()
        });

        // F3: webpki calls this for every candidate path that reached an anchor; a refusal
        // makes it try the other candidates, so a valid path through another issuer is found.
        let refused: RefCell<Option<TrustError>> = RefCell::new(None);
        let check_issuers = |candidate: &VerifiedPath<'_>| -> Result<(), webpki::Error> {
            for issuer in candidate.intermediate_certificates() {
                if let Err(e) = check_issuer_key_usage(issuer.der().as_ref()) {
                    refused.borrow_mut().get_or_insert(e);
                    return Err(issuer_refused());
                }
            }
            Ok(())
        };
        let path = end_entity
            .verify_for_usage(
                &self.algorithms,
                &self.anchors.anchors,
                &intermediates,
                time,
                KeyUsage::client_auth(),
                revocation,
                Some(&check_issuers),
            )
            .map_err(|e| match refused.borrow_mut().take() {
                // webpki reports the most specific error over all candidates; it is ours only
                // if it is the marker.
                Some(ours) if e == issuer_refused() => ours,
                _ => map_webpki(e),
            })?;
        // The window in which the same path is valid again: every certificate on it (webpki
        // does not check the anchor's validity), before every CRL's nextUpdate.
        let mut window = Some((0u64, self.crl_deadline.map_or(u64::MAX, |d| d.saturating_sub(1))));
        let narrow = |w: Option<(u64, u64)>, der: &[u8]| {
            w.zip(validity_secs(der)).map(|((lo, hi), (nb, na))| (lo.max(nb), hi.min(na)))
        };
        window = narrow(window, leaf_der);
        for cert in path.intermediate_certificates() {
            window = narrow(window, cert.der().as_ref());
        }

        // webpki accepted the path; now the leaf checks it does not do.
        let (info, cert) = CertificateInfo::from_der(leaf_der).map_err(TrustError::Malformed)?;
        let spki = cert.tbs_certificate().subject_public_key_info();
        let oid = spki.algorithm.oid.to_string();
        if oid != RSA_ENCRYPTION_OID {
            return Err(TrustError::NotRsa { algorithm: algorithm_name(&oid) });
        }
        let bits = rsa_modulus_bits(spki.subject_public_key.raw_bytes())?;
        if bits < MIN_RSA_BITS {
            return Err(TrustError::KeyTooSmall { bits });
        }
        if bits > MAX_RSA_BITS {
            return Err(TrustError::KeyTooLarge { bits });
        }
        match cert.tbs_certificate().get_extension::<KeyUsageExt>() {
            Err(e) => return Err(TrustError::Malformed(format!("keyUsage: {e}"))),
            Ok(None) => {}
            Ok(Some((_, ku))) => {
                let ok = ku.digital_signature() || (!self.require_digital_signature && ku.non_repudiation());
                if !ok {
                    return Err(TrustError::KeyUsageMissingDigitalSignature);
                }
            }
        }
        let spki_der =
            der::Encode::to_der(spki).map_err(|e| TrustError::Malformed(format!("subjectPublicKeyInfo: {e}")))?;
        let validated =
            ValidatedCertificate(Arc::new(Validated { der: leaf_der.to_vec(), spki_der, info, modulus_bits: bits }));
        Ok((validated, window.filter(|(lo, hi)| lo <= hi)))
    }
}

/// The algorithms webpki may verify chain signatures with: `provider`'s chain algorithms, and
/// its SHA-1 one too when `legacy_sha1` (if it has one).
fn chain_algorithms(
    provider: &'static dyn CryptoProvider,
    legacy_sha1: bool,
) -> Vec<&'static dyn SignatureVerificationAlgorithm> {
    let mut algorithms = provider.chain_algorithms().to_vec();
    if legacy_sha1 {
        algorithms.extend(provider.legacy_sha1_chain_algorithm());
    }
    algorithms
}

/// Bits of the modulus of a PKCS#1 `RSAPublicKey`.
fn rsa_modulus_bits(pkcs1_der: &[u8]) -> Result<usize, TrustError> {
    let key = pkcs1::RsaPublicKeyRef::from_der(pkcs1_der)
        .map_err(|e| TrustError::Malformed(format!("RSA public key: {e}")))?;
    let n = key.modulus.as_bytes();
    let Some(first) = n.iter().position(|b| *b != 0) else {
        return Ok(0);
    };
    let lead = n.get(first).copied().unwrap_or(0);
    Ok((n.len() - first - 1) * 8 + (8 - lead.leading_zeros() as usize))
}

/// A signer certificate that passed [`CertificateValidator::validate`]. Only the validator can
/// make one; it carries the key to verify message signatures with.
///
/// Cloning is cheap (the contents are shared).
#[derive(Clone)]
pub struct ValidatedCertificate(Arc<Validated>);

struct Validated {
    der: Vec<u8>,
    spki_der: Vec<u8>,
    info: CertificateInfo,
    modulus_bits: usize,
}

impl fmt::Debug for ValidatedCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidatedCertificate")
            .field("subject", &self.0.info.subject_dn())
            .field("sha256", &self.0.info.sha256_fingerprint())
            .field("modulus_bits", &self.0.modulus_bits)
            .finish()
    }
}

impl ValidatedCertificate {
    /// Subject DN, RFC 4514 form (see [`CertificateInfo::subject_dn`]).
    pub fn subject_dn(&self) -> &str {
        self.0.info.subject_dn()
    }

    /// The subject's Common Name, `None` when it has none or several (see
    /// [`CertificateInfo::common_name`]; [`info`](Self::info) has them all).
    pub fn common_name(&self) -> Option<&str> {
        self.0.info.common_name()
    }

    /// SHA-256 fingerprint of the certificate DER, lowercase hex.
    pub fn sha256_fingerprint(&self) -> &str {
        self.0.info.sha256_fingerprint()
    }

    /// The DER `SubjectPublicKeyInfo`, for
    /// [`CryptoProvider::verify_signature`].
    pub fn spki_der(&self) -> &[u8] {
        &self.0.spki_der
    }

    /// The certificate DER.
    pub fn certificate_der(&self) -> &[u8] {
        &self.0.der
    }

    /// RSA modulus size in bits.
    pub fn modulus_bits(&self) -> usize {
        self.0.modulus_bits
    }

    /// Everything else the certificate says (issuer, serial, validity).
    pub fn info(&self) -> &CertificateInfo {
        &self.0.info
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn modulus_bits_counts_leading_zeros() {
        // SEQUENCE { INTEGER 0x00ff..(129 bytes => 1024 bits), INTEGER 65537 }
        let mut n = vec![0x00];
        n.extend(std::iter::repeat_n(0xff, 128));
        let mut body = vec![0x02, 0x81, n.len() as u8];
        body.extend(&n);
        body.extend([0x02, 0x03, 0x01, 0x00, 0x01]);
        let mut der = vec![0x30, 0x81, body.len() as u8];
        der.extend(body);
        assert_eq!(rsa_modulus_bits(&der).unwrap(), 1024);
        assert!(matches!(rsa_modulus_bits(b"\x30\x00"), Err(TrustError::Malformed(_))));
    }

    #[test]
    fn empty_bundle_is_rejected() {
        assert!(matches!(TrustAnchors::from_pem(b""), Err(TrustError::EmptyBundle)));
        assert!(matches!(TrustAnchors::from_der_certificates(std::iter::empty()), Err(TrustError::EmptyBundle)));
    }

    use crate::pki::test_support::{at, pki_der, validator, T2026};

    #[test]
    fn window_is_the_path_validity() {
        let v = validator(ChainCacheConfig::default());
        let cert = pki_der("institution.crt.pem");
        v.validate(&cert, &[], at(T2026)).unwrap();
        let key = cache_key(&cert, &[]);
        // 2025-01-01 ..= 2055-01-01 (leaf; webpki ignores the anchor's own validity).
        assert_eq!(v.cache.window(&key), Some((1_735_689_600, 2_682_374_400)));
    }

    #[test]
    fn disabled_cache_keeps_nothing_and_builders_empty_it() {
        let v = validator(ChainCacheConfig::disabled());
        v.validate(&pki_der("institution.crt.pem"), &[], at(T2026)).unwrap();
        assert_eq!(v.cache.len(), 0);
        let v = validator(ChainCacheConfig::default());
        v.validate(&pki_der("institution.crt.pem"), &[], at(T2026)).unwrap();
        assert_eq!(v.cache.len(), 1);
        let v = v.allow_legacy_sha1_chain_signatures();
        assert_eq!(v.cache.len(), 0);
        v.validate(&pki_der("institution.crt.pem"), &[], at(T2026)).unwrap();
        let v = v.require_digital_signature_bit();
        assert_eq!(v.cache.len(), 0);
        v.validate(&pki_der("institution.crt.pem"), &[], at(T2026)).unwrap();
        let crl = std::fs::read(format!("{}/testdata/pki/ca.crl.pem", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let v = v.with_crls_pem(&crl).unwrap();
        assert_eq!(v.cache.len(), 0);
        assert_eq!(v.crl_deadline, Some(2_682_374_400));
        v.validate(&pki_der("institution.crt.pem"), &[], at(T2026)).unwrap();
        assert_eq!(v.cache.len(), 1);
        let v = v.with_provider(crate::crypto::default_provider());
        assert_eq!(v.cache.len(), 0);
    }

    #[test]
    fn the_sha1_opt_in_and_the_provider_combine_in_either_order() {
        let p = crate::crypto::default_provider();
        let strict = p.chain_algorithms().len();
        let sha1 = validator(ChainCacheConfig::default()).allow_legacy_sha1_chain_signatures().with_provider(p);
        assert_eq!(sha1.algorithms.len(), strict + 1);
        let sha1 = validator(ChainCacheConfig::default()).with_provider(p).allow_legacy_sha1_chain_signatures();
        assert_eq!(sha1.algorithms.len(), strict + 1);
        // Asking twice adds SHA-1 once.
        assert_eq!(sha1.allow_legacy_sha1_chain_signatures().algorithms.len(), strict + 1);
        assert_eq!(validator(ChainCacheConfig::default()).with_provider(p).algorithms.len(), strict);
    }

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn types_are_send_sync() {
        assert_send_sync::<CertificateValidator>();
        assert_send_sync::<TrustAnchors>();
        assert_send_sync::<ValidatedCertificate>();
        assert_send_sync::<crate::pki::SigningIdentity>();
    }
}
