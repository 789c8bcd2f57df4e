//! The validated-chain cache of `CertificateValidator` never turns a rejection into an
//! acceptance: a hit re-checks the time window (every certificate on the path, CRL
//! nextUpdate), the key covers the extra chain, and a changed validator starts afresh.
//! Fixtures: `testdata/pki/` and `tests/trust_cache/` (made by its `make-fixtures.sh`).

use std::sync::Arc;
use std::time::Duration;

use crate::common::{at, pem};
use dho_wss::pki::{CertificateValidator, ChainCacheConfig, TrustAnchors, TrustError};

fn read(path: &str) -> Vec<u8> {
    let path = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn der(path: &str) -> Vec<u8> {
    pem::der_of(&read(path))
}

const Y2016: u64 = 1_451_606_400; // 2016-01-01
const Y2020: u64 = 1_577_836_800; // 2020-01-01, notAfter of expired.crt.pem
const Y2024: u64 = 1_704_067_200; // 2024-01-01
const Y2025: u64 = 1_735_689_600; // 2025-01-01, notBefore of the good certificates
const Y2026: u64 = 1_767_225_600; // 2026-01-01
const Y2027: u64 = 1_798_761_600; // 2027-01-01, nextUpdate of tests/trust_cache/root.crl.pem
const Y2028: u64 = 1_830_297_600; // 2028-01-01
const Y2030: u64 = 1_893_456_000; // 2030-01-01, notAfter of tests/trust_cache/inter.pem
const Y2031: u64 = 1_924_992_000; // 2031-01-01
const Y2055: u64 = 2_682_374_400; // 2055-01-01, notAfter of the good certificates

fn test_ca() -> CertificateValidator {
    CertificateValidator::new(TrustAnchors::from_pem(&read("testdata/pki/ca.pem")).unwrap())
}

fn cache_root() -> CertificateValidator {
    CertificateValidator::new(TrustAnchors::from_pem(&read("tests/trust_cache/root.pem")).unwrap())
}

fn leaf() -> Vec<u8> {
    der("tests/trust_cache/leaf.pem")
}

fn inter() -> Vec<u8> {
    der("tests/trust_cache/inter.pem")
}

#[test]
fn the_cache_is_on_by_default() {
    assert_eq!(test_ca().chain_cache_config(), ChainCacheConfig::default());
    assert_eq!(ChainCacheConfig::default(), ChainCacheConfig::new(1024, Duration::from_secs(600)));
}

#[test]
fn an_expired_certificate_is_rejected_after_a_cached_success_before_expiry() {
    let v = test_ca();
    let expired = der("testdata/pki/expired.crt.pem");
    // Valid in 2016 (2015..2020): accepted, and the success is cached.
    v.validate(&expired, &[], at(Y2016)).unwrap();
    v.validate(&expired, &[], at(Y2016)).unwrap();
    // The last second of the validity period is still inside, the next one is not.
    v.validate(&expired, &[], at(Y2020)).unwrap();
    assert!(matches!(v.validate(&expired, &[], at(Y2020 + 1)), Err(TrustError::Expired { .. })));
    assert!(matches!(v.validate(&expired, &[], at(Y2026)), Err(TrustError::Expired { .. })));
    // The entry is still good for times inside its window.
    v.validate(&expired, &[], at(Y2016)).unwrap();
}

#[test]
fn a_cache_hit_rechecks_the_time_window_at_both_ends() {
    let v = test_ca();
    let cert = der("testdata/pki/institution.crt.pem");
    v.validate(&cert, &[], at(Y2026)).unwrap();
    assert!(matches!(v.validate(&cert, &[], at(Y2024)), Err(TrustError::NotYetValid { .. })));
    assert!(matches!(v.validate(&cert, &[], at(Y2025 - 1)), Err(TrustError::NotYetValid { .. })));
    v.validate(&cert, &[], at(Y2025)).unwrap();
    v.validate(&cert, &[], at(Y2055)).unwrap();
    assert!(matches!(v.validate(&cert, &[], at(Y2055 + 1)), Err(TrustError::Expired { .. })));
    v.validate(&cert, &[], at(Y2026)).unwrap();
}

#[test]
fn the_intermediate_on_the_path_bounds_the_window() {
    let v = cache_root();
    let (leaf, inter) = (leaf(), inter());
    v.validate(&leaf, &[&inter], at(Y2026)).unwrap();
    // The leaf is valid until 2055, the intermediate only until 2030.
    v.validate(&leaf, &[&inter], at(Y2030)).unwrap();
    assert!(matches!(v.validate(&leaf, &[&inter], at(Y2030 + 1)), Err(TrustError::Expired { .. })));
    assert!(matches!(v.validate(&leaf, &[&inter], at(Y2031)), Err(TrustError::Expired { .. })));
}

#[test]
fn the_extra_chain_is_part_of_the_key() {
    let v = cache_root();
    let (leaf, inter) = (leaf(), inter());
    v.validate(&leaf, &[&inter], at(Y2026)).unwrap();
    // Without the intermediate there is no path, cached success or not.
    assert!(matches!(v.validate(&leaf, &[], at(Y2026)), Err(TrustError::UnknownIssuer)));
    let garbage = b"not a certificate".to_vec();
    assert!(v.validate(&leaf, &[&garbage, &inter], at(Y2026)).is_ok(), "another chain is validated afresh");
}

#[test]
fn the_crl_next_update_bounds_the_window() {
    let v = cache_root().with_crls_pem(&read("tests/trust_cache/root.crl.pem")).unwrap();
    let (leaf, inter) = (leaf(), inter());
    v.validate(&leaf, &[&inter], at(Y2026)).unwrap();
    v.validate(&leaf, &[&inter], at(Y2027 - 1)).unwrap();
    // webpki rejects a CRL at its nextUpdate: so must the cache.
    let uncached = cache_root()
        .with_crls_pem(&read("tests/trust_cache/root.crl.pem"))
        .unwrap()
        .with_chain_cache(ChainCacheConfig::disabled());
    for t in [Y2027, Y2028] {
        assert!(uncached.validate(&leaf, &[&inter], at(t)).is_err());
        assert!(v.validate(&leaf, &[&inter], at(t)).is_err(), "{t}");
    }
}

#[test]
fn adding_a_crl_to_a_used_validator_starts_an_empty_cache() {
    let v = test_ca();
    let revoked = der("testdata/pki/revoked.crt.pem");
    v.validate(&revoked, &[], at(Y2026)).unwrap(); // no CRL yet: accepted and cached
    let v = v.with_crls_pem(&read("testdata/pki/ca.crl.pem")).unwrap();
    assert!(matches!(v.validate(&revoked, &[], at(Y2026)), Err(TrustError::Revoked)));
}

#[test]
fn tightening_a_used_validator_starts_an_empty_cache() {
    // A builder call on a validator that has validated keeps the settings, empties the cache.
    let v = test_ca().with_chain_cache(ChainCacheConfig::new(8, Duration::from_secs(60)));
    let cert = der("testdata/pki/institution.crt.pem");
    v.validate(&cert, &[], at(Y2026)).unwrap();
    let v = v.require_digital_signature_bit();
    assert_eq!(v.chain_cache_config(), ChainCacheConfig::new(8, Duration::from_secs(60)));
    v.validate(&cert, &[], at(Y2026)).unwrap();
}

#[test]
fn failures_are_not_cached() {
    let v = test_ca();
    let notyet = der("testdata/pki/notyet.crt.pem");
    assert!(matches!(v.validate(&notyet, &[], at(Y2026)), Err(TrustError::NotYetValid { .. })));
    v.validate(&notyet, &[], at(Y2055 - 1)).unwrap();
    assert!(matches!(v.validate(&notyet, &[], at(Y2026)), Err(TrustError::NotYetValid { .. })));
}

#[test]
fn a_cached_result_is_the_same_certificate() {
    let v = test_ca();
    let cert = der("testdata/pki/institution.crt.pem");
    let first = v.validate(&cert, &[], at(Y2026)).unwrap();
    let second = v.validate(&cert, &[], at(Y2026 + 3600)).unwrap();
    assert_eq!(first.certificate_der(), second.certificate_der());
    assert_eq!(first.spki_der(), second.spki_der());
    assert_eq!(first.info(), second.info());
    let other = v.validate(&der("testdata/pki/other.crt.pem"), &[], at(Y2026)).unwrap();
    assert_ne!(other.certificate_der(), first.certificate_der());
}

#[test]
fn cached_and_uncached_validators_agree_on_every_step() {
    // Every (certificate, time) pair in an order that makes hits likely, including both
    // edges of every window: a cached validator must give the uncached verdict each time.
    let cached = test_ca().with_crls_pem(&read("testdata/pki/ca.crl.pem")).unwrap();
    let uncached = test_ca()
        .with_crls_pem(&read("testdata/pki/ca.crl.pem"))
        .unwrap()
        .with_chain_cache(ChainCacheConfig::disabled());
    let small = test_ca().with_chain_cache(ChainCacheConfig::new(2, Duration::from_secs(600)));
    let small_uncached = test_ca().with_chain_cache(ChainCacheConfig::disabled());
    let certs: Vec<Vec<u8>> = [
        "institution.crt.pem",
        "other.crt.pem",
        "expired.crt.pem",
        "notyet.crt.pem",
        "revoked.crt.pem",
        "rogue.crt.pem",
        "provider.crt.pem",
    ]
    .iter()
    .map(|n| der(&format!("testdata/pki/{n}")))
    .collect();
    let notyet_start = 2_524_608_000; // 2050-01-01
    let times = [Y2016, Y2020, Y2020 + 1, Y2025 - 1, Y2025, Y2026, notyet_start - 1, notyet_start, Y2055, Y2055 + 1];
    let verdict = |r: Result<_, TrustError>| r.map(|_| ()).map_err(|e| format!("{e:?}"));
    for round in 0..4 {
        for i in 0..times.len() {
            for (j, c) in certs.iter().enumerate() {
                let t = times[(i * 7 + j * 3 + round * 5) % times.len()];
                assert_eq!(
                    verdict(cached.validate(c, &[], at(t))),
                    verdict(uncached.validate(c, &[], at(t))),
                    "cert {j} at {t}"
                );
                assert_eq!(
                    verdict(small.validate(c, &[], at(t))),
                    verdict(small_uncached.validate(c, &[], at(t))),
                    "capacity 2: cert {j} at {t}"
                );
            }
        }
    }
}

#[test]
fn the_cache_is_shared_safely_between_threads() {
    let v = Arc::new(test_ca().with_chain_cache(ChainCacheConfig::new(3, Duration::from_secs(600))));
    let names = ["institution.crt.pem", "other.crt.pem", "provider.crt.pem", "expired.crt.pem", "rogue.crt.pem"];
    let handles: Vec<_> = (0..4)
        .map(|k| {
            let v = v.clone();
            std::thread::spawn(move || {
                let mut results = Vec::new();
                for i in 0..50 {
                    let name = names[(i + k) % names.len()];
                    let ok = v.validate(&der(&format!("testdata/pki/{name}")), &[], at(Y2026)).is_ok();
                    results.push((name, ok));
                }
                results
            })
        })
        .collect();
    for h in handles {
        for (name, ok) in h.join().unwrap() {
            assert_eq!(ok, !matches!(name, "expired.crt.pem" | "rogue.crt.pem"), "{name}");
        }
    }
}

#[test]
fn f3_a_cached_success_never_lets_an_issuer_without_key_cert_sign_through() {
    // Attack catalogue F3. The leaf has a valid path through int-nocertsign-reissued (same
    // subject and key as int-nocertsign, with keyCertSign); that success is cached. The same
    // leaf sent with int-nocertsign alone is validated afresh and refused, every time.
    let v = test_ca();
    let leaf = der("testdata/pki/int-nocertsign-leaf.crt.pem");
    let bad = der("testdata/pki/int-nocertsign.pem");
    let good = der("testdata/pki/int-nocertsign-reissued.pem");
    v.validate(&leaf, &[&good], at(Y2026)).unwrap();
    for _ in 0..2 {
        let r = v.validate(&leaf, &[&bad], at(Y2026));
        assert!(matches!(r, Err(TrustError::IssuerKeyUsageMissingKeyCertSign { .. })), "{r:?}");
        v.validate(&leaf, &[&good], at(Y2026)).unwrap();
    }
    // A validator that has the bad intermediate configured caches nothing for the leaf.
    let anchors = TrustAnchors::from_pem(&read("testdata/pki/ca.pem"))
        .unwrap()
        .with_intermediates_pem(&read("testdata/pki/int-nocertsign.pem"))
        .unwrap();
    let configured = CertificateValidator::new(anchors);
    for _ in 0..2 {
        let r = configured.validate(&leaf, &[], at(Y2026));
        assert!(matches!(r, Err(TrustError::IssuerKeyUsageMissingKeyCertSign { .. })), "{r:?}");
    }
}
