//! Shared by the WS-Security benches: the corpus (built with the crate's model), the
//! identities and verifiers of each provider, and small timing helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use dho_wss::clock::SystemClock;
use dho_wss::crypto::{default_provider, CryptoProvider};
use dho_wss::model::{Afzender, Envelope, Inhoud, Instellingsnummer, Insz, Ontvanger, Operatie, Versie, Verzoek};
use dho_wss::pki::SigningIdentity;
use dho_wss::pki::{CertificateValidator, ChainCacheConfig, TrustAnchors};
use dho_wss::wss::{SignatureProfile, Signer, VerificationPolicy, Verifier};

pub(crate) const PKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/pki");

/// One message of the corpus.
pub(crate) struct Sample {
    /// Short name used in benchmark ids.
    pub name: &'static str,
    /// What it stresses (printed in the report; the README has the same list).
    pub stresses: &'static str,
    /// The unsigned envelope as the model writes it.
    pub unsigned: Vec<u8>,
}

/// `vraag1`, `vraag99` and `body5mb`.
pub(crate) fn corpus() -> Vec<Sample> {
    vec![
        Sample {
            name: "vraag1",
            stresses: "fixed per-message cost: parse, header building, SignedInfo c14n, RSA",
            unsigned: verzoek(1, |i| criteria(i, 1)),
        },
        Sample {
            name: "vraag99",
            stresses: "99 Vragen (deck maximum): c14n + digest of many small elements",
            unsigned: verzoek(99, |i| criteria(i, 1)),
        },
        Sample {
            name: "body5mb",
            stresses: "5 MB Body: linear growth and peak memory of parse, c14n, digest",
            unsigned: verzoek(99, |i| criteria(i, 330)),
        },
    ]
}

/// A Criteria fragment with `periods` Periode elements (some text needs escaping).
fn criteria(i: usize, periods: usize) -> String {
    let insz = ["85073003328", "05022845616"][i % 2];
    let mut s = format!("<Criteria><INSZ>{}</INSZ>", Insz::new(insz).unwrap());
    for p in 0..periods {
        let year = 2000 + (p % 25);
        s.push_str(&format!(
            "<Periode><Begin>{year}-09-01</Begin><Einde>{}-08-31</Einde>\
             <Opmerking>Vraag {i} periode {p}: opleiding &amp; stage &lt;OK&gt; — één</Opmerking></Periode>",
            year + 1
        ));
    }
    s.push_str("</Criteria>");
    s
}

fn verzoek(vragen: usize, inhoud: impl Fn(usize) -> String) -> Vec<u8> {
    let afzender =
        Afzender::instelling(&Instellingsnummer::new("001234").unwrap()).hoedanigheid("801").build().unwrap();
    let mut b = Verzoek::builder("GeefHistoriekInschrijving", Versie::new("02.01.0000").unwrap(), afzender)
        .ontvanger(Ontvanger::builder("dho2.ov.vlaanderen.be").build().unwrap());
    for i in 0..vragen {
        b = b.vraag_inhoud(Inhoud::from_fragment(&inhoud(i)).unwrap());
    }
    let operatie = Operatie::new(
        "http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be",
        "GeefHistoriekInschrijving",
    )
    .unwrap();
    Envelope::Verzoek { operatie, verzoek: b.build().unwrap() }.to_bytes().unwrap()
}

/// A crypto provider under test.
#[derive(Clone, Copy)]
pub(crate) struct Provider {
    pub name: &'static str,
    pub provider: &'static dyn CryptoProvider,
}

/// Every provider compiled in.
pub(crate) fn providers() -> Vec<Provider> {
    #[allow(unused_mut)]
    let mut all = vec![Provider { name: "rustcrypto", provider: default_provider() }];
    #[cfg(feature = "openssl")]
    all.push(Provider { name: "openssl", provider: dho_wss::crypto::openssl_provider() });
    all
}

pub(crate) fn identity(p: &'static dyn CryptoProvider) -> SigningIdentity {
    let read = |f: &str| std::fs::read(format!("{PKI}/{f}")).unwrap();
    SigningIdentity::from_pem_with_provider(&read("institution.key.pem"), &read("institution.crt.pem"), None, p)
        .unwrap()
}

/// The DHO profile (RSA-SHA1 / SHA-1), as the DHO gateways use it.
pub(crate) fn profile() -> SignatureProfile {
    SignatureProfile::dho_legacy_rsa_sha1()
}

pub(crate) fn signer(p: Provider) -> Signer {
    Signer::new(identity(p.provider), profile())
}

pub(crate) fn validator(p: Provider, cache: ChainCacheConfig) -> CertificateValidator {
    let anchors = TrustAnchors::from_pem_file(format!("{PKI}/ca.pem")).unwrap();
    CertificateValidator::new(anchors).with_provider(p.provider).with_chain_cache(cache)
}

/// A verifier with the chain cache on (default settings) or off.
pub(crate) fn verifier(p: Provider, cached: bool) -> Verifier {
    let cache = if cached { ChainCacheConfig::default() } else { ChainCacheConfig::disabled() };
    Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), validator(p, cache))
        .with_provider(p.provider)
        .with_clock(Arc::new(SystemClock))
}

/// Whether the binary runs as `cargo bench` (criterion gets `--bench`) rather than in
/// `cargo test --benches` quick mode.
pub(crate) fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Seconds per call of `f`, timed over batches of about `batch` wall time.
pub(crate) fn per_call(f: &mut dyn FnMut(), batch: Duration) -> f64 {
    // Calibrate: at least one call, then as many as fit in `batch`.
    let start = Instant::now();
    f();
    let one = start.elapsed().max(Duration::from_nanos(100));
    let n = (batch.as_secs_f64() / one.as_secs_f64()).clamp(1.0, 1_000_000.0) as u64;
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_secs_f64() / n as f64
}

pub(crate) fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Human form of seconds.
pub(crate) fn fmt_time(s: f64) -> String {
    if s >= 1e-1 {
        format!("{s:.3} s")
    } else if s >= 1e-3 {
        format!("{:.3} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

pub(crate) fn fmt_size(n: usize) -> String {
    if n >= 1 << 20 {
        format!("{:.2} MiB", n as f64 / (1 << 20) as f64)
    } else if n >= 1 << 10 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}
