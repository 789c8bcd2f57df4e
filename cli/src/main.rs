//! `dho-wss`: the operator's tool for DHO messages (sign, verify) and the certificate
//! lifecycle of the Flemish PKI pages (CSR, PKCS#12, JWK, OAuth client assertion).
//! See `cli/README.md`.
#![forbid(unsafe_code)]

use std::io::Write as _;
use std::process::ExitCode;

use clap::{CommandFactory as _, Parser, Subcommand};

mod answer;
mod batch;
mod batchfiles;
mod cert;
mod fail;
mod files;
mod identity;
mod inspect;
mod oauth;
mod password;
mod send;
mod serve;
mod sign;
mod verify;

use fail::{Failure, Result};

const EXIT_CODES: &str = "\
Exit codes:
  0  ok
  1  rejected or invalid (signature, certificate, corrupt file, wrong password, a SOAP Fault)
  2  usage (bad arguments, no identity, no password source)
  3  I/O or network (a file that cannot be read or written, an output that exists, a peer
     that cannot be reached or breaks off)

Passwords come from --password-env VAR, --password-file FILE, the variable DHO_WSS_PASSWORD
or a prompt on a terminal; never from a command-line value.";

/// The operator's tool for DHO messages and certificates.
#[derive(Debug, Parser)]
#[command(name = "dho-wss", version, about, after_help = EXIT_CODES, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Sign an unsigned SOAP 1.1 envelope with the DHO WS-Security profile
    #[command(
        after_help = "Examples:\n  DHO_WSS_PASSWORD=… dho-wss sign --p12 inst.p12 --timestamp verzoek.xml verzoek.signed.xml\n  dho-wss sign --key inst.key.pem --cert inst.chain.pem --token pkipath --batch unsigned/ signed/\n\nWarns when the certificate expires within 30 days; refuses an expired one unless --allow-expired."
    )]
    Sign(sign::SignArgs),
    /// Verify a signed envelope; prints `OK <subject>` last and exits 0, else exits 1
    #[command(after_help = "Example:\n  dho-wss verify --ca dho-ca.pem repliek.xml")]
    Verify(verify::VerifyArgs),
    /// Show what a message holds (SOAP structure, Context, Vragen, signature) and whether it verifies
    #[command(
        after_help = "Examples:\n  dho-wss inspect --ca dho-ca.pem repliek.xml\n  dho-wss inspect --test-ca --json verzoek.signed.xml\n\nExits 0 when the message verifies with the given anchors, 1 when it does not (the report is still printed)."
    )]
    Inspect(inspect::InspectArgs),
    /// Answer one signed Verzoek as the (test) provider: verify, authorize, answer with the demo operation, sign
    #[command(
        after_help = "Example:\n  dho-wss answer --test-identity --test-ca --test-bindings verzoek.signed.xml repliek.xml\n\nThe demo operation (GeefHistoriekInschrijving 02.01.0000) is not a real DHO service. Exits 0 for a Repliek without errors; a rejection is still written (the Fault or Repliek the provider sends) and exits 1."
    )]
    Answer(answer::AnswerArgs),
    /// The certificate lifecycle: CSR, PKCS#12, JWK
    #[command(subcommand)]
    Cert(cert::CertCommand),
    /// OAuth client authentication with the institution's key (ACM/IDM)
    #[command(subcommand)]
    Oauth(oauth::OauthCommand),
    /// MAGDA batch files
    #[command(subcommand)]
    Batch(batchfiles::BatchCommand),
    /// Sign a Verzoek, send it over HTTPS with mutual TLS and print the verified Repliek
    #[command(
        after_help = "Example:\n  dho-wss send --url https://pep.example:8443/ --p12 inst.p12 --server-ca ca.pem --provider-cert provider.pem verzoek.xml\n\nExit 1 for a Fault (its code on stderr) or a reply that does not verify; 3 for a network failure."
    )]
    Send(send::SendArgs),
    /// Run the PEP gateway of a configuration file (until SIGTERM or SIGINT)
    #[command(after_help = "Example:\n  dho-wss serve --config examples/pep.toml --listen 127.0.0.1:8443")]
    Serve(serve::ServeArgs),
    /// Print a shell completion script
    #[command(after_help = "Example:\n  dho-wss completions bash > /etc/bash_completion.d/dho-wss")]
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    #[command(after_help = "Example:\n  dho-wss man > /usr/local/share/man/man1/dho-wss.1")]
    Man,
}

fn run(cli: &Cli) -> Result<()> {
    match &cli.command {
        Command::Sign(a) => sign::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Answer(a) => answer::run(a),
        Command::Cert(c) => cert::run(c),
        Command::Oauth(c) => oauth::run(c),
        Command::Batch(c) => batchfiles::run(c),
        Command::Send(a) => send::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "dho-wss", &mut out);
            stdout(&out)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(|e| Failure::new(fail::Exit::Io, format!("man page: {e}")))?;
            stdout(&out)
        }
    }
}

pub(crate) fn stdout(bytes: &[u8]) -> Result<()> {
    std::io::stdout().write_all(bytes).map_err(|e| Failure::new(fail::Exit::Io, format!("standard output: {e}")))
}

fn main() -> ExitCode {
    // Clap exits 2 on a usage error, 0 for --help and --version.
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dho-wss: error: {}", e.message());
            e.exit.into()
        }
    }
}
