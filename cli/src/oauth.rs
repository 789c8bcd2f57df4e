//! `dho-wss oauth assertion`: an RFC 7523 `private_key_jwt` client assertion for ACM/IDM (or
//! another OAuth server), or with `--form` the whole client-credentials token request body.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use dho_wss::client::{blocking, SendError, TokenRequestError};
use dho_wss::clock::SystemClock;
use dho_wss::oauth::{ClientAssertion, KeyId, TokenRequest};
use dho_wss::tls::ServerTrust;
use serde_json::json;

use crate::fail::{Exit, Failure, Result};
use crate::files;
use crate::identity::IdentityArgs;
use crate::sign::check_validity;

#[derive(Debug, Subcommand)]
pub(crate) enum OauthCommand {
    /// A signed client assertion (JWT, RS256) for the client-credentials grant
    #[command(
        after_help = "Examples:\n  dho-wss oauth assertion --client-id my-client --p12 inst.p12\n  dho-wss oauth assertion --client-id my-client --p12 inst.p12 --form --scope dho_notificaties \\\n    | curl --data @- https://authenticatie.vlaanderen.be/op/v1/token\n\nThe aud defaults to the ACM issuer; the kid is the key's RFC 7638 thumbprint, as `dho-wss cert jwk` prints it."
    )]
    Assertion(AssertionArgs),
    /// Get an access token: the client assertion POSTed to the token endpoint (client-credentials grant)
    #[command(
        after_help = "Example:\n  dho-wss oauth token --token-url https://authenticatie.vlaanderen.be/op/v1/token --client-id my-client --p12 inst.p12 --scope dho_notificaties\n\nPrints the access token (with --json the whole response). Exit 1 when the endpoint refuses (its error code on stderr), 3 when it cannot be reached.\nPlain http:// only to 127.0.0.1, ::1 or localhost (tests)."
    )]
    Token(TokenArgs),
}

#[derive(Debug, Args)]
pub(crate) struct TokenArgs {
    /// The token endpoint (https://…)
    #[arg(long, value_name = "URL")]
    token_url: String,
    /// The client id (iss and sub)
    #[arg(long, value_name = "ID")]
    client_id: String,
    /// The assertion's audience: the ACM issuer by default
    #[arg(long, value_name = "URL", default_value = ClientAssertion::ACM_AUDIENCE)]
    aud: String,
    /// The scope to ask for
    #[arg(long, value_name = "SCOPE")]
    scope: Option<String>,
    /// The CA certificates (PEM) the endpoint's TLS certificate must chain to (default: the platform's roots)
    #[arg(long, value_name = "CA.pem")]
    server_ca: Option<PathBuf>,
    /// Print the token response as JSON (access_token, token_type, expires_in, scope)
    #[arg(long)]
    json: bool,
    /// Leave the kid out of the JWT header
    #[arg(long)]
    no_kid: bool,
    /// Give up after this many seconds
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    timeout: u64,
    #[command(flatten)]
    identity: IdentityArgs,
}

#[derive(Debug, Args)]
pub(crate) struct AssertionArgs {
    /// The client id (iss and sub)
    #[arg(long, value_name = "ID")]
    client_id: String,
    /// The audience: the ACM issuer by default; the token URL for servers that want that
    #[arg(long, value_name = "URL", default_value = ClientAssertion::ACM_AUDIENCE)]
    aud: String,
    /// Lifetime in seconds (exp - iat), at most 600
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=600))]
    ttl: u64,
    /// Leave the kid out of the JWT header
    #[arg(long)]
    no_kid: bool,
    /// Print the application/x-www-form-urlencoded token request body instead of the JWT
    #[arg(long, conflicts_with = "json")]
    form: bool,
    /// The scope to ask for (with --form)
    #[arg(long, value_name = "SCOPE", requires = "form")]
    scope: Option<String>,
    /// Print the JWT with its jti, iat and exp as JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    identity: IdentityArgs,
}

pub(crate) fn run(cmd: &OauthCommand) -> Result<()> {
    match cmd {
        OauthCommand::Assertion(a) => assertion(a),
        OauthCommand::Token(a) => token(a),
    }
}

fn token(args: &TokenArgs) -> Result<()> {
    let mut builder = ClientAssertion::new(args.client_id.clone())
        .and_then(|a| a.audience(args.aud.clone()))
        .map_err(Failure::usage)?;
    if args.no_kid {
        builder = builder.kid(KeyId::None);
    }
    let trust = match &args.server_ca {
        Some(ca) => {
            let pem = files::read(ca, files::MAX_PKI_FILE)?;
            ServerTrust::from_pem(&pem).map_err(|e| Failure::invalid(ca, e))?
        }
        None => ServerTrust::platform().map_err(|e| Failure::new(Exit::Io, format!("platform CA roots: {e}")))?,
    };
    let identity = args.identity.load()?;
    check_validity(&identity, false, std::time::SystemTime::now())?;
    let signed = builder.sign(&identity, &SystemClock).map_err(|e| Failure::new(Exit::Invalid, e))?;
    let mut request = TokenRequest::client_credentials(args.client_id.clone(), &signed);
    if let Some(scope) = &args.scope {
        request = request.scope(scope.clone());
    }
    let url = &args.token_url;
    let response = blocking::request_token(url, &request, trust, Duration::from_secs(args.timeout)).map_err(|e| {
        let exit = match &e {
            TokenRequestError::Token(_) => Exit::Invalid,
            TokenRequestError::Transport(SendError::Endpoint { .. } | SendError::Config { .. }) => Exit::Usage,
            _ => Exit::Io,
        };
        Failure::new(exit, format!("{url}: {e}"))
    })?;
    if args.json {
        println!(
            "{}",
            json!({
                "access_token": response.access_token(),
                "token_type": response.token_type(),
                "expires_in": response.expires_in(),
                "scope": response.scope(),
            })
        );
    } else {
        println!("{}", response.access_token());
    }
    Ok(())
}

fn assertion(args: &AssertionArgs) -> Result<()> {
    let usage = |e: dho_wss::oauth::OauthError| Failure::usage(e);
    let mut builder = ClientAssertion::new(args.client_id.clone())
        .and_then(|a| a.audience(args.aud.clone()))
        .and_then(|a| a.ttl(Duration::from_secs(args.ttl)))
        .map_err(usage)?;
    if args.no_kid {
        builder = builder.kid(KeyId::None);
    }
    let identity = args.identity.load()?;
    check_validity(&identity, false, std::time::SystemTime::now())?;
    let signed = builder.sign(&identity, &SystemClock).map_err(|e| Failure::new(Exit::Invalid, e))?;
    if args.form {
        let mut request = TokenRequest::client_credentials(args.client_id.clone(), &signed);
        if let Some(scope) = &args.scope {
            request = request.scope(scope.clone());
        }
        println!("{}", request.body());
    } else if args.json {
        println!(
            "{}",
            json!({
                "client_assertion": signed.jwt(),
                "client_assertion_type": TokenRequest::ASSERTION_TYPE,
                "jti": signed.jti(),
                "iat": signed.issued_at(),
                "exp": signed.expires_at(),
            })
        );
    } else {
        println!("{}", signed.jwt());
    }
    Ok(())
}
