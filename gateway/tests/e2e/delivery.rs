//! Guaranteed delivery through the gateway: SQLite across a crash, PostgreSQL across two
//! gateway processes (concurrent resends, `kill -9` mid-load), counted by a real backend.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use crate::support::*;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("runtime")
}

/// The test's own fresh database on the server of `DHO_WSS_POSTGRES_URL`; `None` (after a
/// loud skip) when the variable is not set.
async fn fresh_database() -> Option<String> {
    let Ok(admin) = std::env::var("DHO_WSS_POSTGRES_URL") else {
        skip("DHO_WSS_POSTGRES_URL not set (a PostgreSQL server; .ci/run starts one)");
        return None;
    };
    let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls).await.expect("connect PostgreSQL");
    tokio::spawn(conn);
    let name = format!("gw_{}", uuid::Uuid::new_v4().simple());
    client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("create database");
    let (base, _) = admin.rsplit_once('/').expect("URL with a database");
    Some(format!("{base}/{name}"))
}

/// Sends one Verzoek with `refertes`, freshly signed, to `addrs` in turn until it gets a
/// Repliek without 13011 (in progress) and without a transport error; the answers.
async fn send_until_answered(addrs: &[SocketAddr], start: usize, refertes: &[&str]) -> Vec<(String, String)> {
    let tls = client_tls(Some("institution"));
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut i = start;
    loop {
        assert!(Instant::now() < deadline, "no answer for {refertes:?} within 60 s");
        let addr = addrs[i % addrs.len()];
        i += 1;
        match post(&tls, addr, SOAP, signed_verzoek(refertes, "institution")).await {
            Ok((200, body)) => {
                let a = answers(&body);
                if a.iter().all(|(_, t)| !t.starts_with("FOUT")) {
                    return a;
                }
                assert!(a.iter().all(|(_, t)| !t.starts_with("FOUT") || t == "FOUT 13011"), "{a:?}");
            }
            Ok((status, body)) => {
                assert!(status == 503 || status == 500, "{status} {}", String::from_utf8_lossy(&body));
            }
            Err(_) => {} // the instance is gone: resend to the other
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn sqlite_keeps_answers_across_a_crash() {
    let Some(python) = python3() else { return skip("python3 not found on PATH") };
    let backend = Backend::start(&python, "ok");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = format!("sqlite:{}", dir.path().join("answers.sqlite").display());
    let config = Setup { store, backend: backend.url(), ..Setup::default() }.write(dir.path());
    rt().block_on(async {
        let mut gw = GatewayProc::start(&config);
        let first = send_until_answered(&[gw.addr], 0, &["crash-1", "crash-2"]).await;
        gw.kill9();
        let gw = GatewayProc::start(&config);
        let again = send_until_answered(&[gw.addr], 0, &["crash-2", "crash-1"]).await;
        let mut a: Vec<_> = first.clone();
        let mut b = again.clone();
        a.sort();
        b.sort();
        assert_eq!(a, b, "the same answers after the restart");
        let counts = backend.counts().await;
        assert_eq!(counts.get("crash-1"), Some(&1));
        assert_eq!(counts.get("crash-2"), Some(&1));
        let text = gw.metrics_text().await;
        assert_eq!(metric(&text, "dho_gateway_store_hits_total"), 2.0, "{text}");
    });
}

#[test]
fn postgres_two_instances_64_concurrent_resends_execute_each_referte_once() {
    let Some(python) = python3() else { return skip("python3 not found on PATH") };
    rt().block_on(async {
        let Some(url) = fresh_database().await else { return };
        let backend = Backend::start(&python, "slow");
        let dir = tempfile::tempdir().expect("tempdir");
        let setup = Setup {
            store: url,
            backend: backend.url(),
            store_extra: "claim_wait_ms = 30000".into(),
            ..Setup::default()
        };
        let config = setup.write(dir.path());
        // Both start together on an empty database: the migration runs once.
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| GatewayProc::start(&config));
            let b = s.spawn(|| GatewayProc::start(&config));
            (a.join().expect("a"), b.join().expect("b"))
        });
        let addrs = [a.addr, b.addr];
        let refertes: Vec<String> = (0..8).map(|i| format!("pg-once-{i}")).collect();
        let mut tasks = Vec::new();
        for i in 0..64 {
            let refertes = refertes.clone();
            tasks.push(tokio::spawn(async move {
                let refs: Vec<&str> = refertes.iter().map(String::as_str).collect();
                send_until_answered(&addrs, i, &refs).await
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.push(t.await.expect("client"));
        }
        assert!(all.iter().all(|a| a == &all[0]), "every client the same answers");
        assert_eq!(all[0].len(), 8);
        let counts = backend.counts().await;
        let expected: BTreeMap<String, u64> = refertes.iter().map(|r| (r.clone(), 1)).collect();
        assert_eq!(counts, expected, "each Referte executed exactly once");
        let hits = metric(&a.metrics_text().await, "dho_gateway_store_hits_total")
            + metric(&b.metrics_text().await, "dho_gateway_store_hits_total");
        assert!(hits >= 8.0 * 60.0, "most answers came from the store: {hits}");
    });
}

#[test]
fn postgres_kill_9_of_one_instance_mid_load_loses_nothing() {
    let Some(python) = python3() else { return skip("python3 not found on PATH") };
    rt().block_on(async {
        let Some(url) = fresh_database().await else { return };
        let backend = Backend::start(&python, "slow");
        let dir = tempfile::tempdir().expect("tempdir");
        let setup = Setup {
            store: url,
            backend: backend.url(),
            limits: "backend_timeout_ms = 1000".into(),
            store_extra: "lease_ms = 2000\nclaim_wait_ms = 300".into(),
            ..Setup::default()
        };
        let config = setup.write(dir.path());
        let mut a = GatewayProc::start(&config);
        let b = GatewayProc::start(&config);
        let killed_pid = a.pid();
        let addrs = [a.addr, b.addr];
        // 24 Refertes, each sent by two clients, one starting on each instance.
        let mut tasks = Vec::new();
        for i in 0..48 {
            let referte = format!("pg-kill-{}", i / 2);
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(20 * (i as u64 / 2))).await;
                (referte.clone(), send_until_answered(&addrs, i, &[&referte]).await)
            }));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        let killed_at = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).expect("clock").as_secs_f64();
        a.kill9();
        let mut by_referte: BTreeMap<String, Vec<Vec<(String, String)>>> = BTreeMap::new();
        for t in tasks {
            let (r, answers) = t.await.expect("client");
            by_referte.entry(r).or_default().push(answers);
        }
        assert_eq!(by_referte.len(), 24, "zero lost answers");
        for (r, answers) in &by_referte {
            assert!(answers.iter().all(|a| a == &answers[0]), "{r}: every client the same answer: {answers:?}");
        }
        // Executions: once each, except a Vraag whose call on the killed instance was in flight
        // at the kill (answered by the backend, never stored): executed again after the lease.
        let counts = backend.counts().await;
        let addr: SocketAddr = ([127, 0, 0, 1], backend.port).into();
        let (_, calls) = http_get(addr, "/calls").await.expect("calls");
        let in_flight: Vec<&str> = calls
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                let end: f64 = f.get(3)?.parse().ok()?;
                (f.get(1) == Some(&format!("pid:{killed_pid}").as_str()) && end > killed_at - 0.25).then_some(f[0])
            })
            .collect();
        for r in by_referte.keys() {
            let n = counts.get(r).copied().unwrap_or(0);
            let allowed = if in_flight.contains(&r.as_str()) { 2 } else { 1 };
            assert!(n >= 1 && n <= allowed, "{r} executed {n} times (in flight at the kill: {in_flight:?})");
        }
        let executions: u64 = counts.values().sum();
        eprintln!("kill -9: {executions} executions for 24 Refertes; in flight at the kill: {}", in_flight.len());
    });
}
