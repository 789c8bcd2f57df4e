//! `dho-wss answer`: answers one signed Verzoek file as the (test) provider does, like
//! `examples/answer_verzoek.rs`: verify, authorize through the PEP (bindings: which certificate
//! may speak for which Instellingsnummer), answer with the demo operation, sign the reply with
//! the provider identity and write it (`.tmp`, then renamed). A rejection is written as the
//! Fault (or the Repliek with an Uitzondering) the provider would send, and exits 1.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use dho_wss::pki::{CertificateValidator, SigningIdentity};
use dho_wss::provider::{AnswerStore, Bindings, MemoryStore, Outcome, Pep, PepPolicy, Provider};
use dho_wss::wss::{SignatureProfile, Signer, Verifier};

use crate::fail::{Exit, Failure, Result};
use crate::files;
use crate::identity::{load_p12, load_pem};
use crate::password::PasswordArgs;
use crate::verify::{self, AcceptProfile};

/// The demo operation (not a real DHO service): the file the example and the provider tests use.
#[allow(unreachable_pub, dead_code)]
#[path = "../../examples/common/demo.rs"]
mod demo;

/// The TEST provider identity (testdata/pki/provider.*): public, never for production.
const TEST_PROVIDER_KEY: &[u8] = include_bytes!("../../testdata/pki/provider.key.pem");
const TEST_PROVIDER_CERT: &[u8] = include_bytes!("../../testdata/pki/provider.crt.pem");
/// The TEST bindings (testdata/bindings/test.bindings).
const TEST_BINDINGS: &[u8] = include_bytes!("../../testdata/bindings/test.bindings");

#[derive(Debug, Args)]
pub(crate) struct AnswerArgs {
    /// The provider's private key (PEM)
    #[arg(long, value_name = "KEY.pem", requires = "cert", conflicts_with_all = ["p12", "test_identity"])]
    key: Option<PathBuf>,
    /// The provider's certificate chain (PEM, the signing certificate first)
    #[arg(long, value_name = "CERT.pem", requires = "key")]
    cert: Option<PathBuf>,
    /// The provider's identity as a PKCS#12 file
    #[arg(long, value_name = "F.p12", conflicts_with = "test_identity")]
    p12: Option<PathBuf>,
    /// Sign with the shipped TEST provider identity (testdata/pki/provider; tests and demos only)
    #[arg(long)]
    test_identity: bool,
    #[command(flatten)]
    password: PasswordArgs,
    /// A PEM file of CA certificates trusted for the requests' signers (repeatable)
    #[arg(long = "ca", value_name = "CA.pem", required_unless_present = "test_ca")]
    cas: Vec<PathBuf>,
    /// Trust the shipped TEST CA (testdata/pki/ca.pem: tests and demos only)
    #[arg(long, conflicts_with = "cas")]
    test_ca: bool,
    /// Which certificate may speak for which Instellingsnummer (see the provider module docs)
    #[arg(long, value_name = "FILE", required_unless_present = "test_bindings")]
    bindings: Option<PathBuf>,
    /// Use the shipped TEST bindings (testdata/bindings/test.bindings: tests and demos only)
    #[arg(long, conflicts_with = "bindings")]
    test_bindings: bool,
    /// Which signature profiles are accepted on the request
    #[arg(long, value_enum, default_value = "any")]
    profile: AcceptProfile,
    /// The signed Verzoek
    #[arg(value_name = "IN")]
    input: PathBuf,
    /// Where the signed reply (Repliek or Fault) is written
    #[arg(value_name = "OUT")]
    output: PathBuf,
}

impl AnswerArgs {
    fn identity(&self) -> Result<SigningIdentity> {
        if let (Some(key), Some(cert)) = (&self.key, &self.cert) {
            load_pem(key, cert, &self.password)
        } else if let Some(p12) = &self.p12 {
            load_p12(p12, &self.password)
        } else if self.test_identity {
            SigningIdentity::from_pem(TEST_PROVIDER_KEY, TEST_PROVIDER_CERT, None)
                .map_err(|e| Failure::new(Exit::Invalid, format!("test provider identity: {e}")))
        } else {
            Err(Failure::usage(
                "no provider identity: give --key KEY.pem --cert CERT.pem, or --p12 F.p12 (or --test-identity for the shipped TEST provider)",
            ))
        }
    }

    fn bindings(&self) -> Result<Bindings> {
        match &self.bindings {
            Some(path) => {
                let bytes = files::read(path, files::MAX_PKI_FILE)?;
                Bindings::from_bytes(&bytes).map_err(|e| Failure::invalid(path, e))
            }
            None => Bindings::from_bytes(TEST_BINDINGS)
                .map_err(|e| Failure::new(Exit::Invalid, format!("test bindings: {e}"))),
        }
    }
}

pub(crate) fn run(args: &AnswerArgs) -> Result<()> {
    // Everything that can fail on the command line's files first: no reply without a signer.
    let identity = args.identity()?;
    let bindings = args.bindings()?;
    let verifier =
        Verifier::new(args.profile.policy(), CertificateValidator::new(verify::anchors(&args.cas, args.test_ca)?));
    let request = files::read(&args.input, files::MAX_MESSAGE)?;

    let policy = PepPolicy::new(verifier).bindings(bindings).operation(demo::operation());
    let store: Arc<dyn AnswerStore> = Arc::new(MemoryStore::new());
    let provider = Provider::new(Pep::new(policy), store)
        .with_reply_signer(Signer::new(identity, SignatureProfile::dho_legacy_rsa_sha1()));
    let response = provider.handle(&request, &demo::DemoHandler);
    let problem = match response.outcome() {
        Outcome::Answered { handler_errors } => {
            let why: Vec<String> = handler_errors.iter().map(|(r, e)| format!("Vraag {r}: {e}")).collect();
            (!why.is_empty()).then(|| format!("answered with errors: {}", why.join("; ")))
        }
        Outcome::Rejected(r) => Some(format!("rejected: {r}")),
        Outcome::Failed(e) => Some(format!("failed: {e}")),
        other => Some(format!("{other:?}")),
    };
    if !response.is_signed() {
        let why = problem.unwrap_or_default();
        return Err(Failure::invalid(&args.input, format!("the reply could not be signed, nothing written: {why}")));
    }
    files::write(&args.output, response.bytes(), files::Mode::Replace)?;
    match problem {
        None if !response.is_fault() => {
            println!("answered {}", args.output.display());
            Ok(())
        }
        None => Err(Failure::invalid(&args.input, format!("answered with a Fault in {}", args.output.display()))),
        Some(why) => Err(Failure::invalid(&args.input, format!("{why}; reply written to {}", args.output.display()))),
    }
}
