//! The gateway's configuration: one TOML file (see `gateway/README.md` for every key).
//!
//! Relative paths in the file are relative to the directory of the file itself, so a
//! configuration and the files it names can move together.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The largest configuration file read (a config is a few kilobytes).
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// A configuration that cannot be used: the file, the key (dotted TOML path, or `-` for the
/// file as a whole) and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{}: {key}: {message}", file.display())]
pub struct ConfigError {
    /// The configuration file.
    pub file: PathBuf,
    /// The key (e.g. `tls.private_key`), `-` when the file as a whole is wrong.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the SOAP endpoint listens (HTTPS, mTLS), e.g. `127.0.0.1:8443`.
    pub listen: SocketAddr,
    /// Where `/metrics`, `/healthz` and `/readyz` are served in plain HTTP (keep it on a
    /// private interface); absent: no metrics listener.
    #[serde(default)]
    pub metrics_listen: Option<SocketAddr>,
    /// The TLS server side.
    pub tls: TlsConfig,
    /// Message signatures: trust anchors, profiles, bindings.
    pub signatures: SignatureConfig,
    /// The identity that signs every reply.
    pub reply: ReplyConfig,
    /// The answer store.
    #[serde(default)]
    pub store: StoreConfig,
    /// Limits.
    #[serde(default)]
    pub limits: Limits,
    /// Logging.
    #[serde(default)]
    pub log: LogConfig,
    /// The operations served, each with its backend.
    #[serde(rename = "operation")]
    pub operations: Vec<OperationConfig>,
    /// The file this configuration was read from (paths are resolved against its directory).
    #[serde(skip)]
    pub file: PathBuf,
}

/// `[tls]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM: the server certificate, then its intermediates.
    pub certificate_chain: PathBuf,
    /// PEM: the server's private key (PKCS#8, PKCS#1 or SEC1, unencrypted).
    pub private_key: PathBuf,
    /// PEM bundle of the CAs whose client certificates may connect.
    pub client_ca: PathBuf,
    /// Whether a client certificate is required (default true). `false` lets clients without
    /// one connect (for a gateway behind a TLS-terminating proxy; never on the Internet).
    #[serde(default = "yes")]
    pub require_client_certificate: bool,
}

/// `[signatures]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureConfig {
    /// PEM bundles of the trust anchors for message signatures.
    pub trust_anchors: Vec<PathBuf>,
    /// The binding file (certificate → Instellingsnummers), `dho_wss::provider::Bindings` format.
    pub bindings: PathBuf,
    /// The accepted signature profiles: `dho-legacy-rsa-sha1` and/or `rsa-sha256`
    /// (default: both).
    #[serde(default = "default_profiles")]
    pub profiles: Vec<String>,
    /// Whether the TLS client certificate must be the message's signing certificate
    /// (default false: the deck allows two certificates).
    #[serde(default)]
    pub require_tls_client_is_signer: bool,
    /// Whether security Faults carry the verifier's full error (default false).
    #[serde(default)]
    pub expose_security_errors: bool,
}

/// `[reply]`: the provider's own signing identity.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyConfig {
    /// PEM private key (PKCS#1, PKCS#8 or encrypted PKCS#8).
    #[serde(default)]
    pub private_key: Option<PathBuf>,
    /// PEM certificate and chain.
    #[serde(default)]
    pub certificate_chain: Option<PathBuf>,
    /// A PKCS#12 file instead of `private_key` + `certificate_chain`.
    #[serde(default)]
    pub pkcs12: Option<PathBuf>,
    /// The password of the encrypted key or the PKCS#12 file.
    #[serde(default)]
    pub password: Option<String>,
    /// The reply's signature profile: `dho-legacy-rsa-sha1` (default) or `rsa-sha256`.
    #[serde(default = "default_reply_profile")]
    pub profile: String,
}

/// `[store]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `memory`, `sqlite:PATH` or `postgres://…` (a libpq-style URL).
    #[serde(default = "default_store")]
    pub uri: String,
    /// How long a request waits for another one's claim on the same Vraag Referte before
    /// answering 13011 (retry later), in milliseconds (default 5000).
    #[serde(default = "default_claim_wait_ms")]
    pub claim_wait_ms: u64,
    /// After how long a claim whose holder died is taken over, in milliseconds (default
    /// 60000). Must be longer than `limits.backend_timeout_ms`.
    #[serde(default = "default_lease_ms")]
    pub lease_ms: u64,
    /// PostgreSQL connections per instance (default 4).
    #[serde(default = "default_pool")]
    pub connections: usize,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            uri: default_store(),
            claim_wait_ms: default_claim_wait_ms(),
            lease_ms: default_lease_ms(),
            connections: default_pool(),
        }
    }
}

/// `[limits]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Largest request body in bytes (default 1 MiB); larger is refused with 413.
    #[serde(default = "default_body")]
    pub max_body_bytes: usize,
    /// Requests processed at once; more are refused with 503 (default 64).
    #[serde(default = "default_concurrent")]
    pub max_concurrent_requests: usize,
    /// Time for the TLS handshake, the request head, and the whole body, each, in
    /// milliseconds (default 10000); a slower client is cut off.
    #[serde(default = "default_read_timeout_ms")]
    pub read_timeout_ms: u64,
    /// Time for one backend call, in milliseconds (default 30000).
    #[serde(default = "default_backend_timeout_ms")]
    pub backend_timeout_ms: u64,
    /// How long shutdown waits for in-flight requests, in milliseconds (default 30000).
    #[serde(default = "default_grace_ms")]
    pub shutdown_grace_ms: u64,
    /// Open connections at once; more wait in the listen backlog (default 1024).
    #[serde(default = "default_connections")]
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: default_body(),
            max_concurrent_requests: default_concurrent(),
            read_timeout_ms: default_read_timeout_ms(),
            backend_timeout_ms: default_backend_timeout_ms(),
            shutdown_grace_ms: default_grace_ms(),
            max_connections: default_connections(),
        }
    }
}

impl Limits {
    /// `read_timeout_ms` as a duration.
    pub fn read_timeout(&self) -> Duration {
        Duration::from_millis(self.read_timeout_ms)
    }
    /// `backend_timeout_ms` as a duration.
    pub fn backend_timeout(&self) -> Duration {
        Duration::from_millis(self.backend_timeout_ms)
    }
}

/// `[log]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `text` (default) or `json`.
    #[serde(default)]
    pub format: LogFormat,
}

/// The log line format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// `[[operation]]`: one operation served.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationConfig {
    /// The service namespace of the operation element.
    pub namespace: String,
    /// The operation element's local name (= Context/Naam).
    pub name: String,
    /// The supported Versies (`NN.NN.NNNN`); empty: any.
    #[serde(default)]
    pub versies: Vec<String>,
    /// Whether the operation only reads (its answers are not stored). Default false.
    #[serde(default)]
    pub read_only: bool,
    /// Who answers: `demo` (the in-process demo operation) or an `http://host:port/path`
    /// URL of an internal service.
    pub backend: String,
}

fn yes() -> bool {
    true
}
fn default_profiles() -> Vec<String> {
    vec!["dho-legacy-rsa-sha1".into(), "rsa-sha256".into()]
}
fn default_reply_profile() -> String {
    "dho-legacy-rsa-sha1".into()
}
fn default_store() -> String {
    "memory".into()
}
fn default_claim_wait_ms() -> u64 {
    5_000
}
fn default_lease_ms() -> u64 {
    60_000
}
fn default_pool() -> usize {
    4
}
fn default_body() -> usize {
    1 << 20
}
fn default_concurrent() -> usize {
    64
}
fn default_read_timeout_ms() -> u64 {
    10_000
}
fn default_backend_timeout_ms() -> u64 {
    30_000
}
fn default_grace_ms() -> u64 {
    30_000
}
fn default_connections() -> usize {
    1024
}

/// The largest body limit accepted in a configuration (the verifier refuses more anyway).
const MAX_BODY_LIMIT: usize = 16 << 20;

impl Config {
    /// Reads and checks the configuration file `path`.
    pub fn from_toml_file(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let err = |message: String| ConfigError { file: path.to_owned(), key: "-".into(), message };
        let meta = std::fs::metadata(path).map_err(|e| err(e.to_string()))?;
        if meta.len() > MAX_CONFIG_BYTES {
            return Err(err(format!("larger than {MAX_CONFIG_BYTES} bytes")));
        }
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let text = String::from_utf8(bytes).map_err(|_| err("not UTF-8".into()))?;
        Self::from_toml_str(&text, path)
    }

    /// Parses and checks configuration text; relative paths are resolved against the
    /// directory of `file`, which errors also name.
    pub fn from_toml_str(text: &str, file: &Path) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| ConfigError {
            file: file.to_owned(),
            key: e.span().map(|s| key_at(text, s.start)).unwrap_or_else(|| "-".into()),
            message: e.message().to_owned(),
        })?;
        config.file = file.to_owned();
        config.resolve_paths();
        config.check()?;
        Ok(config)
    }

    /// A [`ConfigError`] for `key` of this configuration.
    pub fn error(&self, key: &str, message: impl std::fmt::Display) -> ConfigError {
        ConfigError { file: self.file.clone(), key: key.to_owned(), message: message.to_string() }
    }

    fn resolve_paths(&mut self) {
        let dir = self.file.parent().map(Path::to_path_buf).unwrap_or_default();
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        fix(&mut self.tls.certificate_chain);
        fix(&mut self.tls.private_key);
        fix(&mut self.tls.client_ca);
        self.signatures.trust_anchors.iter_mut().for_each(fix);
        fix(&mut self.signatures.bindings);
        [&mut self.reply.private_key, &mut self.reply.certificate_chain, &mut self.reply.pkcs12]
            .into_iter()
            .flatten()
            .for_each(fix);
        if let Some(rest) = self.store.uri.strip_prefix("sqlite:") {
            let p = Path::new(rest);
            if p.is_relative() {
                self.store.uri = format!("sqlite:{}", dir.join(p).display());
            }
        }
    }

    /// Value checks that the types alone do not make.
    fn check(&self) -> Result<(), ConfigError> {
        let l = &self.limits;
        if l.max_body_bytes == 0 || l.max_body_bytes > MAX_BODY_LIMIT {
            return Err(self.error("limits.max_body_bytes", format!("must be 1..={MAX_BODY_LIMIT}")));
        }
        for (key, v) in [
            ("limits.max_concurrent_requests", l.max_concurrent_requests),
            ("limits.max_connections", l.max_connections),
            ("store.connections", self.store.connections),
        ] {
            if v == 0 || v > 100_000 {
                return Err(self.error(key, "must be 1..=100000"));
            }
        }
        for (key, v) in [
            ("limits.read_timeout_ms", l.read_timeout_ms),
            ("limits.backend_timeout_ms", l.backend_timeout_ms),
            ("store.lease_ms", self.store.lease_ms),
        ] {
            if v == 0 || v > 3_600_000 {
                return Err(self.error(key, "must be 1..=3600000 (one hour)"));
            }
        }
        if self.store.claim_wait_ms > 600_000 {
            return Err(self.error("store.claim_wait_ms", "must be at most 600000"));
        }
        // A claim must outlive the work it covers, or another instance takes it over while
        // the backend still runs and the Vraag is executed twice.
        if self.store.lease_ms <= l.backend_timeout_ms {
            return Err(self.error("store.lease_ms", "must be longer than limits.backend_timeout_ms"));
        }
        let uri = self.store.uri.as_str();
        if !(uri == "memory"
            || uri.strip_prefix("sqlite:").is_some_and(|p| !p.is_empty())
            || uri.starts_with("postgres://")
            || uri.starts_with("postgresql://"))
        {
            return Err(self.error("store.uri", "expected `memory`, `sqlite:PATH` or `postgres://…`"));
        }
        if self.signatures.trust_anchors.is_empty() {
            return Err(self.error("signatures.trust_anchors", "at least one PEM bundle is needed"));
        }
        if self.signatures.profiles.is_empty() {
            return Err(self.error("signatures.profiles", "at least one profile is needed"));
        }
        for p in &self.signatures.profiles {
            profile(p).ok_or_else(|| self.error("signatures.profiles", format!("unknown profile {p:?}")))?;
        }
        profile(&self.reply.profile)
            .ok_or_else(|| self.error("reply.profile", format!("unknown profile {:?}", self.reply.profile)))?;
        match (&self.reply.private_key, &self.reply.certificate_chain, &self.reply.pkcs12) {
            (Some(_), Some(_), None) | (None, None, Some(_)) => {}
            _ => return Err(self.error("reply", "give either private_key and certificate_chain, or pkcs12")),
        }
        if self.operations.is_empty() {
            return Err(self.error("operation", "at least one [[operation]] is needed"));
        }
        for (i, op) in self.operations.iter().enumerate() {
            let key = format!("operation[{i}].backend");
            if op.backend != "demo" && crate::backend::HttpTarget::parse(&op.backend).is_err() {
                return Err(self.error(&key, "expected `demo` or `http://host:port/path`"));
            }
            let dup = self.operations[..i].iter().any(|o| o.namespace == op.namespace && o.name == op.name);
            if dup {
                return Err(self.error(&format!("operation[{i}].name"), "the same operation twice"));
            }
        }
        Ok(())
    }
}

/// The signature profile called `name` in a configuration.
pub(crate) fn profile(name: &str) -> Option<dho_wss::wss::SignatureProfile> {
    use dho_wss::wss::SignatureProfile;
    match name {
        "dho-legacy-rsa-sha1" => Some(SignatureProfile::dho_legacy_rsa_sha1()),
        "rsa-sha256" => Some(SignatureProfile::rsa_sha256()),
        _ => None,
    }
}

/// The key of the TOML line holding byte `offset`: `table.key` for `key = …` lines, the
/// table name for `[table]` lines.
fn key_at(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let mut table = String::new();
    let mut line_key = None;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        let is_here = offset >= pos && offset < pos + line.len().max(1);
        if let Some(h) = t.strip_prefix('[') {
            table = h.trim_start_matches('[').trim_end_matches(']').trim().to_owned();
        }
        if is_here {
            if let Some((k, _)) = t.split_once('=') {
                line_key = Some(k.trim().to_owned());
            }
            break;
        }
        pos += line.len();
    }
    match (table.is_empty(), line_key) {
        (_, None) if !table.is_empty() => table,
        (true, Some(k)) => k,
        (false, Some(k)) => format!("{table}.{k}"),
        _ => "-".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_of_an_offset_names_table_and_key() {
        let text = "listen = 1\n[tls]\nprivate_key = 3\n";
        assert_eq!(key_at(text, 2), "listen");
        assert_eq!(key_at(text, text.find("private").unwrap_or(0) + 3), "tls.private_key");
        assert_eq!(key_at(text, text.find("[tls]").unwrap_or(0)), "tls");
    }
}
