//! Verifies a signed DHO envelope.
//!
//! `cargo run --example verify -- [--ca CA.pem]... [--profile dho|sha256] IN.xml`
//!
//! Prints `OK <signer subject>` on the last line and exits 0 when the message
//! verifies against the trust anchors (default: the shipped test CA);
//! otherwise prints the error with its fault code and exits 1. Without
//! `--profile` both the legacy DHO profile (RSA-SHA1) and RSA-SHA256 are accepted.

use std::process::ExitCode;

use dho_wss::pki::CertificateValidator;
use dho_wss::wss::{SignatureProfile, VerificationPolicy, Verifier};

#[path = "common/cli.rs"]
mod cli;

fn main() -> ExitCode {
    match run() {
        Ok(subject) => {
            println!("OK {subject}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("FAILED {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<String, String> {
    let mut cas = Vec::new();
    let mut profile = None;
    let mut input = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--ca" => cas.push(args.next().ok_or("--ca needs a file")?),
            "--profile" => profile = Some(args.next().ok_or("--profile needs dho or sha256")?),
            "-h" | "--help" => return Err("usage: verify [--ca CA.pem]... [--profile dho|sha256] IN.xml".into()),
            _ if a.starts_with("--") => return Err(format!("unknown option {a}")),
            _ if input.is_none() => input = Some(a),
            _ => return Err(format!("unexpected argument {a}")),
        }
    }
    let input = input.ok_or("usage: verify [--ca CA.pem]... [--profile dho|sha256] IN.xml")?;
    let anchors = cli::trust_anchors(&cas)?;
    let policy = match profile.as_deref() {
        None => VerificationPolicy::dho_legacy_rsa_sha1().also_accept(SignatureProfile::rsa_sha256()),
        Some("dho") => VerificationPolicy::dho_legacy_rsa_sha1(),
        Some("sha256") => VerificationPolicy::rsa_sha256(),
        Some(other) => return Err(format!("unknown profile {other:?} (dho or sha256)")),
    };
    let verifier = Verifier::new(policy, CertificateValidator::new(anchors));
    let bytes = std::fs::read(&input).map_err(|e| format!("{input}: {e}"))?;
    let verified = verifier.verify(&bytes).map_err(|e| format!("{} {e}", e.fault_code().prefixed()))?;
    Ok(verified.signer().subject_dn().to_owned())
}
