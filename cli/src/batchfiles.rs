//! `dho-wss batch build|put|get`: MAGDA batch request files — Vragen split into signed request
//! files named by a pattern (the library's `batch` module) — and their transfer over FTPS
//! (`batch::ftps`). Each input file holds the Inhoud of one
//! Vraag (an XML fragment); its file stem is the Vraag's Referte.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use dho_wss::batch::ftps::{FtpsClient, FtpsConfig, FtpsError, GetOptions, ServerTrust, Staging};
use dho_wss::batch::{FileNamePattern, Journal, RequestFiles};
use dho_wss::institution::ReplyVerifier;
use dho_wss::model::{Afzender, Inhoud, Instellingsnummer, Operatie, Referte, Versie, Vraag};
use dho_wss::pki::{CertificateSelector, CertificateValidator};
use dho_wss::wss::{SignatureProfile, Signer, VerificationPolicy, Verifier};
use serde_json::json;

use crate::fail::{Exit, Failure, Result};
use crate::files;
use crate::identity::IdentityArgs;
use crate::sign::check_validity;
use crate::verify::anchors;

/// Longest Vraag input file.
const MAX_VRAAG_FILE: u64 = 16 * 1024 * 1024;

#[derive(Debug, Subcommand)]
pub(crate) enum BatchCommand {
    /// Split Vragen into signed MAGDA request files
    #[command(
        after_help = "Example:\n  dho-wss batch build --operation NS:GeefPersoon --versie 02.00.0000 --per-file 500 --out to_vip/ --p12 inst.p12 vragen/*.xml\n\nThe Afzender is --instelling, or the signing certificate's subject serialNumber."
    )]
    Build(BuildArgs),
    /// Put request files on the MAGDA FTPS server (explicit FTPS, client certificate)
    #[command(
        after_help = "Example:\n  dho-wss batch put --host ftps.magda.example --server-ca magda-ca.pem --p12 inst.p12 to_vip/*.xml\n\nJournals what was put (--journal) and never puts a journaled file again. An FTP password, if the server wants one, comes from DHO_WSS_FTP_PASSWORD."
    )]
    Put(PutArgs),
    /// Get the answer files from the MAGDA FTPS server, verified when --reply-cn is given
    #[command(
        after_help = "Example:\n  dho-wss batch get --host ftps.magda.example --server-ca magda-ca.pem --p12 inst.p12 --reply-ca magda-ca.pem --reply-cn MAGDA --out from_vip/\n\nExit 1 when a file was refused (it stays on the server)."
    )]
    Get(GetArgs),
}

/// The FTPS server and how to log in.
#[derive(Debug, Args)]
pub(crate) struct ServerArgs {
    /// The FTPS server's host
    #[arg(long, value_name = "H")]
    host: String,
    /// Its control port
    #[arg(long, value_name = "PORT", default_value_t = 21)]
    port: u16,
    /// The CA certificates (PEM) the server's TLS certificate must chain to
    #[arg(long, value_name = "CA.pem")]
    server_ca: PathBuf,
    /// The FTP user (default: as the server derives it from the client certificate)
    #[arg(long, value_name = "U")]
    user: Option<String>,
    /// Use the control connection's address for passive data connections (servers behind NAT)
    #[arg(long)]
    nat_workaround: bool,
    /// Print a JSON summary
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    identity: IdentityArgs,
}

impl ServerArgs {
    fn config(&self) -> Result<FtpsConfig> {
        let trust = ServerTrust::ca_pem_file(&self.server_ca).map_err(|e| Failure::invalid(&self.server_ca, e))?;
        let identity = self.identity.load()?;
        check_validity(&identity, false, std::time::SystemTime::now())?;
        let mut config = FtpsConfig::new(self.host.clone(), Arc::new(identity), trust)
            .port(self.port)
            .passive_nat_workaround(self.nat_workaround);
        if let Some(user) = &self.user {
            config = config.user(user.clone());
        }
        if let Ok(password) = std::env::var("DHO_WSS_FTP_PASSWORD") {
            config = config.password(password);
        }
        Ok(config)
    }
}

#[derive(Debug, Args)]
pub(crate) struct PutArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// The remote folder
    #[arg(long, value_name = "DIR", default_value = "to_vip")]
    remote_dir: String,
    /// The journal of files put
    #[arg(long, value_name = "FILE", default_value = "dho-wss-put.journal")]
    journal: PathBuf,
    /// The request files
    #[arg(value_name = "FILES", required = true)]
    files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// The remote folder
    #[arg(long, value_name = "DIR", default_value = "from_vip")]
    remote_dir: String,
    /// The CA certificates (PEM) of the answers' signatures (repeatable; default: the --server-ca file)
    #[arg(long, value_name = "CA.pem", requires = "reply_cn")]
    reply_ca: Vec<PathBuf>,
    /// Verify `.xml` answers: signed by the certificate with this Common Name
    #[arg(long, value_name = "CN")]
    reply_cn: Option<String>,
    /// The local folder the answers are stored in (created if missing)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct BuildArgs {
    /// The operation, NAMESPACE:NAME
    #[arg(long, value_name = "NS:NAME")]
    operation: String,
    /// The operation's version
    #[arg(long, value_name = "V")]
    versie: String,
    /// Vragen per request file
    #[arg(long, value_name = "N")]
    per_file: usize,
    /// The folder the request files are written into (created if missing)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The Afzender's Instellingsnummer (default: the certificate's subject serialNumber)
    #[arg(long, value_name = "NNNNNN")]
    instelling: Option<String>,
    /// The file name pattern (default {service}_{date}_{seq:6}.xml)
    #[arg(long, value_name = "P")]
    pattern: Option<String>,
    /// Print a JSON summary
    #[arg(long)]
    json: bool,
    /// The Vraag files: each the Inhoud of one Vraag, its file stem the Referte
    #[arg(value_name = "VRAGEN", required = true)]
    vragen: Vec<PathBuf>,
    #[command(flatten)]
    identity: IdentityArgs,
}

pub(crate) fn run(cmd: &BatchCommand) -> Result<()> {
    match cmd {
        BatchCommand::Build(a) => build(a),
        BatchCommand::Put(a) => put(a),
        BatchCommand::Get(a) => get(a),
    }
}

fn ftps_failure(host: &str, e: FtpsError) -> Failure {
    Failure::new(Exit::Io, format!("{host}: {e}"))
}

fn put(args: &PutArgs) -> Result<()> {
    let config = args.server.config()?;
    for f in &args.files {
        std::fs::metadata(f).map_err(|e| Failure::io(f, e))?;
    }
    let mut journal = Journal::open(&args.journal).map_err(|e| Failure::io(&args.journal, e))?;
    let host = &args.server.host;
    let mut client = FtpsClient::connect(&config).map_err(|e| ftps_failure(host, e))?;
    let summary = client
        .put(&args.files, &args.remote_dir, Some("cache/to_vip"), &Staging::TmpSuffix, &mut journal)
        .map_err(|e| ftps_failure(host, e))?;
    client.quit().map_err(|e| ftps_failure(host, e))?;
    if args.server.json {
        println!("{}", summary.to_json());
    } else {
        println!("{summary}");
    }
    Ok(())
}

fn get(args: &GetArgs) -> Result<()> {
    let config = args.server.config()?;
    let mut options = GetOptions::default().remote_dir(args.remote_dir.clone());
    if let Some(cn) = &args.reply_cn {
        let anchors = if args.reply_ca.is_empty() {
            anchors(std::slice::from_ref(&args.server.server_ca), false)?
        } else {
            anchors(&args.reply_ca, false)?
        };
        let verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), CertificateValidator::new(anchors));
        options = options.verify_with(ReplyVerifier::new(verifier, CertificateSelector::common_name(cn.clone())));
    }
    std::fs::create_dir_all(&args.out).map_err(|e| Failure::io(&args.out, e))?;
    let host = &args.server.host;
    let mut client = FtpsClient::connect(&config).map_err(|e| ftps_failure(host, e))?;
    let summary = client.get(&args.out, &options).map_err(|e| ftps_failure(host, e))?;
    client.quit().map_err(|e| ftps_failure(host, e))?;
    if args.server.json {
        println!("{}", summary.to_json());
    } else {
        println!("{summary}");
    }
    if summary.refused.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(
            Exit::Invalid,
            format!("{host}: {} file(s) refused and left on the server", summary.refused.len()),
        ))
    }
}

fn build(args: &BuildArgs) -> Result<()> {
    let (ns, naam) = args.operation.rsplit_once(':').ok_or_else(|| Failure::usage("--operation is NAMESPACE:NAME"))?;
    let operatie = Operatie::new(ns, naam).map_err(|e| Failure::usage(format!("--operation: {e}")))?;
    let versie = Versie::new(&args.versie).map_err(|e| Failure::usage(format!("--versie: {e}")))?;
    let identity = args.identity.load()?;
    check_validity(&identity, false, std::time::SystemTime::now())?;
    let nummer = match &args.instelling {
        Some(n) => n.clone(),
        None => identity
            .certificate()
            .subject_serial_number()
            .ok_or_else(|| Failure::usage("the certificate has no subject serialNumber: give --instelling"))?
            .to_owned(),
    };
    let nummer = Instellingsnummer::new(&nummer).map_err(|e| Failure::usage(format!("Instellingsnummer: {e}")))?;
    let signer = Signer::new(identity, SignatureProfile::dho_legacy_rsa_sha1());
    let mut builder = RequestFiles::new(operatie, versie, Afzender::instelling(&nummer), signer)
        .per_file(args.per_file)
        .map_err(|e| Failure::usage(format!("--per-file: {e}")))?;
    if let Some(p) = &args.pattern {
        builder = builder.pattern(FileNamePattern::new(p).map_err(|e| Failure::usage(format!("--pattern: {e}")))?);
    }
    let mut vragen = Vec::with_capacity(args.vragen.len());
    for path in &args.vragen {
        let stem = path.file_stem().and_then(|s| s.to_str()).ok_or_else(|| Failure::invalid(path, "no file name"))?;
        let referte =
            Referte::new(stem).map_err(|e| Failure::invalid(path, format!("Referte from the file name: {e}")))?;
        let bytes = files::read(path, MAX_VRAAG_FILE)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| Failure::invalid(path, "not UTF-8"))?;
        let inhoud = Inhoud::from_fragment(text).map_err(|e| Failure::invalid(path, e))?;
        vragen.push(Vraag::new(referte, inhoud));
    }
    let built = builder.build(vragen).map_err(|e| Failure::new(Exit::Invalid, e))?;
    std::fs::create_dir_all(&args.out).map_err(|e| Failure::io(&args.out, e))?;
    let mut summary = Vec::with_capacity(built.len());
    for f in &built {
        let path = f.write_into(&args.out).map_err(|e| Failure::io(&args.out.join(f.name()), e))?;
        summary.push((path, f.refertes().len(), f.bytes().len()));
    }
    if args.json {
        let files: Vec<_> =
            summary.iter().map(|(p, n, b)| json!({"file": p.display().to_string(), "vragen": n, "bytes": b})).collect();
        println!("{}", json!({ "files": files }));
    } else {
        for (p, n, b) in &summary {
            println!("{} ({n} Vragen, {b} bytes)", p.display());
        }
    }
    Ok(())
}
