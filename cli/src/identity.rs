//! The signing identity from the command line: `--key K.pem --cert C.pem`, `--p12 F.p12`, or
//! `--test-identity` (the shipped TEST identity). Without one of them signing is refused:
//! an operator always says which identity signs.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use clap::Args;
use dho_wss::pki::{KeyError, SigningIdentity};

use crate::fail::{Exit, Failure, Result};
use crate::files;
use crate::password::PasswordArgs;

/// The test identity's key and chain (testdata/pki/institution.*): public, never for production.
const TEST_KEY: &[u8] = include_bytes!("../../testdata/pki/institution.key.pem");
const TEST_CHAIN: &[u8] = include_bytes!("../../testdata/pki/institution.chain.pem");

/// Which identity signs.
#[derive(Debug, Clone, Args)]
pub(crate) struct IdentityArgs {
    /// The private key (PEM: PKCS#8, encrypted PKCS#8 or PKCS#1)
    #[arg(long, value_name = "KEY.pem", requires = "cert", conflicts_with_all = ["p12", "test_identity"])]
    key: Option<PathBuf>,
    /// The certificate chain (PEM, the signing certificate first)
    #[arg(long, value_name = "CERT.pem", requires = "key")]
    cert: Option<PathBuf>,
    /// The identity as a PKCS#12 file
    #[arg(long, value_name = "F.p12", conflicts_with = "test_identity")]
    p12: Option<PathBuf>,
    /// Sign with the shipped TEST identity (testdata/pki/institution; its key is public: tests and demos only)
    #[arg(long)]
    test_identity: bool,
    #[command(flatten)]
    password: PasswordArgs,
}

impl IdentityArgs {
    /// Loads the identity.
    pub(crate) fn load(&self) -> Result<SigningIdentity> {
        if let (Some(key), Some(cert)) = (&self.key, &self.cert) {
            load_pem(key, cert, &self.password)
        } else if let Some(p12) = &self.p12 {
            load_p12(p12, &self.password)
        } else if self.test_identity {
            SigningIdentity::from_pem(TEST_KEY, TEST_CHAIN, None)
                .map_err(|e| Failure::new(Exit::Invalid, format!("test identity: {e}")))
        } else {
            Err(Failure::usage(
                "no identity: give --key KEY.pem --cert CERT.pem, or --p12 F.p12 (or --test-identity for the shipped TEST identity)",
            ))
        }
    }
}

/// An identity from a PEM key (asking for the password only when the key is encrypted) and
/// a PEM certificate chain.
pub(crate) fn load_pem(key: &Path, cert: &Path, password: &PasswordArgs) -> Result<SigningIdentity> {
    let key_pem = files::read(key, files::MAX_PKI_FILE)?;
    let cert_pem = files::read(cert, files::MAX_PKI_FILE)?;
    let attempt = |pw: Option<&str>| SigningIdentity::from_pem(&key_pem, &cert_pem, pw);
    let result = match attempt(None) {
        Err(e) if matches!(e.root(), KeyError::PasswordRequired) => {
            let pw = password.require(&key.display().to_string())?;
            attempt(Some(&pw))
        }
        other => other,
    };
    result.map_err(|e| key_failure(e, key, cert))
}

/// An identity from a PKCS#12 file.
pub(crate) fn load_p12(p12: &Path, password: &PasswordArgs) -> Result<SigningIdentity> {
    let der = files::read(p12, files::MAX_PKI_FILE)?;
    let pw = password.require(&p12.display().to_string())?;
    SigningIdentity::from_pkcs12(&der, &pw).map_err(|e| Failure::invalid(p12, e))
}

/// Names the file the error is about: the certificate for certificate errors, else the key.
fn key_failure(e: KeyError, key: &Path, cert: &Path) -> Failure {
    let about_cert = matches!(
        e.root(),
        KeyError::NoCertificate { input: "certificate PEM" }
            | KeyError::MalformedCertificate { input: "certificate PEM", .. }
            | KeyError::MalformedPem { input: "certificate PEM", .. }
            | KeyError::UnknownPemLabel { input: "certificate PEM", .. }
    );
    match e.root() {
        KeyError::KeyCertificateMismatch { .. } => {
            Failure::invalid(key, format!("{e} (certificate {})", cert.display()))
        }
        _ if about_cert => Failure::invalid(cert, e),
        _ => Failure::invalid(key, e),
    }
}

/// Days from `now` to `t` (negative when `t` is past), rounded down.
pub(crate) fn days_until(t: SystemTime, now: SystemTime) -> i64 {
    match t.duration_since(now) {
        Ok(d) => (d.as_secs() / 86_400) as i64,
        Err(e) => -(e.duration().as_secs().div_ceil(86_400) as i64),
    }
}

/// A UTC date-time for messages.
pub(crate) fn utc(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
