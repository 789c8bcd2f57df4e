//! `dho-wss serve`: runs the PEP gateway (`dho_wss_gateway::run`) of a configuration file in
//! the foreground until SIGTERM or SIGINT.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use dho_wss_gateway::{Config, GatewayError};

use crate::fail::{Exit, Failure, Result};

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The gateway configuration (TOML; every key: gateway/README.md)
    #[arg(long, value_name = "FILE.toml")]
    config: PathBuf,
    /// Listen here instead of the configuration's `listen` (port 0: any free port)
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Serve the metrics here instead of the configuration's `metrics_listen`
    #[arg(long, value_name = "ADDR")]
    metrics_listen: Option<SocketAddr>,
}

pub(crate) fn run(args: &ServeArgs) -> Result<()> {
    let mut config = Config::from_toml_file(&args.config).map_err(|e| Failure::invalid(&args.config, e))?;
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(metrics) = args.metrics_listen {
        config.metrics_listen = Some(metrics);
    }
    dho_wss_gateway::init_logging(config.log.format);
    dho_wss_gateway::run(config).map_err(|e| match e {
        GatewayError::Config(e) => Failure::invalid(&args.config, e),
        GatewayError::Store(e) => Failure::new(Exit::Invalid, format!("{}: answer store: {e}", args.config.display())),
        other => Failure::new(Exit::Io, other),
    })
}
