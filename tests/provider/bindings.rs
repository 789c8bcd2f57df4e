//! Binding files: the shipped test file, every syntax rule, hostile input (each error
//! with its line number), and a property test that no input panics. Subjects that bind
//! ambiguously, and certificates a DN binding would authorize but the PEP must refuse
//! (attack catalogue F3).

use dho_wss::model::{Instellingsnummer, Operatie};
use dho_wss::pki::SigningIdentity;
use dho_wss::pki::{CertificateSelector, TrustError};
use dho_wss::provider::{
    AuthorizationRule, BindingError, BindingErrorKind, Bindings, Decision, Rejection, SubjectSerialNumberRule,
    MAX_BINDING_FILE_BYTES, MAX_BINDING_LINE_BYTES,
};
use dho_wss::wss::{SignatureProfile, Signer, TokenType, VerifyError};
use proptest::prelude::*;

use crate::common::pki;
use crate::common::provider::*;

fn op() -> Operatie {
    Operatie::new(demo::NAMESPACE, demo::NAAM).expect("op")
}

fn n(s: &str) -> Instellingsnummer {
    instellingsnummer(s)
}

fn err(text: &str) -> BindingError {
    match Bindings::parse(text) {
        Ok(b) => panic!("accepted {text:?}: {b:?}"),
        Err(e) => e,
    }
}

#[test]
fn the_test_file_binds_institution_and_other() {
    let b = test_bindings();
    assert_eq!(b.len(), 2);
    let institution = validated("institution");
    let other = validated("other");
    assert_eq!(b.allowed_for(&institution).into_iter().collect::<Vec<_>>(), [n("001234")]);
    assert_eq!(b.allowed_for(&other).into_iter().collect::<Vec<_>>(), [n("005678")]);
    assert_eq!(b.decide(&institution, &n("001234"), &op()), Decision::Allow);
    assert_eq!(b.decide(&institution, &n("1234"), &op()), Decision::Allow);
    assert!(matches!(b.decide(&institution, &n("005678"), &op()), Decision::Deny(_)));
    assert_eq!(b.decide(&validated("provider"), &n("001234"), &op()), Decision::Abstain);
}

#[test]
fn every_key_type_matches_its_certificate() {
    let c = validated("institution");
    let dn = CertificateSelector::subject_dn(c.subject_dn());
    let cn = CertificateSelector::common_name("dho-wss-test.instelling-001234.hogeschool-test");
    let fp = CertificateSelector::sha256(&c.sha256_fingerprint().to_uppercase()).expect("fp");
    for s in [&dn, &cn, &fp] {
        assert!(s.matches(&c), "{s}");
        assert!(!s.matches(&validated("other")), "{s}");
    }
    // The same three as a file, with the numbers spread over the lines.
    let text = format!("{dn} => 001234\n{cn} => 1\n{fp} => 2, 3\n");
    let b = Bindings::parse(&text).expect("parse");
    let allowed: Vec<String> = b.allowed_for(&c).into_iter().map(|x| x.to_string()).collect();
    assert_eq!(allowed, ["000001", "000002", "000003", "001234"]);
    assert_eq!(fp.kind(), "sha256");
    assert_eq!(fp.value(), c.sha256_fingerprint());
}

#[test]
fn layout_rules() {
    let c = validated("institution");
    let fp = c.sha256_fingerprint();
    // BOM, CRLF, tabs, comments, blank lines, colon-separated upper-case fingerprint.
    let pairs: Vec<String> = fp.as_bytes().chunks(2).map(|p| String::from_utf8_lossy(p).to_uppercase()).collect();
    let text = format!(
        "\u{feff}# comment\r\n\r\n\t sha256:\t{}\t=>\t001234 ,  42 \r\n   # indented comment\n",
        pairs.join(":")
    );
    let b = Bindings::parse(&text).expect("parse");
    assert_eq!(b.allowed_for(&c).len(), 2);
    // A value may contain spaces, commas, '=' and even "=>": the last "=>" separates.
    let b = Bindings::parse("cn: a => b, c=d => 000001\n").expect("parse");
    let (sel, nums) = b.entries().next().expect("entry");
    assert_eq!(sel, &CertificateSelector::common_name("a => b, c=d"));
    assert_eq!(nums.iter().map(|x| x.as_str()).collect::<Vec<_>>(), ["000001"]);
    // Empty and comment-only files bind nobody.
    assert!(Bindings::parse("").expect("empty").is_empty());
    assert!(Bindings::parse("# x\n\n").expect("comments").is_empty());
    // The builder merges.
    let b = Bindings::new()
        .bind(CertificateSelector::common_name("x"), [n("1")])
        .bind(CertificateSelector::common_name("x"), [n("000002")]);
    assert_eq!(b.len(), 1);
    assert_eq!(b.entries().next().map(|e| e.1.len()), Some(2));
}

#[test]
fn hostile_lines_give_typed_errors_with_line_numbers() {
    use BindingErrorKind as K;
    let good = "cn: ok => 1\n";
    type Case = (String, usize, fn(&K) -> bool);
    let cases: Vec<Case> = vec![
        (format!("{good}nonsense\n"), 2, |k| matches!(k, K::MissingKeyType)),
        (format!("{good}: x => 1\n"), 2, |k| matches!(k, K::MissingKeyType)),
        (format!("{good}c n: x => 1\n"), 2, |k| matches!(k, K::MissingKeyType)),
        (
            format!("# c\n{good}\nserial: 001234 => 001234\n"),
            4,
            |k| matches!(k, K::UnknownKeyType { found } if found == "serial"),
        ),
        (format!("{good}DN: CN=x => 1\n"), 2, |k| matches!(k, K::UnknownKeyType { found } if found == "DN")),
        (format!("{good}cn: x 001234\n"), 2, |k| matches!(k, K::MissingArrow)),
        (format!("{good}cn:   => 1\n"), 2, |k| matches!(k, K::EmptyValue)),
        (format!("{good}cn: x =>\n"), 2, |k| matches!(k, K::NoInstellingsnummers)),
        (format!("{good}cn: x => 12a4\n"), 2, |k| matches!(k, K::BadInstellingsnummer { found } if found == "12a4")),
        (format!("{good}cn: x => 1234567\n"), 2, |k| matches!(k, K::BadInstellingsnummer { .. })),
        (format!("{good}cn: x => 1,,2\n"), 2, |k| matches!(k, K::BadInstellingsnummer { found } if found.is_empty())),
        (format!("{good}cn: x => -1\n"), 2, |k| matches!(k, K::BadInstellingsnummer { .. })),
        (format!("{good}cn: x => ١٢٣\n"), 2, |k| matches!(k, K::BadInstellingsnummer { .. })),
        (format!("{good}sha256: abc => 1\n"), 2, |k| matches!(k, K::BadFingerprint { .. })),
        (format!("{good}sha256: {} => 1\n", "g".repeat(64)), 2, |k| matches!(k, K::BadFingerprint { .. })),
        (format!("{good}sha256: {} => 1\n", "ab:".repeat(31) + "abc"), 2, |k| matches!(k, K::BadFingerprint { .. })),
        (format!("{good}sha256: {} => 1\n", "a".repeat(66)), 2, |k| matches!(k, K::BadFingerprint { .. })),
        (format!("{good}cn: x\u{0} => 1\n"), 2, |k| matches!(k, K::ControlCharacter)),
        (format!("{good}cn: x\u{1b}[31m => 1\n"), 2, |k| matches!(k, K::ControlCharacter)),
        (format!("{good}cn: x\r => 1\n"), 2, |k| matches!(k, K::ControlCharacter)),
        (format!("{good}{good}"), 2, |k| matches!(k, K::DuplicateEntry { first_line: 1 })),
        (format!("{good}cn: {} => 1\n", "x".repeat(MAX_BINDING_LINE_BYTES)), 2, |k| matches!(k, K::LineTooLong { .. })),
    ];
    for (text, line, kind) in cases {
        let e = err(&text);
        assert_eq!(e.line, line, "{text:?}: {e}");
        assert!(kind(&e.kind), "{text:?}: {e:?}");
        assert!(e.to_string().starts_with(&format!("binding file, line {line}: ")), "{e}");
    }
}

#[test]
fn hostile_files() {
    // Not UTF-8 on line 3.
    let e = Bindings::from_bytes(b"cn: a => 1\n# ok\ncn: \xff => 1\n").expect_err("latin-1");
    assert_eq!((e.line, e.kind), (3, BindingErrorKind::NotUtf8));
    // Too large.
    let big = vec![b'#'; MAX_BINDING_FILE_BYTES + 1];
    let e = Bindings::from_bytes(&big).expect_err("too large");
    assert_eq!(e.line, 0);
    assert!(matches!(e.kind, BindingErrorKind::TooLarge { .. }));
    // Missing file.
    let e = Bindings::from_file("/nonexistent/dho.bindings").expect_err("missing");
    assert!(matches!(e.kind, BindingErrorKind::Io { .. }));
    // Exactly at the line limit is fine.
    let line = format!("cn: {} => 1", "x".repeat(MAX_BINDING_LINE_BYTES - "cn:  => 1".len()));
    assert_eq!(line.len(), MAX_BINDING_LINE_BYTES);
    Bindings::parse(&line).expect("at the limit");
}

#[test]
fn subject_serial_number_rule() {
    let r = SubjectSerialNumberRule;
    assert_eq!(r.decide(&validated("institution"), &n("1234"), &op()), Decision::Allow);
    assert_eq!(r.decide(&validated("institution"), &n("005678"), &op()), Decision::Abstain);
    assert_eq!(r.decide(&validated("provider"), &n("001234"), &op()), Decision::Abstain);
}

#[test]
fn normalized_pads_to_six_digits() {
    assert_eq!(n("1").normalized().as_str(), "000001");
    assert_eq!(n("001234").normalized().as_str(), "001234");
    assert_eq!(n("123456").normalized().as_str(), "123456");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_input_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Bindings::from_bytes(&bytes);
    }

    #[test]
    fn line_shaped_input_is_parsed_or_refused_with_its_line(
        lines in proptest::collection::vec("(dn|cn|sha256|x)?:?[ a-zA-Z0-9=>,:\\t]{0,40}", 1..8)
    ) {
        let text = lines.join("\n");
        if let Err(e) = Bindings::parse(&text) {
            prop_assert!(e.line >= 1 && e.line <= lines.len());
        }
    }
}

// ------------------------------------------------------------------ F3: issuers' keyUsage

/// A signer whose X509PKIPathv1 token carries `{name}.chain.pem` (leaf and intermediate).
fn pki_path_signer(name: &str) -> Signer {
    let id = SigningIdentity::from_pem_files(pki(&format!("{name}.key.pem")), pki(&format!("{name}.chain.pem")), None)
        .expect("identity");
    Signer::new(id, SignatureProfile::dho_legacy_rsa_sha1()).with_token(TokenType::PkiPath)
}

#[test]
fn f3_pep_refuses_a_leaf_from_an_intermediate_without_key_cert_sign() {
    // int-nocertsign-leaf has the institution's exact subject, so the DN line of
    // test.bindings would authorize it for 001234; its issuer may not issue certificates.
    let bytes = pki_path_signer("int-nocertsign-leaf").sign_message(&envelope(&demo_verzoek("001234"))).expect("sign");
    match pep().verify_and_authorize(&bytes) {
        Err(Rejection::Verification(VerifyError::Untrusted(TrustError::IssuerKeyUsageMissingKeyCertSign {
            subject,
        }))) => assert!(subject.starts_with("CN=dho-wss Test Intermediate with digitalSignature only,"), "{subject}"),
        Err(other) => panic!("wrong rejection: {other}"),
        Ok(a) => panic!("authorized for {} (signer {})", a.instellingsnummer(), a.signer().subject_dn()),
    }
}

#[test]
fn f3_control_pep_authorizes_a_leaf_from_an_intermediate_with_key_cert_sign() {
    // The same construction through an intermediate that may issue: the DN binding allows it.
    let bytes = pki_path_signer("int-good-leaf").sign_message(&envelope(&demo_verzoek("001234"))).expect("sign");
    let a = authorize(&pep(), &bytes);
    assert_eq!(a.signer().subject_dn(), validated("institution").subject_dn());
    assert_ne!(a.signer().sha256_fingerprint(), validated("institution").sha256_fingerprint());
}

// ------------------------------------------------------------------ ambiguous subjects

const INSTITUTION_CN: &str = "dho-wss-test.instelling-001234.hogeschool-test";

#[test]
fn cn_binding_denies_a_subject_with_two_common_names() {
    // two-cn.crt.pem: the institution's CN first in DER order, another institution's last.
    let c = validated("two-cn");
    let other_cn = "dho-wss-test-two-cn.instelling-005678.universiteit-test";
    for cn in [INSTITUTION_CN, other_cn] {
        assert!(!CertificateSelector::common_name(cn).matches(&c), "{cn}");
        let b = Bindings::parse(&format!("cn: {cn} => 001234, 005678\n")).expect("parse");
        assert!(b.allowed_for(&c).is_empty(), "{cn}");
        match b.decide(&c, &n("001234"), &op()) {
            Decision::Deny(reason) => {
                assert!(reason.contains("more than one CN"), "{reason}");
                assert!(reason.contains("cn: binding"), "{reason}");
            }
            other => panic!("{cn}: {other:?}"),
        }
    }
    // A cn: line naming neither of its CNs has nothing to say about it.
    let b = Bindings::parse("cn: someone else => 001234\n").expect("parse");
    assert_eq!(b.decide(&c, &n("001234"), &op()), Decision::Abstain);
    // Selectors that name the whole certificate are not ambiguous: the DN (both CNs in it)
    // and the fingerprint still bind it, also next to an ambiguous cn: line.
    let text = format!("cn: {INSTITUTION_CN} => 001234\ndn: {} => 001234\n", c.subject_dn());
    assert_eq!(Bindings::parse(&text).expect("parse").decide(&c, &n("001234"), &op()), Decision::Allow);
    let text = format!("cn: {INSTITUTION_CN} => 001234\nsha256: {} => 001234\n", c.sha256_fingerprint());
    assert_eq!(Bindings::parse(&text).expect("parse").decide(&c, &n("001234"), &op()), Decision::Allow);
}

#[test]
fn pep_answers_an_ambiguous_cn_with_not_authorized_and_says_why() {
    let bindings = Bindings::parse(&format!("cn: {INSTITUTION_CN} => 001234\n")).expect("parse");
    let pep = dho_wss::provider::Pep::new(base_policy().bindings(bindings));
    // The institution itself (one CN) is allowed by the same line ...
    authorize(&pep, &signed("institution", &demo_verzoek("001234")));
    // ... the certificate with two CNs is not.
    match pep.verify_and_authorize(&signed("two-cn", &demo_verzoek("001234"))) {
        Err(Rejection::NotAuthorized(u)) => assert!(u.reason.contains("more than one CN"), "{}", u.reason),
        Err(other) => panic!("wrong rejection: {other}"),
        Ok(a) => panic!("authorized for {}", a.instellingsnummer()),
    }
}

#[test]
fn serial_number_rule_denies_a_subject_with_two_serial_numbers() {
    // two-serial.crt.pem: serialNumber 001234 first in DER order, 005678 last.
    let c = validated("two-serial");
    for nummer in ["001234", "5678"] {
        match SubjectSerialNumberRule.decide(&c, &n(nummer), &op()) {
            Decision::Deny(reason) => {
                assert!(reason.contains("more than one serialNumber"), "{reason}");
                assert!(reason.contains("001234") && reason.contains("005678"), "{reason}");
            }
            other => panic!("{nummer}: {other:?}"),
        }
    }
    // A number it does not claim: no opinion.
    assert_eq!(SubjectSerialNumberRule.decide(&c, &n("000001"), &op()), Decision::Abstain);
}

#[test]
fn a_multi_valued_rdn_binds_by_its_openssl_dn_and_its_serial_number() {
    let c = validated("multi-valued-rdn");
    let dn = "CN=dho-wss-test-mv.instelling-001234.hogeschool-test+serialNumber=001234,\
              OU=TEST ONLY - NOT FOR PRODUCTION,O=Hogeschool Test,C=BE";
    assert_eq!(c.subject_dn(), dn);
    let b = Bindings::parse(&format!("dn: {dn} => 001234\n")).expect("parse");
    assert_eq!(b.decide(&c, &n("001234"), &op()), Decision::Allow);
    assert_eq!(SubjectSerialNumberRule.decide(&c, &n("1234"), &op()), Decision::Allow);
    assert!(CertificateSelector::common_name("dho-wss-test-mv.instelling-001234.hogeschool-test").matches(&c));
}
