//! `dho-wss oauth assertion`: an RFC 7523 `private_key_jwt` client assertion for ACM/IDM (or
//! another OAuth server), or with `--form` the whole client-credentials token request body.

use std::time::Duration;

use clap::{Args, Subcommand};
use dho_wss::clock::SystemClock;
use dho_wss::oauth::{ClientAssertion, KeyId, TokenRequest};
use serde_json::json;

use crate::fail::{Exit, Failure, Result};
use crate::identity::IdentityArgs;
use crate::sign::check_validity;

#[derive(Debug, Subcommand)]
pub(crate) enum OauthCommand {
    /// A signed client assertion (JWT, RS256) for the client-credentials grant
    #[command(
        after_help = "Examples:\n  dho-wss oauth assertion --client-id my-client --p12 inst.p12\n  dho-wss oauth assertion --client-id my-client --p12 inst.p12 --form --scope dho_notificaties \\\n    | curl --data @- https://authenticatie.vlaanderen.be/op/v1/token\n\nThe aud defaults to the ACM issuer; the kid is the key's RFC 7638 thumbprint, as `dho-wss cert jwk` prints it."
    )]
    Assertion(AssertionArgs),
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
    }
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
