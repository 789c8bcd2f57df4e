//! WS-Security benchmarks: signing and verifying DHO envelopes, each stage alone, and the
//! comparison with libxmlsec1. See `benches/README.md`, section "WS-Security".
//!
//! Three parts, all in one run (`cargo bench --bench wss [--features openssl]`):
//! 1. `criterion`: the absolute distributions (criterion's own report);
//! 2. `ratios`: every operation timed in alternation with one RSA-2048 signature (or
//!    verification) of the same provider — call by call when both take 20 µs or more and are
//!    of the same order, else in batches — and the median of the per-round ratios reported: robust on a shared, noisy
//!    machine. For OpenSSL, signing is also timed against the floor, OpenSSL's own RSA-2048
//!    signature of the same SignedInfo (issue 11 §7);
//! 3. `xmlsec`: dho-wss against libxmlsec1 (C driver in `benches/xmlsec1/`), also in
//!    alternation, on the same envelopes, as throughput ratios of median messages.
//!
//! `DHO_WSS_BENCH=ratios,xmlsec` picks parts (default: all three); `DHO_WSS_BENCH_ROUNDS`
//! sets the rounds of parts 2 and 3 (default 9); `DHO_WSS_BENCH_PROVIDERS=openssl` (or
//! `rustcrypto`) keeps only those providers. Under `cargo test --benches` every part
//! runs once, quickly, to prove it works (no timing is judged).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod wss_support;

use std::fmt::Write as _;
use std::hint::black_box;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use criterion::{BatchSize, Criterion, Throughput};
use dho_wss::crypto::SignatureAlgorithm;
use dho_wss::pki::ChainCacheConfig;
use dho_wss::xml::{Document, ExcC14n};
use wss_support::*;

/// Everything prepared once per provider and sample.
struct Prepared {
    sample: &'static str,
    unsigned: Vec<u8>,
    signed: Vec<u8>,
    /// The canonical Body, for the digest stage.
    body_c14n: Vec<u8>,
}

struct ProviderSetup {
    p: Provider,
    signer: dho_wss::wss::Signer,
    verifier_cached: dho_wss::wss::Verifier,
    verifier_full: dho_wss::wss::Verifier,
    /// Canonical SignedInfo of the 1-Vraag message, and its signature: the RSA references.
    signed_info: Vec<u8>,
    signature: Vec<u8>,
    spki: Vec<u8>,
    cert: Vec<u8>,
    samples: Vec<Prepared>,
}

/// Everything, or (for `DHO_WSS_PROFILE`) only one provider and sample.
fn setup(only: Option<(&str, &str)>) -> Vec<ProviderSetup> {
    let corpus = corpus();
    let chosen = std::env::var("DHO_WSS_BENCH_PROVIDERS").ok();
    providers()
        .into_iter()
        .filter(|p| only.is_none_or(|(name, _)| name == p.name))
        .filter(|p| chosen.as_deref().is_none_or(|list| list.split(',').any(|n| n.trim() == p.name)))
        .map(|p| {
            let signer = signer(p);
            let samples: Vec<Prepared> = corpus
                .iter()
                .filter(|s| only.is_none_or(|(_, sample)| sample == s.name))
                .map(|s| {
                    let signed = signer.sign_envelope(&s.unsigned).expect("sign");
                    let doc = Document::parse(&signed).expect("parse");
                    let body = body_of(&doc);
                    Prepared {
                        sample: s.name,
                        unsigned: s.unsigned.clone(),
                        signed,
                        body_c14n: ExcC14n::new().canonicalize(body).expect("c14n"),
                    }
                })
                .collect();
            let doc = Document::parse(&samples[0].signed).unwrap();
            let si = doc.root().descendants().find(|e| e.local_name() == "SignedInfo").unwrap();
            let signed_info = ExcC14n::new().canonicalize(si).unwrap();
            let id = signer.identity();
            let signature = id.signing_key().sign(SignatureAlgorithm::RsaSha1, &signed_info).unwrap();
            let spki = id.signing_key().public_key_spki_der().to_vec();
            let cert = id.certificate_der().to_vec();
            let verifier_cached = verifier(p, true);
            let verifier_full = verifier(p, false);
            for s in &samples {
                verifier_cached.verify(&s.signed).expect("verify");
                verifier_full.verify(&s.signed).expect("verify");
            }
            ProviderSetup { p, signer, verifier_cached, verifier_full, signed_info, signature, spki, cert, samples }
        })
        .collect()
}

fn body_of(doc: &Document) -> dho_wss::xml::Element<'_> {
    doc.root().child_elements().find(|e| e.local_name() == "Body").expect("Body")
}

fn parts() -> Vec<String> {
    std::env::var("DHO_WSS_BENCH")
        .unwrap_or_else(|_| "criterion,ratios,xmlsec".into())
        .split(',')
        .map(|s| s.trim().to_owned())
        .collect()
}

fn main() {
    let parts = parts();
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    if let Ok(spec) = std::env::var("DHO_WSS_PROFILE") {
        profile_loop(&spec);
        return;
    }
    let setups = setup(None);
    if parts.iter().any(|p| p == "criterion") {
        run_criterion(&setups);
    }
    let mut report = String::new();
    print_corpus(&setups, &mut report);
    if parts.iter().any(|p| p == "ratios") {
        run_ratios(&setups, &mut report);
    }
    if parts.iter().any(|p| p == "xmlsec") {
        run_xmlsec(&setups, &mut report);
    }
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wss-bench-report.md");
    if std::fs::write(&path, &report).is_ok() {
        println!("\nreport written to {}", path.display());
    }
}

/// `DHO_WSS_PROFILE=OP,PROVIDER,SAMPLE,N` (OP: sign, verify, verify-full,
/// verify-max-prefix-list, rsa-sign, rsa-verify): only run that operation N times, for a profiler, e.g.
/// `valgrind --tool=callgrind target/release/deps/wss-* --bench` with the variable set.
fn profile_loop(spec: &str) {
    let f: Vec<&str> = spec.split(',').collect();
    let [op, provider, sample, n] = f.as_slice() else {
        panic!("DHO_WSS_PROFILE=OP,PROVIDER,SAMPLE,N, got {spec:?}");
    };
    let n: usize = n.parse().expect("N");
    let setups = setup(Some((provider, sample)));
    let s = setups.iter().find(|s| s.p.name == *provider).expect("provider");
    let x = s.samples.iter().find(|x| x.sample == *sample).expect("sample");
    let listed =
        (*op == "verify-max-prefix-list").then(|| with_max_prefix_lists(&x.signed, s.signer.identity().signing_key()));
    for _ in 0..n {
        match *op {
            "sign" => drop(black_box(s.signer.sign_envelope(&x.unsigned).unwrap())),
            "verify-max-prefix-list" => drop(black_box(s.verifier_cached.verify(listed.as_deref().unwrap()).unwrap())),
            "verify" => drop(black_box(s.verifier_cached.verify(&x.signed).unwrap())),
            "verify-full" => drop(black_box(s.verifier_full.verify(&x.signed).unwrap())),
            "rsa-sign" => {
                black_box(s.signer.identity().signing_key().sign(SignatureAlgorithm::RsaSha1, &s.signed_info).unwrap());
            }
            "rsa-verify" => {
                s.p.provider
                    .verify_signature(SignatureAlgorithm::RsaSha1, &s.spki, &s.signed_info, &s.signature)
                    .unwrap()
            }
            other => panic!("unknown operation {other}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 1. criterion

fn run_criterion(setups: &[ProviderSetup]) {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .configure_from_args();
    let t = SystemTime::now();

    for s in setups {
        let name = s.p.name;
        let mut g = c.benchmark_group(format!("wss/{name}/rsa2048"));
        g.bench_function("sign", |b| {
            b.iter(|| s.signer.identity().signing_key().sign(SignatureAlgorithm::RsaSha1, black_box(&s.signed_info)))
        });
        g.bench_function("verify", |b| {
            b.iter(|| {
                s.p.provider.verify_signature(
                    SignatureAlgorithm::RsaSha1,
                    &s.spki,
                    black_box(&s.signed_info),
                    &s.signature,
                )
            })
        });
        g.finish();

        for x in &s.samples {
            let mut g = c.benchmark_group(format!("wss/{name}/{}", x.sample));
            if x.signed.len() > 1 << 20 {
                g.sample_size(10).measurement_time(Duration::from_secs(4));
            }
            g.throughput(Throughput::Bytes(x.signed.len() as u64));
            g.bench_function("sign", |b| b.iter(|| s.signer.sign_envelope(black_box(&x.unsigned)).unwrap()));
            g.bench_function("verify_cached_chain", |b| {
                b.iter(|| s.verifier_cached.verify(black_box(&x.signed)).unwrap())
            });
            g.bench_function("verify_full_chain", |b| b.iter(|| s.verifier_full.verify(black_box(&x.signed)).unwrap()));
            if x.sample == "vraag1" {
                // F1: the same message with the largest PrefixLists the default limits allow.
                let listed = with_max_prefix_lists(&x.signed, s.signer.identity().signing_key());
                g.bench_function("verify_cached_chain_max_prefix_list", |b| {
                    b.iter(|| s.verifier_cached.verify(black_box(&listed)).unwrap())
                });
            }
            g.bench_function("stage_digest_sha1", |b| {
                b.iter(|| {
                    let mut d = s.p.provider.new_digest(dho_wss::crypto::DigestAlgorithm::Sha1);
                    io::Write::write_all(&mut d, black_box(&x.body_c14n)).unwrap();
                    d.finalize()
                })
            });
            g.finish();
        }

        let mut g = c.benchmark_group(format!("wss/{name}/stage_chain"));
        let uncached = validator(s.p, ChainCacheConfig::disabled());
        let cached = validator(s.p, ChainCacheConfig::default());
        g.bench_function("uncached", |b| b.iter(|| uncached.validate(black_box(&s.cert), &[], t).unwrap()));
        g.bench_function("cached", |b| b.iter(|| cached.validate(black_box(&s.cert), &[], t).unwrap()));
        g.finish();
    }

    // Provider-independent stages.
    if let Some(s) = setups.first() {
        for x in &s.samples {
            let mut g = c.benchmark_group(format!("wss/xml/{}", x.sample));
            if x.signed.len() > 1 << 20 {
                g.sample_size(10).measurement_time(Duration::from_secs(4));
            }
            g.throughput(Throughput::Bytes(x.signed.len() as u64));
            g.bench_function("stage_parse", |b| b.iter(|| Document::parse(black_box(&x.signed)).unwrap()));
            let doc = Document::parse(&x.signed).unwrap();
            let body = body_of(&doc);
            g.bench_function("stage_c14n_body", |b| {
                b.iter_batched(
                    io::sink,
                    |mut sink| ExcC14n::new().canonicalize_to(black_box(body), &mut sink).unwrap(),
                    BatchSize::SmallInput,
                )
            });
            g.finish();
        }
    }
    c.final_summary();
}

// ---------------------------------------------------------------------------------------------
// 2. ratios to one RSA operation, interleaved

fn rounds() -> usize {
    if !bench_mode() {
        return 1;
    }
    std::env::var("DHO_WSS_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(9).max(1)
}

fn batch() -> Duration {
    if bench_mode() {
        Duration::from_millis(40)
    } else {
        Duration::ZERO
    }
}

/// Seconds taken by one call of `f`.
fn time_one(f: &mut dyn FnMut()) -> f64 {
    let start = std::time::Instant::now();
    f();
    start.elapsed().as_secs_f64()
}

/// Times `op` and `reference` alternately; returns the medians of the op's seconds per call, of
/// the reference's, and of the per-round ratios. When both take 20 µs or more a call and
/// neither takes more than 8 times the other, a round is one call of each ([`paired`]);
/// otherwise it is a batch of each of about `batch()` wall time, for `rounds()` rounds.
fn interleaved(op: &mut dyn FnMut(), reference: &mut dyn FnMut()) -> (f64, f64, f64) {
    let (x, y) = (time_one(op), time_one(reference));
    if x.min(y) >= 20e-6 && x.max(y) <= 8.0 * x.min(y) {
        return paired(op, reference, x.max(y));
    }
    let (mut a, mut b, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..rounds() {
        // Alternate which goes first, so neither always follows the other.
        let (x, y) = if i % 2 == 0 {
            let x = per_call(op, batch());
            (x, per_call(reference, batch()))
        } else {
            let y = per_call(reference, batch());
            (per_call(op, batch()), y)
        };
        a.push(x);
        b.push(y);
        r.push(x / y);
    }
    (median(&mut a), median(&mut b), median(&mut r))
}

/// [`interleaved`] call by call, for operations long enough to time one by one: the op and the
/// reference alternate single calls (which goes first alternates too) for as many pairs as
/// `rounds()` batches would take (`one`: the longer call's seconds), at least `rounds()`; returns the medians of the
/// op's seconds per call, of the reference's, and of the per-pair ratios. A call that is
/// preempted or shares its core with another job's burst spoils its own pair only: on this
/// loaded machine the median ratio repeats within ±0.2 % where per-batch ratios moved by ±5 %.
fn paired(op: &mut dyn FnMut(), reference: &mut dyn FnMut(), one: f64) -> (f64, f64, f64) {
    let time = time_one;
    let pairs = ((rounds() as f64 * batch().as_secs_f64() / one) as usize).clamp(rounds(), 1_000_000);
    let (mut a, mut b, mut r) = (Vec::with_capacity(pairs), Vec::with_capacity(pairs), Vec::with_capacity(pairs));
    for i in 0..pairs {
        let (x, y) = if i % 2 == 0 {
            let x = time(op);
            (x, time(reference))
        } else {
            let y = time(reference);
            (time(op), y)
        };
        a.push(x);
        b.push(y);
        r.push(x / y);
    }
    (median(&mut a), median(&mut b), median(&mut r))
}

struct Row {
    what: String,
    op: f64,
    ratio: f64,
}

fn print_corpus(setups: &[ProviderSetup], out: &mut String) {
    let Some(s) = setups.first() else { return };
    let _ = writeln!(out, "\n## Corpus\n\n| sample | unsigned | signed | stresses |\n|---|---|---|---|");
    for (x, c) in s.samples.iter().zip(corpus()) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            x.sample,
            fmt_size(x.unsigned.len()),
            fmt_size(x.signed.len()),
            c.stresses
        );
    }
    print!("{out}");
}

fn run_ratios(setups: &[ProviderSetup], out: &mut String) {
    let t = SystemTime::now();
    let mut text = String::new();
    for s in setups {
        let name = s.p.name;
        let key = s.signer.identity().signing_key();
        let mut rsa_sign = || {
            black_box(key.sign(SignatureAlgorithm::RsaSha1, black_box(&s.signed_info)).unwrap());
        };
        let mut rsa_verify = || {
            s.p.provider
                .verify_signature(SignatureAlgorithm::RsaSha1, &s.spki, black_box(&s.signed_info), &s.signature)
                .unwrap();
        };
        let (sign_ref, _, _) = interleaved(&mut rsa_sign.clone(), &mut rsa_sign);
        let (verify_ref, _, _) = interleaved(&mut rsa_verify.clone(), &mut rsa_verify);
        let mut rows: Vec<(String, Vec<Row>)> = Vec::new();

        // Against one RSA signature.
        let mut sign_rows = Vec::new();
        for x in &s.samples {
            let (op, _, ratio) =
                interleaved(&mut || drop(black_box(s.signer.sign_envelope(&x.unsigned).unwrap())), &mut rsa_sign);
            sign_rows.push(Row { what: format!("sign {}", x.sample), op, ratio });
        }
        rows.push((format!("one RSA-2048 signature ({})", fmt_time(sign_ref)), sign_rows));

        // Against one RSA verification.
        let uncached = validator(s.p, ChainCacheConfig::disabled());
        let cached = validator(s.p, ChainCacheConfig::default());
        let mut verify_rows = Vec::new();
        let mut excl = Vec::new();
        for x in &s.samples {
            let (op, _, ratio) =
                interleaved(&mut || drop(black_box(s.verifier_cached.verify(&x.signed).unwrap())), &mut rsa_verify);
            verify_rows.push(Row { what: format!("verify {} (cached chain)", x.sample), op, ratio });
            let (full, chain, _) =
                interleaved(&mut || drop(black_box(s.verifier_full.verify(&x.signed).unwrap())), &mut || {
                    drop(black_box(uncached.validate(&s.cert, &[], t).unwrap()))
                });
            let (_, _, ratio) =
                interleaved(&mut || drop(black_box(s.verifier_full.verify(&x.signed).unwrap())), &mut rsa_verify);
            verify_rows.push(Row { what: format!("verify {} (full chain validation)", x.sample), op: full, ratio });
            excl.push((x.sample, full - chain));
        }
        for (sample, e) in &excl {
            verify_rows.push(Row {
                what: format!("verify {sample} excluding chain (full − chain)"),
                op: *e,
                ratio: e / verify_ref,
            });
        }
        let docs: Vec<Document> = s.samples.iter().map(|x| Document::parse(&x.signed).unwrap()).collect();
        let stages: Vec<(String, Box<dyn FnMut() + '_>)> = {
            let mut v: Vec<(String, Box<dyn FnMut() + '_>)> = Vec::new();
            v.push((
                "stage: chain validation, uncached".into(),
                Box::new(|| drop(black_box(uncached.validate(&s.cert, &[], t).unwrap()))),
            ));
            v.push((
                "stage: chain validation, cached".into(),
                Box::new(|| drop(black_box(cached.validate(&s.cert, &[], t).unwrap()))),
            ));
            for (x, doc) in s.samples.iter().zip(&docs) {
                v.push((
                    format!("stage: parse {}", x.sample),
                    Box::new(move || drop(black_box(Document::parse(&x.signed).unwrap()))),
                ));
                v.push((
                    format!("stage: c14n Body {}", x.sample),
                    Box::new(move || {
                        let _ = black_box(ExcC14n::new().canonicalize_to(body_of(doc), &mut io::sink()));
                    }),
                ));
                v.push((
                    format!("stage: SHA-1 of the canonical Body {}", x.sample),
                    Box::new(move || {
                        let mut d = s.p.provider.new_digest(dho_wss::crypto::DigestAlgorithm::Sha1);
                        io::Write::write_all(&mut d, &x.body_c14n).unwrap();
                        black_box(d.finalize());
                    }),
                ));
            }
            v
        };
        for (what, mut f) in stages {
            let (op, _, ratio) = interleaved(&mut f, &mut rsa_verify);
            verify_rows.push(Row { what, op, ratio });
        }
        rows.push((format!("one RSA-2048 verification ({})", fmt_time(verify_ref)), verify_rows));

        // Issue 11 §7: signing against the floor, OpenSSL's own RSA-2048 signature of the same
        // SignedInfo with nothing of dho-wss in between (see `openssl_sign_floor`).
        let mut floor_ratio = None;
        if let Some((mut floor, mut evp_per_call)) = openssl_sign_floor(&s.signed_info, &s.signature) {
            let x = s.samples.iter().find(|x| x.sample == "vraag1").unwrap();
            let mut floor_rows = Vec::new();
            let (op, floor_time, ratio) =
                interleaved(&mut || drop(black_box(s.signer.sign_envelope(&x.unsigned).unwrap())), &mut *floor);
            floor_rows.push(Row { what: "sign vraag1".into(), op, ratio });
            floor_ratio = Some(ratio);
            let (op, _, ratio) = interleaved(&mut rsa_sign, &mut *floor);
            floor_rows.push(Row { what: format!("{name} SigningKey::sign (the RSA sign reference above)"), op, ratio });
            if name == "openssl" {
                let (op, _, ratio) = interleaved(&mut *evp_per_call, &mut *floor);
                floor_rows.push(Row { what: "openssl::sign::Signer set up per signature".into(), op, ratio });
            }
            rows.push((
                format!("the raw OpenSSL RSA-2048 signature, the floor ({})", fmt_time(floor_time)),
                floor_rows,
            ));
        }

        let _ = writeln!(text, "\n## Provider `{name}`: ratios to one RSA-2048 operation of the same provider\n");
        let _ = writeln!(text, "| operation | time (median) | ratio | reference |\n|---|---|---|---|");
        for (reference, rows) in &rows {
            for r in rows {
                let _ = writeln!(text, "| {} | {} | {:.3} | {reference} |", r.what, fmt_time(r.op), r.ratio);
            }
        }

        // Linear growth: time per byte at 5 MB against 30 KB, interleaved.
        let by = |n: &str| s.samples.iter().find(|x| x.sample == n).unwrap();
        let (small, big) = (by("vraag99"), by("body5mb"));
        let size_ratio = big.signed.len() as f64 / small.signed.len() as f64;
        let (_, _, sign_growth) =
            interleaved(&mut || drop(black_box(s.signer.sign_envelope(&big.unsigned).unwrap())), &mut || {
                drop(black_box(s.signer.sign_envelope(&small.unsigned).unwrap()))
            });
        let (_, _, verify_growth) =
            interleaved(&mut || drop(black_box(s.verifier_cached.verify(&big.signed).unwrap())), &mut || {
                drop(black_box(s.verifier_cached.verify(&small.signed).unwrap()))
            });
        let _ = writeln!(
            text,
            "\nLinear growth, (time/byte at body5mb) / (time/byte at vraag99): sign {:.2}, verify {:.2} (target ≤ 1.5)",
            sign_growth / size_ratio,
            verify_growth / size_ratio
        );

        // F1 (docs/ATTACKS.md): a message carrying the largest PrefixLists the default limits
        // allow (in the Body Transform and in SignedInfo), re-signed, against the same message
        // without the added entries. Target ≤ 2.
        let _ =
            writeln!(text, "\nMaximum PrefixList (F1), verify time against the same message without it (target ≤ 2):");
        for x in s.samples.iter().filter(|x| x.sample == "vraag1" || x.sample == "body5mb") {
            let listed = with_max_prefix_lists(&x.signed, key);
            s.verifier_cached.verify(&listed).expect("the maximum PrefixList verifies");
            let (_, _, ratio) =
                interleaved(&mut || drop(black_box(s.verifier_cached.verify(&listed).unwrap())), &mut || {
                    drop(black_box(s.verifier_cached.verify(&x.signed).unwrap()))
                });
            let _ = writeln!(text, "- {} ({name}): {ratio:.3} ({})", x.sample, mark_f1(ratio));
        }

        // Targets.
        let sign1 = rows[0].1.iter().find(|r| r.what == "sign vraag1").map_or(f64::NAN, |r| r.ratio);
        let find = |w: &str| rows[1].1.iter().find(|r| r.what == w).map_or(f64::NAN, |r| r.op);
        let excl1 = find("verify vraag1 excluding chain (full − chain)");
        let cached1 = find("verify vraag1 (cached chain)");
        let mark = |ok: bool| if ok { "met" } else { "MISSED" };
        let _ = writeln!(
            text,
            "\nTargets ({name}): sign vraag1 = {sign1:.3} × RSA sign (≤ 1.10: {}); verify vraag1 excluding chain = {} \
             (≤ 0.15 ms: {}); verify vraag1 with cached chain = {} (≤ 0.20 ms: {})",
            mark(sign1 <= 1.10),
            fmt_time(excl1),
            mark(excl1 <= 150e-6),
            fmt_time(cached1),
            mark(cached1 <= 200e-6),
        );
        if let (Some(ratio), "openssl") = (floor_ratio, name) {
            let _ = writeln!(
                text,
                "\nTarget (issue 11 §7): OpenSSL sign vraag1 ≥ 0.95 × RSA sign floor: {:.3} of the floor's rate \
                 (time ratio {ratio:.3}; ≥ 0.95: {})",
                1.0 / ratio,
                mark(1.0 / ratio >= 0.95),
            );
        } else if let Some(ratio) = floor_ratio {
            let _ = writeln!(text, "\n{name} sign vraag1: {:.3} of the OpenSSL RSA sign floor's rate", 1.0 / ratio);
        }
    }
    print!("{text}");
    out.push_str(&text);
}

/// A timed loop body.
type Loop<'a> = Box<dyn FnMut() + 'a>;

/// The floor for signing with OpenSSL: its RSA-2048 PKCS#1 v1.5 SHA-1 signature of the canonical
/// SignedInfo, called straight through the `openssl` crate — SHA-1, then `EVP_PKEY_sign` on a
/// context prepared once (padding and digest set) — so nothing of dho-wss is in it. Also the same
/// signature with an `openssl::sign::Signer` set up per call (what a caller of the high-level
/// API pays). Both are checked to give `expected`. `None` without the `openssl` feature.
#[cfg(feature = "openssl")]
fn openssl_sign_floor<'a>(signed_info: &'a [u8], expected: &[u8]) -> Option<(Loop<'a>, Loop<'a>)> {
    use openssl::hash::MessageDigest;
    use openssl::md::Md;
    use openssl::pkey::PKey;
    use openssl::pkey_ctx::PkeyCtx;
    use openssl::rsa::Padding;

    let pem = std::fs::read(format!("{PKI}/institution.key.pem")).unwrap();
    let key = PKey::private_key_from_pem(&pem).unwrap();
    let mut ctx = PkeyCtx::new(&key).unwrap();
    ctx.sign_init().unwrap();
    ctx.set_rsa_padding(Padding::PKCS1).unwrap();
    ctx.set_signature_md(Md::sha1()).unwrap();
    let mut out = vec![0; key.size()];
    let mut floor = move || {
        let digest = openssl::sha::sha1(black_box(signed_info));
        let n = ctx.sign(&digest, Some(&mut out)).unwrap();
        black_box(&out[..n]);
    };
    let per_call = move || {
        let mut signer = openssl::sign::Signer::new(MessageDigest::sha1(), &key).unwrap();
        signer.set_rsa_padding(Padding::PKCS1).unwrap();
        signer.sign_oneshot_to_vec(black_box(signed_info)).unwrap()
    };
    assert_eq!(per_call(), expected, "the per-call Signer gives the provider's signature");
    floor();
    Some((Box::new(floor), Box::new(move || drop(black_box(per_call())))))
}

#[cfg(not(feature = "openssl"))]
fn openssl_sign_floor<'a>(_: &'a [u8], _: &[u8]) -> Option<(Loop<'a>, Loop<'a>)> {
    None
}

fn mark_f1(ratio: f64) -> &'static str {
    if ratio <= 2.0 {
        "met"
    } else {
        "MISSED"
    }
}

/// `signed` with both PrefixLists (SignedInfo's and the Body Transform's) filled up to
/// `Limits::max_prefix_list_entries` with made-up prefixes, and SignedInfo signed again.
fn with_max_prefix_lists(signed: &[u8], key: &dyn dho_wss::crypto::SigningKey) -> Vec<u8> {
    const EC: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
    let max = dho_wss::xml::Limits::default().max_prefix_list_entries;
    let fill = |list: &str| -> String {
        let have = list.split_ascii_whitespace().count();
        let extra: Vec<String> = (0..max - have).map(|i| format!("f{i}")).collect();
        [list, &extra.join(" ")].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" ")
    };
    let mut text = String::from_utf8(signed.to_vec()).unwrap();
    for anchor in ["<ds:CanonicalizationMethod ", "<ds:Transform "] {
        let at = text.find(anchor).unwrap();
        let end_tag = at + text[at..].find('>').unwrap() + 1;
        if text[end_tag..].starts_with("<ec:InclusiveNamespaces") {
            let open = end_tag + text[end_tag..].find("PrefixList=\"").unwrap() + "PrefixList=\"".len();
            let close = open + text[open..].find('"').unwrap();
            let filled = fill(&text[open..close]);
            text.replace_range(open..close, &filled);
        } else {
            let inc = format!(
                r#"<ec:InclusiveNamespaces xmlns:ec="{EC}" PrefixList="{}"></ec:InclusiveNamespaces>"#,
                fill("")
            );
            text.insert_str(end_tag, &inc);
        }
    }
    let mut limits = dho_wss::xml::Limits::default();
    limits.max_input_bytes = 64 << 20;
    let doc = Document::parse_with(text.as_bytes(), &limits).unwrap();
    let si = doc.root().descendants().find(|e| e.local_name() == "SignedInfo").unwrap();
    let list = si.descendants().find(|e| e.local_name() == "InclusiveNamespaces").unwrap();
    let c14n = ExcC14n::new().with_prefix_list(list.attribute(None, "PrefixList").unwrap()).unwrap();
    let value = key.sign(SignatureAlgorithm::RsaSha1, &c14n.canonicalize(si).unwrap()).unwrap();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(value);
    let start = text.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
    let end = text.find("</ds:SignatureValue>").unwrap();
    text.replace_range(start..end, &b64);
    text.into_bytes()
}

// ---------------------------------------------------------------------------------------------
// 3. libxmlsec1

/// Builds (if needed) and returns the C driver, or why it is not available.
fn xmlsec_driver() -> Result<PathBuf, String> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/xmlsec1");
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("xmlsec1");
    let exe = out_dir.join("xmlsec1-driver");
    let source_time = std::fs::metadata(here.join("driver.c")).and_then(|m| m.modified()).ok();
    let exe_time = std::fs::metadata(&exe).and_then(|m| m.modified()).ok();
    if exe_time.is_none() || exe_time < source_time {
        let status = Command::new("bash")
            .arg(here.join("build.sh"))
            .arg(&out_dir)
            .output()
            .map_err(|e| format!("cannot run build.sh: {e}"))?;
        if !status.status.success() {
            return Err(String::from_utf8_lossy(&status.stderr).trim().to_owned());
        }
    }
    Ok(exe)
}

/// The signed envelope with DigestValue and SignatureValue emptied: xmlsec's signing template.
fn template_of(signed: &[u8]) -> Vec<u8> {
    let mut text = String::from_utf8(signed.to_vec()).unwrap();
    for el in ["ds:DigestValue", "ds:SignatureValue"] {
        let open = format!("<{el}>");
        let close = format!("</{el}>");
        let mut from = 0;
        while let Some(i) = text[from..].find(&open).map(|i| i + from + open.len()) {
            let j = text[i..].find(&close).unwrap() + i;
            text.replace_range(i..j, "");
            from = i;
        }
    }
    text.into_bytes()
}

fn element_text<'a>(doc: &'a str, el: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{el}>"), format!("</{el}>"));
    doc.match_indices(&open)
        .filter_map(|(i, _)| {
            let start = i + open.len();
            doc[start..].find(&close).map(|j| &doc[start..start + j])
        })
        .collect()
}

/// Runs the driver once: seconds of its median operation.
fn drive(exe: &Path, op: &str, input: &Path, n: usize, out: Option<&Path>) -> Result<f64, String> {
    let mut cmd = Command::new(exe);
    cmd.arg(op)
        .arg(format!("{PKI}/institution.key.pem"))
        .arg(format!("{PKI}/institution.crt.pem"))
        .arg(input)
        .arg(n.to_string());
    if let Some(out) = out {
        cmd.arg(out);
    }
    let output = cmd.output().map_err(|e| format!("cannot run the driver: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("ns_median "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|ns| ns * 1e-9)
        .ok_or_else(|| format!("unexpected driver output: {stdout}"))
}

fn run_xmlsec(setups: &[ProviderSetup], out: &mut String) {
    let mut text = String::from("\n## dho-wss against libxmlsec1 (OpenSSL), same envelopes, same run\n");
    let required = std::env::var("DHO_WSS_REQUIRE_XMLSEC").is_ok_and(|v| v == "1");
    let exe = match xmlsec_driver() {
        Ok(exe) => exe,
        Err(why) => {
            let msg = format!("\nSKIPPED: the libxmlsec1 driver is not available: {why}\n");
            assert!(!required, "DHO_WSS_REQUIRE_XMLSEC=1 but {msg}");
            eprintln!("{msg}");
            text.push_str(&msg);
            out.push_str(&text);
            return;
        }
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("xmlsec1");
    let Some(first) = setups.first() else { return };
    let _ = writeln!(
        text,
        "\nThroughput ratio = libxmlsec1 time per message / dho-wss time per message (> 1: dho-wss is faster): per round, \
         the median message of a driver run against the median of dho-wss's batch of the same size right after; \
         the median of the per-round ratios.\n\
         libxmlsec1 is given the key and checks no certificate path; dho-wss \"cached\" looks the chain up in its \
         cache, \"full\" validates it.\n"
    );
    let _ = writeln!(
        text,
        "| sample | operation | libxmlsec1 | {} |\n|---|---|---|{}",
        setups.iter().map(|s| format!("dho-wss {} | ratio", s.p.name)).collect::<Vec<_>>().join(" | "),
        "---|---|".repeat(setups.len())
    );
    let mut target_lines = Vec::new();
    for (k, x) in first.samples.iter().enumerate() {
        // The files libxmlsec1 reads: dho-wss's signed envelope, and it as a template.
        let signed_path = dir.join(format!("{}.signed.xml", x.sample));
        let template_path = dir.join(format!("{}.template.xml", x.sample));
        let xmlsec_out = dir.join(format!("{}.xmlsec-signed.xml", x.sample));
        std::fs::write(&signed_path, &x.signed).unwrap();
        std::fs::write(dir.join(format!("{}.unsigned.xml", x.sample)), &x.unsigned).unwrap();
        std::fs::write(&template_path, template_of(&x.signed)).unwrap();

        // Same envelope, same signature: libxmlsec1's signature of the template must be
        // byte-identical to dho-wss's (PKCS#1 v1.5 is deterministic, c14n is the same).
        if let Err(e) = drive(&exe, "sign", &template_path, 1, Some(&xmlsec_out)) {
            panic!("libxmlsec1 cannot sign {}: {e}", x.sample);
        }
        let theirs = std::fs::read_to_string(&xmlsec_out).unwrap();
        let ours = String::from_utf8(x.signed.clone()).unwrap();
        for el in ["ds:DigestValue", "ds:SignatureValue"] {
            let strip = |v: Vec<&str>| v.iter().map(|s| s.split_whitespace().collect::<String>()).collect::<Vec<_>>();
            assert_eq!(strip(element_text(&theirs, el)), strip(element_text(&ours, el)), "{} {el}", x.sample);
        }
        for s in setups {
            s.verifier_cached.verify(theirs.as_bytes()).expect("dho-wss verifies libxmlsec1's envelope");
        }

        let n = if !bench_mode() {
            1
        } else if x.signed.len() > 1 << 20 {
            3
        } else {
            200
        };
        for op in ["sign", "verify"] {
            let input = if op == "sign" { &template_path } else { &signed_path };
            // Per round: one driver run, then each provider's batch of the same size right
            // after it; the ratio of each pair, and the median over the rounds.
            let mut xs = Vec::new();
            // Per provider: times (cached chain), times (full chain), ratios, ratios (full).
            type Acc = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);
            let mut ours: Vec<Acc> = setups.iter().map(|_| Acc::default()).collect();
            // The median call of a batch of n, as the driver reports its own (`ns_median`).
            let time_n = |f: &mut dyn FnMut()| {
                let mut times: Vec<f64> = (0..n).map(|_| time_one(f)).collect();
                median(&mut times)
            };
            for _ in 0..rounds() {
                let xt = drive(&exe, op, input, n, None).unwrap_or_else(|e| panic!("libxmlsec1 {op}: {e}"));
                xs.push(xt);
                for (s, acc) in setups.iter().zip(ours.iter_mut()) {
                    let y = &s.samples[k];
                    let a = if op == "sign" {
                        time_n(&mut || drop(black_box(s.signer.sign_envelope(&y.unsigned).unwrap())))
                    } else {
                        time_n(&mut || drop(black_box(s.verifier_cached.verify(&y.signed).unwrap())))
                    };
                    acc.0.push(a);
                    acc.2.push(xt / a);
                    if op == "verify" {
                        let b = time_n(&mut || drop(black_box(s.verifier_full.verify(&y.signed).unwrap())));
                        acc.1.push(b);
                        acc.3.push(xt / b);
                    }
                }
            }
            let xm = median(&mut xs);
            let mut cells = Vec::new();
            for (s, (mut a, mut b, mut ra, mut rb)) in setups.iter().zip(ours) {
                let (a_m, ratio) = (median(&mut a), median(&mut ra));
                if op == "sign" {
                    cells.push(format!("{} | {ratio:.2}×", fmt_time(a_m)));
                } else {
                    cells.push(format!(
                        "{} cached, {} full | {ratio:.2}× cached, {:.2}× full",
                        fmt_time(a_m),
                        fmt_time(median(&mut b)),
                        median(&mut rb)
                    ));
                }
                if s.p.name == "openssl" && x.sample == "vraag1" {
                    let (target, what) = if op == "sign" { (1.5, "sign") } else { (4.0, "verify (cached chain)") };
                    let mark = |ok: bool| if ok { "met" } else { "MISSED" };
                    let mut line = format!(
                        "OpenSSL provider {what} vraag1: {ratio:.2}× libxmlsec1's throughput (≥ {target}: {}",
                        mark(ratio >= target)
                    );
                    if op == "verify" {
                        line += &format!("; issue 11 §7, verify ≥ 6× libxmlsec1: {}", mark(ratio >= 6.0));
                    }
                    target_lines.push(line + ")");
                }
            }
            let _ = writeln!(text, "| {} | {op} | {} | {} |", x.sample, fmt_time(xm), cells.join(" | "));
        }
    }
    for l in target_lines {
        let _ = writeln!(text, "\n{l}");
    }
    print!("{text}");
    out.push_str(&text);
}
