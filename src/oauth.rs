//! OAuth 2.0 client authentication with the institution's own key (feature `oauth`).
//!
//! The Flemish access manager (ACM/IDM, `https://authenticatie.vlaanderen.be/op`) and other
//! OAuth servers let a server-to-server client authenticate with a key pair instead of a
//! shared secret: the public key is registered once as a JSON Web Key, and each token request
//! carries a short-lived JWT signed with the private key.
//!
//! - [`Jwk`]: the RSA public key of a certificate or [`SigningIdentity`] as an RFC 7517 JWK
//!   (`kty`, `n`, `e`, `alg RS256`, `use sig`), with the RFC 7638 SHA-256 thumbprint as `kid`
//!   and optionally the certificate chain (`x5c`, `x5t#S256`).
//! - [`ClientAssertion`]: an RFC 7523 `private_key_jwt` client assertion (RS256; `iss` = `sub`
//!   = client id, `aud`, random `jti`, `iat`, `exp` at most [`ClientAssertion::MAX_TTL`] later),
//!   signed by the identity's own [`CryptoProvider`](crate::crypto::CryptoProvider).
//! - [`TokenRequest`] and [`TokenResponse`]: the client-credentials grant without I/O — the
//!   form body to POST to the token endpoint and the parser of what comes back (RFC 6749
//!   §5.1 and §5.2). Send it with whatever HTTP client the service already has.
//!
//! ```
//! use dho_wss::clock::SystemClock;
//! use dho_wss::oauth::{ClientAssertion, Jwk, TokenRequest, TokenResponse};
//! use dho_wss::pki::SigningIdentity;
//!
//! let pki = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/pki");
//! let identity = SigningIdentity::from_pem_files(
//!     format!("{pki}/institution.key.pem"),
//!     format!("{pki}/institution.chain.pem"),
//!     None,
//! )?;
//! // Registered once with the OAuth server:
//! let jwk = Jwk::from_identity(&identity)?;
//! assert!(jwk.to_json().contains(r#""kty":"RSA""#));
//!
//! // Per token request:
//! let assertion = ClientAssertion::new("my-client-id")?.sign(&identity, &SystemClock)?;
//! let request = TokenRequest::client_credentials("my-client-id", &assertion).scope("dho_notificaties");
//! assert!(request.body().starts_with("grant_type=client_credentials&"));
//! // POST request.body() with Content-Type TokenRequest::CONTENT_TYPE, then:
//! let response = TokenResponse::parse(200, br#"{"access_token":"abc","token_type":"Bearer","expires_in":300}"#)?;
//! assert_eq!(response.access_token(), "abc");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::time::{Duration, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use der::Decode as _;
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use crate::clock::Clock;
use crate::crypto::{CryptoError, SignatureAlgorithm, RSA_ENCRYPTION_OID};
use crate::pki::SigningIdentity;

/// Longest accepted client id or audience, in bytes.
const MAX_NAME_LEN: usize = 1024;

/// Largest token-endpoint response body that [`TokenResponse::parse`] reads.
pub const MAX_TOKEN_RESPONSE_LEN: usize = 64 * 1024;

/// Errors of the OAuth client-authentication pieces. Display names the rule that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OauthError {
    /// The certificate or public key could not be decoded.
    #[error("JWK: malformed public key: {reason}")]
    MalformedPublicKey {
        /// What is wrong.
        reason: String,
    },
    /// The key is not an RSA key (RS256 needs RSA).
    #[error("JWK: the key is not an RSA key (algorithm {algorithm}); RS256 needs RSA")]
    NotRsa {
        /// The SPKI algorithm OID.
        algorithm: String,
    },
    /// The client id or audience is empty, too long or holds control characters.
    #[error("client assertion: {what} {reason}")]
    InvalidClaim {
        /// Which claim (`"client id"`, `"audience"`, `"jti"`).
        what: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// The requested lifetime is zero or longer than [`ClientAssertion::MAX_TTL`].
    #[error(
        "client assertion: lifetime of {secs} s is outside 1..={} s (RFC 7523 assertions are short-lived; ACM allows 10 minutes)",
        ClientAssertion::MAX_TTL.as_secs()
    )]
    LifetimeNotAllowed {
        /// The requested lifetime in seconds.
        secs: u64,
    },
    /// The clock is before 1970.
    #[error("client assertion: the clock reads a time before 1970")]
    ClockBeforeEpoch,
    /// The private-key operation failed.
    #[error("client assertion: signing failed: {0}")]
    Signing(#[from] CryptoError),
}

/// Which `kid` a [`Jwk`] (and so the JWT header of a [`ClientAssertion`]) carries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyId {
    /// The RFC 7638 SHA-256 thumbprint of the key (the default).
    Thumbprint,
    /// No `kid` member.
    None,
    /// A `kid` chosen by the operator (as registered with the server).
    Custom(String),
}

/// An RSA public key as an RFC 7517 JSON Web Key for signatures (`alg RS256`, `use sig`).
#[derive(Clone, PartialEq, Eq)]
pub struct Jwk {
    n: Vec<u8>,
    e: Vec<u8>,
    kid: Option<String>,
    x5c: Vec<Vec<u8>>,
}

impl fmt::Debug for Jwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwk")
            .field("kid", &self.kid)
            .field("modulus_bits", &self.modulus_bits())
            .field("x5c_len", &self.x5c.len())
            .finish()
    }
}

impl Jwk {
    /// The JWK of the RSA key in a DER `SubjectPublicKeyInfo`, with the thumbprint as `kid`.
    pub fn from_spki_der(spki_der: &[u8]) -> Result<Self, OauthError> {
        let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der)
            .map_err(|e| OauthError::MalformedPublicKey { reason: e.to_string() })?;
        let oid = spki.algorithm.oid.to_string();
        if oid != RSA_ENCRYPTION_OID {
            return Err(OauthError::NotRsa { algorithm: oid });
        }
        let key = pkcs1::RsaPublicKey::<pkcs1::UintRef<'_>>::from_der(spki.subject_public_key.raw_bytes())
            .map_err(|e| OauthError::MalformedPublicKey { reason: e.to_string() })?;
        let n = strip_leading_zeros(key.modulus.as_bytes());
        let e = strip_leading_zeros(key.public_exponent.as_bytes());
        if n.is_empty() || e.is_empty() {
            return Err(OauthError::MalformedPublicKey { reason: "zero modulus or exponent".into() });
        }
        let mut jwk = Jwk { n: n.to_vec(), e: e.to_vec(), kid: None, x5c: Vec::new() };
        jwk.kid = Some(jwk.thumbprint());
        Ok(jwk)
    }

    /// The JWK of a certificate's RSA public key (DER), with the thumbprint as `kid`.
    pub fn from_certificate_der(der: &[u8]) -> Result<Self, OauthError> {
        let cert = x509_cert::Certificate::from_der(der)
            .map_err(|e| OauthError::MalformedPublicKey { reason: format!("certificate: {e}") })?;
        let spki = der::Encode::to_der(cert.tbs_certificate().subject_public_key_info())
            .map_err(|e| OauthError::MalformedPublicKey { reason: e.to_string() })?;
        Self::from_spki_der(&spki)
    }

    /// The JWK of an identity's public key, with the thumbprint as `kid`.
    pub fn from_identity(identity: &SigningIdentity) -> Result<Self, OauthError> {
        Self::from_spki_der(identity.signing_key().public_key_spki_der())
    }

    /// Sets which `kid` the JWK carries.
    pub fn with_kid(mut self, kid: KeyId) -> Self {
        self.kid = match kid {
            KeyId::Thumbprint => Some(self.thumbprint()),
            KeyId::None => None,
            KeyId::Custom(k) => Some(k),
        };
        self
    }

    /// Adds the certificate chain (DER, leaf first) as `x5c`, with `x5t#S256` of the leaf.
    /// The caller vouches that the leaf holds this key.
    pub fn with_x5c(mut self, chain: impl IntoIterator<Item = Vec<u8>>) -> Self {
        self.x5c = chain.into_iter().collect();
        self
    }

    /// The RFC 7638 thumbprint: base64url (no padding) of SHA-256 over
    /// `{"e":…,"kty":"RSA","n":…}`.
    pub fn thumbprint(&self) -> String {
        let canonical = format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, b64url(&self.e), b64url(&self.n));
        b64url(&Sha256::digest(canonical.as_bytes()))
    }

    /// The `kid`, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The modulus `n`, big-endian without leading zeros.
    pub fn modulus(&self) -> &[u8] {
        &self.n
    }

    /// The public exponent `e`, big-endian without leading zeros.
    pub fn exponent(&self) -> &[u8] {
        &self.e
    }

    /// The size of the modulus in bits.
    pub fn modulus_bits(&self) -> usize {
        self.n.first().map_or(0, |b| self.n.len() * 8 - b.leading_zeros() as usize)
    }

    /// The JWK as a JSON object.
    pub fn to_json_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("kty".into(), "RSA".into());
        m.insert("use".into(), "sig".into());
        m.insert("alg".into(), "RS256".into());
        if let Some(kid) = &self.kid {
            m.insert("kid".into(), kid.clone().into());
        }
        m.insert("n".into(), b64url(&self.n).into());
        m.insert("e".into(), b64url(&self.e).into());
        if let Some(leaf) = self.x5c.first() {
            m.insert("x5c".into(), self.x5c.iter().map(|c| Value::from(STANDARD.encode(c))).collect());
            m.insert("x5t#S256".into(), b64url(&Sha256::digest(leaf)).into());
        }
        Value::Object(m)
    }

    /// The JWK as compact JSON.
    pub fn to_json(&self) -> String {
        self.to_json_value().to_string()
    }
}

fn strip_leading_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[start..]
}

fn b64url(b: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

fn check_name(what: &'static str, value: &str) -> Result<(), OauthError> {
    if value.is_empty() {
        return Err(OauthError::InvalidClaim { what, reason: "is empty" });
    }
    if value.len() > MAX_NAME_LEN {
        return Err(OauthError::InvalidClaim { what, reason: "is longer than 1024 bytes" });
    }
    if value.chars().any(char::is_control) {
        return Err(OauthError::InvalidClaim { what, reason: "holds a control character" });
    }
    Ok(())
}

/// An RFC 7523 `private_key_jwt` client assertion, to be [signed](Self::sign) per token request.
#[derive(Debug, Clone)]
pub struct ClientAssertion {
    client_id: String,
    audience: String,
    ttl: Duration,
    kid: KeyId,
}

impl ClientAssertion {
    /// The ACM/IDM issuer (production), the `aud` ACM expects.
    pub const ACM_AUDIENCE: &'static str = "https://authenticatie.vlaanderen.be/op";
    /// The ACM/IDM issuer of the test environment.
    pub const ACM_TEST_AUDIENCE: &'static str = "https://authenticatie-ti.vlaanderen.be/op";
    /// The longest lifetime (`exp - iat`) allowed: 10 minutes.
    pub const MAX_TTL: Duration = Duration::from_secs(600);
    /// The default lifetime: 5 minutes.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(300);

    /// An assertion for `client_id` (`iss` = `sub`), audience [`ACM_AUDIENCE`](Self::ACM_AUDIENCE),
    /// lifetime [`DEFAULT_TTL`](Self::DEFAULT_TTL), `kid` = the key's thumbprint.
    pub fn new(client_id: impl Into<String>) -> Result<Self, OauthError> {
        let client_id = client_id.into();
        check_name("client id", &client_id)?;
        Ok(Self { client_id, audience: Self::ACM_AUDIENCE.to_owned(), ttl: Self::DEFAULT_TTL, kid: KeyId::Thumbprint })
    }

    /// Sets the audience (`aud`): the issuer for ACM, the endpoint URL for servers that want it.
    pub fn audience(mut self, audience: impl Into<String>) -> Result<Self, OauthError> {
        let audience = audience.into();
        check_name("audience", &audience)?;
        self.audience = audience;
        Ok(self)
    }

    /// Sets the lifetime; 1 s ..= [`MAX_TTL`](Self::MAX_TTL).
    pub fn ttl(mut self, ttl: Duration) -> Result<Self, OauthError> {
        if ttl.is_zero() || ttl > Self::MAX_TTL {
            return Err(OauthError::LifetimeNotAllowed { secs: ttl.as_secs() });
        }
        self.ttl = ttl;
        Ok(self)
    }

    /// Sets the `kid` of the JWT header (as registered with the server's JWK).
    pub fn kid(mut self, kid: KeyId) -> Self {
        self.kid = kid;
        self
    }

    /// Signs the assertion with `identity`'s key (RSA PKCS#1 v1.5 SHA-256 through the identity's
    /// crypto provider), `iat` = `clock`'s now, a fresh random `jti`.
    pub fn sign(&self, identity: &SigningIdentity, clock: &dyn Clock) -> Result<SignedAssertion, OauthError> {
        let iat = clock.now().duration_since(UNIX_EPOCH).map_err(|_| OauthError::ClockBeforeEpoch)?.as_secs();
        let exp = iat + self.ttl.as_secs();
        let jti = uuid::Uuid::new_v4().to_string();
        let mut header = Map::new();
        header.insert("alg".into(), "RS256".into());
        header.insert("typ".into(), "JWT".into());
        let kid = match &self.kid {
            KeyId::Thumbprint => Some(Jwk::from_identity(identity)?.thumbprint()),
            KeyId::None => None,
            KeyId::Custom(k) => Some(k.clone()),
        };
        if let Some(kid) = kid {
            header.insert("kid".into(), kid.into());
        }
        let mut claims = Map::new();
        claims.insert("iss".into(), self.client_id.clone().into());
        claims.insert("sub".into(), self.client_id.clone().into());
        claims.insert("aud".into(), self.audience.clone().into());
        claims.insert("jti".into(), jti.clone().into());
        claims.insert("iat".into(), iat.into());
        claims.insert("exp".into(), exp.into());
        let signing_input = format!(
            "{}.{}",
            b64url(Value::Object(header).to_string().as_bytes()),
            b64url(Value::Object(claims).to_string().as_bytes())
        );
        let signature = identity.signing_key().sign(SignatureAlgorithm::RsaSha256, signing_input.as_bytes())?;
        Ok(SignedAssertion { jwt: format!("{signing_input}.{}", b64url(&signature)), jti, iat, exp })
    }
}

/// A signed client assertion: the compact JWT and its `jti`, `iat` and `exp`.
#[derive(Clone)]
pub struct SignedAssertion {
    jwt: String,
    jti: String,
    iat: u64,
    exp: u64,
}

impl fmt::Debug for SignedAssertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The JWT is a bearer credential until it expires: not in logs.
        f.debug_struct("SignedAssertion")
            .field("jti", &self.jti)
            .field("iat", &self.iat)
            .field("exp", &self.exp)
            .finish()
    }
}

impl SignedAssertion {
    /// The compact JWT (`header.claims.signature`, base64url without padding).
    pub fn jwt(&self) -> &str {
        &self.jwt
    }

    /// The `jti` claim (a random UUID).
    pub fn jti(&self) -> &str {
        &self.jti
    }

    /// The `iat` claim, seconds since the epoch.
    pub fn issued_at(&self) -> u64 {
        self.iat
    }

    /// The `exp` claim, seconds since the epoch.
    pub fn expires_at(&self) -> u64 {
        self.exp
    }
}

/// The client-credentials token request (RFC 6749 §4.4 with RFC 7523 client authentication),
/// without I/O: POST [`body`](Self::body) with Content-Type [`CONTENT_TYPE`](Self::CONTENT_TYPE).
#[derive(Clone)]
pub struct TokenRequest {
    client_id: String,
    assertion: String,
    scope: Option<String>,
}

impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRequest").field("client_id", &self.client_id).field("scope", &self.scope).finish()
    }
}

impl TokenRequest {
    /// The Content-Type of the body.
    pub const CONTENT_TYPE: &'static str = "application/x-www-form-urlencoded";
    /// The `client_assertion_type` of RFC 7523.
    pub const ASSERTION_TYPE: &'static str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    /// A client-credentials request for `client_id`, authenticated by `assertion`.
    pub fn client_credentials(client_id: impl Into<String>, assertion: &SignedAssertion) -> Self {
        Self { client_id: client_id.into(), assertion: assertion.jwt.clone(), scope: None }
    }

    /// Asks for `scope` (space-separated scope names).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// The `application/x-www-form-urlencoded` body.
    pub fn body(&self) -> String {
        let mut pairs = vec![
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_assertion_type", Self::ASSERTION_TYPE),
            ("client_assertion", self.assertion.as_str()),
        ];
        if let Some(scope) = &self.scope {
            pairs.push(("scope", scope.as_str()));
        }
        pairs.iter().map(|(k, v)| format!("{k}={}", form_encode(v))).collect::<Vec<_>>().join("&")
    }
}

/// `application/x-www-form-urlencoded` encoding of one value (WHATWG URL standard).
fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The error codes of RFC 6749 §5.2.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenErrorCode {
    /// `invalid_request`.
    InvalidRequest,
    /// `invalid_client`: the client authentication (the assertion) failed.
    InvalidClient,
    /// `invalid_grant`.
    InvalidGrant,
    /// `unauthorized_client`.
    UnauthorizedClient,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `invalid_scope`.
    InvalidScope,
    /// Another code (an extension).
    Other(String),
}

impl TokenErrorCode {
    fn from_code(code: &str) -> Self {
        match code {
            "invalid_request" => Self::InvalidRequest,
            "invalid_client" => Self::InvalidClient,
            "invalid_grant" => Self::InvalidGrant,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "invalid_scope" => Self::InvalidScope,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The code as sent on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::Other(code) => code,
        }
    }
}

impl fmt::Display for TokenErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a token response is not an access token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The server refused the request (RFC 6749 §5.2).
    #[error("token endpoint refused the request (HTTP {status}): {code}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The `error` code.
        code: TokenErrorCode,
        /// The `error_description`, if any.
        description: Option<String>,
    },
    /// The response is not a token response: wrong status, not JSON, a member missing or of the
    /// wrong type, too large.
    #[error("token endpoint response (HTTP {status}) is malformed: {reason}")]
    Malformed {
        /// The HTTP status.
        status: u16,
        /// What is wrong.
        reason: String,
    },
}

/// A successful token response (RFC 6749 §5.1). `Debug` does not show the token.
#[derive(Clone)]
pub struct TokenResponse {
    access_token: String,
    token_type: String,
    expires_in: Option<u64>,
    scope: Option<String>,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl TokenResponse {
    /// Parses the token endpoint's answer: HTTP `status` and `body` (at most
    /// [`MAX_TOKEN_RESPONSE_LEN`] bytes). 200 with `access_token` and `token_type` is a token;
    /// 400/401 with an `error` member is [`TokenError::Refused`]; anything else is
    /// [`TokenError::Malformed`].
    pub fn parse(status: u16, body: &[u8]) -> Result<Self, TokenError> {
        let malformed = |reason: String| TokenError::Malformed { status, reason };
        if body.len() > MAX_TOKEN_RESPONSE_LEN {
            return Err(malformed(format!("body of {} bytes exceeds {MAX_TOKEN_RESPONSE_LEN}", body.len())));
        }
        let json: Value = serde_json::from_slice(body).map_err(|e| malformed(format!("not JSON: {e}")))?;
        let Value::Object(obj) = json else {
            return Err(malformed("not a JSON object".into()));
        };
        let string = |name: &str| -> Result<Option<String>, TokenError> {
            match obj.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(malformed(format!("`{name}` is not a string"))),
            }
        };
        if status == 400 || status == 401 {
            let code = string("error")?.ok_or_else(|| malformed("error response without `error`".into()))?;
            return Err(TokenError::Refused {
                status,
                code: TokenErrorCode::from_code(&code),
                description: string("error_description")?,
            });
        }
        if status != 200 {
            return Err(malformed(format!("unexpected HTTP status {status}")));
        }
        let access_token =
            string("access_token")?.filter(|t| !t.is_empty()).ok_or_else(|| malformed("no `access_token`".into()))?;
        let token_type = string("token_type")?.ok_or_else(|| malformed("no `token_type`".into()))?;
        let expires_in = match obj.get("expires_in") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_u64().ok_or_else(|| malformed("`expires_in` is not a non-negative integer".into()))?),
        };
        Ok(Self { access_token, token_type, expires_in, scope: string("scope")? })
    }

    /// The access token.
    pub fn access_token(&self) -> &str {
        &self.access_token
    }

    /// The token type (`Bearer`).
    pub fn token_type(&self) -> &str {
        &self.token_type
    }

    /// The lifetime in seconds, if the server said.
    pub fn expires_in(&self) -> Option<u64> {
        self.expires_in
    }

    /// The granted scope, if the server said.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;

    fn identity() -> SigningIdentity {
        let pki = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/pki");
        SigningIdentity::from_pem_files(
            format!("{pki}/institution.key.pem"),
            format!("{pki}/institution.chain.pem"),
            None,
        )
        .expect("test identity")
    }

    fn part(jwt: &str, i: usize) -> Value {
        let p = jwt.split('.').nth(i).expect("part");
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).expect("base64url")).expect("json")
    }

    #[test]
    fn rfc7638_example_thumbprint() {
        // RFC 7638 §3.1: the example key and its thumbprint.
        let n = URL_SAFE_NO_PAD
            .decode(
                "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            )
            .expect("n");
        let jwk = Jwk { n, e: vec![1, 0, 1], kid: None, x5c: Vec::new() };
        assert_eq!(jwk.thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    }

    #[test]
    fn jwk_of_identity_has_rsa_members_and_thumbprint_kid() {
        let id = identity();
        let jwk = Jwk::from_identity(&id).expect("jwk");
        assert_eq!(jwk.exponent(), &[1, 0, 1]);
        assert_eq!(jwk.modulus_bits(), id.signing_key().modulus_bits());
        let v = jwk.to_json_value();
        assert_eq!(v["kty"], "RSA");
        assert_eq!(v["use"], "sig");
        assert_eq!(v["alg"], "RS256");
        assert_eq!(v["kid"], jwk.thumbprint().as_str());
        assert!(v.get("x5c").is_none());
        let from_cert = Jwk::from_certificate_der(id.certificate_der()).expect("cert jwk");
        assert_eq!(from_cert, jwk);
        let with = jwk.clone().with_kid(KeyId::None).with_x5c([id.certificate_der().to_vec()]);
        let v = with.to_json_value();
        assert!(v.get("kid").is_none());
        assert_eq!(v["x5c"][0], STANDARD.encode(id.certificate_der()).as_str());
        assert_eq!(v["x5t#S256"], b64url(&Sha256::digest(id.certificate_der())).as_str());
    }

    #[test]
    fn jwk_refuses_garbage_and_non_rsa_keys() {
        assert!(matches!(Jwk::from_spki_der(b"garbage"), Err(OauthError::MalformedPublicKey { .. })));
        assert!(matches!(Jwk::from_certificate_der(&[0x30, 0x82, 0xff]), Err(OauthError::MalformedPublicKey { .. })));
        let ec_pem = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/pki/ec.crt.pem")).expect("ec");
        let text = String::from_utf8(ec_pem).expect("utf-8");
        let b64: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = STANDARD.decode(b64).expect("base64");
        assert!(matches!(Jwk::from_certificate_der(&der), Err(OauthError::NotRsa { .. })));
    }

    #[test]
    fn assertion_claims_header_and_signature() {
        let id = identity();
        let now = UNIX_EPOCH + Duration::from_secs(1_767_225_600);
        let a = ClientAssertion::new("client-1")
            .and_then(|a| a.ttl(Duration::from_secs(600)))
            .expect("assertion")
            .sign(&id, &FixedClock(now))
            .expect("signed");
        let header = part(a.jwt(), 0);
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["typ"], "JWT");
        assert_eq!(header["kid"], Jwk::from_identity(&id).expect("jwk").thumbprint().as_str());
        let claims = part(a.jwt(), 1);
        assert_eq!(claims["iss"], "client-1");
        assert_eq!(claims["sub"], "client-1");
        assert_eq!(claims["aud"], ClientAssertion::ACM_AUDIENCE);
        assert_eq!(claims["iat"], 1_767_225_600u64);
        assert_eq!(claims["exp"], 1_767_226_200u64);
        assert_eq!(claims["jti"], a.jti());
        let (input, sig) = a.jwt().rsplit_once('.').expect("dot");
        let sig = URL_SAFE_NO_PAD.decode(sig).expect("sig");
        id.provider()
            .verify_signature(
                SignatureAlgorithm::RsaSha256,
                id.signing_key().public_key_spki_der(),
                input.as_bytes(),
                &sig,
            )
            .expect("signature verifies");
        let mut tampered = input.as_bytes().to_vec();
        tampered[5] ^= 1;
        assert!(id
            .provider()
            .verify_signature(SignatureAlgorithm::RsaSha256, id.signing_key().public_key_spki_der(), &tampered, &sig)
            .is_err());
        let b = ClientAssertion::new("client-1").expect("a").sign(&id, &FixedClock(now)).expect("signed");
        assert_ne!(a.jti(), b.jti(), "jti is fresh per assertion");
    }

    #[test]
    fn assertion_refuses_bad_lifetimes_and_names() {
        let a = ClientAssertion::new("c").expect("a");
        for secs in [0, 601, 86_400] {
            assert!(matches!(a.clone().ttl(Duration::from_secs(secs)), Err(OauthError::LifetimeNotAllowed { .. })));
        }
        assert!(matches!(ClientAssertion::new(""), Err(OauthError::InvalidClaim { what: "client id", .. })));
        assert!(matches!(ClientAssertion::new("a\nb"), Err(OauthError::InvalidClaim { .. })));
        assert!(matches!(ClientAssertion::new("x".repeat(1025)), Err(OauthError::InvalidClaim { .. })));
        assert!(matches!(a.audience(""), Err(OauthError::InvalidClaim { what: "audience", .. })));
    }

    #[test]
    fn token_request_body_is_form_encoded() {
        let a = ClientAssertion::new("c").expect("a").sign(&identity(), &crate::clock::SystemClock).expect("signed");
        let body = TokenRequest::client_credentials("id with space&=", &a).scope("a b").body();
        assert!(body.starts_with("grant_type=client_credentials&client_id=id+with+space%26%3D&"));
        assert!(
            body.contains("&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&")
        );
        assert!(body.contains(&format!("&client_assertion={}&", a.jwt())));
        assert!(body.ends_with("&scope=a+b"));
    }

    #[test]
    fn token_response_success_refusal_and_malformed() {
        let ok =
            TokenResponse::parse(200, br#"{"access_token":"t","token_type":"Bearer","expires_in":300,"scope":"s"}"#)
                .expect("token");
        assert_eq!(
            (ok.access_token(), ok.token_type(), ok.expires_in(), ok.scope()),
            ("t", "Bearer", Some(300), Some("s"))
        );
        assert!(!format!("{ok:?}").contains("\"t\""));
        match TokenResponse::parse(401, br#"{"error":"invalid_client","error_description":"bad kid"}"#) {
            Err(TokenError::Refused { status: 401, code: TokenErrorCode::InvalidClient, description }) => {
                assert_eq!(description.as_deref(), Some("bad kid"))
            }
            other => panic!("{other:?}"),
        }
        for (status, body) in [
            (200, &b"not json"[..]),
            (200, b"[]"),
            (200, br#"{"token_type":"Bearer"}"#),
            (200, br#"{"access_token":"","token_type":"Bearer"}"#),
            (200, br#"{"access_token":"t"}"#),
            (200, br#"{"access_token":7,"token_type":"Bearer"}"#),
            (200, br#"{"access_token":"t","token_type":"Bearer","expires_in":-1}"#),
            (400, br#"{"no_error":1}"#),
            (500, br#"{"access_token":"t","token_type":"Bearer"}"#),
        ] {
            assert!(
                matches!(TokenResponse::parse(status, body), Err(TokenError::Malformed { .. })),
                "{status} {body:?}"
            );
        }
        let big = vec![b' '; MAX_TOKEN_RESPONSE_LEN + 1];
        assert!(matches!(TokenResponse::parse(200, &big), Err(TokenError::Malformed { .. })));
    }
}
