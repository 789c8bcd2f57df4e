//! Upload throughput of `batch::ftps` against `curl --ssl-reqd` with the same client
//! certificate, both putting the same 1 MB request files into `to_vip` of the loopback vsftpd
//! of `tests/ftps/servers.sh` (env `DHO_WSS_VSFTPD*`), in the same run.
//!
//! `cargo bench --features ftps --bench ftps` puts 200 files per iteration; under
//! `cargo test --benches` (quick mode) 10 files, once. dho-wss does more per file than curl:
//! `STOR NAME.tmp`, `SIZE` (verify), `RNFR`/`RNTO`, and a `SIZE` of the final name and of
//! `cache/to_vip` before (the no-duplicate check); curl only `STOR`s on one connection
//! (`-T "{a,b,…}"`). The ratio is printed at the end (`ratio dho-wss / curl`); see
//! `benches/README.md`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use dho_wss::batch::ftps::{FtpsClient, FtpsConfig, ServerTrust, Staging};
use dho_wss::batch::Journal;
use dho_wss::pki::SigningIdentity;

const MB: usize = 1 << 20;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn clean(dir: &Path) {
    for e in std::fs::read_dir(dir).expect("to_vip").flatten() {
        if e.path().is_file() {
            std::fs::remove_file(e.path()).expect("rm");
        }
    }
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let n = if quick { 10 } else { 200 };
    let (Ok(addr), Ok(server_root), Ok(user), Ok(password)) = (
        std::env::var("DHO_WSS_VSFTPD"),
        std::env::var("DHO_WSS_VSFTPD_ROOT"),
        std::env::var("DHO_WSS_VSFTPD_USER"),
        std::env::var("DHO_WSS_VSFTPD_PASSWORD"),
    ) else {
        assert!(
            std::env::var("DHO_WSS_REQUIRE_PEERS").as_deref() != Ok("1"),
            "DHO_WSS_VSFTPD* unset (start tests/ftps/servers.sh) and DHO_WSS_REQUIRE_PEERS=1"
        );
        eprintln!("\n{0}\nSKIPPED: benches/ftps: vsftpd not available (DHO_WSS_VSFTPD unset)\n{0}\n", "*".repeat(60));
        return;
    };
    let (host, port) = addr.rsplit_once(':').expect("HOST:PORT");
    let port: u16 = port.parse().expect("port");
    let to_vip = Path::new(&server_root).join("to_vip");
    let pki = root().join("testdata/pki");

    // n files of 1 MB each (the content does not matter to the transfer).
    let local = tempfile::tempdir().expect("tmp");
    let files: Vec<PathBuf> = (0..n)
        .map(|i| {
            let path = local.path().join(format!("BENCH_20261204_{i:06}.xml"));
            let content: Vec<u8> = (0..MB).map(|b| b"<x/>\n"[(b + i) % 5]).collect();
            std::fs::write(&path, content).expect("write");
            path
        })
        .collect();

    let identity = Arc::new(
        SigningIdentity::from_pem_files(pki.join("institution.key.pem"), pki.join("institution.chain.pem"), None)
            .expect("identity"),
    );
    let config = FtpsConfig::new(host, identity, ServerTrust::ca_pem_file(pki.join("ca.pem")).expect("ca"))
        .port(port)
        .user(user.clone())
        .password(password.clone());
    let curl_list = format!("{{{}}}", files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(","));

    let ours = Arc::new(Mutex::new(Vec::new()));
    let theirs = Arc::new(Mutex::new(Vec::new()));
    let mut c = Criterion::default().configure_from_args().sample_size(10).warm_up_time(Duration::from_millis(1));
    let mut g = c.benchmark_group(format!("ftps_put_{n}x1MB"));
    g.throughput(Throughput::Bytes((n * MB) as u64));
    let o = ours.clone();
    g.bench_function("dho-wss", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                clean(&to_vip);
                let journal_dir = tempfile::tempdir().expect("journal dir");
                let mut journal = Journal::open(journal_dir.path().join("journal")).expect("journal");
                let start = Instant::now();
                let mut client = FtpsClient::connect(&config).expect("connect");
                let summary =
                    client.put(&files, "to_vip", Some("cache/to_vip"), &Staging::TmpSuffix, &mut journal).expect("put");
                client.quit().expect("quit");
                let took = start.elapsed();
                assert_eq!(summary.bytes_put(), (n * MB) as u64);
                o.lock().expect("lock").push(took);
                total += took;
            }
            total
        })
    });
    let t = theirs.clone();
    g.bench_function("curl", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                clean(&to_vip);
                let start = Instant::now();
                let status = Command::new("curl")
                    .args(["-sS", "--ssl-reqd", "--tls-max", "1.2", "--cacert"])
                    .arg(pki.join("ca.pem"))
                    .arg("--cert")
                    .arg(pki.join("institution.crt.pem"))
                    .arg("--key")
                    .arg(pki.join("institution.key.pem"))
                    .arg("-u")
                    .arg(format!("{user}:{password}"))
                    .arg("-T")
                    .arg(&curl_list)
                    .arg(format!("ftp://{addr}/to_vip/"))
                    .status()
                    .expect("curl (apt-get install curl)");
                let took = start.elapsed();
                assert!(status.success(), "curl failed: {status}");
                let put = std::fs::read_dir(&to_vip).expect("to_vip").flatten().filter(|e| e.path().is_file()).count();
                assert_eq!(put, n, "curl put every file");
                t.lock().expect("lock").push(took);
                total += took;
            }
            total
        })
    });
    g.finish();
    clean(&to_vip);
    let ours = median(&mut ours.lock().expect("lock"));
    let theirs = median(&mut theirs.lock().expect("lock"));
    let mbps = |d: Duration| (n * MB) as f64 / MB as f64 / d.as_secs_f64();
    println!(
        "ftps put {n} x 1 MB: dho-wss {:.3} s ({:.0} MB/s), curl {:.3} s ({:.0} MB/s), ratio dho-wss / curl {:.2}",
        ours.as_secs_f64(),
        mbps(ours),
        theirs.as_secs_f64(),
        mbps(theirs),
        ours.as_secs_f64() / theirs.as_secs_f64()
    );
}
