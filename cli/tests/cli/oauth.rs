//! `oauth assertion` and the library's `oauth` module, verified by PyJWT against the JWK, and
//! the sans-IO token request/response against a local token endpoint (Python, PyJWT).

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime};

use dho_wss::clock::FixedClock;
use dho_wss::oauth::{ClientAssertion, KeyId, TokenError, TokenErrorCode, TokenRequest, TokenResponse};
use dho_wss::pki::SigningIdentity;

use crate::support::*;

const CLIENT: &str = "dho-wss-test-client";
const ACM: &str = "https://authenticatie.vlaanderen.be/op";

fn jwk_file(dir: &Path) -> std::path::PathBuf {
    let o = dho(["cert".as_ref(), "jwk".as_ref(), pki("institution.crt.pem").as_os_str()]);
    let f = dir.join("jwk.json");
    std::fs::write(&f, &o.code(0).stdout).expect("jwk");
    f
}

#[test]
fn assertion_verifies_with_pyjwt_and_the_jwk() {
    let Some(py) = python() else { return };
    let dir = tmp();
    let jwk = jwk_file(dir.path());
    let o = dho(["oauth", "assertion", "--client-id", CLIENT, "--test-identity", "--ttl", "600", "--json"]);
    let v: serde_json::Value = serde_json::from_str(o.code(0).last_line()).expect("json");
    let jwt = v["client_assertion"].as_str().expect("jwt");
    let (ok, out, err) = peer(
        &py,
        [token_server().as_os_str(), "verify".as_ref(), jwk.as_os_str(), ACM.as_ref(), CLIENT.as_ref(), jwt.as_ref()],
        &[],
    );
    assert!(ok && out.starts_with("OK "), "{out}{err}");
    let claims: serde_json::Value = serde_json::from_str(&out[3..]).expect("claims");
    assert_eq!(claims["jti"], v["jti"]);
    assert_eq!(claims["exp"].as_u64().zip(claims["iat"].as_u64()).map(|(e, i)| e - i), Some(600));
    // Another audience: PyJWT refuses it for ACM's.
    let o =
        dho(["oauth", "assertion", "--client-id", CLIENT, "--test-identity", "--aud", "https://other.example/token"]);
    let (ok, out, _) = peer(
        &py,
        [
            token_server().as_os_str(),
            "verify".as_ref(),
            jwk.as_os_str(),
            ACM.as_ref(),
            CLIENT.as_ref(),
            o.code(0).last_line().as_ref(),
        ],
        &[],
    );
    assert!(!ok && out.contains("Audience"), "{out}");
}

#[test]
fn assertion_hostile_arguments() {
    dho(["oauth", "assertion", "--client-id", CLIENT, "--test-identity", "--ttl", "601"]).code(2);
    dho(["oauth", "assertion", "--client-id", CLIENT, "--test-identity", "--ttl", "0"]).code(2);
    dho(["oauth", "assertion", "--client-id", "", "--test-identity"]).code(2);
    dho(["oauth", "assertion", "--client-id", CLIENT, "--test-identity", "--aud", ""]).code(2);
    dho(["oauth", "assertion", "--client-id", CLIENT, "--test-identity", "--scope", "s"]).code(2);
    let o = dho(["oauth", "assertion", "--client-id", CLIENT]);
    o.code(2);
    assert!(o.stderr.contains("no identity"));
    dho_env(
        [
            "oauth".as_ref(),
            "assertion".as_ref(),
            "--client-id".as_ref(),
            CLIENT.as_ref(),
            "--p12".as_ref(),
            pki("institution.p12").as_os_str(),
        ],
        &[("DHO_WSS_PASSWORD", "wrong")],
    )
    .code(1)
    .error_names(&pki("institution.p12"), "wrong password");
}

/// The token endpoint as a child process, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server(py: &str, jwk: &Path, aud: &str) -> Server {
    let mut child = Command::new(py)
        .arg(token_server())
        .args(["serve".as_ref(), jwk.as_os_str(), aud.as_ref(), CLIENT.as_ref()])
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .expect("token server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("port");
    let port = line.trim().parse().expect("port number");
    Server { child, port }
}

/// POSTs `body` to /token with std's TcpStream; (status, body).
fn post(port: u16, body: &str) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    write!(
        s,
        "POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        TokenRequest::CONTENT_TYPE,
        body.len()
    )
    .expect("send");
    let mut resp = Vec::new();
    s.take(1 << 20).read_to_end(&mut resp).expect("read");
    let split = resp.windows(4).position(|w| w == b"\r\n\r\n").expect("headers");
    let head = String::from_utf8_lossy(&resp[..split]).into_owned();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
    (status, resp[split + 4..].to_vec())
}

fn identity() -> SigningIdentity {
    SigningIdentity::from_pem_files(pki("institution.key.pem"), pki("institution.chain.pem"), None).expect("identity")
}

fn refused(r: Result<TokenResponse, TokenError>, expected: TokenErrorCode, words: &str) {
    match r {
        Err(TokenError::Refused { status: 401, code, description }) => {
            assert_eq!(code, expected);
            assert!(description.as_deref().is_some_and(|d| d.contains(words)), "{description:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn token_request_against_a_local_endpoint() {
    let Some(py) = python() else { return };
    let dir = tmp();
    let jwk = jwk_file(dir.path());
    let srv = server(&py, &jwk, ACM);
    let id = identity();
    let now = FixedClock(SystemTime::now());

    // Success, with a scope.
    let a = ClientAssertion::new(CLIENT).expect("a").sign(&id, &now).expect("sign");
    let (status, body) = post(srv.port, &TokenRequest::client_credentials(CLIENT, &a).scope("dho notificaties").body());
    let token = TokenResponse::parse(status, &body).expect("token");
    assert_eq!(
        (token.token_type(), token.expires_in(), token.scope()),
        ("Bearer", Some(300), Some("dho notificaties"))
    );
    assert!(token.access_token().len() >= 24);
    // The same assertion again: the jti is replayed.
    let (status, body) = post(srv.port, &TokenRequest::client_credentials(CLIENT, &a).body());
    refused(TokenResponse::parse(status, &body), TokenErrorCode::InvalidClient, "replayed");

    // Expired: signed 20 minutes ago with a 5-minute lifetime.
    let past = FixedClock(SystemTime::now() - Duration::from_secs(1200));
    let a = ClientAssertion::new(CLIENT).expect("a").sign(&id, &past).expect("sign");
    let (status, body) = post(srv.port, &TokenRequest::client_credentials(CLIENT, &a).body());
    refused(TokenResponse::parse(status, &body), TokenErrorCode::InvalidClient, "expired");

    // Wrong audience.
    let a = ClientAssertion::new(CLIENT)
        .and_then(|a| a.audience("https://authenticatie-ti.vlaanderen.be/op"))
        .expect("a")
        .sign(&id, &now)
        .expect("sign");
    let (status, body) = post(srv.port, &TokenRequest::client_credentials(CLIENT, &a).body());
    refused(TokenResponse::parse(status, &body), TokenErrorCode::InvalidClient, "Audience");

    // Unknown kid.
    let a =
        ClientAssertion::new(CLIENT).expect("a").kid(KeyId::Custom("unknown".into())).sign(&id, &now).expect("sign");
    let (status, body) = post(srv.port, &TokenRequest::client_credentials(CLIENT, &a).body());
    refused(TokenResponse::parse(status, &body), TokenErrorCode::InvalidClient, "unknown kid");

    // Signed by another key under the registered kid.
    let other = SigningIdentity::from_pem_files(pki("other.key.pem"), pki("other.crt.pem"), None).expect("other");
    let kid = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&jwk).expect("jwk")).expect("json")["kid"]
        .as_str()
        .expect("kid")
        .to_owned();
    let a = ClientAssertion::new(CLIENT).expect("a").kid(KeyId::Custom(kid)).sign(&other, &now).expect("sign");
    let (status, body) = post(srv.port, &TokenRequest::client_credentials(CLIENT, &a).body());
    refused(TokenResponse::parse(status, &body), TokenErrorCode::InvalidClient, "Signature");

    // The CLI's --form body, posted as is.
    let o = dho(["oauth", "assertion", "--client-id", CLIENT, "--test-identity", "--form", "--scope", "s"]);
    let (status, body) = post(srv.port, o.code(0).last_line());
    assert_eq!(TokenResponse::parse(status, &body).expect("token").scope(), Some("s"));
}

/// `dho-wss oauth token --token-url URL …` against the local endpoint.
fn token_cmd(port: u16, extra: &[&str]) -> Out {
    let url = format!("http://127.0.0.1:{port}/token");
    let mut args = vec!["oauth", "token", "--token-url", url.as_str(), "--client-id", CLIENT, "--test-identity"];
    args.extend_from_slice(extra);
    dho(args)
}

#[test]
fn oauth_token_against_a_local_endpoint() {
    let Some(py) = python() else { return };
    let dir = tmp();
    let jwk = jwk_file(dir.path());
    let srv = server(&py, &jwk, ACM);

    // Success: the token on stdout; with --json the whole response.
    let o = token_cmd(srv.port, &[]);
    o.code(0);
    assert!(o.stdout.trim().len() >= 24 && !o.stdout.trim().contains(' '), "a token: {}", o.stdout);
    let o = token_cmd(srv.port, &["--scope", "dho notificaties", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&o.code(0).stdout).expect("JSON");
    assert_eq!((v["token_type"].as_str(), v["scope"].as_str()), (Some("Bearer"), Some("dho notificaties")));

    // Wrong audience, unknown kid: refused, exit 1 with the OAuth error on stderr, no stdout.
    for (extra, words) in
        [(&["--aud", "https://authenticatie-ti.vlaanderen.be/op"][..], "Audience"), (&["--no-kid"][..], "unknown kid")]
    {
        let o = token_cmd(srv.port, extra);
        o.code(1);
        assert!(o.stdout.is_empty(), "no output: {}", o.stdout);
        assert!(o.stderr.contains("invalid_client") && o.stderr.contains(words), "{extra:?}: {}", o.stderr);
    }

    // Expired (signed 20 minutes ago), through the library's request_token.
    let past = FixedClock(SystemTime::now() - Duration::from_secs(1200));
    let a = ClientAssertion::new(CLIENT).expect("a").sign(&identity(), &past).expect("sign");
    let trust = dho_wss::tls::ServerTrust::pem_file(pki("ca.pem")).expect("trust");
    let url = format!("http://127.0.0.1:{}/token", srv.port);
    let r = dho_wss::client::blocking::request_token(
        &url,
        &TokenRequest::client_credentials(CLIENT, &a),
        trust,
        Duration::from_secs(20),
    );
    match r {
        Err(dho_wss::client::TokenRequestError::Token(e)) => refused(Err(e), TokenErrorCode::InvalidClient, "expired"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    drop(srv);

    // Nobody listening: exit 3. Plain http to another host: usage, exit 2.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    token_cmd(port, &[]).code(3);
    let o =
        dho(["oauth", "token", "--token-url", "http://idp.example/token", "--client-id", CLIENT, "--test-identity"]);
    o.code(2);
    assert!(o.stderr.contains("only to 127.0.0.1"), "{}", o.stderr);
}
