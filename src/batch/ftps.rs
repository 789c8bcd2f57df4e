//! Request files to MAGDA and answer files back over explicit FTPS (feature `ftps`).
//!
//! [`FtpsClient::connect`] opens the control connection, sends `AUTH TLS` (TLS 1.2 — see
//! below —, rustls with the ring provider, the client certificate of a [`SigningIdentity`]), then `PBSZ 0`,
//! `PROT P`, logs in (user: the certificate's CN unless configured, optional password) and
//! switches to binary transfers in passive mode. Data connections resume the control
//! connection's TLS session, which vsftpd and ProFTPD require; that is why the client speaks
//! TLS 1.2 (a resumable session), not 1.3 (single-use tickets).
//!
//! [`FtpsClient::put`] uploads each file as `NAME.tmp` (or into a subfolder), checks the
//! remote size, then renames it to `NAME`: MAGDA never sees an incomplete file under a final
//! name (SPEC §11). The [`Journal`] records every file once the server has it under its final
//! name; a file in the journal is never put again, and a rerun after a broken connection
//! uploads the unfinished file afresh (a stale `.tmp` is overwritten).
//!
//! [`FtpsClient::get`] lists `from_vip`, downloads each file to `.NAME.part`, fsyncs it,
//! verifies the signature of `.xml` files when a [`ReplyVerifier`] is given, renames it into
//! place, and only then moves it on the server to `cache/from_vip` (one `RNFR`/`RNTO`: the
//! file is always in exactly one of the two folders). A crash at any point loses nothing; at
//! worst a file is downloaded again.

use std::fmt;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};
use suppaftp::types::FileType;
use suppaftp::{FtpError, RustlsConnector, RustlsFtpStream, Status};

use super::{part_path, sync_dir, BatchError, Journal, JournalEntry};
use crate::institution::{ReplyError, ReplyVerifier};
use crate::pki::hex;
use crate::pki::SigningIdentity;

/// The most entries a `from_vip` listing may have.
pub const MAX_LISTING: usize = 10_000;

/// What went wrong talking to the FTPS server; each names the host and, where there is one,
/// the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FtpsError {
    /// The TCP connection could not be made or broke.
    #[error("ftps {host}: connection: {source}")]
    Connection {
        /// host:port.
        host: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The server refused our client certificate at the TLS handshake.
    #[error("ftps {host}: TLS refused: the server rejected our client certificate `{certificate}` ({alert})")]
    ClientCertificateRefused {
        /// host:port.
        host: String,
        /// Our certificate's subject.
        certificate: String,
        /// The TLS alert received.
        alert: String,
    },
    /// We refused the server's certificate (not under the trusted CA, wrong name, not the pinned one).
    #[error("ftps {host}: TLS refused: the server's certificate is not trusted: {reason}")]
    ServerCertificateRejected {
        /// host:port.
        host: String,
        /// Why.
        reason: String,
    },
    /// Another TLS failure.
    #[error("ftps {host}: TLS: {reason}")]
    Tls {
        /// host:port.
        host: String,
        /// rustls' error.
        reason: String,
    },
    /// The server trust or client identity could not be turned into a TLS configuration.
    #[error("ftps: TLS configuration: {reason}")]
    TlsConfig {
        /// Why.
        reason: String,
    },
    /// USER/PASS refused.
    #[error("ftps {host}: login refused for user `{user}`: {reply}")]
    LoginRefused {
        /// host:port.
        host: String,
        /// The user name sent.
        user: String,
        /// The server's reply.
        reply: String,
    },
    /// The server refused to write or rename (550/553 on STOR, RNTO, DELE, MKD).
    #[error("ftps {host}: permission denied for {path}: {reply}")]
    PermissionDenied {
        /// host:port.
        host: String,
        /// The remote path.
        path: String,
        /// The server's reply.
        reply: String,
    },
    /// The server has no room (452/552).
    #[error("ftps {host}: disk full writing {path}: {reply}")]
    DiskFull {
        /// host:port.
        host: String,
        /// The remote path.
        path: String,
        /// The server's reply.
        reply: String,
    },
    /// A listed file is gone (550 on RETR, SIZE, RNFR).
    #[error("ftps {host}: remote file {path} vanished: {reply}")]
    RemoteFileVanished {
        /// host:port.
        host: String,
        /// The remote path.
        path: String,
        /// The server's reply.
        reply: String,
    },
    /// The remote size after an upload (or of a download) is not the expected one.
    #[error("ftps {host}: {path}: size {actual}, expected {expected}")]
    SizeMismatch {
        /// host:port.
        host: String,
        /// The remote path.
        path: String,
        /// The size expected.
        expected: u64,
        /// The size found.
        actual: u64,
    },
    /// The final name is already on the server with other content: never overwritten.
    #[error("ftps {host}: {path} is already on the server with another size; not overwritten")]
    RemoteNameTaken {
        /// host:port.
        host: String,
        /// The remote path.
        path: String,
    },
    /// The journal has this name with other content: a name is put once.
    #[error("ftps: {name} was already put with other content (journal sha256 {journal_sha256})")]
    NameReused {
        /// The file name.
        name: String,
        /// The SHA-256 the journal recorded.
        journal_sha256: String,
    },
    /// A name in a listing that cannot be a local file name (`/`, `..`, control characters, …).
    #[error("ftps {host}: listing of {dir} has an unsafe name {name:?}")]
    UnsafeRemoteName {
        /// host:port.
        host: String,
        /// The listed folder.
        dir: String,
        /// The name.
        name: String,
    },
    /// The listing has more than [`MAX_LISTING`] entries, or a file is above the size limit.
    #[error("ftps {host}: {what} above the limit of {limit}")]
    LimitExceeded {
        /// host:port.
        host: String,
        /// What.
        what: String,
        /// The limit.
        limit: u64,
    },
    /// A downloaded answer file's signature did not verify.
    #[error("ftps {host}: {path}: signature: {source}")]
    Signature {
        /// host:port.
        host: String,
        /// The remote path.
        path: String,
        /// The reply check's error (boxed: it is large).
        #[source]
        source: Box<ReplyError>,
    },
    /// Another unexpected reply.
    #[error("ftps {host}: {step}: {reply}")]
    Protocol {
        /// host:port.
        host: String,
        /// The command.
        step: String,
        /// The server's reply.
        reply: String,
    },
    /// A local file or the journal failed.
    #[error(transparent)]
    Local(#[from] BatchError),
}

/// How the client trusts the server's certificate.
#[derive(Clone)]
pub enum ServerTrust {
    /// Certificates under these CA certificates, for the host name connected to.
    Anchors(Arc<rustls::RootCertStore>),
    /// Exactly the certificate with this SHA-256 (of its DER), whatever its issuer and names.
    Pinned([u8; 32]),
}

impl fmt::Debug for ServerTrust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerTrust::Anchors(roots) => write!(f, "Anchors({} certificates)", roots.len()),
            ServerTrust::Pinned(h) => write!(f, "Pinned({})", hex(h)),
        }
    }
}

impl ServerTrust {
    /// The CA certificates of a PEM file.
    pub fn ca_pem_file(path: impl AsRef<Path>) -> Result<Self, FtpsError> {
        use rustls::pki_types::pem::PemObject;
        let path = path.as_ref();
        let bad = |reason: String| FtpsError::TlsConfig { reason: format!("{}: {reason}", path.display()) };
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(path).map_err(|e| bad(e.to_string()))? {
            roots.add(cert.map_err(|e| bad(e.to_string()))?).map_err(|e| bad(e.to_string()))?;
        }
        if roots.is_empty() {
            return Err(bad("no CA certificate".to_owned()));
        }
        Ok(ServerTrust::Anchors(Arc::new(roots)))
    }

    /// The server certificate pinned by its SHA-256 fingerprint (hex, `:` allowed).
    pub fn pinned_sha256(fingerprint: &str) -> Result<Self, FtpsError> {
        let digits: String = fingerprint.chars().filter(|c| *c != ':').collect();
        let mut out = [0u8; 32];
        if digits.len() != 64 {
            return Err(FtpsError::TlsConfig { reason: format!("pin `{fingerprint}` is not a SHA-256 in hex") });
        }
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16)
                .map_err(|_| FtpsError::TlsConfig { reason: format!("pin `{fingerprint}` is not hex") })?;
        }
        Ok(ServerTrust::Pinned(out))
    }
}

/// How `put` keeps an unfinished file from MAGDA's eyes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staging {
    /// Upload as `NAME.tmp`, then rename to `NAME` (the default).
    TmpSuffix,
    /// Upload into this subfolder of the remote folder, then move up to `NAME`.
    Subfolder(String),
}

/// Where and as whom to connect.
#[derive(Debug, Clone)]
pub struct FtpsConfig {
    host: String,
    port: u16,
    identity: Arc<SigningIdentity>,
    trust: ServerTrust,
    user: Option<String>,
    password: Option<String>,
    nat_workaround: bool,
    timeout: Duration,
}

impl FtpsConfig {
    /// `host` on port 21, client certificate and key from `identity`, server trusted by `trust`.
    pub fn new(host: impl Into<String>, identity: Arc<SigningIdentity>, trust: ServerTrust) -> Self {
        FtpsConfig {
            host: host.into(),
            port: 21,
            identity,
            trust,
            user: None,
            password: None,
            nat_workaround: false,
            timeout: Duration::from_secs(30),
        }
    }
    /// The port (default 21, explicit FTPS).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
    /// The user name (default: the client certificate's CN).
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }
    /// A password (default: none; an empty `PASS` if the server asks).
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }
    /// Connect data connections to the control connection's address, not the one `PASV`
    /// answers (for servers behind NAT that answer a private address).
    pub fn passive_nat_workaround(mut self, on: bool) -> Self {
        self.nat_workaround = on;
        self
    }
    /// Connect, read and write timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn host_port(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    fn user_name(&self) -> Result<String, FtpsError> {
        match (&self.user, self.identity.certificate().common_name()) {
            (Some(u), _) => Ok(u.clone()),
            (None, Some(cn)) => Ok(cn.to_owned()),
            (None, None) => {
                Err(FtpsError::TlsConfig { reason: "no user given and the certificate has no CN".to_owned() })
            }
        }
    }
}

/// The rustls client configuration: TLS 1.2, ring, the identity's certificate and key, session
/// resumption on (the default in-memory cache). To be replaced by the crate's shared `tls`
/// module at merge.
///
/// TLS 1.2 and not 1.3: FTPS servers accept a data connection only when it resumes a session
/// (vsftpd `require_ssl_reuse`, ProFTPD's default). A TLS 1.2 session can be resumed any number
/// of times; TLS 1.3 tickets are single-use in rustls, and an upload's data connection never
/// reads the new tickets the server sends on it, so after two uploads the next data connection
/// would need a full handshake and vsftpd refuses it (`522 session reuse required`, seen here).
fn client_config(identity: &SigningIdentity, trust: &ServerTrust) -> Result<rustls::ClientConfig, FtpsError> {
    let bad = |e: rustls::Error| FtpsError::TlsConfig { reason: e.to_string() };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS12])
        .map_err(bad)?;
    let builder = match trust {
        ServerTrust::Anchors(roots) => builder.with_root_certificates(roots.clone()),
        ServerTrust::Pinned(pin) => {
            builder.dangerous().with_custom_certificate_verifier(Arc::new(PinnedServer { pin: *pin, provider }))
        }
    };
    let mut chain = vec![CertificateDer::from(identity.certificate_der().to_vec())];
    chain.extend(identity.chain_ders().iter().map(|c| CertificateDer::from(c.clone())));
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(identity.private_key_pkcs8_der().to_vec()));
    builder.with_client_auth_cert(chain, key).map_err(bad)
}

/// Accepts exactly the pinned certificate; handshake signatures are still checked.
#[derive(Debug)]
struct PinnedServer {
    pin: [u8; 32],
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl rustls::client::danger::ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        let digest: [u8; 32] = Sha256::digest(end_entity.as_ref()).into();
        if digest == self.pin {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::ApplicationVerificationFailure))
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// What one `put` did with one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutStatus {
    /// Uploaded and renamed to its final name now.
    Put,
    /// The journal says it was put before: not uploaded again.
    AlreadyPut,
    /// Found under its final name (or in `cache/to_vip`) with the same size though the journal
    /// did not have it (a crash between the rename and the journal): recorded, not uploaded again.
    FoundOnServer,
}

/// One file of a [`PutSummary`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutOutcome {
    /// The file name.
    pub name: String,
    /// Its size.
    pub size: u64,
    /// What happened.
    pub status: PutStatus,
}

/// The result of [`FtpsClient::put`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutSummary {
    /// One outcome per file, in order.
    pub files: Vec<PutOutcome>,
}

impl PutSummary {
    /// The bytes uploaded in this run.
    pub fn bytes_put(&self) -> u64 {
        self.files.iter().filter(|f| f.status == PutStatus::Put).map(|f| f.size).sum()
    }
    /// The summary as one JSON object.
    pub fn to_json(&self) -> String {
        let files: Vec<String> = self
            .files
            .iter()
            .map(|f| {
                let status = match f.status {
                    PutStatus::Put => "put",
                    PutStatus::AlreadyPut => "already-put",
                    PutStatus::FoundOnServer => "found-on-server",
                };
                format!("{{\"name\":{},\"size\":{},\"status\":\"{status}\"}}", json_string(&f.name), f.size)
            })
            .collect();
        format!("{{\"files\":[{}],\"bytes_put\":{}}}", files.join(","), self.bytes_put())
    }
}

impl fmt::Display for PutSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = |s: PutStatus| self.files.iter().filter(|o| o.status == s).count();
        write!(
            f,
            "{} put ({} bytes), {} already put, {} found on the server",
            count(PutStatus::Put),
            self.bytes_put(),
            count(PutStatus::AlreadyPut),
            count(PutStatus::FoundOnServer)
        )
    }
}

/// One file of a [`GetSummary`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetOutcome {
    /// The file name.
    pub name: String,
    /// Its size.
    pub size: u64,
    /// The subject of the verified signer, for a verified `.xml` file.
    pub signer: Option<String>,
}

/// The result of [`FtpsClient::get`].
#[derive(Debug, Default)]
pub struct GetSummary {
    /// The files fetched, verified, stored and moved to the cache folder.
    pub fetched: Vec<GetOutcome>,
    /// The files left on the server, with the reason (a bad signature, an unsafe name).
    pub refused: Vec<(String, FtpsError)>,
}

impl GetSummary {
    /// The summary as one JSON object.
    pub fn to_json(&self) -> String {
        let fetched: Vec<String> = self
            .fetched
            .iter()
            .map(|f| {
                let signer = f.signer.as_deref().map_or("null".to_owned(), json_string);
                format!("{{\"name\":{},\"size\":{},\"signer\":{signer}}}", json_string(&f.name), f.size)
            })
            .collect();
        let refused: Vec<String> = self
            .refused
            .iter()
            .map(|(n, e)| format!("{{\"name\":{},\"error\":{}}}", json_string(n), json_string(&e.to_string())))
            .collect();
        format!("{{\"fetched\":[{}],\"refused\":[{}]}}", fetched.join(","), refused.join(","))
    }
}

impl fmt::Display for GetSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes: u64 = self.fetched.iter().map(|o| o.size).sum();
        write!(f, "{} fetched ({bytes} bytes), {} refused", self.fetched.len(), self.refused.len())?;
        for (name, e) in &self.refused {
            write!(f, "\n  refused {name}: {e}")?;
        }
        Ok(())
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Options of [`FtpsClient::get`].
#[derive(Debug)]
pub struct GetOptions {
    remote_dir: String,
    cache_dir: Option<String>,
    verifier: Option<ReplyVerifier>,
    max_file_bytes: u64,
}

impl Default for GetOptions {
    fn default() -> Self {
        GetOptions {
            remote_dir: "from_vip".to_owned(),
            cache_dir: Some("cache/from_vip".to_owned()),
            verifier: None,
            max_file_bytes: 1 << 30,
        }
    }
}

impl GetOptions {
    /// The folder to fetch from (default `from_vip`).
    pub fn remote_dir(mut self, dir: impl Into<String>) -> Self {
        self.remote_dir = dir.into();
        self
    }
    /// Where fetched files go on the server (default `cache/from_vip`); `None` deletes them.
    pub fn cache_dir(mut self, dir: Option<String>) -> Self {
        self.cache_dir = dir;
        self
    }
    /// Verify every `.xml` file as a signed reply of the pinned provider; one that fails is
    /// not stored and stays on the server.
    pub fn verify_with(mut self, verifier: ReplyVerifier) -> Self {
        self.verifier = Some(verifier);
        self
    }
    /// The largest file fetched (default 1 GiB).
    pub fn max_file_bytes(mut self, max: u64) -> Self {
        self.max_file_bytes = max;
        self
    }
}

/// A logged-in FTPS session.
pub struct FtpsClient {
    ftp: RustlsFtpStream,
    host: String,
    /// The login folder, which relative paths start from.
    home: String,
}

impl fmt::Debug for FtpsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FtpsClient").field("host", &self.host).finish()
    }
}

/// The reply text of an FTP error, or its description.
fn reply_text(e: &FtpError) -> String {
    match e {
        // The body is the whole reply line, code included.
        FtpError::UnexpectedResponse(r) => String::from_utf8_lossy(&r.body).trim().to_owned(),
        other => other.to_string(),
    }
}

fn reply_code(e: &FtpError) -> Option<u32> {
    match e {
        FtpError::UnexpectedResponse(r) => Some(r.status.code()),
        _ => None,
    }
}

/// The rustls error inside an I/O error, if there is one.
fn tls_error(e: &std::io::Error) -> Option<&rustls::Error> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>())
}

impl FtpsClient {
    /// Connects, secures the connection, logs in; see the [module documentation](self).
    pub fn connect(config: &FtpsConfig) -> Result<Self, FtpsError> {
        let host = config.host_port();
        let tls = Arc::new(client_config(&config.identity, &config.trust)?);
        let conn = |source| FtpsError::Connection { host: host.clone(), source };
        let addrs: Vec<SocketAddr> = (config.host.as_str(), config.port).to_socket_addrs().map_err(conn)?.collect();
        let addr = *addrs
            .first()
            .ok_or_else(|| conn(std::io::Error::new(std::io::ErrorKind::NotFound, "the host name has no address")))?;
        let tcp = TcpStream::connect_timeout(&addr, config.timeout).map_err(conn)?;
        tcp.set_read_timeout(Some(config.timeout)).map_err(conn)?;
        tcp.set_write_timeout(Some(config.timeout)).map_err(conn)?;
        let timeout = config.timeout;
        let ftp = RustlsFtpStream::connect_with_stream(tcp)
            .map_err(|e| Self::map_error(&host, config, "connect", "", e))?
            .passive_stream_builder(move |addr| {
                let s = TcpStream::connect_timeout(&addr, timeout).map_err(FtpError::ConnectionError)?;
                s.set_read_timeout(Some(timeout)).map_err(FtpError::ConnectionError)?;
                s.set_write_timeout(Some(timeout)).map_err(FtpError::ConnectionError)?;
                Ok(s)
            });
        let mut ftp = ftp
            .into_secure(RustlsConnector::from(tls), &config.host)
            .map_err(|e| Self::map_error(&host, config, "AUTH TLS", "", e))?;
        ftp.set_passive_nat_workaround(config.nat_workaround);
        let user = config.user_name()?;
        let password = config.password.clone().unwrap_or_default();
        Self::login(&mut ftp, &user, &password).map_err(|e| match e {
            FtpError::UnexpectedResponse(_) => {
                FtpsError::LoginRefused { host: host.clone(), user: user.clone(), reply: reply_text(&e) }
            }
            other => Self::map_error(&host, config, "login", "", other),
        })?;
        ftp.transfer_type(FileType::Binary).map_err(|e| Self::map_error(&host, config, "TYPE I", "", e))?;
        let home = ftp.pwd().map_err(|e| Self::map_error(&host, config, "PWD", "", e))?;
        Ok(FtpsClient { ftp, host, home })
    }

    /// USER, and PASS when asked (331). Besides 230, a server that authenticated the user by
    /// the client certificate answers USER with 232 (ProFTPD's `TLSUserName`, RFC 4217 §11.1).
    fn login(ftp: &mut RustlsFtpStream, user: &str, password: &str) -> Result<(), FtpError> {
        if user.contains(['\r', '\n']) || password.contains(['\r', '\n']) {
            return Err(FtpError::ConnectionError(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "user or password with a line break",
            )));
        }
        let reply =
            ftp.custom_command(format!("USER {user}"), &[Status::LoggedIn, Status::LogoutAck, Status::NeedPassword])?;
        if reply.status == Status::NeedPassword {
            ftp.custom_command(format!("PASS {password}"), &[Status::LoggedIn, Status::LogoutAck])?;
        }
        Ok(())
    }

    fn map_error(host: &str, config: &FtpsConfig, step: &str, path: &str, e: FtpError) -> FtpsError {
        let host = host.to_owned();
        match e {
            FtpError::ConnectionError(io) => match tls_error(&io) {
                Some(rustls::Error::AlertReceived(alert)) => FtpsError::ClientCertificateRefused {
                    host,
                    certificate: config.identity.certificate().subject_dn().to_owned(),
                    alert: format!("{alert:?}"),
                },
                Some(rustls::Error::InvalidCertificate(reason)) => {
                    FtpsError::ServerCertificateRejected { host, reason: format!("{reason:?}") }
                }
                Some(other) => FtpsError::Tls { host, reason: other.to_string() },
                None => FtpsError::Connection { host, source: io },
            },
            FtpError::SecureError(reason) => FtpsError::Tls { host, reason },
            other => FtpsError::Protocol {
                host,
                step: format!("{step} {path}").trim().to_owned(),
                reply: reply_text(&other),
            },
        }
    }

    /// Maps an error of a command on `path`: `writing` says whether 550 means "refused"
    /// (STOR, RNTO, MKD, DELE) rather than "gone" (RETR, SIZE, RNFR).
    fn fail(&self, step: &str, path: &str, writing: bool, e: FtpError) -> FtpsError {
        let host = self.host.clone();
        let reply = reply_text(&e);
        match reply_code(&e) {
            Some(452) | Some(552) => FtpsError::DiskFull { host, path: path.to_owned(), reply },
            Some(553) => FtpsError::PermissionDenied { host, path: path.to_owned(), reply },
            Some(550) if writing => FtpsError::PermissionDenied { host, path: path.to_owned(), reply },
            Some(550) => FtpsError::RemoteFileVanished { host, path: path.to_owned(), reply },
            _ => match e {
                FtpError::ConnectionError(source) => FtpsError::Connection { host, source },
                _ => FtpsError::Protocol { host, step: format!("{step} {path}"), reply },
            },
        }
    }

    /// The remote size of `path`, `None` when the server says it is not there (550).
    fn remote_size(&mut self, path: &str) -> Result<Option<u64>, FtpsError> {
        match self.ftp.size(path) {
            Ok(n) => Ok(Some(n as u64)),
            Err(e) if reply_code(&e) == Some(550) => Ok(None),
            Err(e) => Err(self.fail("SIZE", path, false, e)),
        }
    }

    /// Puts `files` (local paths; the remote name is the file name) into `remote_dir`
    /// (`to_vip`), staged as `staging` says; `cache_dir` (`cache/to_vip`) is where MAGDA moves
    /// picked-up files, consulted when the journal lacks a file. Stops at the first error; what
    /// was put before it is in the journal.
    pub fn put(
        &mut self,
        files: &[PathBuf],
        remote_dir: &str,
        cache_dir: Option<&str>,
        staging: &Staging,
        journal: &mut Journal,
    ) -> Result<PutSummary, FtpsError> {
        let mut summary = PutSummary::default();
        if let Staging::Subfolder(sub) = staging {
            let path = format!("{remote_dir}/{sub}");
            if self.ftp.cwd(&path).is_err() {
                self.ftp.mkdir(&path).map_err(|e| self.fail("MKD", &path, true, e))?;
            }
            let home = self.home.clone();
            self.ftp.cwd(&home).map_err(|e| self.fail("CWD", &home, false, e))?;
        }
        for local in files {
            let name = local
                .file_name()
                .and_then(|n| n.to_str())
                .filter(|n| safe_name(n))
                .ok_or_else(|| {
                    FtpsError::Local(BatchError::UnsafeName {
                        what: "local file name",
                        value: local.display().to_string(),
                    })
                })?
                .to_owned();
            let bytes = std::fs::read(local).map_err(|source| BatchError::Io { path: local.clone(), source })?;
            let size = bytes.len() as u64;
            let sha256 = hex(&Sha256::digest(&bytes));
            let entry = JournalEntry { name: name.clone(), size, sha256: sha256.clone() };
            if let Some(known) = journal.get(&name) {
                if known.sha256 != sha256 {
                    return Err(FtpsError::NameReused { name, journal_sha256: known.sha256.clone() });
                }
                summary.files.push(PutOutcome { name, size, status: PutStatus::AlreadyPut });
                continue;
            }
            let final_path = format!("{remote_dir}/{name}");
            let mut found = self.remote_size(&final_path)?;
            if found.is_none() {
                if let Some(cache) = cache_dir {
                    found = self.remote_size(&format!("{cache}/{name}"))?;
                }
            }
            match found {
                Some(n) if n == size => {
                    journal.record(entry)?;
                    summary.files.push(PutOutcome { name, size, status: PutStatus::FoundOnServer });
                    continue;
                }
                Some(_) => return Err(FtpsError::RemoteNameTaken { host: self.host.clone(), path: final_path }),
                None => {}
            }
            let staged = match staging {
                Staging::TmpSuffix => format!("{remote_dir}/{name}.tmp"),
                Staging::Subfolder(sub) => format!("{remote_dir}/{sub}/{name}"),
            };
            // STOR truncates a stale staged file of an earlier, broken run: a clean restart.
            let mut reader = bytes.as_slice();
            self.ftp.put_file(&staged, &mut reader).map_err(|e| self.fail("STOR", &staged, true, e))?;
            match self.remote_size(&staged)? {
                Some(n) if n == size => {}
                other => {
                    let _ = self.ftp.rm(&staged);
                    return Err(FtpsError::SizeMismatch {
                        host: self.host.clone(),
                        path: staged,
                        expected: size,
                        actual: other.unwrap_or(0),
                    });
                }
            }
            self.ftp.rename(&staged, &final_path).map_err(|e| self.fail("RNTO", &final_path, true, e))?;
            journal.record(entry)?;
            summary.files.push(PutOutcome { name, size, status: PutStatus::Put });
        }
        Ok(summary)
    }

    /// Fetches every file of the remote folder into `out`; see the [module documentation](self).
    /// A connection or server error stops the run; a file whose signature fails, whose name is
    /// unsafe or whose size is above the limit is left on the server and listed in
    /// [`GetSummary::refused`].
    pub fn get(&mut self, out: &Path, options: &GetOptions) -> Result<GetSummary, FtpsError> {
        let dir = options.remote_dir.as_str();
        let lines = self.ftp.list(Some(dir)).map_err(|e| self.fail("LIST", dir, false, e))?;
        if lines.len() > MAX_LISTING {
            return Err(FtpsError::LimitExceeded {
                host: self.host.clone(),
                what: format!("listing of {dir}"),
                limit: MAX_LISTING as u64,
            });
        }
        let mut summary = GetSummary::default();
        for line in lines {
            let Ok(entry) = suppaftp::list::ListParser::parse_posix(&line) else { continue };
            if !entry.is_file() {
                continue;
            }
            let name = entry.name().to_owned();
            if !safe_name(&name) {
                summary.refused.push((
                    name.clone(),
                    FtpsError::UnsafeRemoteName { host: self.host.clone(), dir: dir.to_owned(), name },
                ));
                continue;
            }
            let remote = format!("{dir}/{name}");
            match self.fetch_one(out, &name, &remote, options) {
                Ok(outcome) => summary.fetched.push(outcome),
                Err(e @ (FtpsError::Signature { .. } | FtpsError::LimitExceeded { .. })) => {
                    summary.refused.push((name, e))
                }
                Err(e) => return Err(e),
            }
        }
        Ok(summary)
    }

    fn fetch_one(
        &mut self,
        out: &Path,
        name: &str,
        remote: &str,
        options: &GetOptions,
    ) -> Result<GetOutcome, FtpsError> {
        let expected = self.remote_size(remote)?.ok_or_else(|| FtpsError::RemoteFileVanished {
            host: self.host.clone(),
            path: remote.to_owned(),
            reply: "550".to_owned(),
        })?;
        if expected > options.max_file_bytes {
            return Err(FtpsError::LimitExceeded {
                host: self.host.clone(),
                what: remote.to_owned(),
                limit: options.max_file_bytes,
            });
        }
        let limit = options.max_file_bytes;
        let bytes = self
            .ftp
            .retr(remote, |r| {
                let mut buf = Vec::new();
                r.take(limit + 1).read_to_end(&mut buf).map_err(FtpError::ConnectionError)?;
                Ok(buf)
            })
            .map_err(|e| self.fail("RETR", remote, false, e))?;
        if bytes.len() as u64 != expected {
            return Err(FtpsError::SizeMismatch {
                host: self.host.clone(),
                path: remote.to_owned(),
                expected,
                actual: bytes.len() as u64,
            });
        }
        let final_path = out.join(name);
        let part = part_path(&final_path);
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |source| FtpsError::Local(BatchError::Io { path: p, source })
        };
        let mut f = std::fs::File::create(&part).map_err(io(&part))?;
        f.write_all(&bytes).map_err(io(&part))?;
        f.sync_all().map_err(io(&part))?;
        drop(f);
        let mut signer = None;
        if let (Some(verifier), true) = (&options.verifier, name.ends_with(".xml")) {
            match verifier.read(&bytes) {
                Ok(
                    crate::institution::Reply::Repliek { signer: cert, .. }
                    | crate::institution::Reply::Fault { signer: cert, .. },
                ) => {
                    signer = Some(cert.info().subject_dn().to_owned());
                }
                Ok(crate::institution::Reply::UnsignedFault(_)) => {}
                Err(source) => {
                    let _ = std::fs::remove_file(&part);
                    return Err(FtpsError::Signature {
                        host: self.host.clone(),
                        path: remote.to_owned(),
                        source: Box::new(source),
                    });
                }
            }
        }
        match std::fs::read(&final_path) {
            Ok(existing) if existing == bytes => std::fs::remove_file(&part).map_err(io(&part))?,
            Ok(_) => {
                let _ = std::fs::remove_file(&part);
                return Err(FtpsError::Local(BatchError::FileExists { path: final_path }));
            }
            Err(_) => {
                std::fs::rename(&part, &final_path).map_err(io(&final_path))?;
                sync_dir(&final_path).map_err(io(&final_path))?;
            }
        }
        match &options.cache_dir {
            Some(cache) => {
                let to = format!("{cache}/{name}");
                self.ftp.rename(remote, &to).map_err(|e| self.fail("RNFR/RNTO", remote, true, e))?;
            }
            None => self.ftp.rm(remote).map_err(|e| self.fail("DELE", remote, true, e))?,
        }
        Ok(GetOutcome { name: name.to_owned(), size: expected, signer })
    }

    /// Ends the session (`QUIT`).
    pub fn quit(mut self) -> Result<(), FtpsError> {
        self.ftp.quit().map_err(|e| self.fail("QUIT", "", false, e))
    }
}

/// A name that is safe as a local and remote file name: no path, no control characters, not
/// hidden, not a staging name.
fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && !name.ends_with(".tmp")
        && !name.ends_with(".part")
        && name.chars().all(|c| !c.is_control() && !matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|'))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_names_are_refused() {
        for bad in ["", ".", "..", "../x", "a/b", "a\\b", ".hidden", "x.tmp", "x.part", "a\nb", &"a".repeat(256)] {
            assert!(!safe_name(bad), "{bad:?}");
        }
        assert!(safe_name("GeefX_20261204_000001.xml"));
    }

    #[test]
    fn pins_must_be_sha256_hex() {
        assert!(ServerTrust::pinned_sha256(&"ab:".repeat(31).to_string().replace("::", ":")).is_err());
        assert!(ServerTrust::pinned_sha256(&"zz".repeat(32)).is_err());
        assert!(ServerTrust::pinned_sha256(&"AB".repeat(32)).is_ok());
    }

    #[test]
    fn json_escapes_names() {
        let s = PutSummary { files: vec![PutOutcome { name: "a\"b\n".to_owned(), size: 1, status: PutStatus::Put }] };
        assert_eq!(s.to_json(), r#"{"files":[{"name":"a\"b\u000a","size":1,"status":"put"}],"bytes_put":1}"#);
    }
}
