//! What a SIGHUP reloads: the PEP (trust anchors, bindings) and the TLS acceptor (server
//! identity, client-certificate CAs). Built from the configuration's files; a connection
//! keeps the state it started with.

use std::sync::Arc;
use std::time::SystemTime;

use dho_wss::model::Versie;
use dho_wss::pki::{CertificateInfo, CertificateValidator, SigningIdentity, TrustAnchors};
use dho_wss::provider::{AnswerStore, Bindings, OperationSpec, Pep, PepPolicy, Provider};
use dho_wss::wss::{Signer, VerificationPolicy, Verifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio_rustls::TlsAcceptor;

use crate::config::{profile, Config, ConfigError};
use crate::metrics::Metrics;

/// The reloadable part of the gateway.
pub(crate) struct State {
    pub(crate) provider: Provider<Arc<dyn AnswerStore>>,
    pub(crate) acceptor: TlsAcceptor,
}

impl State {
    /// Reads every file the configuration names and builds the PEP and the TLS acceptor;
    /// records the certificates' expiry in `metrics`. Blocking (file I/O).
    pub(crate) fn load(config: &Config, store: Arc<dyn AnswerStore>, metrics: &Metrics) -> Result<State, ConfigError> {
        let acceptor = tls_acceptor(config, metrics)?;
        let provider = provider(config, store, metrics)?;
        Ok(State { provider, acceptor })
    }
}

fn read(config: &Config, key: &str, path: &std::path::Path) -> Result<Vec<u8>, ConfigError> {
    let meta = std::fs::metadata(path).map_err(|e| config.error(key, format!("{}: {e}", path.display())))?;
    if meta.len() > 16 << 20 {
        return Err(config.error(key, format!("{}: larger than 16 MiB", path.display())));
    }
    std::fs::read(path).map_err(|e| config.error(key, format!("{}: {e}", path.display())))
}

fn certificates(
    config: &Config,
    key: &str,
    path: &std::path::Path,
) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let pem = read(config, key, path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| config.error(key, format!("{}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(config.error(key, format!("{}: no CERTIFICATE in the file", path.display())));
    }
    Ok(certs)
}

fn not_after(config: &Config, key: &str, der: &[u8]) -> Result<SystemTime, ConfigError> {
    let info = CertificateInfo::from_certificate_der(der).map_err(|e| config.error(key, e))?;
    Ok(info.not_after())
}

fn tls_acceptor(config: &Config, metrics: &Metrics) -> Result<TlsAcceptor, ConfigError> {
    let tls = &config.tls;
    let chain = certificates(config, "tls.certificate_chain", &tls.certificate_chain)?;
    metrics.certificate("tls_server", not_after(config, "tls.certificate_chain", &chain[0])?);
    let key_pem = read(config, "tls.private_key", &tls.private_key)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|e| config.error("tls.private_key", format!("{}: {e}", tls.private_key.display())))?;
    let mut roots = RootCertStore::empty();
    for ca in certificates(config, "tls.client_ca", &tls.client_ca)? {
        roots.add(ca).map_err(|e| config.error("tls.client_ca", e))?;
    }
    let crypto = Arc::new(rustls::crypto::ring::default_provider());
    let mut verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), crypto.clone());
    if !tls.require_client_certificate {
        verifier = verifier.allow_unauthenticated();
    }
    let verifier = verifier.build().map_err(|e| config.error("tls.client_ca", e))?;
    let mut server = ServerConfig::builder_with_provider(crypto)
        .with_safe_default_protocol_versions()
        .map_err(|e| config.error("tls", e))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| config.error("tls.private_key", e))?;
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(server)))
}

fn provider(
    config: &Config,
    store: Arc<dyn AnswerStore>,
    metrics: &Metrics,
) -> Result<Provider<Arc<dyn AnswerStore>>, ConfigError> {
    let sig = &config.signatures;
    let mut bundle = Vec::new();
    for path in &sig.trust_anchors {
        bundle.extend(read(config, "signatures.trust_anchors", path)?);
        bundle.push(b'\n');
    }
    let anchors = TrustAnchors::from_pem(&bundle).map_err(|e| config.error("signatures.trust_anchors", e))?;
    let mut profiles = sig.profiles.iter().filter_map(|p| profile(p));
    let first = profiles.next().ok_or_else(|| config.error("signatures.profiles", "no profile"))?;
    let policy = profiles.fold(VerificationPolicy::new(first), VerificationPolicy::also_accept);
    let verifier = Verifier::new(policy, CertificateValidator::new(anchors));
    let bindings_bytes = read(config, "signatures.bindings", &sig.bindings)?;
    let bindings = Bindings::from_bytes(&bindings_bytes)
        .map_err(|e| config.error("signatures.bindings", format!("{}: {e}", sig.bindings.display())))?;
    let mut pep = PepPolicy::new(verifier).bindings(bindings).expose_security_errors(sig.expose_security_errors);
    for (i, op) in config.operations.iter().enumerate() {
        let mut spec = OperationSpec::new(op.namespace.clone(), op.name.clone());
        if op.read_only {
            spec = spec.read_only();
        }
        for v in &op.versies {
            let versie = Versie::new(v).map_err(|e| config.error(&format!("operation[{i}].versies"), e))?;
            spec = spec.versie(versie);
        }
        pep = pep.operation(spec);
    }

    let reply = &config.reply;
    let identity = match (&reply.private_key, &reply.certificate_chain, &reply.pkcs12) {
        (Some(k), Some(c), None) => SigningIdentity::from_pem_files(k, c, reply.password.as_deref())
            .map_err(|e| config.error("reply.private_key", e))?,
        (None, None, Some(p)) => {
            let pw =
                reply.password.as_deref().ok_or_else(|| config.error("reply.password", "pkcs12 needs a password"))?;
            SigningIdentity::from_pkcs12_file(p, pw).map_err(|e| config.error("reply.pkcs12", e))?
        }
        _ => return Err(config.error("reply", "give either private_key and certificate_chain, or pkcs12")),
    };
    metrics.certificate("reply_signer", identity.certificate().not_after());
    let reply_profile = profile(&reply.profile).ok_or_else(|| config.error("reply.profile", "unknown profile"))?;
    Ok(Provider::new(Pep::new(pep), store).with_reply_signer(Signer::new(identity, reply_profile)))
}
