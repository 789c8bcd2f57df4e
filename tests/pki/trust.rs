//! Certificate validation against trust anchors (attack rows A10, A22), with the shipped test
//! PKI in `testdata/pki/` (see its README). Every negative test names the exact error variant.

use std::time::SystemTime;

use crate::common::pem;
use crate::common::{at, pki, read_pki as read, t2026, validator};
use dho_wss::crypto::{default_provider, SignatureAlgorithm};
use dho_wss::pki::SigningIdentity;
use dho_wss::pki::{CertificateValidator, TrustAnchors, TrustError, ValidatedCertificate};
use pem::der_of;

fn cert(name: &str) -> Vec<u8> {
    der_of(&read(name))
}

fn validate(name: &str) -> Result<ValidatedCertificate, TrustError> {
    validator().validate(&cert(name), &[], t2026())
}

// Extra fixtures not in testdata/pki, made once with OpenSSL 3.0 (`openssl ca`, validity
// 2025-01-01..2055-01-01, leaf extensions as in testdata/pki/make-pki.sh v3_leaf but keyUsage
// digitalSignature only):
// - SHA1_CA: self-signed RSA-2048 root; SHA1_LEAF: RSA-2048 leaf it signed with
//   sha1WithRSAEncryption (`-md sha1`).
// - WEAK_CA: self-signed RSA-1024 root; WEAK_CA_LEAF: RSA-2048 leaf it signed with SHA-256.

const SHA1_CA: &str = "
-----BEGIN CERTIFICATE-----
MIIDOTCCAiGgAwIBAgIBATANBgkqhkiG9w0BAQsFADA9MQswCQYDVQQGEwJCRTEW
MBQGA1UECgwNZGhvLXdzcyB0ZXN0czEWMBQGA1UEAwwNU0hBLTEgVGVzdCBDQTAg
Fw0yNTAxMDEwMDAwMDBaGA8yMDU1MDEwMTAwMDAwMFowPTELMAkGA1UEBhMCQkUx
FjAUBgNVBAoMDWRoby13c3MgdGVzdHMxFjAUBgNVBAMMDVNIQS0xIFRlc3QgQ0Ew
ggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQC/2K4X99cXms2LgbGSXQyu
OmjBgeNKMGyqUayRrAnMcFA/Avu+rLEgZ7YZHt14T/DsJKNLFAC5hfQLbehmHLu/
53xkyeTqnHgt12lVUoH3iNP2GzFc1Y9RX3q3Rbvl8I/ArLPCzyhmfQ9GSYxR02Fp
2JjMCUpHttHsT52BdUL2nETMPa0nCU3FhVEqfAk0cdx0GDeozaxlNc1UgXvZN/eh
XiN/fVQO9YgYbVlXXeFfiEIDTfZgGdMKI7YpGYlvFZIe/HYikSHsIDQ9QZGxEWjM
xv1wT9p6Z2S6QueFVal0nYq0cOWNGXjS/XqXEuyMiDByXOgmbq/YgeYKNeVpOqEx
AgMBAAGjQjBAMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMB0GA1Ud
DgQWBBSZ81Q8u4UnkNqcX5JoWtXk5RiBZTANBgkqhkiG9w0BAQsFAAOCAQEAQk3A
AaRJMTLQv1KmR/OPaXCURpWeS0R0PxoZ7S6OfE2AJKqaQOJmZBR46A2dGyM3x/zu
YfWyeGDFvSeeEs7XTwnu3g6YwfmSd8HnkLn4fPR17/Zyl8GL8QJP3xfXR+YlUBl+
9Eg3zE5c/yPVqIjUy0owSvF6tuYA2IJbchma4K9ktq5HC2Gx0ErblK5bmk1fEIJh
IUGzYHJ7rWNDwB3Vi6AKAgKPHzEePQojNeTBu+If4eI4DT0r5cr453fKipCYFggp
dItlKMo33Qw7UA9eNo7ATBbbNcJuiScBVP9Jzf9xwGsHWN4VN0wQtqFeVvLsNCiC
9xo64oX4dHRLSPAN6g==
-----END CERTIFICATE-----";

const SHA1_LEAF: &str = "
-----BEGIN CERTIFICATE-----
MIIDcDCCAligAwIBAgICEAEwDQYJKoZIhvcNAQEFBQAwPTELMAkGA1UEBhMCQkUx
FjAUBgNVBAoMDWRoby13c3MgdGVzdHMxFjAUBgNVBAMMDVNIQS0xIFRlc3QgQ0Ew
IBcNMjUwMTAxMDAwMDAwWhgPMjA1NTAxMDEwMDAwMDBaMEAxCzAJBgNVBAYTAkJF
MRYwFAYDVQQKDA1kaG8td3NzIHRlc3RzMRkwFwYDVQQDDBBzaGExLXNpZ25lZCBs
ZWFmMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu9pjU506vlpN8e/Z
2cwxrQoIaLKbZxkI64I/ZZ/fr2WZdknpE3N4h7CKF4gZIgMkhKNP886POnYchNtj
IeoLcvGSwQmFzhMZPMCFp+60RkiZkgXA+xUCGHgKRI3mdzUzED8lfv+iKOr6JpsS
nF/qaMPxwhN6+4IPk3fMLEqRJuOrq1kaIg3rp6Ys0pmpp+zhXsSrxZjkXLr6VdkR
+VT8opsBpcCNjWSMpwWgK9s0K4iuyL/5wP483u+HSFJHfPJq7oQze8BKNtBaBjmo
wmIr6w1OwIG8CEEMVxlygJMOAFWYDgmRo6m5J0Yz/mmTLuvQGMid1xtuC3x7Euuy
r7rR2wIDAQABo3UwczAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIHgDATBgNV
HSUEDDAKBggrBgEFBQcDAjAdBgNVHQ4EFgQUl3kQlMW8Bdb7fQSxf/ETluMWPU8w
HwYDVR0jBBgwFoAUmfNUPLuFJ5DanF+SaFrV5OUYgWUwDQYJKoZIhvcNAQEFBQAD
ggEBAL3x39AJbYSgyk36rUez9QHzXbGdH9YxN9k+UBdjZmn7d7BOmk/5FU40fC5p
bIleSEb9OrqdJ0ce8psrhMQ3szl0zJjhLdJ8qUfJwoO+qGawf9X3GfPOb8lyJPgb
sqt5rFvtt8v+oeQsGWFgYpXaMzttOZhjC40Knb8mqKzSJlzKTBnUOr5zEDpf6qDQ
UvFYH4iLYd38Tr6aEsTks/wTjfXX1jCTlo1CSwhiH3mOyr4jGHq31Lv4RaOkjDDa
8CancKLeu6i4K0oad++nmdG8sh6828wpy0HFWpguN3PxOUF9p/xmqxjrntkiiOo+
fH8/7imTEukCe1aIOBGh1g314W4=
-----END CERTIFICATE-----";

const WEAK_CA: &str = "
-----BEGIN CERTIFICATE-----
MIICPDCCAaWgAwIBAgIBAjANBgkqhkiG9w0BAQsFADBBMQswCQYDVQQGEwJCRTEW
MBQGA1UECgwNZGhvLXdzcyB0ZXN0czEaMBgGA1UEAwwRV2VhayAxMDI0IFRlc3Qg
Q0EwIBcNMjUwMTAxMDAwMDAwWhgPMjA1NTAxMDEwMDAwMDBaMEExCzAJBgNVBAYT
AkJFMRYwFAYDVQQKDA1kaG8td3NzIHRlc3RzMRowGAYDVQQDDBFXZWFrIDEwMjQg
VGVzdCBDQTCBnzANBgkqhkiG9w0BAQEFAAOBjQAwgYkCgYEA5laMQZUU3RPko5rU
SMCscb3QvrCsCCY9TyDn70jKiJgStIS5vWNw7vBd6JNI+LFXnAv0rl8QU+F0+/tO
7boW5rs8O/9RBk6FHlnhT7y2jvjGCkhPlNcsCsmKf079xK7WLpnXpskVtC7VnZnN
M/YBKwlumm743B4awjVGISzllDsCAwEAAaNCMEAwDwYDVR0TAQH/BAUwAwEB/zAO
BgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYEFMuK51QFj5CwnjyfZ/SakVlzP+tuMA0G
CSqGSIb3DQEBCwUAA4GBAIhLFw2jGPE2buFe3lib5VsH0RWndTVVVAj5znc1ads7
6yCy/hfBE6Gq9bGT+dBVwmy1O9hBOs7OaU7SV807AdKg9QdTSaJ+Wz3Ovr5fYWtf
HISRUdnSLYMaPj1mkCE4W/0oRZvPWbR6OzfLONvVD4ETWx9WKvZuSchAsmduUzEw
-----END CERTIFICATE-----";

const WEAK_CA_LEAF: &str = "
-----BEGIN CERTIFICATE-----
MIIC8jCCAlugAwIBAgICEAIwDQYJKoZIhvcNAQELBQAwQTELMAkGA1UEBhMCQkUx
FjAUBgNVBAoMDWRoby13c3MgdGVzdHMxGjAYBgNVBAMMEVdlYWsgMTAyNCBUZXN0
IENBMCAXDTI1MDEwMTAwMDAwMFoYDzIwNTUwMTAxMDAwMDAwWjA/MQswCQYDVQQG
EwJCRTEWMBQGA1UECgwNZGhvLXdzcyB0ZXN0czEYMBYGA1UEAwwPbGVhZiBvZiB3
ZWFrIENBMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAs5rUJMexg6BH
Q0GfPDRUY/ULBaYY4unbTkC9prQVL/tpl1YEPzIdVKhH7Ds0dk9JGjz9ki6qxt0c
ISx0s6IoU7siW/84YFW3TTr7W/B/ki+VQHTCltSIBTltKH3sjdBiHb1wi8X1kwya
5GmPUNG+XruIS1gOQNAsC6vYj/HWzgrqVaajTpqERZPWMA2JYMwoO3qW0H4+ucel
369BeBR1ZbJZLpohNorsERGRUxk9hoGFQXqxeVMg2SMZrX+Edj3/BqStRCAA0DUV
ftgY0tHjtQokQIGy5xC3jz/fhfy+Ud9aLqcBt4TBZH7sa0o3Mb/gZvHj0KRUeSmC
II7A9A5PHwIDAQABo3UwczAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIHgDAT
BgNVHSUEDDAKBggrBgEFBQcDAjAdBgNVHQ4EFgQU64F+LDPf9PQZ0YpmmnFvqdSL
Si4wHwYDVR0jBBgwFoAUy4rnVAWPkLCePJ9n9JqRWXM/624wDQYJKoZIhvcNAQEL
BQADgYEAfk9vmgL4lfMBnQt3iFJD8kg4KVQhJbXQBl9kHdnDOjWPdFz0n1IyPcp2
mxX3iPNx/LpmA/+BCiHqYJaw/PxwlVuhx06ddBV4MpUnhMHrjO/b7RyGXBBJiiux
65AdrIXfjDuRLxVuOT2WdUINe++jr9PX2GfoTxIYcY5yQGAL+UQ=
-----END CERTIFICATE-----";

// ---------------------------------------------------------------------------------------------
// Good certificates

#[test]
fn institution_is_trusted_and_exposes_its_facts() {
    let v = validate("institution.crt.pem").unwrap();
    let der = cert("institution.crt.pem");
    assert_eq!(v.certificate_der(), der.as_slice());
    assert_eq!(
        v.subject_dn(),
        "CN=dho-wss-test.instelling-001234.hogeschool-test,serialNumber=001234,\
         OU=TEST ONLY - NOT FOR PRODUCTION,O=Hogeschool Test,C=BE"
    );
    assert_eq!(v.common_name(), Some("dho-wss-test.instelling-001234.hogeschool-test"));
    assert_eq!(v.info().subject_serial_number(), Some("001234"));
    assert_eq!(v.info().serial_hex(), "1001");
    assert_eq!(v.modulus_bits(), 2048);
    // Same facts as the signer side sees.
    let id = SigningIdentity::from_pem(&read("institution.key.pem"), &read("institution.crt.pem"), None).unwrap();
    assert_eq!(v.sha256_fingerprint(), id.certificate().sha256_fingerprint());
    assert_eq!(v.info(), id.certificate());
    assert_eq!(v.spki_der(), id.signing_key().public_key_spki_der());
}

#[test]
fn validated_key_verifies_a_signature_from_the_identity() {
    #[allow(unused_mut)]
    let mut providers = vec![default_provider()];
    #[cfg(feature = "openssl")]
    providers.push(dho_wss::crypto::openssl_provider());
    for p in providers {
        let id = SigningIdentity::from_pkcs12_with_provider(&read("institution.p12"), "test-only", p).unwrap();
        let chain: Vec<&[u8]> = id.chain_ders().iter().map(Vec::as_slice).collect();
        let anchors = TrustAnchors::from_pem(&read("ca.pem")).unwrap();
        let v = CertificateValidator::new(anchors)
            .with_provider(p)
            .validate(id.certificate_der(), &chain, t2026())
            .unwrap();
        let sig = id.signing_key().sign(SignatureAlgorithm::RsaSha1, b"SignedInfo").unwrap();
        p.verify_signature(SignatureAlgorithm::RsaSha1, v.spki_der(), b"SignedInfo", &sig).unwrap();
    }
}

#[test]
fn other_and_provider_are_trusted() {
    assert_eq!(validate("other.crt.pem").unwrap().info().subject_serial_number(), Some("005678"));
    // EKU serverAuth+clientAuth satisfies "clientAuth if EKU present".
    assert_eq!(validate("provider.crt.pem").unwrap().common_name(), Some("dho-wss-test.dho-provider"));
}

#[test]
fn validate_at_the_system_time_works_inside_the_window() {
    // The test PKI is valid until 2055.
    validator().validate(&cert("institution.crt.pem"), &[], SystemTime::now()).unwrap();
}

#[test]
fn validator_is_reusable_across_threads() {
    let v = std::sync::Arc::new(validator());
    let handles: Vec<_> = ["institution.crt.pem", "other.crt.pem", "rogue.crt.pem"]
        .into_iter()
        .map(|name| {
            let v = v.clone();
            let der = cert(name);
            std::thread::spawn(move || v.validate(&der, &[], t2026()).is_ok())
        })
        .collect();
    let results: Vec<bool> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(results, [true, true, false]);
}

// ---------------------------------------------------------------------------------------------
// A10 / A22: untrusted and unsuitable certificates

#[test]
fn rogue_ca_leaf_with_the_same_subject_is_unknown_issuer() {
    assert!(matches!(validate("rogue.crt.pem"), Err(TrustError::UnknownIssuer)));
    // Shipping the rogue root along (as an X509PKIPathv1 token could) does not help.
    let rogue_ca = cert("rogue-ca.pem");
    assert!(matches!(
        validator().validate(&cert("rogue.crt.pem"), &[&rogue_ca], t2026()),
        Err(TrustError::UnknownIssuer)
    ));
}

#[test]
fn expired_certificate() {
    match validate("expired.crt.pem") {
        Err(e @ TrustError::Expired { not_after }) => {
            assert_eq!(not_after, at(1_577_836_800)); // 2020-01-01T00:00:00Z
            assert_eq!(e.to_string(), "a certificate on the path expired at 2020-01-01T00:00:00Z");
        }
        other => panic!("{other:?}"),
    }
    // The good certificate after its end (2060).
    match validator().validate(&cert("institution.crt.pem"), &[], at(2_840_140_800)) {
        Err(TrustError::Expired { not_after }) => assert_eq!(not_after, at(2_682_374_400)), // 2055-01-01
        other => panic!("{other:?}"),
    }
}

#[test]
fn not_yet_valid_certificate() {
    match validate("notyet.crt.pem") {
        Err(e @ TrustError::NotYetValid { not_before }) => {
            assert_eq!(not_before, at(2_524_608_000)); // 2050-01-01T00:00:00Z
            assert_eq!(e.to_string(), "a certificate on the path is not valid before 2050-01-01T00:00:00Z");
        }
        other => panic!("{other:?}"),
    }
    // The good certificate before its start (2024-06-01).
    match validator().validate(&cert("institution.crt.pem"), &[], at(1_717_200_000)) {
        Err(TrustError::NotYetValid { not_before }) => assert_eq!(not_before, at(1_735_689_600)), // 2025-01-01
        other => panic!("{other:?}"),
    }
}

#[test]
fn ca_certificate_as_signer() {
    assert!(matches!(validate("ca-signer.crt.pem"), Err(TrustError::CaUsedAsEndEntity)));
    // The trust anchor itself presented as the signer.
    assert!(matches!(validate("ca.pem"), Err(TrustError::CaUsedAsEndEntity)));
}

#[test]
fn key_usage_without_digital_signature() {
    assert!(matches!(validate("no-digsig.crt.pem"), Err(TrustError::KeyUsageMissingDigitalSignature)));
    // Institution has digitalSignature+nonRepudiation: fine in strict mode too.
    validator().require_digital_signature_bit().validate(&cert("institution.crt.pem"), &[], t2026()).unwrap();
}

#[test]
fn rsa_1024_leaf_is_too_small() {
    assert!(matches!(validate("weak1024.crt.pem"), Err(TrustError::KeyTooSmall { bits: 1024 })));
}

#[test]
fn ec_leaf_is_not_rsa() {
    match validate("ec.crt.pem") {
        Err(TrustError::NotRsa { algorithm }) => assert_eq!(algorithm, "EC"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn revoked_certificate_with_crl() {
    // Without CRLs revocation is not checked.
    validate("revoked.crt.pem").unwrap();
    let v = validator().with_crls_pem(&read("ca.crl.pem")).unwrap();
    assert!(matches!(v.validate(&cert("revoked.crt.pem"), &[], t2026()), Err(TrustError::Revoked)));
    v.validate(&cert("institution.crt.pem"), &[], t2026()).unwrap();
}

#[test]
fn sha1_signed_chain_is_rejected_unless_explicitly_allowed() {
    let anchors = TrustAnchors::from_pem(SHA1_CA.as_bytes()).unwrap();
    let leaf = der_of(SHA1_LEAF.as_bytes());
    assert!(matches!(
        CertificateValidator::new(anchors.clone()).validate(&leaf, &[], t2026()),
        Err(TrustError::UnsupportedSignatureAlgorithm)
    ));
    let legacy = CertificateValidator::new(anchors).allow_legacy_sha1_chain_signatures();
    assert_eq!(legacy.validate(&leaf, &[], t2026()).unwrap().common_name(), Some("sha1-signed leaf"));
}

#[test]
fn chain_signed_by_a_1024_bit_ca_is_rejected() {
    let anchors = TrustAnchors::from_pem(WEAK_CA.as_bytes()).unwrap();
    let leaf = der_of(WEAK_CA_LEAF.as_bytes());
    assert!(matches!(
        CertificateValidator::new(anchors).validate(&leaf, &[], t2026()),
        Err(TrustError::BadChainSignature)
    ));
}

#[test]
fn tampered_certificate_signature() {
    let mut der = cert("institution.crt.pem");
    let last = der.len() - 1;
    der[last] ^= 0x01;
    assert!(matches!(validator().validate(&der, &[], t2026()), Err(TrustError::BadChainSignature)));
}

#[test]
fn hostile_leaf_bytes_are_malformed() {
    let good = cert("institution.crt.pem");
    for (what, der) in [
        ("empty", Vec::new()),
        ("garbage", b"garbage bytes".to_vec()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("trailing data", [good.as_slice(), b"\x00"].concat()),
        ("PEM text", read("institution.crt.pem")),
    ] {
        let err = validator().validate(&der, &[], t2026()).unwrap_err();
        assert!(matches!(err, TrustError::Malformed(_)), "{what}: {err:?}");
    }
}

#[test]
fn garbage_extra_chain_certificates_do_not_break_a_good_path() {
    let good = cert("institution.crt.pem");
    validator().validate(&good, &[b"garbage", &[]], t2026()).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Trust anchor bundles

#[test]
fn bundle_errors() {
    assert!(matches!(TrustAnchors::from_pem(b""), Err(TrustError::EmptyBundle)));
    assert!(matches!(TrustAnchors::from_pem(b"\n\n"), Err(TrustError::EmptyBundle)));
    assert!(matches!(TrustAnchors::from_pem(b"not pem at all"), Err(TrustError::Malformed(_))));
    // A private key where certificates belong.
    assert!(matches!(TrustAnchors::from_pem(&read("ca.key.pem")), Err(TrustError::Malformed(_))));
    // A certificate block holding garbage DER.
    assert!(matches!(
        TrustAnchors::from_pem(b"-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n"),
        Err(TrustError::Malformed(_))
    ));
    let missing = pki("no-such-bundle.pem");
    match TrustAnchors::from_pem_file(&missing) {
        Err(TrustError::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("{other:?}"),
    }
    match TrustAnchors::from_pem_file(pki("ca.key.pem")) {
        Err(TrustError::Malformed(m)) => assert!(m.contains("ca.key.pem"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bundle_file_with_several_roots() {
    let mut bundle = read("ca.pem");
    bundle.extend(read("rogue-ca.pem"));
    let anchors = TrustAnchors::from_pem(&bundle).unwrap();
    assert_eq!(anchors.len(), 2);
    assert!(!anchors.is_empty());
    assert_eq!(
        anchors.subjects()[1],
        "CN=dho-wss Rogue Root CA,OU=TEST ONLY - NOT FOR PRODUCTION,O=dho-wss Rogue PKI,C=BE"
    );
    // Every certificate in the bundle is an anchor: the rogue leaf is now trusted.
    let v = CertificateValidator::new(anchors);
    v.validate(&cert("rogue.crt.pem"), &[], t2026()).unwrap();
    let from_file = TrustAnchors::from_pem_file(pki("institution.chain.pem")).unwrap();
    assert_eq!(from_file.len(), 2);
}

#[test]
fn intermediates_input() {
    let anchors = TrustAnchors::from_pem(&read("ca.pem")).unwrap();
    // Empty input adds nothing; garbage is rejected.
    let anchors = anchors.with_intermediates_pem(b"").unwrap();
    assert!(matches!(anchors.clone().with_intermediates_pem(b"garbage"), Err(TrustError::Malformed(_))));
    // A configured intermediate does not make an unrelated root trusted.
    let anchors = anchors.with_intermediates_pem(&read("rogue-ca.pem")).unwrap();
    let v = CertificateValidator::new(anchors);
    assert!(matches!(v.validate(&cert("rogue.crt.pem"), &[], t2026()), Err(TrustError::UnknownIssuer)));
    v.validate(&cert("institution.crt.pem"), &[], t2026()).unwrap();
}

#[test]
fn crl_input_errors() {
    assert!(matches!(validator().with_crls_pem(b""), Err(TrustError::Malformed(_))));
    assert!(matches!(validator().with_crls_pem(&read("ca.pem")), Err(TrustError::Malformed(_))));
    assert!(matches!(
        validator().with_crls_pem(b"-----BEGIN X509 CRL-----\nAAEC\n-----END X509 CRL-----\n"),
        Err(TrustError::Malformed(_))
    ));
}

#[test]
fn errors_display_what_went_wrong() {
    let e = validate("expired.crt.pem").unwrap_err();
    assert!(e.to_string().contains("2020-01-01"), "{e}");
    let e = validate("weak1024.crt.pem").unwrap_err();
    assert!(e.to_string().contains("1024"), "{e}");
}

#[test]
fn every_single_bit_flip_of_a_trusted_certificate_is_rejected() {
    let v = validator();
    let good = cert("institution.crt.pem");
    for i in 0..good.len() {
        for bit in 0..8 {
            let mut der = good.clone();
            der[i] ^= 1 << bit;
            assert!(v.validate(&der, &[], t2026()).is_err(), "flip of byte {i} bit {bit} accepted");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Attack catalogue F3: an issuer's keyUsage must allow what it signs (RFC 5280 §6.1.4(n), §6.3.3(f))

const INT_NOCERTSIGN_DN: &str =
    "CN=dho-wss Test Intermediate with digitalSignature only,OU=TEST ONLY - NOT FOR PRODUCTION,O=dho-wss Test PKI,C=BE";

#[test]
fn f3_intermediate_without_key_cert_sign_cannot_issue() {
    let leaf = cert("int-nocertsign-leaf.crt.pem");
    let int = cert("int-nocertsign.pem");
    // Sent along with the leaf, as in an X509PKIPathv1 token.
    let sent = validator().validate(&leaf, &[&int], t2026());
    assert!(
        matches!(&sent, Err(TrustError::IssuerKeyUsageMissingKeyCertSign { subject }) if subject == INT_NOCERTSIGN_DN),
        "{sent:?}"
    );
    // Configured as an intermediate of the validator.
    let anchors = TrustAnchors::from_pem(&read("ca.pem")).unwrap().with_intermediates_pem(&read("int-nocertsign.pem"));
    let configured = CertificateValidator::new(anchors.unwrap()).validate(&leaf, &[], t2026());
    assert!(matches!(configured, Err(TrustError::IssuerKeyUsageMissingKeyCertSign { .. })), "{configured:?}");
    let e = sent.unwrap_err().to_string();
    assert!(e.contains(INT_NOCERTSIGN_DN) && e.contains("keyCertSign"), "{e}");
}

#[test]
fn f3_control_intermediate_with_key_cert_sign_issues_a_trusted_leaf() {
    let int = cert("int-good.pem");
    let v = validator().validate(&cert("int-good-leaf.crt.pem"), &[&int], t2026()).unwrap();
    assert_eq!(v.subject_dn(), validate("institution.crt.pem").unwrap().subject_dn());
    // The intermediate is needed: without it the path is unknown.
    assert!(matches!(
        validator().validate(&cert("int-good-leaf.crt.pem"), &[], t2026()),
        Err(TrustError::UnknownIssuer)
    ));
}

#[test]
fn f3_path_building_goes_on_past_an_issuer_without_key_cert_sign() {
    // int-nocertsign-reissued has int-nocertsign's subject and key, with keyCertSign: the leaf
    // has a valid path through it, in whichever order the candidates come. (A check made
    // after path building, on the one path webpki found first, would refuse [bad, good].)
    let leaf = cert("int-nocertsign-leaf.crt.pem");
    let (bad, good) = (cert("int-nocertsign.pem"), cert("int-nocertsign-reissued.pem"));
    let alone = validator().validate(&leaf, &[&bad], t2026());
    assert!(matches!(alone, Err(TrustError::IssuerKeyUsageMissingKeyCertSign { .. })), "{alone:?}");
    for chain in [[&bad, &good], [&good, &bad]] {
        let chain: Vec<&[u8]> = chain.iter().map(|c| c.as_slice()).collect();
        validator().validate(&leaf, &chain, t2026()).unwrap();
    }
}

#[test]
fn f3_crl_signed_by_an_issuer_without_crl_sign_is_refused() {
    let leaf = cert("int-nocrlsign-leaf.crt.pem");
    let int = cert("int-nocrlsign.pem");
    // The intermediate may issue (keyCertSign): without CRLs the leaf is trusted.
    validator().validate(&leaf, &[&int], t2026()).unwrap();
    // Its CRL cannot be used (webpki's check, with its own error variant here).
    let with_crl = validator().with_crls_pem(&read("int-nocrlsign.crl.pem")).unwrap();
    let r = with_crl.validate(&leaf, &[&int], t2026());
    assert!(matches!(r, Err(TrustError::CrlIssuerKeyUsageMissingCrlSign)), "{r:?}");
    // Control: the CRL of an intermediate with cRLSign is used, and lists nothing.
    let mut crls = read("int-good.crl.pem");
    crls.extend(read("ca.crl.pem"));
    let good = validator().with_crls_pem(&crls).unwrap();
    good.validate(&cert("int-good-leaf.crt.pem"), &[&cert("int-good.pem")], t2026()).unwrap();
}
