//! Answers a signed DHO Verzoek as the provider (PEP + demo operation) would.
//!
//! `answer_verzoek [--bindings FILE] [--ca CA.pem]... [--key KEY.pem --cert CERT.pem | --p12 FILE.p12 --password PW]
//!  [--store ANSWERS.sqlite] IN.xml|-`
//!
//! Reads a signed Verzoek (`-`: standard input), verifies it against the trust anchors
//! (default: the shipped test CA; RSA-SHA1 DHO profile and RSA-SHA256 accepted), authorizes
//! the Afzender's Instellingsnummer against the binding file (default
//! `testdata/bindings/test.bindings`), answers each Vraag with the demo operation
//! (`examples/common/demo.rs`: GeefHistoriekInschrijving 02.01.0000 echoes the Criteria with
//! a fixed Inschrijving), signs the reply with the provider identity (default: the TEST
//! identity `testdata/pki/provider.*`) and prints it on standard output. A rejection prints
//! the Fault, or the Repliek with Uitzonderingen, and its reason on standard error.
//! `--store` keeps answers in a SQLite file (guaranteed delivery across runs; the demo
//! operation is a read, so its answers are not stored).
//!
//! Exit code: 0 a Repliek (also one with Uitzonderingen), 2 a Fault, 1 usage or I/O error.
//!
//! `cargo run -q --example sign_payload | cargo run -q --example answer_verzoek -- -`

use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::Arc;

use dho_wss::pki::CertificateValidator;
use dho_wss::provider::{AnswerStore, Bindings, MemoryStore, Outcome, Pep, PepPolicy, Provider};
use dho_wss::wss::{SignatureProfile, Signer, VerificationPolicy, Verifier};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[path = "common/cli.rs"]
mod cli;
#[path = "common/demo.rs"]
mod demo;

const USAGE: &str = "usage: answer_verzoek [--bindings FILE] [--ca CA.pem]... \
[--key KEY.pem --cert CERT.pem | --p12 FILE.p12 --password PW] [--store ANSWERS.sqlite] IN.xml|-";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let (mut bindings, mut cas, mut store) = (None, Vec::new(), None);
    let (mut key, mut cert, mut p12, mut password) = (None, None, None, None);
    let mut input = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value\n{USAGE}"));
        match a.as_str() {
            "--bindings" => bindings = Some(value("--bindings")?),
            "--ca" => cas.push(value("--ca")?),
            "--key" => key = Some(value("--key")?),
            "--cert" => cert = Some(value("--cert")?),
            "--p12" => p12 = Some(value("--p12")?),
            "--password" => password = Some(value("--password")?),
            "--store" => store = Some(value("--store")?),
            "-h" | "--help" => return Err(USAGE.into()),
            _ if a.starts_with("--") => return Err(format!("unknown option {a}\n{USAGE}")),
            _ if input.is_none() => input = Some(a),
            _ => return Err(format!("unexpected argument {a}\n{USAGE}")),
        }
    }
    let input = input.ok_or(USAGE)?;

    let bindings_path = bindings.unwrap_or_else(|| format!("{ROOT}/testdata/bindings/test.bindings"));
    let bindings = Bindings::from_file(&bindings_path).map_err(|e| format!("{bindings_path}: {e}"))?;
    let anchors = cli::trust_anchors(&cas)?;
    let identity = cli::identity(key, cert, p12, password, "provider", USAGE)?;

    let verifier = Verifier::new(
        VerificationPolicy::dho_legacy_rsa_sha1().also_accept(SignatureProfile::rsa_sha256()),
        CertificateValidator::new(anchors),
    );
    let policy = PepPolicy::new(verifier).bindings(bindings).operation(demo::operation());
    let store: Arc<dyn AnswerStore> = match store {
        None => Arc::new(MemoryStore::new()),
        Some(path) => open_store(&path)?,
    };
    let provider = Provider::new(Pep::new(policy), store)
        .with_reply_signer(Signer::new(identity, SignatureProfile::dho_legacy_rsa_sha1()));

    let mut request = Vec::new();
    if input == "-" {
        // The verifier refuses more than 16 MiB anyway; never buffer without bound.
        std::io::stdin().take(32 << 20).read_to_end(&mut request).map_err(|e| format!("stdin: {e}"))?;
    } else {
        request = std::fs::read(&input).map_err(|e| format!("{input}: {e}"))?;
    }

    let response = provider.handle(&request, &demo::DemoHandler);
    match response.outcome() {
        Outcome::Answered { handler_errors } => {
            for (referte, e) in handler_errors {
                eprintln!("Vraag {referte}: {e}");
            }
        }
        Outcome::Rejected(r) => eprintln!("rejected: {r}"),
        Outcome::Failed(e) => eprintln!("failed: {e}"),
        _ => {}
    }
    let mut out = std::io::stdout().lock();
    out.write_all(response.bytes()).and_then(|_| out.write_all(b"\n")).map_err(|e| format!("stdout: {e}"))?;
    Ok(if response.is_fault() { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

#[cfg(feature = "sqlite")]
fn open_store(path: &str) -> Result<Arc<dyn AnswerStore>, String> {
    let store = dho_wss::provider::SqliteStore::open(path).map_err(|e| format!("{path}: {e}"))?;
    Ok(Arc::new(store))
}

#[cfg(not(feature = "sqlite"))]
fn open_store(_: &str) -> Result<Arc<dyn AnswerStore>, String> {
    Err("--store needs the `sqlite` feature".into())
}
