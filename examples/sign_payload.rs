//! Signs a DHO envelope with the DHO WS-Security profile.
//!
//! Without arguments: builds a sample Verzoek, signs it with the shipped TEST
//! identity (testdata/pki) and prints the signed envelope on stdout.
//!
//! With arguments:
//! `sign_payload [--key KEY.pem --cert CERT.pem | --p12 FILE.p12 --password PW]
//!  [--token x509v3|pkipath] [--timestamp] [--profile dho|sha256] IN.xml OUT.xml`
//! signs an existing unsigned SOAP 1.1 envelope.

use std::process::ExitCode;

use dho_wss::model::{
    Afzender, Envelope, Inhoud, Instellingsnummer, Insz, ModelError, Ontvanger, Operatie, Versie, Verzoek,
};
use dho_wss::wss::{SignatureProfile, Signer, TimestampOptions, TokenType};

#[path = "common/cli.rs"]
mod cli;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: sign_payload [--key KEY.pem --cert CERT.pem | --p12 FILE.p12 --password PW] \
[--token x509v3|pkipath] [--timestamp] [--profile dho|sha256] IN.xml OUT.xml";

fn run() -> Result<(), String> {
    let (mut key, mut cert, mut p12, mut password) = (None, None, None, None);
    let (mut token, mut timestamp, mut profile) = (TokenType::X509v3, false, SignatureProfile::dho_legacy_rsa_sha1());
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value\n{USAGE}"));
        match a.as_str() {
            "--key" => key = Some(value("--key")?),
            "--cert" => cert = Some(value("--cert")?),
            "--p12" => p12 = Some(value("--p12")?),
            "--password" => password = Some(value("--password")?),
            "--token" => {
                token = match value("--token")?.as_str() {
                    "x509v3" => TokenType::X509v3,
                    "pkipath" => TokenType::PkiPath,
                    other => return Err(format!("unknown token type {other:?}\n{USAGE}")),
                }
            }
            "--timestamp" => timestamp = true,
            "--profile" => {
                profile = match value("--profile")?.as_str() {
                    "dho" => SignatureProfile::dho_legacy_rsa_sha1(),
                    "sha256" => SignatureProfile::rsa_sha256(),
                    other => return Err(format!("unknown profile {other:?}\n{USAGE}")),
                }
            }
            "-h" | "--help" => return Err(USAGE.into()),
            _ if a.starts_with("--") => return Err(format!("unknown option {a}\n{USAGE}")),
            _ => files.push(a),
        }
    }
    let identity = cli::identity(key, cert, p12, password, "institution", USAGE)?;
    let mut signer = Signer::new(identity, profile).with_token(token);
    if timestamp {
        signer = signer.with_timestamp(TimestampOptions::default());
    }
    match files.as_slice() {
        [] => {
            let signed =
                signer.sign_message(&sample_verzoek().map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
            use std::io::Write;
            std::io::stdout().write_all(&signed).map_err(|e| e.to_string())?;
            println!();
            Ok(())
        }
        [input, output] => {
            let bytes = std::fs::read(input).map_err(|e| format!("{input}: {e}"))?;
            let signed = signer.sign_envelope(&bytes).map_err(|e| format!("{input}: {e}"))?;
            std::fs::write(output, signed).map_err(|e| format!("{output}: {e}"))
        }
        _ => Err(USAGE.into()),
    }
}

/// A GeefHistoriekInschrijving Verzoek of Instellingsnummer 001234 with two Vragen.
fn sample_verzoek() -> Result<Envelope, ModelError> {
    let afzender = Afzender::instelling(&Instellingsnummer::new("001234")?).hoedanigheid("801").build()?;
    let mut b = Verzoek::builder("GeefHistoriekInschrijving", Versie::new("02.01.0000")?, afzender)
        .ontvanger(Ontvanger::builder("dho2.ov.vlaanderen.be").build()?);
    for insz in ["85073003328", "05022845616"] {
        let criteria = format!(
            "<Criteria><INSZ>{}</INSZ><Periode><Begin>2023-09-01</Begin><Einde>2024-08-31</Einde></Periode></Criteria>",
            Insz::new(insz)?
        );
        b = b.vraag_inhoud(Inhoud::from_fragment(&criteria)?);
    }
    let operatie = Operatie::new(
        "http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be",
        "GeefHistoriekInschrijving",
    )?;
    Ok(Envelope::Verzoek { operatie, verzoek: b.build()? })
}
