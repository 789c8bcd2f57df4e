//! Reading inputs with a size limit, and writing outputs so that no partial file is ever left:
//! the bytes go to a temporary file beside the target, which is then renamed (or, for files
//! that must never be overwritten, hard-linked: that fails if the target appeared meanwhile).

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::fail::{Failure, Result};

/// Largest message read (a DHO envelope; batch files go through the FTPS path instead).
pub(crate) const MAX_MESSAGE: u64 = 64 * 1024 * 1024;
/// Largest key, certificate, PKCS#12 or password file read.
pub(crate) const MAX_PKI_FILE: u64 = 1024 * 1024;

/// The bytes of `path`, at most `limit`.
pub(crate) fn read(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let file = File::open(path).map_err(|e| Failure::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| Failure::io(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(Failure::invalid(path, format!("larger than the limit of {limit} bytes")));
    }
    Ok(bytes)
}

/// How an output file is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A public file (signed message, CSR, JWK): replaces an existing file, mode 0644 less umask.
    Replace,
    /// Key material (private key, PKCS#12): never replaces an existing file, mode 0600.
    Secret,
}

/// Refuses early when `path` is a file that [`Mode::Secret`] would not replace.
pub(crate) fn check_new(path: &Path) -> Result<()> {
    if path.symlink_metadata().is_ok() {
        return Err(Failure::io(path, "already exists; refusing to overwrite key material"));
    }
    Ok(())
}

/// A written temporary file, not yet in place. Dropping it removes it.
pub(crate) struct Staged {
    tmp: PathBuf,
    target: PathBuf,
    mode: Mode,
    done: bool,
}

impl Staged {
    /// Puts the file in place.
    pub(crate) fn commit(mut self) -> Result<()> {
        let placed = match self.mode {
            Mode::Replace => std::fs::rename(&self.tmp, &self.target),
            Mode::Secret => std::fs::hard_link(&self.tmp, &self.target).and_then(|()| std::fs::remove_file(&self.tmp)),
        };
        placed.map_err(|e| {
            let why = if e.kind() == std::io::ErrorKind::AlreadyExists {
                "already exists; refusing to overwrite key material".to_owned()
            } else {
                e.to_string()
            };
            Failure::io(&self.target, why)
        })?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `bytes` to a temporary file beside `target` (`<target>.<pid>.tmp`).
pub(crate) fn stage(target: &Path, bytes: &[u8], mode: Mode) -> Result<Staged> {
    if mode == Mode::Secret {
        check_new(target)?;
    }
    let name = target.file_name().ok_or_else(|| Failure::usage(format!("{}: not a file name", target.display())))?;
    let mut tmp_name = name.to_os_string();
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = target.with_file_name(tmp_name);
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if mode == Mode::Secret { 0o600 } else { 0o644 });
    }
    let mut file = options.open(&tmp).map_err(|e| Failure::io(target, e))?;
    let staged = Staged { tmp, target: target.to_path_buf(), mode, done: false };
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(|e| Failure::io(target, e))?;
    Ok(staged)
}

/// Writes `bytes` to `target` through a temporary file.
pub(crate) fn write(target: &Path, bytes: &[u8], mode: Mode) -> Result<()> {
    stage(target, bytes, mode)?.commit()
}
