//! Passwords for keys and PKCS#12 files: from a named environment variable, a file, the
//! default variable `DHO_WSS_PASSWORD`, or a prompt without echo on a terminal — never from a
//! command-line value (other users can read argv).

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use crate::fail::{Failure, Result};
use crate::files;

/// The default variable.
pub(crate) const DEFAULT_VAR: &str = "DHO_WSS_PASSWORD";

/// Where the password comes from.
#[derive(Debug, Clone, Args)]
pub(crate) struct PasswordArgs {
    /// Read the password from this environment variable [default: DHO_WSS_PASSWORD, then a prompt on a terminal]
    #[arg(long, value_name = "VAR", conflicts_with = "password_file", global = true)]
    password_env: Option<String>,
    /// Read the password from the first line of this file
    #[arg(long, value_name = "FILE", global = true)]
    password_file: Option<PathBuf>,
}

impl PasswordArgs {
    /// The password to open `what`; `None` when no source gives one (no flag, no
    /// `DHO_WSS_PASSWORD`, no terminal).
    pub(crate) fn get(&self, what: &str) -> Result<Option<String>> {
        if let Some(path) = &self.password_file {
            let bytes = files::read(path, files::MAX_PKI_FILE)?;
            let text = String::from_utf8(bytes).map_err(|_| Failure::invalid(path, "password file is not UTF-8"))?;
            let line = text.lines().next().unwrap_or("");
            return Ok(Some(line.to_owned()));
        }
        if let Some(var) = &self.password_env {
            return match std::env::var(var) {
                Ok(v) => Ok(Some(v)),
                Err(_) => Err(Failure::usage(format!("--password-env {var}: the variable is not set (or not UTF-8)"))),
            };
        }
        if let Ok(v) = std::env::var(DEFAULT_VAR) {
            return Ok(Some(v));
        }
        if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
            let pw = rpassword::prompt_password(format!("Password for {what}: "))
                .map_err(|e| Failure::usage(format!("password prompt: {e}")))?;
            return Ok(Some(pw));
        }
        Ok(None)
    }

    /// The password to open `what`, which needs one.
    pub(crate) fn require(&self, what: &str) -> Result<String> {
        self.get(what)?.ok_or_else(|| no_password(what))
    }

    /// A password for a new file `what`: on a terminal it is asked twice.
    pub(crate) fn new_password(&self, what: &str) -> Result<String> {
        let explicit =
            self.password_file.is_some() || self.password_env.is_some() || std::env::var(DEFAULT_VAR).is_ok();
        let pw = self.require(what)?;
        if !explicit {
            let again = rpassword::prompt_password(format!("Password for {what} (again): "))
                .map_err(|e| Failure::usage(format!("password prompt: {e}")))?;
            if again != pw {
                return Err(Failure::usage(format!("{what}: the two passwords differ")));
            }
        }
        if pw.is_empty() {
            return Err(Failure::usage(format!("{what}: refusing an empty password for key material")));
        }
        Ok(pw)
    }
}

fn no_password(what: &str) -> Failure {
    Failure::usage(format!(
        "{what} needs a password: give --password-env VAR, --password-file FILE, set {DEFAULT_VAR}, or run on a terminal"
    ))
}
