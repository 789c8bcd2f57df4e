//! Provider equivalence (cargo feature `openssl`): RustCrypto and OpenSSL produce the same
//! PKCS#1 v1.5 signature bytes, verify each other's signatures, and accept and reject exactly
//! the same keys and signatures. Also the whole sign/verify path with the OpenSSL provider.
#![cfg(feature = "openssl")]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::common::read_pki as read;
use base64::Engine as _;
use der::{Decode as _, Encode as _};
use dho_wss::clock::FixedClock;
use dho_wss::crypto::openssl_provider;
use dho_wss::crypto::{default_provider, CryptoError, CryptoProvider, DigestAlgorithm, SignatureAlgorithm};
use dho_wss::pki::SigningIdentity;
use dho_wss::pki::{CertificateValidator, TrustAnchors};
use dho_wss::wss::{SignatureProfile, Signer, VerificationPolicy, Verifier};

const ALGS: [SignatureAlgorithm; 2] = [SignatureAlgorithm::RsaSha1, SignatureAlgorithm::RsaSha256];
const MESSAGE: &[u8] = b"<ds:SignedInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"></ds:SignedInfo>";

fn identity(name: &str, p: &'static dyn CryptoProvider) -> SigningIdentity {
    SigningIdentity::from_pem_with_provider(
        &read(&format!("{name}.key.pem")),
        &read(&format!("{name}.crt.pem")),
        None,
        p,
    )
    .unwrap()
}

fn spki_of(id: &SigningIdentity) -> Vec<u8> {
    id.signing_key().public_key_spki_der().to_vec()
}

fn rust() -> &'static dyn CryptoProvider {
    default_provider()
}

fn ossl() -> &'static dyn CryptoProvider {
    openssl_provider()
}

/// The outcome of a verification, with the error kind (not its text).
fn outcome(r: Result<(), CryptoError>) -> &'static str {
    match r {
        Ok(()) => "ok",
        Err(CryptoError::MalformedPublicKey { .. }) => "malformed",
        Err(CryptoError::NotRsa { .. }) => "not-rsa",
        Err(CryptoError::KeySizeNotAllowed { .. }) => "size",
        Err(CryptoError::SignatureLength { .. }) => "length",
        Err(CryptoError::BadSignature) => "bad",
        Err(e) => panic!("unexpected {e:?}"),
    }
}

fn both(alg: SignatureAlgorithm, spki: &[u8], msg: &[u8], sig: &[u8]) -> (&'static str, &'static str) {
    (outcome(rust().verify_signature(alg, spki, msg, sig)), outcome(ossl().verify_signature(alg, spki, msg, sig)))
}

#[test]
fn same_signature_bytes_and_cross_verification() {
    for name in ["institution", "other", "provider"] {
        let (r, o) = (identity(name, rust()), identity(name, ossl()));
        assert_eq!(spki_of(&r), spki_of(&o), "{name}: same SubjectPublicKeyInfo");
        assert_eq!(r.signing_key().modulus_bits(), o.signing_key().modulus_bits());
        for alg in ALGS {
            for msg in [MESSAGE, b"", &[0u8; 5000][..]] {
                let sr = r.signing_key().sign(alg, msg).unwrap();
                let so = o.signing_key().sign(alg, msg).unwrap();
                assert_eq!(sr, so, "{name} {alg:?}: PKCS#1 v1.5 is deterministic");
                for p in [rust(), ossl()] {
                    p.verify_signature(alg, &spki_of(&r), msg, &so).unwrap();
                    p.verify_signature(alg, &spki_of(&o), msg, &sr).unwrap();
                }
            }
        }
    }
}

#[test]
fn digests_are_identical() {
    use std::io::Write as _;
    let data: Vec<u8> = (0..100_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    for alg in [DigestAlgorithm::Sha1, DigestAlgorithm::Sha256] {
        for len in [0, 1, 55, 56, 63, 64, 65, 1000, data.len()] {
            let mut outs = Vec::new();
            for p in [rust(), ossl()] {
                let mut d = p.new_digest(alg);
                for chunk in data[..len].chunks(333) {
                    d.write_all(chunk).unwrap();
                }
                outs.push(d.finalize());
            }
            assert_eq!(outs[0], outs[1], "{alg:?} {len}");
            assert_eq!(outs[0].len(), alg.output_len());
        }
    }
}

#[test]
fn every_signature_mutation_is_rejected_alike() {
    let id = identity("institution", rust());
    let spki = spki_of(&id);
    for alg in ALGS {
        let sig = id.signing_key().sign(alg, MESSAGE).unwrap();
        assert_eq!(both(alg, &spki, MESSAGE, &sig), ("ok", "ok"));
        for i in 0..sig.len() {
            for bit in [0x01u8, 0x80] {
                let mut bad = sig.clone();
                bad[i] ^= bit;
                assert_eq!(both(alg, &spki, MESSAGE, &bad), ("bad", "bad"), "{alg:?} byte {i}");
            }
        }
        let other = if alg == SignatureAlgorithm::RsaSha1 { SignatureAlgorithm::RsaSha256 } else { ALGS[0] };
        assert_eq!(both(other, &spki, MESSAGE, &sig), ("bad", "bad"));
        assert_eq!(both(alg, &spki, b"tampered", &sig), ("bad", "bad"));
        // Lengths and out-of-range values.
        assert_eq!(both(alg, &spki, MESSAGE, &sig[1..]), ("length", "length"));
        assert_eq!(both(alg, &spki, MESSAGE, &[&[0][..], &sig].concat()), ("length", "length"));
        assert_eq!(both(alg, &spki, MESSAGE, &[]), ("length", "length"));
        for filler in [0x00u8, 0x01, 0xff] {
            assert_eq!(both(alg, &spki, MESSAGE, &[filler; 256]), ("bad", "bad"), "filler {filler}");
        }
    }
}

// --- crafted public keys --------------------------------------------------------------------

fn der_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    der_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

fn integer(be: &[u8]) -> Vec<u8> {
    let first = be.iter().position(|b| *b != 0).unwrap_or(be.len().saturating_sub(1));
    let mut v = be[first..].to_vec();
    if v.first().is_none_or(|b| b & 0x80 != 0) {
        v.insert(0, 0);
    }
    tlv(0x02, &v)
}

const RSA_OID: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const PSS_OID: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];

fn spki_from(alg_id: &[u8], n: &[u8], e: &[u8]) -> Vec<u8> {
    let rsa_key = tlv(0x30, &[integer(n), integer(e)].concat());
    let mut bits = vec![0u8];
    bits.extend(rsa_key);
    tlv(0x30, &[tlv(0x30, alg_id), tlv(0x03, &bits)].concat())
}

fn modulus_and_exponent(spki: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let info = spki::SubjectPublicKeyInfoRef::from_der(spki).unwrap();
    let key = pkcs1::RsaPublicKeyRef::from_der(info.subject_public_key.raw_bytes()).unwrap();
    (key.modulus.as_bytes().to_vec(), key.public_exponent.as_bytes().to_vec())
}

#[test]
fn crafted_keys_are_judged_alike() {
    let id = identity("institution", rust());
    let good = spki_of(&id);
    let sig = id.signing_key().sign(SignatureAlgorithm::RsaSha256, MESSAGE).unwrap();
    let (n, e) = modulus_and_exponent(&good);
    let null = [RSA_OID, &[0x05, 0x00]].concat();
    assert_eq!(spki_from(&null, &n, &e), good, "the test encoder reproduces the real SPKI");

    let mut small_n = n[n.len() - 128..].to_vec();
    small_n[0] |= 0x80;
    let mut even_n = n.clone();
    *even_n.last_mut().unwrap() ^= 1;
    let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("good", good.clone(), "ok"),
        ("no parameters", spki_from(RSA_OID, &n, &e), "malformed"),
        ("parameters not NULL", spki_from(&[RSA_OID, &[0x04, 0x00]].concat(), &n, &e), "malformed"),
        ("RSASSA-PSS key", spki_from(PSS_OID, &n, &e), "not-rsa"),
        ("exponent 1", spki_from(&null, &n, &[1]), "malformed"),
        ("exponent 0", spki_from(&null, &n, &[0]), "malformed"),
        ("exponent 2", spki_from(&null, &n, &[2]), "malformed"),
        ("even exponent 65538", spki_from(&null, &n, &[1, 0, 2]), "malformed"),
        ("exponent 2^33+1", spki_from(&null, &n, &[2, 0, 0, 0, 1]), "malformed"),
        ("exponent 2^64+1", spki_from(&null, &n, &[1, 0, 0, 0, 0, 0, 0, 0, 1]), "malformed"),
        // Valid key shape, wrong key: a well-formed exponent 3 makes the signature not verify.
        ("exponent 3", spki_from(&null, &n, &[3]), "bad"),
        ("even modulus", spki_from(&null, &even_n, &e), "malformed"),
        ("1024-bit modulus", spki_from(&null, &small_n, &e), "size"),
        ("trailing byte", [good.as_slice(), &[0]].concat(), "malformed"),
        ("truncated", good[..good.len() - 1].to_vec(), "malformed"),
        ("empty", Vec::new(), "malformed"),
    ];
    // The EC certificate's key.
    let ec = x509_cert::Certificate::from_der(&pem_der(&read("ec.crt.pem"))).unwrap();
    cases.push(("EC key", ec.tbs_certificate().subject_public_key_info().to_der().unwrap(), "not-rsa"));
    for (what, spki, expected) in &cases {
        let got = both(SignatureAlgorithm::RsaSha256, spki, MESSAGE, &sig);
        assert_eq!(got, (*expected, *expected), "{what}");
    }
    // An over-long modulus is rejected by both (RustCrypto calls it malformed while decoding).
    let big = spki_from(&null, &[0xff; 1025], &e);
    let (r, o) = both(SignatureAlgorithm::RsaSha256, &big, MESSAGE, &[0; 1025]);
    assert!(r != "ok" && o != "ok", "{r} {o}");
    // Every single-byte corruption of the SPKI: the same verdict from both.
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x41;
        let (r, o) = both(SignatureAlgorithm::RsaSha256, &bad, MESSAGE, &sig);
        assert_eq!(r == "ok", o == "ok", "byte {i}: {r} vs {o}");
        assert_ne!(r, "ok", "byte {i}");
    }
}

fn pem_der(pem: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(pem).unwrap();
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).unwrap()
}

#[test]
fn private_keys_are_judged_alike() {
    for name in ["institution.key.pem", "weak1024.key.pem", "ec.key.pem", "provider.key.pem"] {
        let der = pem_der(&read(name));
        let r = rust().load_signing_key(&der).map(|k| k.modulus_bits()).map_err(|e| format!("{e:?}"));
        let o = ossl().load_signing_key(&der).map(|k| k.modulus_bits()).map_err(|e| format!("{e:?}"));
        let kind = |x: &Result<usize, String>| {
            x.as_ref().map_err(|e| e.split([' ', '{']).next().unwrap_or("").to_owned()).cloned()
        };
        assert_eq!(kind(&r), kind(&o), "{name}");
        // Every truncation and many corruptions: never a key from one and an error from the other
        // (PKCS#8 parsing is shared, so the verdicts match).
        for cut in (0..der.len()).step_by(97) {
            assert_eq!(rust().load_signing_key(&der[..cut]).is_ok(), ossl().load_signing_key(&der[..cut]).is_ok());
        }
    }
    // Corruptions: OpenSSL may be stricter (it also checks the CRT values dP, dQ and qInv,
    // which RustCrypto recomputes), never laxer; a key both accept signs identically.
    let der = pem_der(&read("institution.key.pem"));
    let reference = rust().load_signing_key(&der).unwrap().sign(SignatureAlgorithm::RsaSha256, MESSAGE).unwrap();
    for i in (0..der.len()).step_by(5) {
        let mut bad = der.clone();
        bad[i] ^= 0x10;
        match (rust().load_signing_key(&bad), ossl().load_signing_key(&bad)) {
            (_, Err(_)) => {}
            (Ok(r), Ok(o)) => {
                let so = o.sign(SignatureAlgorithm::RsaSha256, MESSAGE).unwrap();
                assert_eq!(r.sign(SignatureAlgorithm::RsaSha256, MESSAGE).unwrap(), so, "byte {i}");
                assert_eq!(so, reference, "byte {i}: a changed key cannot pass both consistency checks");
            }
            (Err(r), Ok(_)) => panic!("byte {i}: OpenSSL accepted a key RustCrypto rejects: {r:?}"),
        }
    }
}

#[test]
fn key_debug_does_not_leak() {
    let id = identity("institution", ossl());
    let text = format!("{:?}", id.signing_key());
    assert!(text.starts_with("OpenSslSigningKey") && text.contains("2048"), "{text}");
    assert!(!text.to_lowercase().contains("prime"), "{text}");
}

#[test]
fn sign_and_verify_envelopes_across_providers() {
    let t2026 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600);
    let envelope = b"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">\
        <soapenv:Header/><soapenv:Body><a:X xmlns:a=\"urn:x\">1</a:X></soapenv:Body></soapenv:Envelope>";
    for profile in [SignatureProfile::dho_legacy_rsa_sha1(), SignatureProfile::rsa_sha256()] {
        let policy = VerificationPolicy::new(profile);
        let signed: Vec<Vec<u8>> = [rust(), ossl()]
            .into_iter()
            .map(|p| Signer::new(identity("institution", p), profile).sign_envelope(envelope).unwrap())
            .collect();
        for p in [rust(), ossl()] {
            let anchors = TrustAnchors::from_pem(&read("ca.pem")).unwrap();
            let verifier = Verifier::new(policy.clone(), CertificateValidator::new(anchors))
                .with_provider(p)
                .with_clock(Arc::new(FixedClock(t2026)));
            for s in &signed {
                verifier.verify(s).unwrap();
                let text = String::from_utf8(s.clone()).unwrap().replace(">1</a:X>", ">2</a:X>");
                assert!(verifier.verify(text.as_bytes()).is_err());
            }
        }
    }
}
