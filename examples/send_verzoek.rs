//! Signs a Verzoek envelope, sends it over HTTPS with mutual TLS and prints the verified Repliek.
//!
//! `cargo run --features client --example send_verzoek -- --url URL [--key K --cert C | --p12 F
//! [--password PW]] --server-ca CA.pem --provider-cert P.pem IN.xml`
//!
//! Without identity flags the shipped **test** identity (`testdata/pki/institution.*`) signs and is
//! the TLS client certificate. The reply must be signed by the certificate in `--provider-cert`
//! (pinned by its SHA-256 fingerprint) under the test CA. Exit 0 with the Repliek on stdout, 2 for
//! a Fault (printed on stdout), 1 for an error (on stderr).

use std::process::ExitCode;

use dho_wss::client::{Client, Outcome, RetryPolicy};
use dho_wss::institution::ReplyVerifier;
use dho_wss::model::{Envelope, Repliek};
use dho_wss::pki::{CertificateInfo, CertificateSelector, CertificateValidator};
use dho_wss::tls::ServerTrust;
use dho_wss::wss::{SignatureProfile, Signer, VerificationPolicy, Verifier};
use dho_wss::xml::XmlWriter;

#[path = "common/cli.rs"]
mod cli;

const USAGE: &str = "usage: send_verzoek --url URL [--key K --cert C | --p12 F [--password PW]] \
                     --server-ca CA.pem --provider-cert P.pem IN.xml";

fn main() -> ExitCode {
    match run() {
        Ok((code, text)) => {
            println!("{text}");
            ExitCode::from(code)
        }
        Err(e) => {
            eprintln!("FAILED {e}");
            ExitCode::FAILURE
        }
    }
}

fn arg(args: &mut impl Iterator<Item = String>, flag: &str) -> Result<String, String> {
    args.next().ok_or(format!("{flag} needs a value\n{USAGE}"))
}

fn run() -> Result<(u8, String), String> {
    let (mut url, mut key, mut cert, mut p12, mut password) = (None, None, None, None, None);
    let (mut server_ca, mut provider_cert, mut input) = (None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--url" => url = Some(arg(&mut args, "--url")?),
            "--key" => key = Some(arg(&mut args, "--key")?),
            "--cert" => cert = Some(arg(&mut args, "--cert")?),
            "--p12" => p12 = Some(arg(&mut args, "--p12")?),
            "--password" => password = Some(arg(&mut args, "--password")?),
            "--server-ca" => server_ca = Some(arg(&mut args, "--server-ca")?),
            "--provider-cert" => provider_cert = Some(arg(&mut args, "--provider-cert")?),
            "-h" | "--help" => return Err(USAGE.into()),
            other if other.starts_with('-') => return Err(format!("unknown option {other}\n{USAGE}")),
            other if input.is_none() => input = Some(other.to_owned()),
            other => return Err(format!("unexpected argument {other}\n{USAGE}")),
        }
    }
    let url = url.ok_or(format!("--url is required\n{USAGE}"))?;
    let server_ca = server_ca.ok_or(format!("--server-ca is required\n{USAGE}"))?;
    let provider_cert = provider_cert.ok_or(format!("--provider-cert is required\n{USAGE}"))?;
    let input = input.ok_or(format!("no input file\n{USAGE}"))?;

    let identity = cli::identity(key, cert, p12, password, "institution", USAGE)?;
    let signer = Signer::new(identity, SignatureProfile::dho_legacy_rsa_sha1());
    let pin = fingerprint(&provider_cert)?;
    let selector = CertificateSelector::sha256(&pin).map_err(|e| e.to_string())?;
    let verifier =
        Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), CertificateValidator::new(cli::trust_anchors(&[])?));
    let replies = ReplyVerifier::new(verifier, selector);
    let trust = ServerTrust::pem_file(&server_ca).map_err(|e| e.to_string())?;
    let client = Client::builder(url, signer, replies)
        .server_trust(trust)
        .retry(RetryPolicy::default())
        .build()
        .map_err(|e| e.to_string())?;
    let client = dho_wss::client::blocking::Client::new(client).map_err(|e| e.to_string())?;

    let bytes = std::fs::read(&input).map_err(|e| format!("{input}: {e}"))?;
    let Envelope::Verzoek { operatie, verzoek } =
        Envelope::from_envelope_bytes(&bytes).map_err(|e| format!("{input}: {e}"))?
    else {
        return Err(format!("{input}: not a Verzoek envelope"));
    };
    match client.send(&operatie, &verzoek).map_err(|e| e.to_string())? {
        Outcome::Repliek { repliek, .. } => Ok((0, write_repliek(&repliek)?)),
        Outcome::Fault { fault, .. } => {
            Ok((2, format!("FAULT {:?} {}", fault.faultcode().local_name(), fault.faultstring())))
        }
        _ => Err("unknown outcome".into()),
    }
}

fn write_repliek(repliek: &Repliek) -> Result<String, String> {
    let mut w = XmlWriter::new();
    repliek.write(&mut w).map_err(|e| e.to_string())?;
    String::from_utf8(w.finish().map_err(|e| e.to_string())?).map_err(|e| e.to_string())
}

/// The SHA-256 fingerprint of the first certificate of a PEM file.
fn fingerprint(path: &str) -> Result<String, String> {
    use rustls_pki_types::pem::PemObject as _;
    let der = rustls_pki_types::CertificateDer::from_pem_file(path).map_err(|e| format!("{path}: {e}"))?;
    let info = CertificateInfo::from_certificate_der(&der).map_err(|e| format!("{path}: {e}"))?;
    Ok(info.sha256_fingerprint().to_owned())
}
