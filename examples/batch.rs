//! MAGDA batch files: build signed request files, put them on the FTPS server, get the answers.
//! The flags are those of `dho-wss batch` in issue 15 (until the operator tool has the command).
//!
//! ```text
//! cargo run --features ftps --example batch -- build --operation NS:NAME --versie V --per-file N --out DIR
//!     [--key K --cert C | --p12 F [--password P]] [--instelling NNNNNN] [--pattern P] [--unsigned] VRAGEN...
//! cargo run --features ftps --example batch -- put --host H [--port 21] --server-ca CA.pem
//!     [--key K --cert C | --p12 F [--password P]] [--user U] [--remote-dir to_vip] [--journal FILE] [--json] FILES...
//! cargo run --features ftps --example batch -- get --host H [--port 21] --server-ca CA.pem
//!     [--key K --cert C | --p12 F [--password P]] [--user U] [--remote-dir from_vip]
//!     [--reply-ca CA.pem --reply-cn CN] [--json] --out DIR
//! ```
//!
//! `build`: each VRAGEN file holds the Inhoud of one Vraag (an XML fragment); its file stem is
//! the Vraag's Referte. The Afzender is the Instellingsnummer of `--instelling`, or the signing
//! certificate's subject serialNumber. Without key options the shipped TEST identity is used.
//! `put` journals what it put in `--journal` (default `dho-wss-put.journal`) and never puts a
//! journaled file again. The FTP password, if the server needs one, comes from the environment
//! variable `DHO_WSS_FTP_PASSWORD` (not the command line). `get` verifies `.xml` answers when
//! `--reply-cn` is given (signed by that certificate under `--reply-ca`, default the test CA).
//! Prints a summary (or JSON with `--json`); exits 1 with the error otherwise, and after `get`
//! when a file was refused (left on the server).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use dho_wss::batch::ftps::{FtpsClient, FtpsConfig, GetOptions, ServerTrust, Staging};
use dho_wss::batch::{FileNamePattern, Journal, RequestFiles};
use dho_wss::institution::ReplyVerifier;
use dho_wss::model::{Afzender, Inhoud, Instellingsnummer, Operatie, Referte, Versie, Vraag};
use dho_wss::pki::{CertificateSelector, CertificateValidator, SigningIdentity};
use dho_wss::wss::{SignatureProfile, Signer, VerificationPolicy, Verifier};

#[path = "common/cli.rs"]
mod cli;

const USAGE: &str = "usage: batch build|put|get … (see the header of examples/batch.rs)";

#[derive(Default)]
struct Args {
    flags: std::collections::HashMap<String, String>,
    switches: Vec<String>,
    positional: Vec<String>,
}

impl Args {
    fn parse(args: impl Iterator<Item = String>) -> Result<Args, String> {
        const SWITCHES: &[&str] = &["--json", "--unsigned", "--nat-workaround"];
        let mut out = Args::default();
        let mut it = args.peekable();
        while let Some(a) = it.next() {
            if SWITCHES.contains(&a.as_str()) {
                out.switches.push(a);
            } else if a.starts_with("--") {
                let v = it.next().ok_or(format!("{a} needs a value\n{USAGE}"))?;
                if out.flags.insert(a.clone(), v).is_some() {
                    return Err(format!("{a} given twice"));
                }
            } else {
                out.positional.push(a);
            }
        }
        Ok(out)
    }
    fn get(&mut self, name: &str) -> Option<String> {
        self.flags.remove(name)
    }
    fn need(&mut self, name: &str) -> Result<String, String> {
        self.get(name).ok_or(format!("{name} is required\n{USAGE}"))
    }
    fn switch(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }
    fn identity(&mut self) -> Result<SigningIdentity, String> {
        let (k, c, p, pw) = (self.get("--key"), self.get("--cert"), self.get("--p12"), self.get("--password"));
        cli::identity(k, c, p, pw, "institution", USAGE)
    }
    fn done(&self) -> Result<(), String> {
        match self.flags.keys().next() {
            Some(unknown) => Err(format!("unknown option {unknown}\n{USAGE}")),
            None => Ok(()),
        }
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("FAILED {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut argv = std::env::args().skip(1);
    let command = argv.next().ok_or(USAGE)?;
    let mut args = Args::parse(argv)?;
    match command.as_str() {
        "build" => build(args),
        "put" | "get" => {
            let config = ftps_config(&mut args)?;
            if command == "put" {
                put(args, &config)
            } else {
                get(args, &config)
            }
        }
        _ => Err(USAGE.to_owned()),
    }
}

fn build(mut args: Args) -> Result<(), String> {
    let operation = args.need("--operation")?;
    let (ns, naam) = operation.rsplit_once(':').ok_or("--operation is NAMESPACE:NAME")?;
    let operatie = Operatie::new(ns, naam).map_err(|e| e.to_string())?;
    let versie = Versie::new(&args.need("--versie")?).map_err(|e| e.to_string())?;
    let per_file: usize = args.need("--per-file")?.parse().map_err(|_| "--per-file is a number")?;
    let out = PathBuf::from(args.need("--out")?);
    let pattern = args.get("--pattern");
    let instelling = args.get("--instelling");
    let identity = args.identity()?;
    args.done()?;
    let nummer = match instelling {
        Some(n) => n,
        None => identity
            .certificate()
            .subject_serial_number()
            .ok_or("the certificate has no serialNumber: give --instelling")?
            .to_owned(),
    };
    let afzender = Afzender::instelling(&Instellingsnummer::new(&nummer).map_err(|e| e.to_string())?);
    let mut builder = if args.switch("--unsigned") {
        RequestFiles::unsigned(operatie, versie, afzender)
    } else {
        RequestFiles::new(operatie, versie, afzender, Signer::new(identity, SignatureProfile::dho_legacy_rsa_sha1()))
    };
    builder = builder.per_file(per_file).map_err(|e| e.to_string())?;
    if let Some(p) = pattern {
        builder = builder.pattern(FileNamePattern::new(&p).map_err(|e| e.to_string())?);
    }
    let mut vragen = Vec::new();
    for file in &args.positional {
        let path = PathBuf::from(file);
        let stem = path.file_stem().and_then(|s| s.to_str()).ok_or(format!("{file}: no file name"))?;
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{file}: {e}"))?;
        let referte = Referte::new(stem).map_err(|e| format!("{file}: Referte: {e}"))?;
        let inhoud = Inhoud::from_fragment(&text).map_err(|e| format!("{file}: {e}"))?;
        vragen.push(Vraag::new(referte, inhoud));
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    for f in builder.build(vragen).map_err(|e| e.to_string())? {
        let path = f.write_into(&out).map_err(|e| e.to_string())?;
        println!("{} ({} Vragen, {} bytes)", path.display(), f.refertes().len(), f.bytes().len());
    }
    Ok(())
}

fn ftps_config(args: &mut Args) -> Result<FtpsConfig, String> {
    let host = args.need("--host")?;
    let port: u16 = args.get("--port").unwrap_or_else(|| "21".to_owned()).parse().map_err(|_| "--port is a number")?;
    let trust = ServerTrust::ca_pem_file(args.need("--server-ca")?).map_err(|e| e.to_string())?;
    let identity = args.identity()?;
    let mut config = FtpsConfig::new(host, Arc::new(identity), trust)
        .port(port)
        .passive_nat_workaround(args.switch("--nat-workaround"));
    if let Some(user) = args.get("--user") {
        config = config.user(user);
    }
    if let Ok(password) = std::env::var("DHO_WSS_FTP_PASSWORD") {
        config = config.password(password);
    }
    Ok(config)
}

fn put(mut args: Args, config: &FtpsConfig) -> Result<(), String> {
    let remote = args.get("--remote-dir").unwrap_or_else(|| "to_vip".to_owned());
    let journal = args.get("--journal").unwrap_or_else(|| "dho-wss-put.journal".to_owned());
    args.done()?;
    let files: Vec<PathBuf> = args.positional.iter().map(PathBuf::from).collect();
    let mut journal = Journal::open(&journal).map_err(|e| e.to_string())?;
    let mut client = FtpsClient::connect(config).map_err(|e| e.to_string())?;
    let summary = client
        .put(&files, &remote, Some("cache/to_vip"), &Staging::TmpSuffix, &mut journal)
        .map_err(|e| e.to_string())?;
    client.quit().map_err(|e| e.to_string())?;
    if args.switch("--json") {
        println!("{}", summary.to_json());
    } else {
        println!("{summary}");
    }
    Ok(())
}

fn get(mut args: Args, config: &FtpsConfig) -> Result<(), String> {
    let out = PathBuf::from(args.need("--out")?);
    let mut options =
        GetOptions::default().remote_dir(args.get("--remote-dir").unwrap_or_else(|| "from_vip".to_owned()));
    let reply_ca = args.get("--reply-ca");
    if let Some(cn) = args.get("--reply-cn") {
        let anchors = cli::trust_anchors(&reply_ca.into_iter().collect::<Vec<_>>())?;
        let verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), CertificateValidator::new(anchors));
        options = options.verify_with(ReplyVerifier::new(verifier, CertificateSelector::common_name(cn)));
    }
    args.done()?;
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut client = FtpsClient::connect(config).map_err(|e| e.to_string())?;
    let summary = client.get(&out, &options).map_err(|e| e.to_string())?;
    client.quit().map_err(|e| e.to_string())?;
    if args.switch("--json") {
        println!("{}", summary.to_json());
    } else {
        println!("{summary}");
    }
    if summary.refused.is_empty() {
        Ok(())
    } else {
        Err(format!("{} file(s) refused and left on the server", summary.refused.len()))
    }
}
