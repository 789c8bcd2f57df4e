//! Loading signing identities (PEM, PKCS#12) and the crypto provider's sign/verify, with the
//! shipped test PKI in `testdata/pki/` (see its README). Every negative test names the exact
//! error variant.

use base64::Engine as _;
use der::{Decode as _, Encode as _};
use dho_wss::crypto::{default_provider, CryptoError, CryptoProvider, DigestAlgorithm, SignatureAlgorithm};
use dho_wss::pki::{KeyError, SigningIdentity};
use sha2::Digest as _;

use crate::common::{pki, read_pki as read};

const PASSWORD: &str = "test-only";

fn pem_der(name: &str) -> Vec<u8> {
    // The single PEM block of a fixture, decoded.
    let text = String::from_utf8(read(name)).unwrap();
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).unwrap()
}

fn pem(label: &str, der: &[u8]) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out.into_bytes()
}

/// Every provider compiled in: the tests of the provider contract run on each.
fn providers() -> Vec<&'static dyn CryptoProvider> {
    #[allow(unused_mut)]
    let mut all = vec![default_provider()];
    #[cfg(feature = "openssl")]
    all.push(dho_wss::crypto::openssl_provider());
    all
}

fn institution_with(p: &'static dyn CryptoProvider) -> SigningIdentity {
    SigningIdentity::from_pem_with_provider(&read("institution.key.pem"), &read("institution.crt.pem"), None, p)
        .unwrap()
}

fn institution() -> SigningIdentity {
    SigningIdentity::from_pem(&read("institution.key.pem"), &read("institution.crt.pem"), None).unwrap()
}

fn spki_of(cert_pem: &str) -> Vec<u8> {
    let cert = x509_cert::Certificate::from_der(&pem_der(cert_pem)).unwrap();
    cert.tbs_certificate().subject_public_key_info().to_der().unwrap()
}

// ---------------------------------------------------------------------------------------------
// PEM: the good paths

#[test]
fn pkcs8_pem_loads_with_certificate_facts() {
    let id = institution();
    let der = read("institution.der");
    assert_eq!(id.certificate_der(), der.as_slice());
    assert!(id.chain_ders().is_empty());
    let info = id.certificate();
    assert_eq!(
        info.subject_dn(),
        "CN=dho-wss-test.instelling-001234.hogeschool-test,serialNumber=001234,\
         OU=TEST ONLY - NOT FOR PRODUCTION,O=Hogeschool Test,C=BE"
    );
    assert_eq!(info.issuer_dn(), "CN=dho-wss Test Root CA,OU=TEST ONLY - NOT FOR PRODUCTION,O=dho-wss Test PKI,C=BE");
    assert_eq!(info.common_name(), Some("dho-wss-test.instelling-001234.hogeschool-test"));
    assert_eq!(info.serial_hex(), "1001");
    assert_eq!(info.subject_serial_number(), Some("001234"));
    let fp: String = sha2::Sha256::digest(&der).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(info.sha256_fingerprint(), fp);
    assert_eq!(info.sha256_fingerprint().len(), 64);
    let at = |secs| std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    assert_eq!(info.not_before(), at(1_735_689_600)); // 2025-01-01T00:00:00Z
    assert_eq!(info.not_after(), at(2_682_374_400)); // 2055-01-01T00:00:00Z
    assert_eq!(id.signing_key().modulus_bits(), 2048);
    assert_eq!(id.signing_key().public_key_spki_der(), spki_of("institution.crt.pem").as_slice());
}

#[test]
fn pkcs1_pem_loads_the_same_key() {
    let id = SigningIdentity::from_pem(&read("institution.pkcs1.pem"), &read("institution.crt.pem"), None).unwrap();
    assert_eq!(id.signing_key().public_key_spki_der(), institution().signing_key().public_key_spki_der());
}

#[test]
fn encrypted_pkcs8_needs_the_right_password() {
    let key = read("institution.key.enc.pem");
    let cert = read("institution.crt.pem");
    let id = SigningIdentity::from_pem(&key, &cert, Some(PASSWORD)).unwrap();
    assert_eq!(id.certificate().serial_hex(), "1001");
    assert!(matches!(SigningIdentity::from_pem(&key, &cert, None), Err(KeyError::PasswordRequired)));
    assert!(matches!(
        SigningIdentity::from_pem(&key, &cert, Some("wrong")),
        Err(KeyError::WrongPassword { what: "encrypted private key" })
    ));
    assert!(matches!(SigningIdentity::from_pem(&key, &cert, Some("")), Err(KeyError::WrongPassword { .. })));
}

#[test]
fn password_is_ignored_for_an_unencrypted_key() {
    let id = SigningIdentity::from_pem(&read("institution.key.pem"), &read("institution.crt.pem"), Some("whatever"))
        .unwrap();
    assert_eq!(id.certificate().serial_hex(), "1001");
}

#[test]
fn chain_pem_gives_leaf_then_chain() {
    let id = SigningIdentity::from_pem(&read("institution.key.pem"), &read("institution.chain.pem"), None).unwrap();
    assert_eq!(id.certificate_der(), read("institution.der").as_slice());
    assert_eq!(id.chain_ders(), &[pem_der("ca.pem")]);
}

#[test]
fn combined_key_and_certificate_file_works_for_both_arguments() {
    let mut combined = read("institution.key.pem");
    combined.extend(read("institution.chain.pem"));
    let id = SigningIdentity::from_pem(&combined, &combined, None).unwrap();
    assert_eq!(id.chain_ders().len(), 1);
}

#[test]
fn pem_files_load() {
    let id =
        SigningIdentity::from_pem_files(pki("institution.key.enc.pem"), pki("institution.chain.pem"), Some(PASSWORD))
            .unwrap();
    assert_eq!(id.chain_ders().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// PKCS#12

#[test]
fn modern_pkcs12_loads_key_leaf_and_chain() {
    let id = SigningIdentity::from_pkcs12(&read("institution.p12"), PASSWORD).unwrap();
    assert_eq!(id.certificate_der(), read("institution.der").as_slice());
    assert_eq!(id.chain_ders(), &[pem_der("ca.pem")]);
    assert_eq!(id.signing_key().public_key_spki_der(), institution().signing_key().public_key_spki_der());
}

#[test]
fn legacy_pkcs12_loads_key_leaf_and_chain() {
    let id = SigningIdentity::from_pkcs12(&read("institution-legacy.p12"), PASSWORD).unwrap();
    assert_eq!(id.certificate_der(), read("institution.der").as_slice());
    assert_eq!(id.chain_ders(), &[pem_der("ca.pem")]);
}

#[test]
fn provider_pkcs12_file_loads() {
    let id = SigningIdentity::from_pkcs12_file(pki("provider.p12"), PASSWORD).unwrap();
    assert_eq!(id.certificate().common_name(), Some("dho-wss-test.dho-provider"));
    assert_eq!(id.certificate().serial_hex(), "1003");
}

#[test]
fn pkcs12_wrong_password() {
    for file in ["institution.p12", "institution-legacy.p12"] {
        let err = SigningIdentity::from_pkcs12(&read(file), "wrong").unwrap_err();
        assert!(matches!(err, KeyError::WrongPassword { .. }), "{file}: {err:?}");
    }
}

#[test]
fn pkcs12_file_errors_name_the_path() {
    let path = pki("institution.p12");
    let err = SigningIdentity::from_pkcs12_file(&path, "wrong").unwrap_err();
    match &err {
        KeyError::InFile { path: p, source } => {
            assert_eq!(p, &path);
            assert!(matches!(**source, KeyError::WrongPassword { .. }));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(err.root(), KeyError::WrongPassword { .. }));
    let msg = err.to_string();
    assert!(msg.contains("institution.p12"), "{msg}");
    assert!(msg.contains("wrong password"), "{msg}");
}

#[test]
fn pkcs12_hostile_inputs_are_errors() {
    let good = read("institution.p12");
    for (what, input) in [
        ("empty", Vec::new()),
        ("garbage", b"this is not a PKCS#12 file".to_vec()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("PEM instead of DER", read("institution.crt.pem")),
    ] {
        let err = SigningIdentity::from_pkcs12(&input, PASSWORD).unwrap_err();
        assert!(matches!(err, KeyError::MalformedPkcs12 { .. }), "{what}: {err:?}");
    }
}

#[test]
fn missing_files_are_io_errors_with_the_path() {
    let missing = pki("does-not-exist.pem");
    let err = SigningIdentity::from_pem_files(&missing, pki("institution.crt.pem"), None).unwrap_err();
    match &err {
        KeyError::Io { path, .. } => assert_eq!(path, &missing),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("does-not-exist.pem"));
    assert!(matches!(SigningIdentity::from_pkcs12_file(&missing, PASSWORD), Err(KeyError::Io { .. })));
}

// ---------------------------------------------------------------------------------------------
// PEM: the hostile inputs

#[test]
fn mismatched_key_and_certificate() {
    let err = SigningIdentity::from_pem(&read("institution.key.pem"), &read("other.crt.pem"), None).unwrap_err();
    match err {
        KeyError::KeyCertificateMismatch { subject } => assert!(subject.contains("005678")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn mismatch_in_files_is_reported_on_the_certificate_file() {
    let cert = pki("other.crt.pem");
    let err = SigningIdentity::from_pem_files(pki("institution.key.pem"), &cert, None).unwrap_err();
    match &err {
        KeyError::InFile { path, source } => {
            assert_eq!(path, &cert);
            assert!(matches!(**source, KeyError::KeyCertificateMismatch { .. }));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrong_password_in_files_is_reported_on_the_key_file() {
    let key = pki("institution.key.enc.pem");
    let err = SigningIdentity::from_pem_files(&key, pki("institution.crt.pem"), Some("nope")).unwrap_err();
    match &err {
        KeyError::InFile { path, source } => {
            assert_eq!(path, &key);
            assert!(matches!(**source, KeyError::WrongPassword { .. }));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn chain_certificate_must_match_key_when_out_of_order() {
    // CA first, leaf second: the first certificate is the leaf by contract.
    let mut swapped = read("ca.pem");
    swapped.extend(read("institution.crt.pem"));
    assert!(matches!(
        SigningIdentity::from_pem(&read("institution.key.pem"), &swapped, None),
        Err(KeyError::KeyCertificateMismatch { .. })
    ));
}

#[test]
fn ec_key_is_not_rsa() {
    let err = SigningIdentity::from_pem(&read("ec.key.pem"), &read("ec.crt.pem"), None).unwrap_err();
    match err {
        KeyError::NotRsa { algorithm } => assert_eq!(algorithm, "EC"),
        other => panic!("{other:?}"),
    }
    let sec1 = b"-----BEGIN EC PRIVATE KEY-----\nMAA=\n-----END EC PRIVATE KEY-----\n";
    assert!(matches!(SigningIdentity::from_pem(sec1, &read("ec.crt.pem"), None), Err(KeyError::NotRsa { .. })));
}

#[test]
fn rsa_1024_is_too_small() {
    assert!(matches!(
        SigningIdentity::from_pem(&read("weak1024.key.pem"), &read("weak1024.crt.pem"), None),
        Err(KeyError::KeyTooSmall { bits: 1024 })
    ));
}

#[test]
fn empty_inputs() {
    let key = read("institution.key.pem");
    let cert = read("institution.crt.pem");
    assert!(matches!(SigningIdentity::from_pem(b"", &cert, None), Err(KeyError::NoPrivateKey)));
    assert!(matches!(SigningIdentity::from_pem(b"\n \n", &cert, None), Err(KeyError::NoPrivateKey)));
    assert!(matches!(
        SigningIdentity::from_pem(&key, b"", None),
        Err(KeyError::NoCertificate { input: "certificate PEM" })
    ));
}

#[test]
fn garbage_is_malformed_pem() {
    let cert = read("institution.crt.pem");
    for garbage in [
        &b"garbage bytes"[..],
        &[0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, 0xff, 0xfe][..],
        b"-----BEGIN PRIVATE KEY-----\nMIIE\n", // no END
        b"-----BEGIN PRIVATE KEY-----\n%%%%\n-----END PRIVATE KEY-----\n",
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END CERTIFICATE-----\n",
    ] {
        let err = SigningIdentity::from_pem(garbage, &cert, None).unwrap_err();
        assert!(matches!(err, KeyError::MalformedPem { input: "key PEM", .. }), "{garbage:?}: {err:?}");
    }
    // The key file in DER form.
    let der = pem_der("institution.key.pem");
    assert!(matches!(SigningIdentity::from_pem(&der, &cert, None), Err(KeyError::MalformedPem { .. })));
    let key = read("institution.key.pem");
    assert!(matches!(
        SigningIdentity::from_pem(&key, b"\x00\x01garbage", None),
        Err(KeyError::MalformedPem { input: "certificate PEM", .. })
    ));
}

#[test]
fn truncated_der_inside_pem() {
    let cert = read("institution.crt.pem");
    let key_der = pem_der("institution.key.pem");
    for label in ["PRIVATE KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY"] {
        let broken = pem(label, &key_der[..key_der.len() / 2]);
        let err = SigningIdentity::from_pem(&broken, &cert, Some(PASSWORD)).unwrap_err();
        assert!(matches!(err, KeyError::MalformedKey { .. }), "{label}: {err:?}");
    }
    let cert_der = read("institution.der");
    let broken_cert = pem("CERTIFICATE", &cert_der[..cert_der.len() - 10]);
    assert!(matches!(
        SigningIdentity::from_pem(&read("institution.key.pem"), &broken_cert, None),
        Err(KeyError::MalformedCertificate { input: "certificate PEM", index: 0, .. })
    ));
    // A broken chain certificate after a good leaf.
    let mut chain = read("institution.crt.pem");
    chain.extend(pem("CERTIFICATE", b"\x30\x03\x02\x01\x01"));
    assert!(matches!(
        SigningIdentity::from_pem(&read("institution.key.pem"), &chain, None),
        Err(KeyError::MalformedCertificate { index: 1, .. })
    ));
}

#[test]
fn wrong_pem_labels() {
    let key = read("institution.key.pem");
    let cert = read("institution.crt.pem");
    // A certificate given as the key: certificate blocks are skipped, so no key is found.
    assert!(matches!(SigningIdentity::from_pem(&cert, &cert, None), Err(KeyError::NoPrivateKey)));
    // A key given as the certificate.
    assert!(matches!(SigningIdentity::from_pem(&key, &key, None), Err(KeyError::NoCertificate { .. })));
    // A public key where the private key belongs.
    let public = pem("PUBLIC KEY", &spki_of("institution.crt.pem"));
    match SigningIdentity::from_pem(&public, &cert, None).unwrap_err() {
        KeyError::UnknownPemLabel { input: "key PEM", label, .. } => assert_eq!(label, "PUBLIC KEY"),
        other => panic!("{other:?}"),
    }
    // A CRL in the certificate file.
    match SigningIdentity::from_pem(&key, &read("ca.crl.pem"), None).unwrap_err() {
        KeyError::UnknownPemLabel { input: "certificate PEM", label, .. } => assert_eq!(label, "X509 CRL"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn two_keys_are_ambiguous() {
    let mut two = read("institution.key.pem");
    two.extend(read("other.key.pem"));
    assert!(matches!(
        SigningIdentity::from_pem(&two, &read("institution.crt.pem"), None),
        Err(KeyError::MultiplePrivateKeys { count: 2 })
    ));
}

#[test]
fn openssl_legacy_encrypted_pem_is_unsupported() {
    let legacy = b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\
DEK-Info: AES-256-CBC,0123456789ABCDEF0123456789ABCDEF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
    assert!(matches!(
        SigningIdentity::from_pem(legacy, &read("institution.crt.pem"), Some(PASSWORD)),
        Err(KeyError::UnsupportedEncryption { .. })
    ));
}

#[test]
fn debug_output_does_not_leak_the_key() {
    let id = institution();
    let dbg = format!("{id:?}");
    assert!(dbg.contains("modulus_bits: 2048"), "{dbg}");
    assert!(dbg.contains("1001"), "{dbg}");
    // No long runs of digits or hex that could be key material.
    let longest_hex_run = dbg.split(|c: char| !c.is_ascii_hexdigit()).map(str::len).max().unwrap_or(0);
    assert!(longest_hex_run <= 64, "{dbg}");
}

// ---------------------------------------------------------------------------------------------
// Signing and verifying through the provider

const MESSAGE: &[u8] = b"<ds:SignedInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"></ds:SignedInfo>";

#[test]
fn sign_and_verify_both_profiles() {
    for p in providers() {
        let id = institution_with(p);
        let spki = spki_of("institution.crt.pem");
        for alg in [SignatureAlgorithm::RsaSha1, SignatureAlgorithm::RsaSha256] {
            let sig = id.signing_key().sign(alg, MESSAGE).unwrap();
            assert_eq!(sig.len(), 256);
            p.verify_signature(alg, &spki, MESSAGE, &sig).unwrap();
            // PKCS#1 v1.5 is deterministic; blinding must not change the result.
            assert_eq!(id.signing_key().sign(alg, MESSAGE).unwrap(), sig, "{p:?}");
        }
    }
}

#[test]
fn the_same_key_from_every_format_signs_identically() {
    let sig = institution().signing_key().sign(SignatureAlgorithm::RsaSha256, MESSAGE).unwrap();
    for p in providers() {
        let p12 = SigningIdentity::from_pkcs12_with_provider(&read("institution-legacy.p12"), PASSWORD, p).unwrap();
        assert_eq!(p12.signing_key().sign(SignatureAlgorithm::RsaSha256, MESSAGE).unwrap(), sig, "{p:?}");
        let modern = SigningIdentity::from_pkcs12_with_provider(&read("institution.p12"), PASSWORD, p).unwrap();
        assert_eq!(modern.signing_key().sign(SignatureAlgorithm::RsaSha256, MESSAGE).unwrap(), sig, "{p:?}");
        let pkcs1 = SigningIdentity::from_pem_with_provider(
            &read("institution.pkcs1.pem"),
            &read("institution.crt.pem"),
            None,
            p,
        )
        .unwrap();
        assert_eq!(pkcs1.signing_key().sign(SignatureAlgorithm::RsaSha256, MESSAGE).unwrap(), sig, "{p:?}");
    }
}

#[test]
fn verification_failures_are_errors_never_success() {
    for p in providers() {
        let id = institution_with(p);
        let spki = spki_of("institution.crt.pem");
        let sig = id.signing_key().sign(SignatureAlgorithm::RsaSha256, MESSAGE).unwrap();

        // Tampered message.
        assert!(matches!(
            p.verify_signature(SignatureAlgorithm::RsaSha256, &spki, b"other", &sig),
            Err(CryptoError::BadSignature)
        ));
        // Wrong algorithm (SHA-256 signature checked as SHA-1).
        assert!(matches!(
            p.verify_signature(SignatureAlgorithm::RsaSha1, &spki, MESSAGE, &sig),
            Err(CryptoError::BadSignature)
        ));
        // Flipped bit.
        let mut flipped = sig.clone();
        flipped[100] ^= 1;
        assert!(matches!(
            p.verify_signature(SignatureAlgorithm::RsaSha256, &spki, MESSAGE, &flipped),
            Err(CryptoError::BadSignature)
        ));
        // Wrong key (other institution).
        assert!(matches!(
            p.verify_signature(SignatureAlgorithm::RsaSha256, &spki_of("other.crt.pem"), MESSAGE, &sig),
            Err(CryptoError::BadSignature)
        ));
        // Wrong lengths: truncated, extended with a leading zero, empty, all zero, modulus-sized ones.
        let mut leading_zero = vec![0u8];
        leading_zero.extend(&sig);
        for (bad, expected_actual) in [(sig[1..].to_vec(), 255), (leading_zero, 257), (Vec::new(), 0)] {
            match p.verify_signature(SignatureAlgorithm::RsaSha256, &spki, MESSAGE, &bad) {
                Err(CryptoError::SignatureLength { expected, actual }) => {
                    assert_eq!((expected, actual), (256, expected_actual))
                }
                other => panic!("{other:?}"),
            }
        }
        for filler in [0x00u8, 0xff] {
            assert!(matches!(
                p.verify_signature(SignatureAlgorithm::RsaSha256, &spki, MESSAGE, &[filler; 256]),
                Err(CryptoError::BadSignature)
            ));
        }
        // Malformed and unsuitable keys.
        assert!(matches!(
            p.verify_signature(SignatureAlgorithm::RsaSha256, &spki[..spki.len() - 1], MESSAGE, &sig),
            Err(CryptoError::MalformedPublicKey { .. })
        ));
        assert!(matches!(
            p.verify_signature(SignatureAlgorithm::RsaSha256, &spki_of("weak1024.crt.pem"), MESSAGE, &sig[..128]),
            Err(CryptoError::KeySizeNotAllowed { bits: 1024 })
        ));
        assert!(matches!(
            p.verify_signature(SignatureAlgorithm::RsaSha256, &spki_of("ec.crt.pem"), MESSAGE, &sig),
            Err(CryptoError::NotRsa { .. })
        ));
    }
}

#[test]
fn streaming_digest_equals_one_shot() {
    use std::io::Write as _;
    for p in providers() {
        let mut d = p.new_digest(DigestAlgorithm::Sha256);
        for chunk in MESSAGE.chunks(7) {
            d.write_all(chunk).unwrap();
        }
        assert_eq!(d.finalize(), sha2::Sha256::digest(MESSAGE).to_vec());
        let mut d = p.new_digest(DigestAlgorithm::Sha1);
        d.write_all(MESSAGE).unwrap();
        assert_eq!(d.finalize(), sha1::Sha1::digest(MESSAGE).to_vec());
        assert_eq!(p.new_digest(DigestAlgorithm::Sha1).finalize(), sha1::Sha1::digest(b"").to_vec());
    }
}

#[test]
fn load_signing_key_rejects_non_rsa_and_small_keys() {
    for p in providers() {
        assert!(matches!(p.load_signing_key(&pem_der("ec.key.pem")), Err(CryptoError::NotRsa { .. })));
        assert!(matches!(
            p.load_signing_key(&pem_der("weak1024.key.pem")),
            Err(CryptoError::KeySizeNotAllowed { bits: 1024 })
        ));
        let good = pem_der("institution.key.pem");
        assert!(matches!(p.load_signing_key(&good[..good.len() - 1]), Err(CryptoError::MalformedPrivateKey { .. })));
        assert!(matches!(p.load_signing_key(&[]), Err(CryptoError::MalformedPrivateKey { .. })));
    }
}

#[test]
fn identity_is_send_and_sync() {
    fn check<T: Send + Sync>(_: &T) {}
    check(&institution());
    let shared = std::sync::Arc::new(institution());
    let t = {
        let shared = shared.clone();
        std::thread::spawn(move || shared.signing_key().sign(SignatureAlgorithm::RsaSha256, MESSAGE).unwrap())
    };
    let sig = t.join().unwrap();
    assert_eq!(sig, shared.signing_key().sign(SignatureAlgorithm::RsaSha256, MESSAGE).unwrap());
}

#[test]
fn parsed_key_memo_never_changes_a_verdict() {
    // Providers keep recently parsed public keys per thread (8 entries): cycling through more
    // keys than that, and mixing good and bad inputs, gives the same verdicts every time.
    for p in providers() {
        let names = ["institution", "other", "provider"];
        let sigs: Vec<(Vec<u8>, Vec<u8>)> = names
            .iter()
            .map(|n| {
                let id = SigningIdentity::from_pem_with_provider(
                    &read(&format!("{n}.key.pem")),
                    &read(&format!("{n}.crt.pem")),
                    None,
                    p,
                )
                .unwrap();
                let sig = id.signing_key().sign(SignatureAlgorithm::RsaSha256, MESSAGE).unwrap();
                (id.signing_key().public_key_spki_der().to_vec(), sig)
            })
            .collect();
        let mut truncated: Vec<Vec<u8>> = Vec::new();
        for round in 0..3 {
            for (i, (spki, _)) in sigs.iter().enumerate() {
                for (j, (_, sig)) in sigs.iter().enumerate() {
                    let r = p.verify_signature(SignatureAlgorithm::RsaSha256, spki, MESSAGE, sig);
                    assert_eq!(r.is_ok(), i == j, "{p:?} round {round}: key {i}, signature {j}: {r:?}");
                }
                // Fill the memo with keys that fail to decode; they are never remembered.
                for cut in 1..=4 {
                    let short = spki[..spki.len() - cut - round].to_vec();
                    assert!(p.verify_signature(SignatureAlgorithm::RsaSha256, &short, MESSAGE, &sigs[i].1).is_err());
                    truncated.push(short);
                }
            }
        }
        for short in &truncated {
            assert!(p.verify_signature(SignatureAlgorithm::RsaSha256, short, MESSAGE, &sigs[0].1).is_err());
        }
    }
}

mod hostile_mutations {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn mutated_pkcs12_never_panics(pos in 0usize..4096, byte in any::<u8>(), cut in 0usize..4096) {
            let mut p12 = read("institution.p12");
            let pos = pos % p12.len();
            p12[pos] ^= byte | 1;
            p12.truncate(p12.len().min(cut.max(pos + 1)));
            let _ = SigningIdentity::from_pkcs12(&p12, PASSWORD);
        }

        #[test]
        fn mutated_pem_never_panics(pos in 0usize..4096, byte in any::<u8>()) {
            let mut key = read("institution.pkcs1.pem");
            let pos = pos % key.len();
            key[pos] = byte;
            let _ = SigningIdentity::from_pem(&key, &read("institution.crt.pem"), None);
            let mut enc = read("institution.key.enc.pem");
            let pos = pos % enc.len();
            enc[pos] = byte;
            let _ = SigningIdentity::from_pem(&enc, &read("institution.crt.pem"), Some(PASSWORD));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = SigningIdentity::from_pem(&bytes, &bytes, Some("x"));
            let _ = SigningIdentity::from_pkcs12(&bytes, "x");
            for p in providers() {
                let _ = p.load_signing_key(&bytes);
                let _ = p.verify_signature(SignatureAlgorithm::RsaSha256, &bytes, b"m", &bytes);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Subject and issuer DNs: exactly what `openssl x509 -noout -subject -nameopt RFC2253` prints,
// and ambiguous subjects (two CNs, two serialNumbers).

mod dn {
    use std::io::Write as _;

    use base64::Engine as _;
    use der::asn1::{Any, ObjectIdentifier};
    use der::{Decode as _, Encode as _};
    use dho_wss::pki::{CertificateInfo, KeyError, SigningIdentity};
    use std::process::{Command, Stdio};

    use super::{pki, read};
    use crate::common::unavailable;

    fn openssl_present() -> bool {
        let ok = Command::new("openssl").arg("version").output().is_ok_and(|o| o.status.success());
        if !ok {
            unavailable("the `openssl` command");
        }
        ok
    }

    /// `openssl x509 -inform DER -noout -subject -issuer -nameopt RFC2253` on `der`: the
    /// subject and issuer lines without their `subject=` / `issuer=` prefixes, or the error.
    fn openssl_names(der: &[u8]) -> Result<(String, String), String> {
        let mut child = Command::new("openssl")
            .args(["x509", "-inform", "DER", "-noout", "-subject", "-issuer", "-nameopt", "RFC2253"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        child.stdin.take().expect("stdin").write_all(der).map_err(|e| e.to_string())?;
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        let text = String::from_utf8(out.stdout).map_err(|e| format!("output not UTF-8: {e}"))?;
        let mut lines = text.lines();
        let subject = lines.next().and_then(|l| l.strip_prefix("subject=")).ok_or(format!("no subject: {text}"))?;
        let issuer = lines.next().and_then(|l| l.strip_prefix("issuer=")).ok_or(format!("no issuer: {text}"))?;
        Ok((subject.to_owned(), issuer.to_owned()))
    }

    /// Every certificate of a PEM file (all CERTIFICATE blocks) or a `.der` file.
    fn certificates_in(name: &str) -> Vec<Vec<u8>> {
        let bytes = read(name);
        if name.ends_with(".der") {
            return vec![bytes];
        }
        let Ok(text) = String::from_utf8(bytes) else { return Vec::new() };
        let mut out = Vec::new();
        let mut body: Option<String> = None;
        for line in text.lines() {
            match (&mut body, line.trim()) {
                (None, "-----BEGIN CERTIFICATE-----") => body = Some(String::new()),
                (Some(b), "-----END CERTIFICATE-----") => {
                    out.push(base64::engine::general_purpose::STANDARD.decode(b.as_bytes()).expect("base64"));
                    body = None;
                }
                (Some(b), l) => b.push_str(l),
                (None, _) => {}
            }
        }
        out
    }

    #[test]
    fn names_of_every_certificate_in_testdata_pki_match_openssl() {
        if !openssl_present() {
            return;
        }
        let dir = format!("{}/testdata/pki", env!("CARGO_MANIFEST_DIR"));
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("testdata/pki")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".pem") || n.ends_with(".der"))
            .collect();
        names.sort();
        let mut compared = 0;
        for name in &names {
            for (i, der) in certificates_in(name).iter().enumerate() {
                let info = CertificateInfo::from_certificate_der(der).unwrap_or_else(|e| panic!("{name} #{i}: {e}"));
                let (subject, issuer) = openssl_names(der).unwrap_or_else(|e| panic!("{name} #{i}: openssl: {e}"));
                assert_eq!(info.subject_dn(), subject, "{name} #{i} subject");
                assert_eq!(info.issuer_dn(), issuer, "{name} #{i} issuer");
                compared += 1;
            }
        }
        // The base PKI, the chains, and the extra part with its escaped and multi-valued names.
        assert!(compared >= 30, "only {compared} certificates compared");
        assert!(names.iter().any(|n| n == "dn-escapes.crt.pem") && names.iter().any(|n| n == "dn-strings.crt.pem"));
    }

    #[test]
    fn multi_valued_rdn_and_escapes_are_printed_as_openssl_does() {
        // The expected strings are openssl 3.0's output (see testdata/pki/README.md).
        let info = |name: &str| CertificateInfo::from_certificate_der(&super::pem_der(name)).expect("cert");
        assert_eq!(
            info("multi-valued-rdn.crt.pem").subject_dn(),
            "CN=dho-wss-test-mv.instelling-001234.hogeschool-test+serialNumber=001234,\
             OU=TEST ONLY - NOT FOR PRODUCTION,O=Hogeschool Test,C=BE"
        );
        assert_eq!(
            info("dn-escapes.crt.pem").subject_dn(),
            "CN=dho-wss-test-dn-escapes.instelling-001234.hogeschool-test,serialNumber=001234,\
             description=ctl\\01\\7F,title=Universit\\C3\\A9 \\E2\\82\\AC,street=\\ lead and trail\\ ,ST=\\ ,L=#,\
             OU=TEST ONLY - NOT FOR PRODUCTION,O=\\#Hogeschool\\, \\\"Test\\\" \\<a\\+b\\> \\;\\\\ =x,C=BE"
        );
        assert_eq!(
            info("dn-strings.crt.pem").subject_dn(),
            "CN=dho-wss-test-dn-strings.instelling-001234.hogeschool-test,serialNumber=001234,\
             1.3.6.1.4.1.55555.1.1=#130178,L=\\E2\\82\\ACuro,OU=TEST ONLY - NOT FOR PRODUCTION,\
             O=Universit\\C3\\A9 Test,C=BE"
        );
        // A multi-valued RDN holds one CN and one serialNumber: not ambiguous.
        assert_eq!(info("multi-valued-rdn.crt.pem").subject_serial_number(), Some("001234"));
    }

    // --- synthesized names, compared with openssl ---------------------------------------------

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend(bytes);
        }
        out.extend(content);
        out
    }

    /// One AttributeTypeAndValue: `oid` with the value `value_tlv` (a complete TLV).
    fn atv(oid: &str, value_tlv: &[u8]) -> Vec<u8> {
        let oid = ObjectIdentifier::new(oid).expect("oid").to_der().expect("oid der");
        tlv(0x30, &[oid, value_tlv.to_vec()].concat())
    }

    /// A Name of these RDNs (each a list of AttributeTypeAndValue encodings), every SET in DER
    /// order.
    fn name(rdns: &[Vec<Vec<u8>>]) -> Vec<u8> {
        let mut seq = Vec::new();
        for rdn in rdns {
            let mut members = rdn.clone();
            members.sort();
            seq.extend(tlv(0x31, &members.concat()));
        }
        tlv(0x30, &seq)
    }

    /// institution.crt.pem with its subject replaced (the signature no longer verifies, which
    /// neither openssl x509 nor CertificateInfo looks at).
    fn certificate_with_subject(subject: &[u8]) -> Vec<u8> {
        let cert = super::pem_der("institution.crt.pem");
        let mut outer = Vec::<Any>::from_der(&cert).expect("certificate");
        let mut tbs = Vec::<Any>::from_der(&outer[0].to_der().expect("tbs")).expect("tbs");
        // version [0], serialNumber, signature, issuer, validity, subject, ...
        tbs[5] = Any::from_der(subject).expect("subject");
        outer[0] = Any::from_der(&tbs.to_der().expect("tbs der")).expect("tbs any");
        outer.to_der().expect("certificate der")
    }

    fn utf8(s: &str) -> Vec<u8> {
        tlv(0x0c, s.as_bytes())
    }

    fn bmp(s: &str) -> Vec<u8> {
        tlv(0x1e, &s.encode_utf16().flat_map(u16::to_be_bytes).collect::<Vec<u8>>())
    }

    const CN: &str = "2.5.4.3";

    /// Names that exercise every rule of OpenSSL's RFC 2253 printer: escaping (first, last,
    /// only character), control and non-ASCII bytes, every string width, values dumped as
    /// hex, attribute names, RDN and multi-valued RDN order.
    fn synthesized_names() -> Vec<(String, Vec<u8>)> {
        let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
        let mut add = |what: &str, rdns: Vec<Vec<Vec<u8>>>| cases.push((what.to_owned(), name(&rdns)));
        for value in [
            "#",
            "##",
            "#a",
            "a#",
            " ",
            "  ",
            " a",
            "a ",
            " a b ",
            "=",
            "a=b",
            ",",
            "+",
            "\"",
            "\\",
            "<",
            ">",
            ";",
            "a,b+c\"d\\e<f>g;h",
            "\0",
            "a\0b",
            "\x01\x1f\x7f",
            "\t",
            "é",
            "€",
            "é€ ",
            "",
            "/",
            "'",
            "~`!@$%^&*()",
        ] {
            add(&format!("UTF8String {value:?}"), vec![vec![atv(CN, &utf8(value))]]);
            add(&format!("BMPString {value:?}"), vec![vec![atv(CN, &bmp(value))]]);
        }
        add("UTF8String beyond the BMP", vec![vec![atv(CN, &utf8("𝄞 "))]]);
        for (tag, what) in
            [(0x12, "NumericString"), (0x13, "PrintableString"), (0x14, "T61String"), (0x16, "IA5String")]
        {
            for value in [&b"# a "[..], b"a\xe9", b"\xe9", b" \xff", b"\x00\x7f\x80", b"x"] {
                add(&format!("{what} {value:?}"), vec![vec![atv(CN, &tlv(tag, value))]]);
            }
        }
        // A type OpenSSL reads in a name but does not print as text: #hex under the name.
        add("SEQUENCE value", vec![vec![atv(CN, &tlv(0x30, &tlv(0x0c, b"x")))]]);
        // An attribute OpenSSL does not know: always #hex.
        add("unknown OID", vec![vec![atv("1.3.6.1.4.1.55555.1.1", &utf8("x y"))]]);
        add("unknown OID, BMPString", vec![vec![atv("1.3.6.1.4.1.55555.1.2", &bmp("€"))]]);
        // RDN order, and the order inside multi-valued RDNs (3 members, DER-sorted).
        add(
            "multi-valued",
            vec![
                vec![atv("2.5.4.6", &tlv(0x13, b"BE"))],
                vec![atv("2.5.4.10", &utf8("O")), atv("2.5.4.11", &utf8("OU"))],
                vec![atv(CN, &utf8("a")), atv("2.5.4.5", &tlv(0x13, b"1")), atv("2.5.4.11", &utf8("x"))],
                vec![atv(CN, &utf8("long common name")), atv("2.5.4.5", &tlv(0x13, b"001234"))],
            ],
        );
        add("two CNs", vec![vec![atv(CN, &utf8("first"))], vec![atv(CN, &utf8("second"))]]);
        // Every attribute name: X.520, pilot (RFC 1274/4519), PKCS#9, EV jurisdiction, PKIX personal data.
        let arcs: Vec<(String, std::ops::RangeInclusive<u32>)> = vec![
            ("2.5.4".into(), 0..=101),
            ("0.9.2342.19200300.100.1".into(), 1..=60),
            ("1.2.840.113549.1.9".into(), 1..=30),
            ("1.3.6.1.4.1.311.60.2.1".into(), 1..=3),
            ("1.3.6.1.5.5.7.9".into(), 1..=5),
        ];
        for (arc, range) in arcs {
            for i in range {
                let oid = format!("{arc}.{i}");
                add(&format!("attribute {oid}"), vec![vec![atv(CN, &utf8("x"))], vec![atv(&oid, &utf8("v"))]]);
            }
        }
        cases
    }

    #[test]
    fn synthesized_names_match_openssl() {
        if !openssl_present() {
            return;
        }
        let mut failures = Vec::new();
        let cases = synthesized_names();
        for (what, subject) in &cases {
            let der = certificate_with_subject(subject);
            let ours = CertificateInfo::from_certificate_der(&der).unwrap_or_else(|e| panic!("{what}: {e}"));
            match openssl_names(&der) {
                Ok((theirs, _)) if theirs == ours.subject_dn() => {}
                Ok((theirs, _)) => {
                    failures.push(format!("{what}:\n  openssl {theirs}\n  ours    {}", ours.subject_dn()))
                }
                Err(e) => failures.push(format!("{what}: openssl cannot read it: {}", e.trim())),
            }
        }
        assert!(failures.is_empty(), "{} of {} differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
    }

    #[test]
    fn values_openssl_cannot_read_are_printed_as_hex() {
        // OpenSSL refuses these certificates; the DN still gets one unambiguous form.
        for (what, value, hex) in [
            ("odd-length BMPString", tlv(0x1e, b"\x00a\x00"), "#1E030061 00".replace(' ', "")),
            ("lone surrogate in a BMPString", tlv(0x1e, b"\xd8\x00"), "#1E02D800".to_owned()),
            ("invalid UTF-8", tlv(0x0c, b"a\xff"), "#0C0261FF".to_owned()),
            ("surrogate pair in a BMPString", bmp("𝄞"), "#1E04D834DD1E".to_owned()),
            ("VisibleString", tlv(0x1a, b"a b"), "#1A03612062".to_owned()),
            ("GeneralString", tlv(0x1b, b"a"), "#1B0161".to_owned()),
            ("INTEGER", tlv(0x02, b"\x05"), "#020105".to_owned()),
        ] {
            let der = certificate_with_subject(&name(&[vec![atv(CN, &value)]]));
            let info = CertificateInfo::from_certificate_der(&der).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(info.subject_dn(), format!("CN={hex}"), "{what}");
            assert_eq!(info.common_name(), None, "{what}");
        }
        // Types the DER parser has no tag for (UniversalString, GraphicString,
        // ObjectDescriptor) make the whole certificate malformed: it is never trusted either.
        for tag in [0x1c, 0x19, 0x07] {
            let der = certificate_with_subject(&name(&[vec![atv(CN, &tlv(tag, b"\x00\x00\x00a"))]]));
            let e = CertificateInfo::from_certificate_der(&der).unwrap_err();
            assert!(matches!(e, KeyError::MalformedCertificate { .. }), "tag {tag:#x}: {e:?}");
        }
    }

    #[test]
    fn certificate_info_of_bytes_that_are_no_certificate() {
        for bytes in [&b""[..], b"garbage", &super::pem_der("institution.crt.pem")[..100]] {
            let e = CertificateInfo::from_certificate_der(bytes).unwrap_err();
            assert!(matches!(e, KeyError::MalformedCertificate { input: "certificate DER", index: 0, .. }), "{e:?}");
        }
    }

    // --- ambiguous subjects ---------------------------------------------------------------------

    fn identity(name: &str) -> SigningIdentity {
        SigningIdentity::from_pem_files(pki(&format!("{name}.key.pem")), pki(&format!("{name}.crt.pem")), None)
            .expect("identity")
    }

    #[test]
    fn a_subject_with_two_common_names_has_no_common_name() {
        let id = identity("two-cn");
        let info = id.certificate();
        assert_eq!(info.common_name(), None);
        assert_eq!(
            info.common_names(),
            [
                "dho-wss-test.instelling-001234.hogeschool-test",
                "dho-wss-test-two-cn.instelling-005678.universiteit-test"
            ]
        );
        // Its only serialNumber is fine.
        assert_eq!(info.subject_serial_number(), Some("001234"));
        assert_eq!(info.subject_serial_numbers(), ["001234"]);
    }

    #[test]
    fn a_subject_with_two_serial_numbers_has_no_serial_number() {
        let id = identity("two-serial");
        let info = id.certificate();
        assert_eq!(info.subject_serial_number(), None);
        assert_eq!(info.subject_serial_numbers(), ["001234", "005678"]);
        assert_eq!(info.common_name(), Some("dho-wss-test-two-serial.instelling-001234.hogeschool-test"));
    }
}
