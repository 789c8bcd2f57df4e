//! `dho-wss verify`: verifies a signed envelope against trust anchors; prints `OK <subject>`
//! last and exits 0, or names what failed and exits 1.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use dho_wss::pki::{CertificateValidator, TrustAnchors};
use dho_wss::wss::{SignatureProfile, VerificationPolicy, VerifiedEnvelope, Verifier};
use serde_json::json;

use crate::fail::{Exit, Failure, Result};
use crate::files;

/// The test CA (testdata/pki/ca.pem): trusts only the test PKI.
const TEST_CA: &[u8] = include_bytes!("../../testdata/pki/ca.pem");

/// Which trust anchors.
#[derive(Debug, Clone, Args)]
pub(crate) struct TrustArgs {
    /// A PEM file of trusted CA certificates (repeatable)
    #[arg(long = "ca", value_name = "CA.pem", required_unless_present = "test_ca")]
    cas: Vec<PathBuf>,
    /// Trust the shipped TEST CA (testdata/pki/ca.pem: tests and demos only)
    #[arg(long, conflicts_with = "cas")]
    test_ca: bool,
}

impl TrustArgs {
    pub(crate) fn anchors(&self) -> Result<TrustAnchors> {
        if self.test_ca {
            return TrustAnchors::from_pem(TEST_CA).map_err(|e| Failure::new(Exit::Invalid, format!("test CA: {e}")));
        }
        anchors(&self.cas)
    }
}

/// The trust anchors of the PEM files `cas`; an error names its file.
pub(crate) fn anchors(cas: &[PathBuf]) -> Result<TrustAnchors> {
    let mut bundle = Vec::new();
    for ca in cas {
        let pem = files::read(ca, files::MAX_PKI_FILE)?;
        // Each file alone first, so that an error names its file.
        TrustAnchors::from_pem(&pem).map_err(|e| Failure::invalid(ca, e))?;
        bundle.extend(pem);
        bundle.push(b'\n');
    }
    TrustAnchors::from_pem(&bundle).map_err(|e| Failure::new(Exit::Invalid, format!("trust anchors: {e}")))
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum AcceptProfile {
    /// The DHO profile (RSA-SHA1) or RSA-SHA256
    Any,
    /// Only the DHO profile (RSA-SHA1)
    Dho,
    /// Only RSA-SHA256
    Sha256,
}

impl AcceptProfile {
    pub(crate) fn policy(self) -> VerificationPolicy {
        match self {
            Self::Any => VerificationPolicy::dho_legacy_rsa_sha1().also_accept(SignatureProfile::rsa_sha256()),
            Self::Dho => VerificationPolicy::dho_legacy_rsa_sha1(),
            Self::Sha256 => VerificationPolicy::rsa_sha256(),
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    trust: TrustArgs,
    /// Which signature profiles are accepted
    #[arg(long, value_enum, default_value = "any")]
    profile: AcceptProfile,
    /// Print the result as one JSON object
    #[arg(long)]
    json: bool,
    /// The signed envelope
    #[arg(value_name = "IN")]
    input: PathBuf,
}

/// Verifies `input`: the verified envelope, or the one-line failure (exit 1).
pub(crate) fn verify_file(
    trust: &TrustArgs,
    profile: AcceptProfile,
    input: &Path,
) -> Result<std::result::Result<VerifiedEnvelope, Failure>> {
    let verifier = Verifier::new(profile.policy(), CertificateValidator::new(trust.anchors()?));
    let bytes = files::read(input, files::MAX_MESSAGE)?;
    Ok(verifier.verify_owned(bytes).map_err(|e| Failure::invalid(input, format!("{} {e}", e.fault_code().prefixed()))))
}

pub(crate) fn run(args: &VerifyArgs) -> Result<()> {
    let outcome = verify_file(&args.trust, args.profile, &args.input)?;
    match (&outcome, args.json) {
        (Ok(v), false) => println!("OK {}", v.signer().subject_dn()),
        (Ok(v), true) => {
            let signer = v.signer().info();
            println!(
                "{}",
                json!({
                    "file": args.input.display().to_string(),
                    "verdict": "OK",
                    "signer": {"subject": signer.subject_dn(), "issuer": signer.issuer_dn(), "serial": signer.serial_hex()},
                    "signature_algorithm": v.signature_algorithm().uri(),
                    "timestamp": v.timestamp().is_some(),
                })
            );
        }
        (Err(e), true) => {
            println!(
                "{}",
                json!({"file": args.input.display().to_string(), "verdict": "REJECTED", "error": e.message()})
            );
        }
        (Err(_), false) => {}
    }
    outcome.map(|_| ())
}
