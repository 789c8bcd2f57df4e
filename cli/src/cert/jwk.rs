//! `dho-wss cert jwk`: the certificate's public key as an RFC 7517 JWK, as ACM's
//! Beheerportaal takes it.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use dho_wss::oauth::{Jwk, KeyId};

use crate::cert::pem;
use crate::fail::{Failure, Result};
use crate::files;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Kid {
    /// The RFC 7638 SHA-256 thumbprint
    Thumbprint,
    /// No kid
    None,
}

#[derive(Debug, Args)]
pub(crate) struct JwkArgs {
    /// The certificate (PEM, leaf first; or one DER certificate)
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The kid member
    #[arg(long, value_enum, default_value = "thumbprint")]
    kid: Kid,
    /// Add the certificate chain of FILE as x5c, with x5t#S256
    #[arg(long)]
    x5c: bool,
}

pub(crate) fn run(args: &JwkArgs) -> Result<()> {
    let bytes = files::read(&args.file, files::MAX_PKI_FILE)?;
    let certs = pem::certificates(&args.file, &bytes)?;
    let leaf = certs.first().ok_or_else(|| Failure::invalid(&args.file, "no certificate found"))?;
    let mut jwk = Jwk::from_certificate_der(leaf).map_err(|e| Failure::invalid(&args.file, e))?;
    jwk = jwk.with_kid(match args.kid {
        Kid::Thumbprint => KeyId::Thumbprint,
        Kid::None => KeyId::None,
    });
    if args.x5c {
        for (i, der) in certs.iter().enumerate() {
            <x509_cert::Certificate as der::Decode>::from_der(der)
                .map_err(|e| Failure::invalid(&args.file, format!("certificate #{i} is malformed: {e}")))?;
        }
        jwk = jwk.with_x5c(certs);
    }
    println!("{}", serde_json::to_string_pretty(&jwk.to_json_value()).unwrap_or_else(|_| jwk.to_json()));
    Ok(())
}
