//! PEM for the certificate commands: reading blocks by label and writing them.

use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::fail::{Failure, Result};

/// Most PEM blocks read from one file.
const MAX_BLOCKS: usize = 64;

/// The DER of every `label` block of `text` (other blocks are skipped).
pub(crate) fn blocks(path: &Path, text: &[u8], label: &str) -> Result<Vec<Vec<u8>>> {
    let text = std::str::from_utf8(text).map_err(|_| Failure::invalid(path, "not a PEM file (not UTF-8)"))?;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&begin) {
        let body_start = start + begin.len();
        let stop = rest[body_start..]
            .find(&end)
            .ok_or_else(|| Failure::invalid(path, format!("PEM block `{label}` without an END line")))?;
        let b64: String = rest[body_start..body_start + stop].split_whitespace().collect();
        let der = STANDARD
            .decode(b64.as_bytes())
            .map_err(|e| Failure::invalid(path, format!("PEM block `{label}` #{}: bad base64: {e}", out.len())))?;
        out.push(der);
        if out.len() > MAX_BLOCKS {
            return Err(Failure::invalid(path, format!("more than {MAX_BLOCKS} PEM blocks")));
        }
        rest = &rest[body_start + stop + end.len()..];
    }
    Ok(out)
}

/// The certificates of a PEM file, or of a DER file holding one certificate.
pub(crate) fn certificates(path: &Path, bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
    if bytes.first() == Some(&0x30) {
        return Ok(vec![bytes.to_vec()]);
    }
    let certs = blocks(path, bytes, "CERTIFICATE")?;
    if certs.is_empty() {
        return Err(Failure::invalid(
            path,
            "no certificate found (expected PEM `CERTIFICATE` blocks or one DER certificate)",
        ));
    }
    Ok(certs)
}

/// `der` as a PEM block with 64-character lines.
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
