//! `dho-wss sign --batch IN_DIR OUT_DIR`: signs every regular file of a directory, with a
//! progress bar; a failure on one file is reported and the others go on.

use std::path::{Path, PathBuf};

use dho_wss::wss::Signer;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::fail::{Exit, Failure, Result};
use crate::sign::sign_file;

/// Most files one batch takes (a bound on the work one command line starts).
const MAX_FILES: usize = 100_000;

pub(crate) fn run(signer: &Signer, in_dir: &Path, out_dir: &Path) -> Result<()> {
    let inputs = list(in_dir)?;
    if !out_dir.is_dir() {
        return Err(Failure::io(out_dir, "not a directory"));
    }
    if same_dir(in_dir, out_dir) {
        return Err(Failure::usage(format!("{}: OUT_DIR must differ from IN_DIR", out_dir.display())));
    }
    let bar = ProgressBar::with_draw_target(Some(inputs.len() as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    let mut failed = 0usize;
    for input in &inputs {
        let name = input.file_name().unwrap_or_default();
        bar.set_message(name.to_string_lossy().into_owned());
        if let Err(e) = sign_file(signer, input, &out_dir.join(name)) {
            failed += 1;
            bar.suspend(|| eprintln!("dho-wss: error: {}", e.message()));
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let signed = inputs.len() - failed;
    eprintln!("dho-wss: signed {signed} of {} files into {}", inputs.len(), out_dir.display());
    if failed > 0 {
        return Err(Failure::new(Exit::Invalid, format!("{failed} of {} files failed", inputs.len())));
    }
    Ok(())
}

/// The regular files of `dir` (not hidden, not our own `.tmp` files), sorted by name.
fn list(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Failure::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Failure::io(dir, e))?;
        let name = entry.file_name();
        let hidden = name.to_string_lossy().starts_with('.');
        if hidden || !entry.file_type().map_err(|e| Failure::io(&entry.path(), e))?.is_file() {
            continue;
        }
        files.push(entry.path());
        if files.len() > MAX_FILES {
            return Err(Failure::invalid(dir, format!("more than {MAX_FILES} files; split the batch")));
        }
    }
    files.sort();
    Ok(files)
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
