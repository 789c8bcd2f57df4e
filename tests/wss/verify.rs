//! Sign and verify in-process: the positive matrix (messages × token × Timestamp × profile ×
//! identity source), sharing one Signer/Verifier across threads, what a `VerifiedEnvelope`
//! exposes, byte-exactness of signing, and every policy knob in both states.
//! The negative fixtures are in attacks.rs.

use std::sync::Arc;
use std::time::Duration;

use crate::common::{at, pki, validator};
use dho_wss::clock::FixedClock;
use dho_wss::crypto::SignatureAlgorithm;
use dho_wss::pki::SigningIdentity;
use dho_wss::pki::{CertificateValidator, TrustAnchors, TrustError};
use dho_wss::wss::{
    SignatureProfile, Signer, TimestampOptions, TimestampPolicy, TokenType, VerificationPolicy, VerifiedEnvelope,
    Verifier, VerifyError,
};
use dho_wss::xml::{Document, Element, ExcC14n, Limit, Limits, Node, XmlErrorKind};

const WSU_NS: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";

const ONE_VRAAG: &str = include_str!("../fixtures/messages/dho2-raadpleegleerkredietsaldo-verzoek.xml");
const NINETY_NINE_VRAGEN: &str =
    include_str!("../fixtures/messages/dho2-raadpleegleerkredietsaldo-verzoek-99-vragen.xml");
const MAGDA: &str = include_str!("../fixtures/messages/magda-geefhistoriekinschrijving-verzoek.xml");
const MAGDA_DEFAULT_NS: &str = include_str!("../fixtures/messages/magda-geefpersoon-verzoek-default-namespace.xml");
const GENERIEK_0102: &str =
    include_str!("../fixtures/messages/generiek-01.02-beheerattestinschrijvinglerende-verzoek.xml");
const SAMPLE: &str = include_str!("../interop/samples/geef-historiek-inschrijving.xml");
const SAMPLE_NO_HEADER: &str = include_str!("../interop/samples/default-namespace.xml");
const SAMPLE_QNAME: &str = include_str!("../interop/samples/qname-cdata-nonascii.xml");

/// 2026-06-01T00:00:00Z: inside the test PKI's validity; the signing time of timestamped
/// messages (the signers' clock).
const T0: u64 = 1_780_272_000;

#[derive(Debug, Clone, Copy)]
enum Source {
    Pem,
    EncryptedPem,
    Pkcs12,
    LegacyPkcs12,
}

fn identity(source: Source) -> SigningIdentity {
    match source {
        Source::Pem => {
            SigningIdentity::from_pem_files(pki("institution.key.pem"), pki("institution.chain.pem"), None).unwrap()
        }
        Source::EncryptedPem => SigningIdentity::from_pem_files(
            pki("institution.key.enc.pem"),
            pki("institution.chain.pem"),
            Some("test-only"),
        )
        .unwrap(),
        Source::Pkcs12 => SigningIdentity::from_pkcs12_file(pki("institution.p12"), "test-only").unwrap(),
        Source::LegacyPkcs12 => SigningIdentity::from_pkcs12_file(pki("institution-legacy.p12"), "test-only").unwrap(),
    }
}

fn signer(source: Source, profile: SignatureProfile, token: TokenType, timestamp: bool) -> Signer {
    let s = Signer::new(identity(source), profile).with_token(token).with_clock(Arc::new(FixedClock(at(T0))));
    if timestamp {
        s.with_timestamp(TimestampOptions::default())
    } else {
        s
    }
}

fn dho_signer() -> Signer {
    signer(Source::Pem, SignatureProfile::dho_legacy_rsa_sha1(), TokenType::X509v3, false)
}

fn verifier_at(policy: VerificationPolicy, secs: u64) -> Verifier {
    Verifier::new(policy, validator()).with_clock(Arc::new(FixedClock(at(secs))))
}

fn dho_verifier() -> Verifier {
    verifier_at(VerificationPolicy::dho_legacy_rsa_sha1(), T0 + 30)
}

fn sign(signer: &Signer, input: &str) -> Vec<u8> {
    signer.sign_envelope(input.as_bytes()).unwrap()
}

/// The Envelope's Body of a parsed document.
fn envelope_body(doc: &Document) -> Element<'_> {
    doc.root().child_elements().find(|e| e.is(Some(SOAP11_NS), "Body")).expect("Body")
}

fn canonical(e: Element<'_>) -> Vec<u8> {
    ExcC14n::new().canonicalize(e).unwrap()
}

/// Canonical Body of the unsigned input: what the verified Body must equal (the signer only adds
/// the Id, which exc-c14n renders as an attribute and a wsu declaration; both are stripped here).
fn canonical_without_body_id(body: Element<'_>) -> String {
    let c = String::from_utf8(canonical(body)).unwrap();
    let id = body.attribute(Some(WSU_NS), "Id").map(|id| format!(" wsu:Id=\"{id}\""));
    let c = match id {
        Some(id) => c.replacen(&id, "", 1),
        None => c,
    };
    c.replacen(&format!(" xmlns:wsu=\"{WSU_NS}\""), "", 1)
}

fn texts(e: Element<'_>, local: &str) -> Vec<String> {
    e.descendants().filter(|d| d.local_name() == local).map(|d| d.text()).collect()
}

fn assert_institution(v: &VerifiedEnvelope) {
    assert!(v.signer().subject_dn().contains("serialNumber=001234"), "{}", v.signer().subject_dn());
}

// ------------------------------------------------------------------ positive matrix

fn matrix(input: &str, vragen: usize) {
    let input_doc = Document::parse(input.as_bytes()).unwrap();
    let expected_body = canonical_without_body_id(envelope_body(&input_doc));
    for profile in [SignatureProfile::dho_legacy_rsa_sha1(), SignatureProfile::rsa_sha256()] {
        let policy = if profile == SignatureProfile::rsa_sha256() {
            VerificationPolicy::rsa_sha256()
        } else {
            VerificationPolicy::dho_legacy_rsa_sha1()
        };
        let verifier = verifier_at(policy, T0 + 30);
        for token in [TokenType::X509v3, TokenType::PkiPath] {
            for timestamp in [false, true] {
                let s = signer(Source::Pem, profile, token, timestamp);
                let signed = sign(&s, input);
                let what = format!("{} {token:?} timestamp={timestamp}", profile.name());
                let v = verifier.verify(&signed).unwrap_or_else(|e| panic!("{what}: {e:?}"));
                assert_institution(&v);
                assert_eq!(v.signature_algorithm(), profile.signature(), "{what}");
                assert_eq!(v.timestamp().is_some(), timestamp, "{what}");
                if let Some(ts) = v.timestamp() {
                    assert_eq!(ts.created, at(T0), "{what}");
                    assert_eq!(ts.expires, Some(at(T0 + 300)), "{what}");
                }
                assert_eq!(canonical_without_body_id(v.body()), expected_body, "{what}: verified Body");
                assert_eq!(texts(v.body(), "Vraag").len(), vragen, "{what}");
            }
        }
    }
}

#[test]
fn one_vraag_all_tokens_timestamps_profiles() {
    matrix(ONE_VRAAG, 1);
}

#[test]
fn ninety_nine_vragen_all_tokens_timestamps_profiles() {
    matrix(NINETY_NINE_VRAGEN, 99);
}

#[test]
fn magda_and_generiek_0102_messages() {
    matrix(MAGDA, 1);
    matrix(MAGDA_DEFAULT_NS, 1);
    matrix(GENERIEK_0102, 2);
}

#[test]
fn interop_samples() {
    matrix(SAMPLE, 1);
    matrix(SAMPLE_NO_HEADER, 1);
    matrix(SAMPLE_QNAME, 1);
}

#[test]
fn every_identity_source_signs_verifiable_messages() {
    for source in [Source::Pem, Source::EncryptedPem, Source::Pkcs12, Source::LegacyPkcs12] {
        for token in [TokenType::X509v3, TokenType::PkiPath] {
            let s = signer(source, SignatureProfile::dho_legacy_rsa_sha1(), token, true);
            let v =
                dho_verifier().verify(&sign(&s, ONE_VRAAG)).unwrap_or_else(|e| panic!("{source:?} {token:?}: {e:?}"));
            assert_institution(&v);
        }
    }
}

/// A 99-Vraag request built here from the 1-Vraag one (Refertes numbered), not from the fixture.
#[test]
fn built_99_vragen_envelope() {
    let start = ONE_VRAAG.find("<Vraag>").unwrap();
    let end = ONE_VRAAG.find("</Vraag>").unwrap() + "</Vraag>".len();
    let vraag = &ONE_VRAAG[start..end];
    let referte_start = vraag.find("<Referte>").unwrap() + "<Referte>".len();
    let referte_end = vraag.find("</Referte>").unwrap();
    let mut vragen = String::new();
    for i in 1..=99 {
        vragen.push_str(&format!("{}vraag-{i:03}{}\n      ", &vraag[..referte_start], &vraag[referte_end..]));
    }
    let input = format!("{}{}{}", &ONE_VRAAG[..start], vragen.trim_end(), &ONE_VRAAG[end..]);
    let v = dho_verifier().verify(&sign(&dho_signer(), &input)).unwrap();
    let refertes: Vec<String> = v
        .body()
        .descendants()
        .filter(|e| e.local_name() == "Vraag")
        .map(|vr| vr.child_elements().find(|c| c.local_name() == "Referte").unwrap().text())
        .collect();
    assert_eq!(refertes.len(), 99);
    assert_eq!(refertes[0], "vraag-001");
    assert_eq!(refertes[98], "vraag-099");
}

#[test]
fn policy_profiles_accept_only_what_they_name() {
    let sha1 = sign(&dho_signer(), ONE_VRAAG);
    let sha256 = sign(&signer(Source::Pem, SignatureProfile::rsa_sha256(), TokenType::X509v3, false), ONE_VRAAG);
    let both = VerificationPolicy::dho_legacy_rsa_sha1().also_accept(SignatureProfile::rsa_sha256());
    let v = verifier_at(both, T0);
    assert_eq!(v.verify(&sha1).unwrap().signature_algorithm(), SignatureAlgorithm::RsaSha1);
    assert_eq!(v.verify(&sha256).unwrap().signature_algorithm(), SignatureAlgorithm::RsaSha256);
    let dho = verifier_at(VerificationPolicy::dho_legacy_rsa_sha1(), T0);
    assert!(matches!(dho.verify(&sha256), Err(VerifyError::UnsupportedSignatureMethod { .. })));
    let strict = verifier_at(VerificationPolicy::rsa_sha256(), T0);
    assert!(matches!(strict.verify(&sha1), Err(VerifyError::UnsupportedSignatureMethod { .. })));
}

// ------------------------------------------------------------------ sharing

#[test]
fn signer_verifier_and_result_are_send_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Signer>();
    send_sync::<Verifier>();
    send_sync::<VerifiedEnvelope>();
    send_sync::<VerifyError>();
}

#[test]
fn one_signer_and_one_verifier_shared_by_threads() {
    let signer = Arc::new(signer(Source::Pkcs12, SignatureProfile::dho_legacy_rsa_sha1(), TokenType::PkiPath, true));
    let verifier = Arc::new(dho_verifier());
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let (signer, verifier) = (Arc::clone(&signer), Arc::clone(&verifier));
            std::thread::spawn(move || {
                let mut signature_values = Vec::new();
                for i in 0..6 {
                    let referte = format!("thread-{t}-message-{i}");
                    let input = ONE_VRAAG.replacen("6723c408-4ec1-464d-a91d-bb4277f09dff", &referte, 1);
                    let signed = signer.sign_envelope(input.as_bytes()).unwrap();
                    let v = verifier.verify(&signed).unwrap();
                    assert!(texts(v.body(), "Referte").contains(&referte));
                    // A verified message moves to another thread intact.
                    let v = std::thread::scope(|s| s.spawn(move || v).join().unwrap());
                    assert!(texts(v.body(), "Referte").contains(&referte));
                    signature_values.push(v.signature_value().to_vec());
                }
                signature_values
            })
        })
        .collect();
    let mut all: Vec<Vec<u8>> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n, "every message got its own signature");
}

#[test]
fn ids_are_fresh_per_message() {
    let s = dho_signer();
    let ids = |signed: &[u8]| -> Vec<String> {
        let doc = Document::parse(signed).unwrap();
        doc.root()
            .descendants()
            .flat_map(|e| e.attributes().collect::<Vec<_>>())
            .filter(|a| a.local_name() == "Id")
            .map(|a| a.value().to_owned())
            .collect()
    };
    let (a, b) = (ids(&sign(&s, ONE_VRAAG)), ids(&sign(&s, ONE_VRAAG)));
    assert_eq!(a.len(), 5, "Body, BST, Signature, KeyInfo, STR: {a:?}");
    assert!(a.iter().all(|id| !b.contains(id)), "{a:?} / {b:?}");
}

// ------------------------------------------------------------------ the verified view

/// Inserts `what` right after the first occurrence of `after`.
fn insert_after(bytes: &[u8], after: &str, what: &str) -> Vec<u8> {
    let s = std::str::from_utf8(bytes).unwrap();
    let at = s.find(after).unwrap_or_else(|| panic!("{after:?} not found")) + after.len();
    format!("{}{what}{}", &s[..at], &s[at..]).into_bytes()
}

#[test]
fn verified_body_holds_only_signed_content() {
    let signed = sign(&dho_signer(), SAMPLE);
    let reference = Document::parse(&signed).unwrap();
    let signed_body = canonical(envelope_body(&reference));

    // Unsigned additions outside the Body: a header, comments, white space.
    let mut tampered =
        insert_after(&signed, "</wsse:Security>", "<x:Extra xmlns:x=\"urn:x\">UNSIGNED-HEADER</x:Extra>");
    tampered = insert_after(&tampered, "</soapenv:Header>", "\n<!-- UNSIGNED-COMMENT -->\n");
    tampered.extend_from_slice(b"\n<!-- UNSIGNED-TRAILER -->\n");
    let v = dho_verifier().verify(&tampered).unwrap();
    assert_eq!(canonical(v.body()), signed_body, "the verified Body is the signed one, byte for byte");
    for node in v.body().descendants() {
        assert!(!node.text().contains("UNSIGNED"));
        for child in node.children() {
            if let Node::Comment(c) = child {
                panic!("comment {c:?} in the verified Body");
            }
        }
    }
    assert_eq!(v.body_content().unwrap().local_name(), "GeefHistoriekInschrijving");
}

#[test]
fn wrapping_never_changes_which_body_is_returned() {
    let signed = sign(&dho_signer(), SAMPLE);
    let evil = "<soapenv:Body><web:GeefHistoriekInschrijving><Verzoek>EVIL</Verzoek></web:GeefHistoriekInschrijving></soapenv:Body>";

    // A decoy Body (without Id) in an unsigned header: accepted, and body() is still the signed one.
    let decoy = insert_after(&signed, "</wsse:Security>", &format!("<x:W xmlns:x=\"urn:x\">{evil}</x:W>"));
    let v = dho_verifier().verify(&decoy).unwrap();
    assert!(!texts(v.body(), "Verzoek").iter().any(|t| t.contains("EVIL")));
    assert_eq!(texts(v.body(), "Identificatie"), ["001234"]);
    assert_eq!(v.body().parent().unwrap().local_name(), "Envelope");

    // A decoy Body after the real one, or instead of it: rejected, never returned.
    let second = insert_after(&signed, "</soapenv:Body>", evil);
    assert!(matches!(dho_verifier().verify(&second), Err(VerifyError::Envelope { .. })));
    let s = String::from_utf8(signed.clone()).unwrap();
    let body_start = s.find("<soapenv:Body ").unwrap();
    let body_end = s.find("</soapenv:Body>").unwrap() + "</soapenv:Body>".len();
    let signed_body = &s[body_start..body_end];
    let moved = format!(
        "{}{}{}",
        s[..body_start].replacen("</wsse:Security>", &format!("{signed_body}</wsse:Security>"), 1),
        evil,
        &s[body_end..]
    );
    assert!(matches!(dho_verifier().verify(moved.as_bytes()), Err(VerifyError::SignedBodyNotEnvelopeBody)));
}

#[test]
fn comments_in_body_text_do_not_cut_the_verified_text() {
    let signed = sign(&dho_signer(), SAMPLE);
    let s = String::from_utf8(signed).unwrap().replacen(
        "<Identificatie>001234</Identificatie>",
        "<Identificatie>00<!--x-->12<!--y-->34</Identificatie>",
        1,
    );
    let v = dho_verifier().verify(s.as_bytes()).unwrap();
    assert_eq!(texts(v.body(), "Identificatie"), ["001234"]);
}

// ------------------------------------------------------------------ signing keeps the payload

/// The signed output with the Security element and the Body's Id attribute (and the wsu
/// declaration the signer adds with it) cut out again.
fn strip_signature(signed: &[u8]) -> Vec<u8> {
    let doc = Document::parse(signed).unwrap();
    let id = envelope_body(&doc).attribute(Some(WSU_NS), "Id").unwrap().to_owned();
    let s = std::str::from_utf8(signed).unwrap();
    let start = s.find("<wsse:Security ").unwrap();
    let end = s.find("</wsse:Security>").unwrap() + "</wsse:Security>".len();
    assert_eq!(s.matches("<wsse:Security ").count(), 1);
    let without_header = format!("{}{}", &s[..start], &s[end..]);
    let id_attr = format!(" wsu:Id=\"{id}\"");
    assert_eq!(without_header.matches(&id_attr).count(), 1);
    without_header.replacen(&format!(" xmlns:wsu=\"{WSU_NS}\"{id_attr}"), "", 1).replacen(&id_attr, "", 1).into_bytes()
}

fn assert_payload_kept(input: &[u8], expected: &[u8]) {
    let signed = dho_signer().sign_envelope(input).unwrap();
    let stripped = strip_signature(&signed);
    assert!(
        stripped == expected,
        "signing changed the payload:\n--- expected\n{}\n--- got\n{}",
        String::from_utf8_lossy(expected),
        String::from_utf8_lossy(&stripped)
    );
    dho_verifier().verify(&signed).unwrap();
}

#[test]
fn signing_never_changes_the_payload() {
    // Header with content slot, declaration, pretty-printed (the Security element goes in as is).
    assert_payload_kept(SAMPLE_QNAME.as_bytes(), SAMPLE_QNAME.as_bytes());
    // Self-closing Header: the signer opens it; nothing else moves.
    for input in [SAMPLE, ONE_VRAAG, NINETY_NINE_VRAGEN, MAGDA, MAGDA_DEFAULT_NS, GENERIEK_0102] {
        assert_eq!(input.matches("<soapenv:Header/>").count(), 1);
        let expected = input.replacen("<soapenv:Header/>", "<soapenv:Header></soapenv:Header>", 1);
        assert_payload_kept(input.as_bytes(), expected.as_bytes());
    }
    // No Header: the signer adds one before the Body.
    let signed = dho_signer().sign_envelope(SAMPLE_NO_HEADER.as_bytes()).unwrap();
    let stripped = String::from_utf8(strip_signature(&signed)).unwrap();
    assert_eq!(stripped.replacen("<soapenv:Header></soapenv:Header>", "", 1), SAMPLE_NO_HEADER);
}

#[test]
fn signing_keeps_crlf_and_character_references() {
    // CRLF line ends everywhere, &#13; and &#xD; in text, &#10; and &#9; in an attribute.
    let input = SAMPLE
        .replacen("<Naam>Hogeschool Test</Naam>", "<Naam a=\"x&#10;y&#9;z\">Hoge&#13;school&#xD;\r\nTest</Naam>", 1)
        .replace('\n', "\r\n")
        .replace("\r\r\n", "\r\n");
    assert!(input.contains("\r\n") && !input.replace("\r\n", "").contains('\n'));
    let expected = input.replacen("<soapenv:Header/>", "<soapenv:Header></soapenv:Header>", 1);
    assert_payload_kept(input.as_bytes(), expected.as_bytes());

    let v = dho_verifier().verify(&sign(&dho_signer(), &input)).unwrap();
    let naam = v.body().descendants().find(|e| e.local_name() == "Naam" && e.attribute(None, "a").is_some()).unwrap();
    // Literal CRLF is a line end (LF); character references stay CRs.
    assert_eq!(naam.text(), "Hoge\rschool\r\nTest");
    assert_eq!(naam.attribute(None, "a"), Some("x\ny\tz"));
}

/// Current behaviour, reported: the signer drops a UTF-8 byte-order mark (it splices into
/// `Document::source()`, which excludes it). Everything after it is kept byte for byte; the BOM
/// carries no infoset, so the signature is unaffected.
#[test]
fn signing_keeps_a_byte_order_mark() {
    let mut input = vec![0xEF, 0xBB, 0xBF];
    input.extend_from_slice(SAMPLE_QNAME.as_bytes());
    assert_payload_kept(&input, &input);
}

// ------------------------------------------------------------------ policy knobs, both states

fn with_timestamp_policy(f: impl FnOnce(&mut TimestampPolicy)) -> VerificationPolicy {
    let mut policy = VerificationPolicy::dho_legacy_rsa_sha1();
    f(&mut policy.timestamp);
    policy
}

fn timestamped() -> Vec<u8> {
    sign(&signer(Source::Pem, SignatureProfile::dho_legacy_rsa_sha1(), TokenType::X509v3, true), ONE_VRAAG)
}

#[test]
fn timestamp_required_on_and_off() {
    let plain = sign(&dho_signer(), ONE_VRAAG);
    let stamped = timestamped();
    let optional = verifier_at(with_timestamp_policy(|_| {}), T0 + 30);
    assert!(optional.verify(&plain).unwrap().timestamp().is_none());
    assert!(optional.verify(&stamped).unwrap().timestamp().is_some());
    let required = verifier_at(with_timestamp_policy(|t| t.required = true), T0 + 30);
    assert!(matches!(required.verify(&plain), Err(VerifyError::MissingTimestamp)));
    assert!(required.verify(&stamped).unwrap().timestamp().is_some());
    // A Timestamp that is present is checked even when not required.
    assert!(matches!(
        verifier_at(with_timestamp_policy(|_| {}), T0 + 301).verify(&stamped),
        Err(VerifyError::MessageExpired)
    ));
}

#[test]
fn timestamp_expiry_edges() {
    let stamped = timestamped(); // Created T0, Expires T0 + 300
    let verify = |secs, policy: VerificationPolicy| verifier_at(policy, secs).verify(&stamped);
    let default = || with_timestamp_policy(|_| {});
    assert!(verify(T0 + 299, default()).is_ok());
    assert!(matches!(verify(T0 + 300, default()), Err(VerifyError::MessageExpired)));
    assert!(verify(T0 - 60, default()).is_ok(), "60 s future skew allowed");
    assert!(matches!(verify(T0 - 61, default()), Err(VerifyError::TimestampInFuture)));
    // TTL: Created older than ttl expires the message before Expires does.
    assert!(verify(T0 + 10, with_timestamp_policy(|t| t.ttl = Duration::from_secs(10))).is_ok());
    let short = with_timestamp_policy(|t| t.ttl = Duration::from_secs(10));
    assert!(matches!(verify(T0 + 11, short), Err(VerifyError::MessageExpired)));
    // Future skew knob.
    let strict = with_timestamp_policy(|t| t.future_skew = Duration::ZERO);
    assert!(matches!(verify(T0 - 1, strict), Err(VerifyError::TimestampInFuture)));
    assert!(verify(T0, with_timestamp_policy(|t| t.future_skew = Duration::ZERO)).is_ok());
}

#[test]
fn timestamp_require_expires_on_and_off() {
    // The generator's signed Timestamp without Expires (Created = the manifest clock).
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/attacks");
    let bytes = std::fs::read(format!("{dir}/a19_timestamp_ttl_exceeded_without_expires.xml")).unwrap();
    let manifest = std::fs::read_to_string(format!("{dir}/manifest.tsv")).unwrap();
    let clock: u64 = manifest
        .lines()
        .find_map(|l| l.strip_prefix("# clock-unix: "))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    let v = verifier_at(with_timestamp_policy(|_| {}), clock + 30).verify(&bytes).unwrap();
    assert_eq!(v.timestamp().unwrap().expires, None);
    let strict = verifier_at(with_timestamp_policy(|t| t.require_expires = true), clock + 30);
    assert!(
        matches!(strict.verify(&bytes), Err(VerifyError::MalformedTimestamp { detail }) if detail.contains("Expires"))
    );
}

#[test]
fn max_references_at_and_below_the_count() {
    let stamped = timestamped(); // Body + Timestamp
    let mut policy = VerificationPolicy::dho_legacy_rsa_sha1();
    policy.max_references = 2;
    assert!(verifier_at(policy.clone(), T0 + 30).verify(&stamped).is_ok());
    policy.max_references = 1;
    assert!(matches!(
        verifier_at(policy, T0 + 30).verify(&stamped),
        Err(VerifyError::TooManyReferences { count: 2, max: 1 })
    ));
}

#[test]
fn max_token_bytes_on_and_off() {
    let signed = sign(&dho_signer(), ONE_VRAAG);
    let cert_len = identity(Source::Pem).certificate_der().len();
    let mut policy = VerificationPolicy::dho_legacy_rsa_sha1();
    policy.max_token_bytes = cert_len;
    assert!(verifier_at(policy.clone(), T0).verify(&signed).is_ok());
    policy.max_token_bytes = cert_len / 2;
    assert!(matches!(
        verifier_at(policy, T0).verify(&signed),
        Err(VerifyError::InvalidToken { detail }) if detail.contains("size limit")
    ));
}

/// The largest value of each reader-limited quantity in a document.
fn measure(bytes: &[u8]) -> (usize, usize, usize, usize) {
    let doc = Document::parse(bytes).unwrap();
    let (mut depth, mut attrs, mut ns, mut text) = (0, 0, 0, 0);
    for e in doc.root().descendants() {
        let mut d = 0;
        let mut in_scope = 0;
        let mut cur = Some(e);
        while let Some(c) = cur {
            d += 1;
            in_scope += c.namespace_declarations().len();
            cur = c.parent();
        }
        depth = depth.max(d);
        attrs = attrs.max(e.attributes().len());
        ns = ns.max(in_scope);
        for n in e.children() {
            if let Node::Text(t) = n {
                text = text.max(t.len());
            }
        }
    }
    (depth, attrs, ns, text)
}

#[test]
fn reader_limits_pass_at_n_and_fail_at_n_minus_one() {
    let signed = sign(&dho_signer(), SAMPLE_QNAME);
    let (depth, attrs, ns, text) = measure(&signed);
    type Set = fn(&mut Limits, usize);
    let cases: [(Limit, usize, Set); 5] = [
        (Limit::InputBytes, signed.len(), |l, n| l.max_input_bytes = n),
        (Limit::Depth, depth, |l, n| l.max_depth = n),
        (Limit::AttributesPerElement, attrs, |l, n| l.max_attributes = n),
        (Limit::NamespacesInScope, ns, |l, n| l.max_namespaces_in_scope = n),
        (Limit::TextBytes, text, |l, n| l.max_text_bytes = n),
    ];
    for (limit, n, set) in cases {
        let verify = |n| {
            let mut limits = Limits::default();
            set(&mut limits, n);
            verifier_at(VerificationPolicy::dho_legacy_rsa_sha1().with_limits(limits), T0).verify(&signed)
        };
        assert!(verify(n).is_ok(), "{limit:?} at {n}: {:?}", verify(n).err());
        match verify(n - 1) {
            Err(VerifyError::Xml(e)) => {
                assert_eq!(e.kind, XmlErrorKind::LimitExceeded { limit, max: n - 1 }, "{limit:?}")
            }
            other => panic!("{limit:?} at {}: {other:?}", n - 1),
        }
    }
}

fn with_security_attribute(signed: &[u8], attribute: &str) -> Vec<u8> {
    insert_after(signed, "<wsse:Security", &format!(" {attribute}"))
}

#[test]
fn actor_on_and_off() {
    let signed = sign(&dho_signer(), ONE_VRAAG);
    let for_pep = with_security_attribute(&signed, "soapenv:actor=\"urn:dho:pep\"");
    assert!(matches!(dho_verifier().verify(&for_pep), Err(VerifyError::MissingSecurityHeader)));
    let mut policy = VerificationPolicy::dho_legacy_rsa_sha1();
    policy.actor = Some("urn:dho:pep".into());
    let pep = verifier_at(policy, T0);
    assert_institution(&pep.verify(&for_pep).unwrap());
    // The ultimate receiver's header is still ours when an actor is configured.
    assert!(pep.verify(&signed).is_ok());
    // actor "next" addresses every node.
    let next = with_security_attribute(&signed, "soapenv:actor=\"http://schemas.xmlsoap.org/soap/actor/next\"");
    assert!(dho_verifier().verify(&next).is_ok());
    // A Security header for another actor is ignored next to ours.
    let other = insert_after(
        &signed,
        "<soapenv:Header>",
        "<wsse:Security xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd\" \
         soapenv:actor=\"urn:other\" soapenv:mustUnderstand=\"1\"/>",
    );
    assert!(dho_verifier().verify(&other).is_ok());
}

#[test]
fn must_understand_and_understood_headers() {
    let signed = sign(&dho_signer(), ONE_VRAAG);
    let with_header = |value: &str| {
        insert_after(
            &signed,
            "</wsse:Security>",
            &format!("<r:Routing xmlns:r=\"urn:routing\" soapenv:mustUnderstand=\"{value}\">x</r:Routing>"),
        )
    };
    for value in ["1", "true", " 1 "] {
        assert!(
            matches!(dho_verifier().verify(&with_header(value)), Err(VerifyError::NotUnderstood { header }) if header == "{urn:routing}Routing"),
            "mustUnderstand={value:?}"
        );
    }
    for value in ["0", "false"] {
        assert!(dho_verifier().verify(&with_header(value)).is_ok(), "mustUnderstand={value:?}");
    }
    let mut policy = VerificationPolicy::dho_legacy_rsa_sha1();
    policy.understood_headers.push(("urn:routing".into(), "Routing".into()));
    assert!(verifier_at(policy, T0).verify(&with_header("1")).is_ok());
}

#[test]
fn crl_checking_on_and_off() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/attacks");
    let revoked = std::fs::read(format!("{dir}/a22_revoked.xml")).unwrap();
    // Off (the default): the revoked leaf is otherwise valid.
    let v = dho_verifier().verify(&revoked).unwrap();
    assert!(v.signer().subject_dn().contains("revoked"));
    // On.
    let crl = std::fs::read(pki("ca.crl.pem")).unwrap();
    let with_crl = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), validator().with_crls_pem(&crl).unwrap())
        .with_clock(Arc::new(FixedClock(at(T0))));
    assert!(matches!(with_crl.verify(&revoked), Err(VerifyError::Untrusted(TrustError::Revoked))));
    // The good signer passes the CRL check.
    assert!(with_crl.verify(&sign(&dho_signer(), ONE_VRAAG)).is_ok());
}

#[test]
fn trust_anchors_decide() {
    let signed = sign(&dho_signer(), ONE_VRAAG);
    let rogue_only = Verifier::new(
        VerificationPolicy::dho_legacy_rsa_sha1(),
        CertificateValidator::new(TrustAnchors::from_pem_file(pki("rogue-ca.pem")).unwrap()),
    )
    .with_clock(Arc::new(FixedClock(at(T0))));
    assert!(matches!(rogue_only.verify(&signed), Err(VerifyError::Untrusted(TrustError::UnknownIssuer))));
    assert!(dho_verifier().verify(&signed).is_ok());
}

// ------------------------------------------------------------------ owned entry points

#[test]
fn owned_entry_points_behave_like_the_borrowed_ones() {
    let signer = dho_signer();
    let verifier = dho_verifier();
    // Signing an owned buffer keeps the payload, and a BOM, exactly as signing a borrowed one.
    let mut input = b"\xEF\xBB\xBF".to_vec();
    input.extend_from_slice(ONE_VRAAG.as_bytes());
    let owned = signer.sign_envelope_owned(input.clone()).unwrap();
    let borrowed = signer.sign_envelope(&input).unwrap();
    assert!(owned.starts_with(b"\xEF\xBB\xBF<"));
    assert_eq!(owned.len(), borrowed.len(), "same header, same payload, Ids of the same length");
    let verified = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), validator()).verify_owned(owned).unwrap();
    assert!(verified.signer().subject_dn().contains("instelling-001234"));

    // Hostile and tampered input gets the same errors through both paths.
    let good = sign(&signer, ONE_VRAAG);
    let text = String::from_utf8(good.clone()).unwrap();
    let tampered = text.replacen("<Referte>", "<Referte>x", 1).into_bytes();
    for bad in [
        tampered,
        b"<!DOCTYPE x><x/>".to_vec(),
        b"\xEF\xBB\xBF<a>\xFF</a>".to_vec(),
        Vec::new(),
        good[..good.len() / 2].to_vec(),
    ] {
        let a = verifier.verify(&bad).unwrap_err().to_string();
        let b = verifier.verify_owned(bad).unwrap_err().to_string();
        assert_eq!(a, b);
    }
    assert!(signer.sign_envelope_owned(b"<not-soap/>".to_vec()).is_err());
    assert!(verifier.verify_owned(good).is_ok());
}

#[test]
fn parse_owned_matches_parse() {
    use dho_wss::xml::Limits;
    let limits = Limits::default();
    for input in [&b"\xEF\xBB\xBF<a x='1'>t&amp;<b/></a>"[..], b"<a>&bogus;</a>", b"<a>\xC3</a>", b"\xEF\xBB\xBF", b""]
    {
        let borrowed = Document::parse_with(input, &limits);
        let owned = Document::parse_owned(input.to_vec(), &limits);
        match (borrowed, owned) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.source(), b.source());
                assert_eq!(a.node_count(), b.node_count());
                assert_eq!(a.root().text(), b.root().text());
            }
            (Err(a), Err(b)) => assert_eq!(a, b),
            (a, b) => panic!("{input:?}: {a:?} vs {b:?}"),
        }
    }
}
