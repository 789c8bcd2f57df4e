//! TLS building blocks (feature `tls`): how the server's certificate is trusted
//! ([`ServerTrust`]) and the client side of mutual TLS ([`ClientTls`]), as a rustls
//! `ClientConfig` on the **ring** provider.
//!
//! MAGDA requires the same VO-DCBaaS certificate for the message signature and the TLS
//! connection (SPEC §8), so the TLS client identity is a [`SigningIdentity`]: by default the one
//! that signs the messages. The configuration is TLS 1.2 or 1.3 only, with session resumption on
//! (rustls' in-memory cache), and ALPN `http/1.1`.
//!
//! ```
//! use dho_wss::pki::SigningIdentity;
//! use dho_wss::tls::{ClientTls, ServerTrust};
//!
//! let identity = SigningIdentity::from_pem_files(
//!     "testdata/pki/institution.key.pem", "testdata/pki/institution.chain.pem", None)?;
//! let trust = ServerTrust::pem_file("testdata/pki/ca.pem")?;
//! let config = ClientTls::new(trust).client_identity(&identity).build()?;
//! assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::pki::{CertificateInfo, SigningIdentity};

/// At most this many certificates are read from one trust bundle (the platform store included).
pub const MAX_BUNDLE_CERTIFICATES: usize = 1000;

/// At most this many bytes are read from a trust bundle file.
pub const MAX_BUNDLE_BYTES: u64 = 4 << 20;

/// Why a TLS configuration could not be made. Display names the file or input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}", path = path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The bundle is larger than [`MAX_BUNDLE_BYTES`] or holds more than
    /// [`MAX_BUNDLE_CERTIFICATES`] certificates.
    #[error("{input}: trust bundle too large ({what})")]
    BundleTooLarge {
        /// Which input (a path, `"PEM bundle"`, `"platform store"`).
        input: String,
        /// Which limit.
        what: String,
    },
    /// The bundle is not valid PEM.
    #[error("{input}: malformed PEM: {reason}")]
    MalformedPem {
        /// Which input.
        input: String,
        /// What is wrong.
        reason: String,
    },
    /// The bundle holds no `CERTIFICATE` block.
    #[error("{input}: no certificates in the trust bundle")]
    NoCertificates {
        /// Which input.
        input: String,
    },
    /// A certificate of the bundle is not a usable trust anchor.
    #[error("{input}: certificate #{index} is not a usable trust anchor: {reason}")]
    BadCertificate {
        /// Which input.
        input: String,
        /// Position in the bundle, from 0.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// The platform's certificate store could not be read, or holds nothing usable.
    #[error("platform certificate store: {reason}")]
    Platform {
        /// What failed.
        reason: String,
    },
    /// rustls refused the client identity (certificate and key do not match, unsupported key).
    #[error("client identity ({subject}) refused by rustls: {reason}")]
    ClientIdentity {
        /// The client certificate's subject DN.
        subject: String,
        /// rustls' reason.
        reason: String,
    },
    /// rustls refused the configuration (protocol versions, provider).
    #[error("TLS configuration: {reason}")]
    Config {
        /// rustls' reason.
        reason: String,
    },
}

/// How the server's TLS certificate is trusted.
#[derive(Clone)]
pub struct ServerTrust(TrustKind);

#[derive(Clone)]
enum TrustKind {
    Roots { roots: Arc<RootCertStore>, source: String },
    Pinned { certificate: CertificateDer<'static>, not_before: SystemTime, not_after: SystemTime },
}

impl std::fmt::Debug for ServerTrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            TrustKind::Roots { roots, source } => {
                f.debug_struct("ServerTrust::Roots").field("source", source).field("anchors", &roots.len()).finish()
            }
            TrustKind::Pinned { not_after, .. } => {
                f.debug_struct("ServerTrust::Pinned").field("not_after", not_after).finish()
            }
        }
    }
}

impl ServerTrust {
    /// Trusts servers whose certificate chains to a CA of the PEM bundle at `path` (at most
    /// [`MAX_BUNDLE_BYTES`], [`MAX_BUNDLE_CERTIFICATES`]). Errors name the file.
    pub fn pem_file(path: impl AsRef<Path>) -> Result<Self, TlsError> {
        let path = path.as_ref();
        let io = |source| TlsError::Io { path: path.to_path_buf(), source };
        let len = std::fs::metadata(path).map_err(io)?.len();
        if len > MAX_BUNDLE_BYTES {
            return Err(TlsError::BundleTooLarge {
                input: path.display().to_string(),
                what: format!("{len} bytes, at most {MAX_BUNDLE_BYTES}"),
            });
        }
        let pem = std::fs::read(path).map_err(io)?;
        Self::from_pem_named(&pem, path.display().to_string())
    }

    /// [`pem_file`](Self::pem_file) from the bundle's bytes.
    pub fn from_pem(pem: &[u8]) -> Result<Self, TlsError> {
        if pem.len() as u64 > MAX_BUNDLE_BYTES {
            return Err(TlsError::BundleTooLarge {
                input: "PEM bundle".into(),
                what: format!("{} bytes, at most {MAX_BUNDLE_BYTES}", pem.len()),
            });
        }
        Self::from_pem_named(pem, "PEM bundle".into())
    }

    fn from_pem_named(pem: &[u8], input: String) -> Result<Self, TlsError> {
        let mut ders = Vec::new();
        for item in CertificateDer::pem_slice_iter(pem) {
            let der = item.map_err(|e| TlsError::MalformedPem { input: input.clone(), reason: e.to_string() })?;
            ders.push(der);
            if ders.len() > MAX_BUNDLE_CERTIFICATES {
                return Err(TlsError::BundleTooLarge {
                    input,
                    what: format!("more than {MAX_BUNDLE_CERTIFICATES} certificates"),
                });
            }
        }
        if ders.is_empty() {
            return Err(TlsError::NoCertificates { input });
        }
        let mut roots = RootCertStore::empty();
        for (index, der) in ders.into_iter().enumerate() {
            roots.add(der).map_err(|e| TlsError::BadCertificate {
                input: input.clone(),
                index,
                reason: e.to_string(),
            })?;
        }
        Ok(ServerTrust(TrustKind::Roots { roots: Arc::new(roots), source: input }))
    }

    /// Trusts the operating system's root certificates (through `rustls-native-certs`; on Linux
    /// the OpenSSL store, `SSL_CERT_FILE`/`SSL_CERT_DIR` honoured). Certificates the store holds
    /// but rustls cannot use are skipped; a store with none usable is an error.
    pub fn platform() -> Result<Self, TlsError> {
        let found = rustls_native_certs::load_native_certs();
        if found.certs.is_empty() {
            let reason = match found.errors.first() {
                Some(e) => format!("no certificates loaded ({e})"),
                None => "no certificates found".into(),
            };
            return Err(TlsError::Platform { reason });
        }
        if found.certs.len() > MAX_BUNDLE_CERTIFICATES * 10 {
            return Err(TlsError::BundleTooLarge {
                input: "platform store".into(),
                what: format!("{} certificates", found.certs.len()),
            });
        }
        let mut roots = RootCertStore::empty();
        let (added, _ignored) = roots.add_parsable_certificates(found.certs);
        if added == 0 {
            return Err(TlsError::Platform { reason: "no usable certificate in the store".into() });
        }
        Ok(ServerTrust(TrustKind::Roots { roots: Arc::new(roots), source: "platform store".into() }))
    }

    /// Trusts exactly this end-entity certificate (DER), and no CA.
    ///
    /// The choice: the pin replaces the chain (any chain the server sends is ignored), but the
    /// certificate must still be **within its validity period** and **valid for the host name**
    /// the client connects to; the server must prove it holds the key (the handshake signature is
    /// checked as always). A renewed server certificate needs a new pin.
    pub fn pinned(certificate_der: &[u8]) -> Result<Self, TlsError> {
        let bad = |reason: String| TlsError::BadCertificate { input: "pinned certificate".into(), index: 0, reason };
        let (info, _) = CertificateInfo::from_der(certificate_der).map_err(bad)?;
        let certificate = CertificateDer::from(certificate_der.to_vec());
        rustls::server::ParsedCertificate::try_from(&certificate).map_err(|e| bad(e.to_string()))?;
        Ok(ServerTrust(TrustKind::Pinned { certificate, not_before: info.not_before(), not_after: info.not_after() }))
    }
}

/// The rustls provider every configuration of this crate uses: ring.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Builds the rustls `ClientConfig` for mutual TLS: TLS ≥ 1.2, ring, resumption on, the
/// server trusted by a [`ServerTrust`], the client certificate and key from a
/// [`SigningIdentity`] (its chain sent after the leaf).
#[derive(Debug, Clone)]
pub struct ClientTls {
    trust: ServerTrust,
    identity: Option<(Vec<CertificateDer<'static>>, Arc<[u8]>, String)>,
}

impl ClientTls {
    /// A configuration trusting servers by `trust`, without a client certificate until
    /// [`client_identity`](Self::client_identity) is called.
    pub fn new(trust: ServerTrust) -> Self {
        ClientTls { trust, identity: None }
    }

    /// Presents `identity`'s certificate (and chain) and proves its key.
    pub fn client_identity(mut self, identity: &SigningIdentity) -> Self {
        let mut chain = vec![CertificateDer::from(identity.certificate_der().to_vec())];
        chain.extend(identity.chain_ders().iter().map(|d| CertificateDer::from(d.clone())));
        let key: Arc<[u8]> = Arc::from(identity.private_key_pkcs8_der());
        self.identity = Some((chain, key, identity.certificate().subject_dn().to_owned()));
        self
    }

    /// The rustls configuration.
    pub fn build(&self) -> Result<Arc<ClientConfig>, TlsError> {
        let provider = crypto_provider();
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| TlsError::Config { reason: e.to_string() })?;
        let builder = match &self.trust.0 {
            TrustKind::Roots { roots, .. } => builder.with_root_certificates(roots.clone()),
            TrustKind::Pinned { certificate, not_before, not_after } => {
                builder.dangerous().with_custom_certificate_verifier(Arc::new(PinnedVerifier {
                    certificate: certificate.clone(),
                    not_before: *not_before,
                    not_after: *not_after,
                    algorithms: provider.signature_verification_algorithms,
                }))
            }
        };
        let mut config = match &self.identity {
            None => builder.with_no_client_auth(),
            Some((chain, key, subject)) => {
                let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.to_vec()));
                builder
                    .with_client_auth_cert(chain.clone(), key)
                    .map_err(|e| TlsError::ClientIdentity { subject: subject.clone(), reason: e.to_string() })?
            }
        };
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// [`ServerTrust::pinned`]: exactly one certificate, valid now and for the host name.
#[derive(Debug)]
struct PinnedVerifier {
    certificate: CertificateDer<'static>,
    not_before: SystemTime,
    not_after: SystemTime,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        use rustls::CertificateError as E;
        if end_entity.as_ref() != self.certificate.as_ref() {
            return Err(rustls::Error::InvalidCertificate(E::UnknownIssuer));
        }
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(now.as_secs());
        if now < self.not_before {
            return Err(rustls::Error::InvalidCertificate(E::NotValidYet));
        }
        if now > self.not_after {
            return Err(rustls::Error::InvalidCertificate(E::Expired));
        }
        let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_name(&parsed, server_name)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/pki/");

    #[test]
    fn bundle_errors_name_the_input() {
        let missing = ServerTrust::pem_file(format!("{PKI}does-not-exist.pem")).expect_err("must fail");
        assert!(matches!(&missing, TlsError::Io { path, .. } if path.ends_with("does-not-exist.pem")), "{missing}");
        let empty = ServerTrust::from_pem(b"no pem here").expect_err("must fail");
        assert!(matches!(empty, TlsError::NoCertificates { .. }), "{empty}");
        let key_only = ServerTrust::pem_file(format!("{PKI}institution.key.pem")).expect_err("must fail");
        assert!(matches!(&key_only, TlsError::NoCertificates { input } if input.ends_with("institution.key.pem")));
        let broken = ServerTrust::from_pem(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
        assert!(matches!(broken, Err(TlsError::MalformedPem { .. })), "{broken:?}");
        let garbage = ServerTrust::from_pem(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assert!(matches!(garbage, Err(TlsError::BadCertificate { index: 0, .. })), "{garbage:?}");
        let huge = vec![b'a'; MAX_BUNDLE_BYTES as usize + 1];
        assert!(matches!(ServerTrust::from_pem(&huge), Err(TlsError::BundleTooLarge { .. })));
        assert!(matches!(ServerTrust::pinned(b"\x30\x03\x02\x01\x00"), Err(TlsError::BadCertificate { .. })));
    }

    #[test]
    fn builds_with_identity_and_pin() {
        let identity = SigningIdentity::from_pem_files(
            format!("{PKI}institution.key.pem"),
            format!("{PKI}institution.chain.pem"),
            None,
        )
        .expect("identity");
        let trust = ServerTrust::pem_file(format!("{PKI}ca.pem")).expect("ca");
        let config = ClientTls::new(trust).client_identity(&identity).build().expect("config");
        assert!(config.client_auth_cert_resolver.has_certs());
        let server = std::fs::read(format!("{PKI}tls-server.crt.pem")).expect("server cert");
        let der = CertificateDer::from_pem_slice(&server).expect("pem");
        let pinned = ClientTls::new(ServerTrust::pinned(&der).expect("pin")).build().expect("config");
        assert!(!pinned.client_auth_cert_resolver.has_certs());
    }
}
