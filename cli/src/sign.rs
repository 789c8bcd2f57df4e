//! `dho-wss sign`: signs an unsigned SOAP 1.1 envelope (or, with `--batch`, every file of a
//! directory) with the DHO WS-Security profile.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use clap::{Args, ValueEnum};
use dho_wss::pki::SigningIdentity;
use dho_wss::wss::{SignatureProfile, Signer, TimestampOptions, TokenType};

use crate::fail::{Exit, Failure, Result};
use crate::files::{self, Mode};
use crate::identity::{days_until, utc, IdentityArgs};

/// Warn when the certificate expires within this many days.
const WARN_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Token {
    /// The signing certificate alone
    X509v3,
    /// The certificate chain as a PkiPath (as the MAGDA reference connector sends it)
    Pkipath,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Profile {
    /// The DHO profile: RSA-SHA1 with SHA-1 digests (legacy, what the DHO requires)
    Dho,
    /// RSA-SHA256 with SHA-256 digests
    Sha256,
}

#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    #[command(flatten)]
    identity: IdentityArgs,
    /// The security token that carries the certificate
    #[arg(long, value_enum, default_value = "x509v3")]
    token: Token,
    /// Add a signed wsu:Timestamp (Created now, Expires after --timestamp-ttl)
    #[arg(long)]
    timestamp: bool,
    /// The Timestamp's lifetime in seconds
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400), requires = "timestamp")]
    timestamp_ttl: u64,
    /// The signature profile
    #[arg(long, value_enum, default_value = "dho")]
    profile: Profile,
    /// Sign even when the certificate has expired (a warning is printed)
    #[arg(long)]
    allow_expired: bool,
    /// Sign every file of the directory IN into the directory OUT (same file names)
    #[arg(long)]
    batch: bool,
    /// The unsigned envelope (with --batch: a directory)
    #[arg(value_name = "IN")]
    input: PathBuf,
    /// Where the signed envelope is written (with --batch: a directory)
    #[arg(value_name = "OUT")]
    output: PathBuf,
}

/// Refuses an expired certificate (unless allowed) and warns about one that is not yet valid
/// or expires soon. The warnings go to standard error.
pub(crate) fn check_validity(identity: &SigningIdentity, allow_expired: bool, now: SystemTime) -> Result<()> {
    let cert = identity.certificate();
    let subject = cert.subject_dn();
    if cert.not_after() < now {
        let msg = format!("the signing certificate ({subject}) expired on {}", utc(cert.not_after()));
        if !allow_expired {
            return Err(Failure::new(
                Exit::Invalid,
                format!("{msg}; refusing to sign (--allow-expired to sign anyway)"),
            ));
        }
        eprintln!("dho-wss: warning: {msg}");
    } else if cert.not_before() > now {
        eprintln!(
            "dho-wss: warning: the signing certificate ({subject}) is not valid before {}",
            utc(cert.not_before())
        );
    } else {
        let days = days_until(cert.not_after(), now);
        if days < WARN_DAYS {
            eprintln!(
                "dho-wss: warning: the signing certificate ({subject}) expires in {days} days, on {}",
                utc(cert.not_after())
            );
        }
    }
    Ok(())
}

pub(crate) fn run(args: &SignArgs) -> Result<()> {
    let identity = args.identity.load()?;
    check_validity(&identity, args.allow_expired, SystemTime::now())?;
    let profile = match args.profile {
        Profile::Dho => SignatureProfile::dho_legacy_rsa_sha1(),
        Profile::Sha256 => SignatureProfile::rsa_sha256(),
    };
    let token = match args.token {
        Token::X509v3 => TokenType::X509v3,
        Token::Pkipath => TokenType::PkiPath,
    };
    let mut signer = Signer::new(identity, profile).with_token(token);
    if args.timestamp {
        signer = signer.with_timestamp(TimestampOptions { ttl: Duration::from_secs(args.timestamp_ttl) });
    }
    if args.batch {
        return crate::batch::run(&signer, &args.input, &args.output);
    }
    sign_file(&signer, &args.input, &args.output)
}

/// Signs one file into `output` (through a temporary file).
pub(crate) fn sign_file(signer: &Signer, input: &Path, output: &Path) -> Result<()> {
    let bytes = files::read(input, files::MAX_MESSAGE)?;
    let signed = signer.sign_envelope_owned(bytes).map_err(|e| Failure::invalid(input, e))?;
    files::write(output, &signed, Mode::Replace)
}
