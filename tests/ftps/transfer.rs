//! put and get against vsftpd and ProFTPD: the folder layout, the MAGDA stand-in, connections
//! cut mid-transfer, refused certificates and users. The servers are shared, so these tests
//! take one lock and empty the folders first.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use dho_wss::batch::ftps::{FtpsClient, FtpsConfig, FtpsError, GetOptions, PutStatus, ServerTrust, Staging};
use dho_wss::batch::{Journal, RequestFile, RequestFiles};
use dho_wss::model::{Afzender, Instellingsnummer, Versie};

use super::files::{operatie, request_files, vragen};
use super::magda::{sha256, Magda};
use crate::common::{identity, pki, skip};

pub(crate) static LOCK: Mutex<()> = Mutex::new(());

pub(crate) struct Server {
    label: &'static str,
    host: String,
    pub(crate) port: u16,
    pub(crate) root: PathBuf,
    pid_file: PathBuf,
    user: Option<String>,
    password: Option<String>,
}

pub(crate) fn server(var: &str, label: &'static str) -> Option<Server> {
    let Ok(addr) = std::env::var(var) else {
        skip(&format!("{label} not available: {var} unset; start tests/ftps/servers.sh (see tests/README.md)"));
        return None;
    };
    let env = |suffix: &str| std::env::var(format!("{var}_{suffix}")).ok();
    let (host, port) = addr.rsplit_once(':').expect("HOST:PORT");
    Some(Server {
        label,
        host: host.to_owned(),
        port: port.parse().expect("port"),
        root: PathBuf::from(env("ROOT").expect("the server's ROOT variable")),
        pid_file: PathBuf::from(env("PID").expect("the server's PID variable")),
        user: env("USER"),
        password: env("PASSWORD"),
    })
}

fn servers() -> Vec<Server> {
    [server("DHO_WSS_VSFTPD", "vsftpd"), server("DHO_WSS_PROFTPD", "ProFTPD")].into_iter().flatten().collect()
}

pub(crate) fn lock() -> MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

impl Server {
    fn config_as(&self, who: &str) -> FtpsConfig {
        let trust = ServerTrust::ca_pem_file(pki("ca.pem")).expect("ca");
        let mut c = FtpsConfig::new(self.host.clone(), Arc::new(identity(who)), trust)
            .port(self.port)
            .timeout(Duration::from_secs(20));
        if let Some(u) = &self.user {
            c = c.user(u.clone());
        }
        if let Some(p) = &self.password {
            c = c.password(p.clone());
        }
        c
    }
    fn config(&self) -> FtpsConfig {
        self.config_as("institution")
    }
    fn connect(&self) -> FtpsClient {
        FtpsClient::connect(&self.config()).unwrap_or_else(|e| panic!("{}: {e}", self.label))
    }
    /// Empties the MAGDA folders (the servers are shared by the tests).
    pub(crate) fn clean(&self) {
        for dir in ["to_vip", "from_vip", "cache/to_vip", "cache/from_vip"] {
            for e in std::fs::read_dir(self.root.join(dir)).expect("folder").flatten() {
                if e.path().is_dir() {
                    std::fs::remove_dir_all(e.path()).expect("rm");
                } else {
                    std::fs::remove_file(e.path()).expect("rm");
                }
            }
        }
    }
    pub(crate) fn names(&self, dir: &str) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.root.join(dir))
            .expect("folder")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
    /// Kills every session process of the server (its listener's descendants): the
    /// connection breaks as if the server died mid-transfer.
    fn kill_sessions(&self) -> usize {
        let master: u32 = std::fs::read_to_string(&self.pid_file).expect("pid file").trim().parse().expect("pid");
        let pids = descendants(master);
        for pid in &pids {
            let _ = std::process::Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
        pids.len()
    }
    fn session_rchar(&self) -> u64 {
        let master: u32 = std::fs::read_to_string(&self.pid_file).expect("pid file").trim().parse().expect("pid");
        descendants(master)
            .iter()
            .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/io")).ok())
            .filter_map(|io| io.lines().find_map(|l| l.strip_prefix("rchar: ").and_then(|n| n.parse::<u64>().ok())))
            .sum()
    }
}

fn descendants(root: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    for e in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // pid (comm) state ppid …; comm may hold spaces, so split after the last ')'.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { continue };
        if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok()) {
            parent_of.push((pid, ppid));
        }
    }
    let mut out = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for &(child, parent) in &parent_of {
            if parent == p && !out.contains(&child) {
                out.push(child);
                frontier.push(child);
            }
        }
    }
    out
}

fn write_files(dir: &Path, files: &[RequestFile]) -> Vec<PathBuf> {
    files.iter().map(|f| f.write_into(dir).expect("write")).collect()
}

pub(crate) fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn put_magda_get_round_trip_on_both_servers() {
    let _guard = lock();
    for s in servers() {
        s.clean();
        let local = tempfile::tempdir().expect("tmp");
        let files = request_files("rt", 7, 3, 1);
        let paths = write_files(local.path(), &files);
        let magda = Magda::start(&s.root, &files);
        let mut journal = Journal::open(local.path().join("journal")).expect("journal");
        let mut c = s.connect();
        let put = c.put(&paths, "to_vip", Some("cache/to_vip"), &Staging::TmpSuffix, &mut journal).expect("put");
        assert_eq!(put.files.iter().filter(|f| f.status == PutStatus::Put).count(), 3, "{}", s.label);
        // A second run puts nothing again.
        let again =
            c.put(&paths, "to_vip", Some("cache/to_vip"), &Staging::TmpSuffix, &mut journal).expect("put again");
        assert!(again.files.iter().all(|f| f.status == PutStatus::AlreadyPut), "{}: {again}", s.label);
        wait_until("MAGDA's answers", || s.names("from_vip").len() == 3);
        let seen = magda.finish();
        assert!(seen.violations.is_empty(), "{}: incomplete files seen: {:?}", s.label, seen.violations);
        assert_eq!(seen.picked.len(), 3, "{}: {:?}", s.label, seen.picked);
        let out = tempfile::tempdir().expect("out");
        let got = c
            .get(out.path(), &GetOptions::default().verify_with(crate::common::provider::reply_verifier()))
            .expect("get");
        assert_eq!(got.fetched.len(), 3, "{}: {got}", s.label);
        assert!(got.fetched.iter().all(|f| f.signer.as_deref().is_some_and(|d| d.contains("dho-provider"))));
        assert!(s.names("from_vip").is_empty(), "{}", s.label);
        assert_eq!(s.names("cache/from_vip").len(), 3);
        for f in &got.fetched {
            let local = std::fs::read(out.path().join(&f.name)).expect("local answer");
            let cached = std::fs::read(s.root.join("cache/from_vip").join(&f.name)).expect("cached answer");
            assert_eq!(local, cached);
        }
        assert!(got.to_json().contains("\"fetched\":[{\"name\":"));
        c.quit().expect("quit");
    }
}

#[test]
fn subfolder_staging_moves_into_place() {
    let _guard = lock();
    for s in servers() {
        s.clean();
        let local = tempfile::tempdir().expect("tmp");
        let files = request_files("sub", 2, 1, 1);
        let paths = write_files(local.path(), &files);
        let mut journal = Journal::open(local.path().join("journal")).expect("journal");
        let mut c = s.connect();
        c.put(&paths, "to_vip", None, &Staging::Subfolder("upload".to_owned()), &mut journal).expect("put");
        assert_eq!(s.names("to_vip"), ["HIsub_20261204_0001.xml", "HIsub_20261204_0002.xml", "upload"], "{}", s.label);
        assert!(s.names("to_vip/upload").is_empty());
    }
}

#[test]
fn a_cut_upload_leaves_no_final_file_and_a_rerun_completes_once() {
    let _guard = lock();
    for s in servers() {
        s.clean();
        let local = tempfile::tempdir().expect("tmp");
        let afzender = Afzender::instelling(&Instellingsnummer::new("001234").expect("nr"));
        let big = RequestFiles::unsigned(operatie(), Versie::new("02.01.0000").expect("versie"), afzender)
            .date("20261204")
            .expect("date")
            .build(vragen("cut", 64, 1 << 20))
            .expect("64 MB file");
        let paths = write_files(local.path(), &big);
        let name = big[0].name().to_owned();
        let magda = Magda::start(&s.root, &big);
        let config = s.config();
        let journal_path = local.path().join("journal");
        let (p, j) = (paths.clone(), journal_path.clone());
        let upload = std::thread::spawn(move || {
            let mut journal = Journal::open(&j).expect("journal");
            let mut c = FtpsClient::connect(&config)?;
            c.put(&p, "to_vip", Some("cache/to_vip"), &Staging::TmpSuffix, &mut journal)
        });
        let tmp = s.root.join("to_vip").join(format!("{name}.tmp"));
        wait_until("the upload to start", || std::fs::metadata(&tmp).is_ok_and(|m| m.len() > 4 << 20));
        assert!(s.kill_sessions() > 0);
        let first = upload.join().expect("thread");
        assert!(first.is_err(), "{}: the upload finished before the cut", s.label);
        assert!(!s.root.join("to_vip").join(&name).exists(), "{}: a final name after a cut", s.label);
        assert!(Journal::open(&journal_path).expect("journal").get(&name).is_none());
        let mut journal = Journal::open(&journal_path).expect("journal");
        let rerun =
            s.connect().put(&paths, "to_vip", Some("cache/to_vip"), &Staging::TmpSuffix, &mut journal).expect("rerun");
        assert_eq!(rerun.files[0].status, PutStatus::Put);
        wait_until("MAGDA to pick it up", || s.names("cache/to_vip") == [name.clone()]);
        let seen = magda.finish();
        assert!(seen.violations.is_empty(), "{}: {:?}", s.label, seen.violations);
        assert_eq!(seen.picked, std::slice::from_ref(&name), "{}: picked once", s.label);
        let cached = std::fs::read(s.root.join("cache/to_vip").join(&name)).expect("cached");
        assert_eq!(sha256(&cached), sha256(big[0].bytes()));
        assert!(s.names("to_vip").is_empty(), "{}: {:?}", s.label, s.names("to_vip"));
        // And once more: the journal says it is done.
        let third =
            s.connect().put(&paths, "to_vip", Some("cache/to_vip"), &Staging::TmpSuffix, &mut journal).expect("third");
        assert_eq!(third.files[0].status, PutStatus::AlreadyPut);
    }
}

#[test]
fn a_cut_download_loses_nothing_and_a_rerun_fetches_it() {
    let _guard = lock();
    for s in servers() {
        s.clean();
        let content: Vec<u8> = (0..(64u32 << 20)).map(|i| (i % 251) as u8).collect();
        std::fs::write(s.root.join("from_vip/publicatie.csv"), &content).expect("publish");
        let out = tempfile::tempdir().expect("out");
        let config = s.config();
        let dir = out.path().to_path_buf();
        let before = s.session_rchar();
        let download = std::thread::spawn(move || FtpsClient::connect(&config)?.get(&dir, &GetOptions::default()));
        wait_until("the download to start", || s.session_rchar() > before + (8 << 20));
        assert!(s.kill_sessions() > 0);
        let first = download.join().expect("thread");
        assert!(first.is_err(), "{}: the download finished before the cut", s.label);
        assert!(!out.path().join("publicatie.csv").exists());
        assert_eq!(s.names("from_vip"), ["publicatie.csv"], "{}: the answer must stay on the server", s.label);
        let got = s.connect().get(out.path(), &GetOptions::default()).expect("rerun");
        assert_eq!(got.fetched.len(), 1);
        assert_eq!(std::fs::read(out.path().join("publicatie.csv")).expect("local"), content);
        assert!(s.names("from_vip").is_empty());
        assert_eq!(s.names("cache/from_vip"), ["publicatie.csv"]);
        let leftovers: Vec<_> = std::fs::read_dir(out.path()).expect("out").flatten().map(|e| e.file_name()).collect();
        assert_eq!(leftovers.len(), 1, "no .part left: {leftovers:?}");
    }
}

#[test]
fn answers_with_a_bad_signature_or_unsafe_name_stay_on_the_server() {
    let _guard = lock();
    for s in servers() {
        s.clean();
        // An "answer" signed by the institution, not by the pinned provider.
        let forged = request_files("forged", 1, 1, 1);
        std::fs::write(s.root.join("from_vip/forged_antwoord.xml"), forged[0].bytes()).expect("forged");
        std::fs::write(s.root.join("from_vip/half.xml.tmp"), b"<x/>").expect("tmp");
        std::fs::write(s.root.join("from_vip/huge.csv"), vec![b'x'; 100_001]).expect("huge");
        let out = tempfile::tempdir().expect("out");
        let got = s
            .connect()
            .get(
                out.path(),
                &GetOptions::default().verify_with(crate::common::provider::reply_verifier()).max_file_bytes(100_000),
            )
            .expect("get");
        assert!(got.fetched.is_empty(), "{}: {got}", s.label);
        assert_eq!(got.refused.len(), 3, "{}: {got}", s.label);
        assert!(got
            .refused
            .iter()
            .any(|(n, e)| n == "huge.csv" && matches!(e, FtpsError::LimitExceeded { limit: 100_000, .. })));
        assert!(got
            .refused
            .iter()
            .any(|(n, e)| n == "forged_antwoord.xml" && matches!(e, FtpsError::Signature { .. })));
        assert!(got
            .refused
            .iter()
            .any(|(n, e)| n == "half.xml.tmp" && matches!(e, FtpsError::UnsafeRemoteName { .. })));
        assert_eq!(s.names("from_vip"), ["forged_antwoord.xml", "half.xml.tmp", "huge.csv"]);
        assert_eq!(std::fs::read_dir(out.path()).expect("out").count(), 0);
    }
}

#[test]
fn a_certificate_from_another_ca_is_refused_at_the_handshake() {
    for s in servers() {
        let err = FtpsClient::connect(&s.config_as("rogue")).expect_err("rogue certificate");
        assert!(
            matches!(&err, FtpsError::ClientCertificateRefused { certificate, .. } if certificate.contains("instelling-001234")),
            "{}: {err}",
            s.label
        );
    }
}

#[test]
fn a_server_certificate_not_under_the_trusted_ca_or_pin_is_refused() {
    for s in servers() {
        let rogue_trust = ServerTrust::ca_pem_file(pki("rogue-ca.pem")).expect("rogue ca");
        let c = FtpsConfig::new(s.host.clone(), Arc::new(identity("institution")), rogue_trust)
            .port(s.port)
            .user(c_user(&s));
        let err = FtpsClient::connect(&c).expect_err("untrusted server");
        assert!(matches!(err, FtpsError::ServerCertificateRejected { .. }), "{}: {err}", s.label);
        let wrong_pin = ServerTrust::pinned_sha256(&"00".repeat(32)).expect("pin");
        let err = FtpsClient::connect(
            &FtpsConfig::new(s.host.clone(), Arc::new(identity("institution")), wrong_pin).port(s.port),
        )
        .expect_err("wrong pin");
        assert!(matches!(err, FtpsError::ServerCertificateRejected { .. }), "{}: {err}", s.label);
        // The right pin is enough without any CA.
        let der = crate::common::pem::der_of(&std::fs::read(pki("tls-server.crt.pem")).expect("pem"));
        let pin =
            dho_wss::pki::CertificateInfo::from_certificate_der(&der).expect("cert").sha256_fingerprint().to_owned();
        let mut pinned = FtpsConfig::new(
            s.host.clone(),
            Arc::new(identity("institution")),
            ServerTrust::pinned_sha256(&pin).expect("pin"),
        )
        .port(s.port);
        if let Some(u) = &s.user {
            pinned = pinned.user(u.clone());
        }
        if let Some(p) = &s.password {
            pinned = pinned.password(p.clone());
        }
        FtpsClient::connect(&pinned).unwrap_or_else(|e| panic!("{}: pinned: {e}", s.label)).quit().expect("quit");
    }
}

fn c_user(s: &Server) -> String {
    s.user.clone().unwrap_or_else(|| "dho-wss-test.instelling-001234.hogeschool-test".to_owned())
}

#[test]
fn no_client_certificate_is_refused() {
    use rustls::pki_types::pem::PemObject;
    for s in servers() {
        let mut roots = rustls::RootCertStore::empty();
        for c in rustls::pki_types::CertificateDer::pem_file_iter(pki("ca.pem")).expect("ca") {
            roots.add(c.expect("cert")).expect("add");
        }
        let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        let ftp = suppaftp::RustlsFtpStream::connect((s.host.as_str(), s.port)).expect("connect");
        let result = ftp
            .into_secure(suppaftp::RustlsConnector::from(Arc::new(cfg)), &s.host)
            .and_then(|mut f| f.login(c_user(&s).as_str(), s.password.clone().unwrap_or_default().as_str()).map(|_| f));
        assert!(result.is_err(), "{}: logged in without a client certificate", s.label);
    }
}

#[test]
fn proftpd_refuses_a_user_that_is_not_the_certificate_cn() {
    let Some(s) = server("DHO_WSS_PROFTPD", "ProFTPD") else { return };
    let err = FtpsClient::connect(&s.config().user("other-user")).expect_err("USER ≠ CN");
    assert!(matches!(&err, FtpsError::LoginRefused { user, .. } if user == "other-user"), "{err}");
    // The default user is the CN, and no password is needed.
    assert!(s.user.is_none());
    s.connect().quit().expect("quit");
}
