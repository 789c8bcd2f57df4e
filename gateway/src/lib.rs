//! The DHO Policy Enforcement Point as a service: an HTTPS endpoint with mutual TLS in front
//! of internal services, built on the `dho-wss` library's provider side.
//!
//! Per request: the TLS client certificate is checked at the handshake (required by default)
//! → the body is read within the size and time limits → on a blocking thread the PEP verifies
//! the signature and authorizes the Afzender's Instellingsnummer for the message's signer
//! (optionally: the TLS client certificate must be the signer) → Vragen already answered come
//! from the answer store, the others go to the operation's backend (at most once across
//! instances sharing a PostgreSQL store) → a signed Repliek, or a Fault as SPEC §5 says.
//!
//! The whole service in one call, for a binary or the operator tool:
//!
//! ```no_run
//! let config = dho_wss_gateway::Config::from_toml_file("examples/pep.toml")?;
//! dho_wss_gateway::run(config)?; // until SIGTERM or SIGINT; SIGHUP reloads
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Or step by step inside an existing tokio runtime: [`Gateway::bind`], then
//! [`Gateway::run`] with a shutdown future. `gateway/README.md` lists the configuration
//! keys, the endpoints and the metrics.

#![forbid(unsafe_code)]

mod backend;
mod config;
mod metrics;
mod server;
mod state;
mod store;

pub use backend::{BackendError, INSTANCE_HEADER, INSTELLINGSNUMMER_HEADER, MAX_BACKEND_REPLY_BYTES, SIGNER_HEADER};
pub use config::{
    Config, ConfigError, Limits, LogConfig, LogFormat, OperationConfig, ReplyConfig, SignatureConfig, StoreConfig,
    TlsConfig, MAX_CONFIG_BYTES,
};
pub use metrics::Metrics;
pub use server::{Gateway, Reloader};
pub use store::SCHEMA_VERSION;

/// Why the gateway could not start or run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// The configuration or a file it names is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The answer store could not be opened (or migrated).
    #[error("answer store: {0}")]
    Store(dho_wss::provider::StoreError),
    /// A listener or the runtime failed.
    #[error("{0}: {1}")]
    Io(String, #[source] std::io::Error),
}

/// Installs the global log subscriber: human-readable lines or JSON objects on standard
/// error, at level `info` (never message bodies). Call once, before [`run`].
pub fn init_logging(format: LogFormat) {
    let builder = tracing_subscriber::fmt().with_writer(std::io::stderr).with_target(false);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.with_ansi(false).try_init(),
    };
}

/// Runs the gateway of `config` on its own tokio runtime until SIGTERM or SIGINT (graceful
/// shutdown); SIGHUP reloads the bindings, trust anchors and TLS files. Prints one line
/// `listening on https://ADDR` (and ` metrics on http://ADDR`) to standard output once
/// the listeners are bound.
pub fn run(config: Config) -> Result<(), GatewayError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| GatewayError::Io("starting the runtime".into(), e))?;
    runtime.block_on(async move {
        let gateway = Gateway::bind(config).await?;
        let addr = gateway.local_addr().map_err(|e| GatewayError::Io("local address".into(), e))?;
        let mut line = format!("listening on https://{addr}");
        if let Some(m) = gateway.metrics_addr() {
            line.push_str(&format!(" metrics on http://{m}"));
        }
        {
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}").and_then(|_| out.flush());
        }
        tracing::info!("{line}");
        let reloader = gateway.reloader();
        let mut hup = signal(tokio::signal::unix::SignalKind::hangup())?;
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                match reloader.reload().await {
                    Ok(()) => tracing::info!("reloaded bindings, trust anchors and TLS files"),
                    Err(e) => tracing::error!(error = %e, "reload failed; the previous files stay in use"),
                }
            }
        });
        let mut term = signal(tokio::signal::unix::SignalKind::terminate())?;
        let mut int = signal(tokio::signal::unix::SignalKind::interrupt())?;
        gateway
            .run(async move {
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM"),
                    _ = int.recv() => tracing::info!("SIGINT"),
                }
            })
            .await
    })
}

fn signal(kind: tokio::signal::unix::SignalKind) -> Result<tokio::signal::unix::Signal, GatewayError> {
    tokio::signal::unix::signal(kind).map_err(|e| GatewayError::Io("installing a signal handler".into(), e))
}
