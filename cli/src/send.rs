//! `dho-wss send`: signs a Verzoek, sends it over HTTPS with mutual TLS through the library's
//! blocking client and prints the verified Repliek. A Fault exits 1 with its code on stderr.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use clap::Args;
use dho_wss::client::{blocking, Client, Outcome, RetryPolicy, SendError};
use dho_wss::institution::ReplyVerifier;
use dho_wss::model::{Envelope, Repliek};
use dho_wss::pki::{CertificateInfo, CertificateSelector, CertificateValidator, SigningIdentity, TrustAnchors};
use dho_wss::tls::ServerTrust;
use dho_wss::wss::{SignatureProfile, Signer, Verifier};
use dho_wss::xml::XmlWriter;

use crate::fail::{Exit, Failure, Result};
use crate::files;
use crate::identity::IdentityArgs;
use crate::sign::check_validity;
use crate::verify::{anchors, AcceptProfile};

#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    /// The service's URL (https://…)
    #[arg(long, value_name = "URL")]
    url: String,
    /// The CA certificates (PEM) that the server's TLS certificate must chain to
    #[arg(long, value_name = "CA.pem")]
    server_ca: PathBuf,
    /// The provider's signing certificate (PEM): the Repliek must be signed by exactly this one
    #[arg(long, value_name = "P.pem")]
    provider_cert: PathBuf,
    /// The CA certificates (PEM) the Repliek's signing certificate must chain to (repeatable;
    /// by default the --server-ca file)
    #[arg(long = "ca", value_name = "CA.pem")]
    cas: Vec<PathBuf>,
    /// Which signature profiles the Repliek may use
    #[arg(long, value_enum, default_value = "any")]
    accept: AcceptProfile,
    /// The unsigned Verzoek envelope
    #[arg(value_name = "IN")]
    input: PathBuf,
    #[command(flatten)]
    identity: IdentityArgs,
}

pub(crate) fn run(args: &SendArgs) -> Result<()> {
    let identity = args.identity.load()?;
    check_validity(&identity, false, std::time::SystemTime::now())?;
    let client = client(args, identity)?;
    let bytes = files::read(&args.input, files::MAX_MESSAGE)?;
    let Envelope::Verzoek { operatie, verzoek } =
        Envelope::from_envelope_bytes(&bytes).map_err(|e| Failure::invalid(&args.input, e))?
    else {
        return Err(Failure::invalid(&args.input, "not a Verzoek envelope"));
    };
    match client.send(&operatie, &verzoek).map_err(|e| send_failure(&args.url, &e))? {
        Outcome::Repliek { repliek, .. } => crate::stdout(&write_repliek(&repliek)?),
        Outcome::Fault { fault, .. } => Err(Failure::new(
            Exit::Invalid,
            format!("{}: Fault {}: {}", args.url, fault.faultcode().local_name(), fault.faultstring()),
        )),
        _ => Err(Failure::new(Exit::Invalid, format!("{}: an outcome this tool does not know", args.url))),
    }
}

/// The blocking client for `args` signing (and authenticating TLS) with `identity`.
fn client(args: &SendArgs, identity: SigningIdentity) -> Result<blocking::Client> {
    let pin = fingerprint(&args.provider_cert)?;
    let selector = CertificateSelector::sha256(&pin).map_err(|e| Failure::invalid(&args.provider_cert, e))?;
    let server_ca = files::read(&args.server_ca, files::MAX_PKI_FILE)?;
    let trust = ServerTrust::from_pem(&server_ca).map_err(|e| Failure::invalid(&args.server_ca, e))?;
    let anchors = if args.cas.is_empty() {
        TrustAnchors::from_pem(&server_ca).map_err(|e| Failure::invalid(&args.server_ca, e))?
    } else {
        anchors(&args.cas, false)?
    };
    let verifier = Verifier::new(args.accept.policy(), CertificateValidator::new(anchors));
    let signer = Signer::new(identity, SignatureProfile::dho_legacy_rsa_sha1());
    let client = Client::builder(args.url.clone(), signer, ReplyVerifier::new(verifier, selector))
        .server_trust(trust)
        .retry(RetryPolicy::default())
        .build()
        .map_err(|e| send_failure(&args.url, &e))?;
    blocking::Client::new(client).map_err(|e| send_failure(&args.url, &e))
}

/// A reply that was refused is exit 1; a configuration error exit 2; the network exit 3.
fn send_failure(url: &str, e: &SendError) -> Failure {
    let exit = match e.last() {
        SendError::Endpoint { .. } | SendError::Config { .. } => Exit::Usage,
        SendError::Sign(_)
        | SendError::ReplyNotSigned
        | SendError::UnexpectedSigner { .. }
        | SendError::ReplyVerification(_)
        | SendError::RefertesMismatch { .. }
        | SendError::InvalidReply(_) => Exit::Invalid,
        _ => Exit::Io,
    };
    Failure::new(exit, format!("{url}: {e}"))
}

fn write_repliek(repliek: &Repliek) -> Result<Vec<u8>> {
    let fail = |e: &dyn std::fmt::Display| Failure::new(Exit::Invalid, format!("writing the Repliek: {e}"));
    let mut w = XmlWriter::new();
    repliek.write(&mut w).map_err(|e| fail(&e))?;
    let mut out = w.finish().map_err(|e| fail(&e))?;
    out.push(b'\n');
    Ok(out)
}

/// The SHA-256 fingerprint of the first certificate of the PEM file `path`.
pub(crate) fn fingerprint(path: &Path) -> Result<String> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let pem = files::read(path, files::MAX_PKI_FILE)?;
    let text = std::str::from_utf8(&pem).map_err(|_| Failure::invalid(path, "not a PEM file (not UTF-8)"))?;
    let body = text
        .split_once(BEGIN)
        .and_then(|(_, rest)| rest.split_once(END))
        .map(|(body, _)| body)
        .ok_or_else(|| Failure::invalid(path, "no CERTIFICATE block"))?;
    let b64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| Failure::invalid(path, format!("CERTIFICATE block: {e}")))?;
    let info = CertificateInfo::from_certificate_der(&der).map_err(|e| Failure::invalid(path, e))?;
    Ok(info.sha256_fingerprint().to_owned())
}
