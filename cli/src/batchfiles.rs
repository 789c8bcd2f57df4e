//! `dho-wss batch build`: MAGDA batch request files — Vragen split into signed request files
//! named by a pattern (the library's `batch` module). Each input file holds the Inhoud of one
//! Vraag (an XML fragment); its file stem is the Vraag's Referte.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use dho_wss::batch::{FileNamePattern, RequestFiles};
use dho_wss::model::{Afzender, Inhoud, Instellingsnummer, Operatie, Referte, Versie, Vraag};
use dho_wss::wss::{SignatureProfile, Signer};
use serde_json::json;

use crate::fail::{Exit, Failure, Result};
use crate::files;
use crate::identity::IdentityArgs;
use crate::sign::check_validity;

/// Longest Vraag input file.
const MAX_VRAAG_FILE: u64 = 16 * 1024 * 1024;

#[derive(Debug, Subcommand)]
pub(crate) enum BatchCommand {
    /// Split Vragen into signed MAGDA request files
    #[command(
        after_help = "Example:\n  dho-wss batch build --operation NS:GeefPersoon --versie 02.00.0000 --per-file 500 --out to_vip/ --p12 inst.p12 vragen/*.xml\n\nThe Afzender is --instelling, or the signing certificate's subject serialNumber."
    )]
    Build(BuildArgs),
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
