//! Failures and exit codes: every error is one line that names the file, with the exit code
//! that says what kind of failure it was.

use std::fmt::Display;
use std::path::Path;
use std::process::ExitCode;

/// The documented exit codes (`dho-wss --help`, `cli/README.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 1: the input was rejected or is invalid (a signature that does not verify, a corrupt
    /// file, a wrong password, an expired certificate).
    Invalid = 1,
    /// 2: the command line is wrong.
    Usage = 2,
    /// 3: a file could not be read or written (or a network peer failed).
    Io = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// A failed command: the exit code and the one-line message.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) exit: Exit,
    message: String,
}

impl Failure {
    pub(crate) fn new(exit: Exit, message: impl Display) -> Self {
        // One line, whatever the underlying error printed.
        let message = message.to_string().split_whitespace().collect::<Vec<_>>().join(" ");
        Failure { exit, message }
    }

    /// The input `path` is invalid.
    pub(crate) fn invalid(path: &Path, e: impl Display) -> Self {
        Self::new(Exit::Invalid, format!("{}: {e}", path.display()))
    }

    /// Reading or writing `path` failed.
    pub(crate) fn io(path: &Path, e: impl Display) -> Self {
        Self::new(Exit::Io, format!("{}: {e}", path.display()))
    }

    /// The command line is wrong.
    pub(crate) fn usage(e: impl Display) -> Self {
        Self::new(Exit::Usage, e)
    }

    pub(crate) fn message(&self) -> &str {
        &self.message
    }
}

pub(crate) type Result<T> = std::result::Result<T, Failure>;
