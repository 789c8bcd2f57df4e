//! The OAuth client-credentials token request (`oauth`) over the client's connection code:
//! POST a [`TokenRequest`] to the token endpoint and parse its [`TokenResponse`].

use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::conn::{self, Endpoint};
use super::error::{SendError, TimeoutKind};
use crate::oauth::{TokenError, TokenRequest, TokenResponse, MAX_TOKEN_RESPONSE_LEN};
use crate::tls::{ClientTls, ServerTrust};

/// Why no access token was obtained.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenRequestError {
    /// The endpoint could not be reached, TLS failed, or the exchange broke off.
    #[error(transparent)]
    Transport(#[from] SendError),
    /// The endpoint answered, but not with a token: refused (RFC 6749 §5.2) or malformed.
    #[error(transparent)]
    Token(#[from] TokenError),
}

/// POSTs `request` to the token endpoint `url` and parses the answer, all within `timeout`.
///
/// `url` is `https://…` (the server authenticated by `trust`; the client authenticates with
/// the assertion inside `request`, not with a TLS certificate), or `http://` to a loopback host
/// (`127.0.0.1`, `::1`, `localhost`) for tests. No proxy is used.
pub async fn request_token(
    url: &str,
    request: &TokenRequest,
    trust: ServerTrust,
    timeout: Duration,
) -> Result<TokenResponse, TokenRequestError> {
    match tokio::time::timeout(timeout, exchange(url, request, trust)).await {
        Ok(result) => result,
        Err(_) => Err(SendError::Timeout { which: TimeoutKind::Total, after: timeout }.into()),
    }
}

async fn exchange(url: &str, request: &TokenRequest, trust: ServerTrust) -> Result<TokenResponse, TokenRequestError> {
    let (endpoint, plain) = endpoint(url)?;
    let sender = if plain {
        let tcp = TcpStream::connect((endpoint.host.as_str(), endpoint.port))
            .await
            .map_err(|source| SendError::Connect { address: endpoint.address(), source })?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
            .await
            .map_err(|e| conn::exchange_error(&endpoint, &e))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        sender
    } else {
        let config = ClientTls::new(trust).build().map_err(|e| SendError::Config { reason: e.to_string() })?;
        conn::connect(&endpoint, None, &conn::connector(config)).await?
    };
    let http = hyper::Request::post(endpoint.path.as_str())
        .header(hyper::header::HOST, endpoint.authority.as_str())
        .header(hyper::header::CONTENT_TYPE, TokenRequest::CONTENT_TYPE)
        .header(hyper::header::ACCEPT, "application/json")
        .body(Full::new(Bytes::from(request.body())))
        .map_err(|e| SendError::Config { reason: format!("token request: {e}") })?;
    let (reply, _) = conn::exchange(&endpoint, sender, http, MAX_TOKEN_RESPONSE_LEN).await?;
    Ok(TokenResponse::parse(reply.status, &reply.body)?)
}

/// The endpoint of `url`, and whether it is plain HTTP (allowed only to a loopback host).
fn endpoint(url: &str) -> Result<(Endpoint, bool), SendError> {
    let Some(rest) = url.strip_prefix("http://") else {
        return Ok((Endpoint::parse(url)?, false));
    };
    let mut endpoint = Endpoint::parse(&format!("https://{rest}"))?;
    endpoint.url = url.to_owned();
    if !matches!(endpoint.host.as_str(), "127.0.0.1" | "::1" | "localhost") {
        return Err(SendError::Endpoint {
            url: url.to_owned(),
            reason: "plain http:// only to 127.0.0.1, ::1 or localhost (tests); use https://".into(),
        });
    }
    if !endpoint.authority.contains(':') || endpoint.authority.ends_with(']') {
        endpoint.port = 80;
    }
    Ok((endpoint, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(endpoint("http://127.0.0.1:8080/token").is_ok_and(|(e, plain)| plain && e.port == 8080));
        assert!(endpoint("http://localhost/token").is_ok_and(|(e, plain)| plain && e.port == 80));
        assert!(endpoint("https://idp.example/token").is_ok_and(|(e, plain)| !plain && e.port == 443));
        assert!(matches!(endpoint("http://idp.example/token"), Err(SendError::Endpoint { .. })));
        assert!(matches!(endpoint("ftp://127.0.0.1/token"), Err(SendError::Endpoint { .. })));
    }
}
