//! The verifier against the attack fixtures of `tests/fixtures/attacks/` (catalogue rows A1–A24 of
//! the research note; see the README there). One test per fixture: the exact `VerifyError` variant,
//! its fields where they carry meaning, and its SOAP fault code. `manifest.tsv` is the index: its
//! expected-result column must agree with the assertions here, and every line needs a test.
//!
//! Setup per fixture (manifest column 5): trust anchor `testdata/pki/ca.pem`,
//! `VerificationPolicy::dho_legacy_rsa_sha1()`, `FixedClock` at the manifest's `clock-unix`, changed
//! by `profile=sha256`, `timestamp=required`, `crl` and `clock=±N`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use dho_wss::clock::FixedClock;
use dho_wss::crypto::{CryptoError, SignatureAlgorithm};
use dho_wss::pki::{CertificateValidator, TrustAnchors, TrustError};
use dho_wss::wss::{FaultCode, VerificationPolicy, VerifiedEnvelope, Verifier, VerifyError};
use dho_wss::xml::{C14nError, Element, Limit, XmlErrorKind};

const MANIFEST: &str = include_str!("../fixtures/attacks/manifest.tsv");
const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/attacks");
const PKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/pki");

const WSU_NS: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
const WSSE_NS: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
const DS_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

struct Entry {
    name: &'static str,
    expected: &'static str,
    setup: &'static str,
}

/// The base instant of the fixtures' FixedClock (`# clock-unix:` line).
fn base_clock() -> u64 {
    MANIFEST
        .lines()
        .find_map(|l| l.strip_prefix("# clock-unix: "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("manifest has a `# clock-unix: N` line")
}

fn entries() -> Vec<Entry> {
    MANIFEST
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 5, "manifest line needs 5 columns: {l}");
            Entry { name: cols[0], expected: cols[1], setup: cols[4] }
        })
        .collect()
}

fn entry(name: &str) -> Entry {
    entries().into_iter().find(|e| e.name == name).unwrap_or_else(|| panic!("{name} is not in manifest.tsv"))
}

fn verifier(setup: &str) -> Verifier {
    let mut policy = VerificationPolicy::dho_legacy_rsa_sha1();
    let mut clock = base_clock() as i64;
    let anchors = TrustAnchors::from_pem_file(format!("{PKI}/ca.pem")).unwrap();
    let mut validator = CertificateValidator::new(anchors);
    for word in setup.split_whitespace() {
        match word {
            "profile=sha256" => policy = VerificationPolicy::rsa_sha256(),
            "timestamp=required" => policy.timestamp.required = true,
            "crl" => {
                let crl = std::fs::read(format!("{PKI}/ca.crl.pem")).unwrap();
                validator = validator.with_crls_pem(&crl).unwrap();
            }
            w if w.starts_with("clock=") => clock += w["clock=".len()..].parse::<i64>().unwrap(),
            other => panic!("unknown setup word {other:?}"),
        }
    }
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(clock).unwrap());
    Verifier::new(policy, validator).with_clock(Arc::new(FixedClock(at)))
}

fn verify_fixture(name: &str) -> Result<VerifiedEnvelope, VerifyError> {
    let e = entry(name);
    let bytes = std::fs::read(format!("{DIR}/{name}.xml")).unwrap_or_else(|err| panic!("{name}.xml: {err}"));
    verifier(e.setup).verify(&bytes)
}

/// `Untrusted(Expired { .. })` → `Untrusted`.
fn variant_name(err: &VerifyError) -> String {
    format!("{err:?}").chars().take_while(|c| c.is_ascii_alphanumeric()).collect()
}

fn check_rejected(name: &str, matches: impl Fn(&VerifyError) -> bool, fault: FaultCode) {
    let err = match verify_fixture(name) {
        Ok(v) => panic!("{name}: accepted (signer {})", v.signer().subject_dn()),
        Err(e) => e,
    };
    assert!(matches(&err), "{name}: unexpected error {err:?}");
    assert_eq!(err.fault_code(), fault, "{name}: fault code of {err:?}");
    let manifest = entry(name).expected;
    let outer = manifest.split('(').next().unwrap_or(manifest);
    assert_eq!(variant_name(&err), outer, "{name}: manifest says {manifest}");
}

fn check_accepted(name: &str, check: impl Fn(&VerifiedEnvelope)) {
    assert_eq!(entry(name).expected, "Ok", "{name}: manifest disagrees");
    match verify_fixture(name) {
        Ok(v) => check(&v),
        Err(e) => panic!("{name}: rejected with {e:?}"),
    }
}

macro_rules! rejected {
    ($($name:ident: $pat:pat $(if $guard:expr)? => $fault:ident;)*) => {
        $(
            #[test]
            fn $name() {
                check_rejected(stringify!($name), |e| matches!(e, $pat $(if $guard)?), FaultCode::$fault);
            }
        )*
        const REJECTED: &[&str] = &[$(stringify!($name)),*];
    };
}

macro_rules! accepted {
    ($($name:ident => $check:expr;)*) => {
        $(
            #[test]
            fn $name() {
                check_accepted(stringify!($name), $check);
            }
        )*
        const ACCEPTED: &[&str] = &[$(stringify!($name)),*];
    };
}

fn find<'d>(root: Element<'d>, ns: Option<&str>, local: &str) -> Vec<Element<'d>> {
    root.descendants().filter(|e| e.is(ns, local)).collect()
}

fn institution(v: &VerifiedEnvelope) {
    assert!(v.signer().subject_dn().contains("serialNumber=001234"), "{}", v.signer().subject_dn());
    assert!(v.signer().subject_dn().contains("CN=dho-wss-test.instelling-001234"));
    let op = v.body_content().expect("operation element");
    assert_eq!(op.local_name(), "GeefHistoriekInschrijving");
    assert_eq!(find(v.body(), None, "Identificatie")[0].text(), "001234");
}

/// What the Body of a verified message may never contain: signature machinery or attacker markers.
fn body_is_clean(v: &VerifiedEnvelope) {
    let body = v.body();
    assert!(body.is(Some("http://schemas.xmlsoap.org/soap/envelope/"), "Body"));
    assert_eq!(body.parent().map(|p| p.local_name()), Some("Envelope"));
    assert!(body.descendants().all(|e| e.namespace() != Some("urn:dho-wss:attacker")));
    assert!(find(body, Some(DS_NS), "Signature").is_empty());
    assert!(find(body, Some(WSSE_NS), "Security").is_empty());
}

accepted! {
    ok_baseline => |v| {
        institution(v);
        body_is_clean(v);
        assert_eq!(v.signature_algorithm(), SignatureAlgorithm::RsaSha1);
        assert!(v.timestamp().is_none());
        assert_eq!(v.signature_value().len(), 256);
    };
    ok_timestamp => |v| {
        institution(v);
        let ts = v.timestamp().expect("verified Timestamp");
        let created = ts.created.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(created, base_clock(), "the manifest clock is the Created second");
        assert_eq!(ts.expires, Some(ts.created + Duration::from_secs(300)));
    };
    ok_pkipath => institution;
    ok_sha256 => |v| {
        institution(v);
        assert_eq!(v.signature_algorithm(), SignatureAlgorithm::RsaSha256);
    };
    ok_qname_cdata_nonascii => |v| {
        let waarden: Vec<String> = find(v.body(), None, "Waarde").iter().map(|w| w.text()).collect();
        assert_eq!(waarden[0], "tekst met QName-inhoud");
        assert_eq!(waarden[1], "regel 1\r\nregel 2 & <3> \"q\" 'a'", "&#13; stays a CR");
        assert_eq!(waarden[2], "<niet>een element</niet> & ]]> ok");
        assert_eq!(waarden[3], "Ελληνικά 日本語 𝄞 😀");
        let typed = find(v.body(), None, "Waarde")[0];
        assert_eq!(typed.attribute(Some(XSI_NS), "type"), Some("xsd:string"));
        assert_eq!(typed.lookup_namespace(Some("xsd")), Some("http://www.w3.org/2001/XMLSchema"));
    };
    ok_wss4j_signed => institution;
    ok_xmlsec1_signed => institution;
    ok_resigned_by_generator => institution;
    a8_comment_in_body_text => |v| {
        // c14n drops the comment, so the signature holds; the verified view must give the
        // whole canonical text, never the part before the comment.
        let id = find(v.body(), None, "Identificatie")[0];
        assert!(id.has_comment_child());
        assert_eq!(id.text(), "001234");
        let canonical = dho_wss::xml::ExcC14n::new().canonicalize(id).unwrap();
        assert_eq!(canonical, b"<Identificatie>001234</Identificatie>");
    };
    a10_other_institution_verifies_as_other => |v| {
        // The Afzender says 001234, the certificate 005678: the verifier reports the truth and
        // the PEP's binding (SPEC §4 rule 8) must refuse it.
        assert!(v.signer().subject_dn().contains("serialNumber=005678"), "{}", v.signer().subject_dn());
        assert_eq!(find(v.body(), None, "Identificatie")[0].text(), "001234");
    };
    a18_digestvalue_whitespace => institution;
    a24_xsd_rebound_without_prefixlist => |v| {
        // Documents the exc-c14n limit: without xsd in the PrefixList, the binding of the QName
        // in content is not signed, and the attacker's rebinding verifies.
        let typed = find(v.body(), None, "Waarde")[0];
        assert_eq!(typed.attribute(Some(XSI_NS), "type"), Some("xsd:string"));
        assert_eq!(typed.lookup_namespace(Some("xsd")), Some("urn:dho-wss:attacker:types"));
    };
}

fn is_xml(e: &VerifyError, want: fn(&XmlErrorKind) -> bool) -> bool {
    matches!(e, VerifyError::Xml(x) if want(&x.kind))
}

fn is_trust(e: &VerifyError, want: fn(&TrustError) -> bool) -> bool {
    matches!(e, VerifyError::Untrusted(t) if want(t))
}

fn is_envelope(e: &VerifyError, needle: &str) -> bool {
    matches!(e, VerifyError::Envelope { detail } if detail.contains(needle))
}

const XSLT: &str = "http://www.w3.org/TR/1999/REC-xslt-19991116";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const EXC: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const HMAC_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#hmac-sha1";

rejected! {
    // A1 / A3: wrapping
    a1_body_moved_under_security: VerifyError::SignedBodyNotEnvelopeBody => InvalidSecurity;
    a1_body_moved_under_new_header: VerifyError::SignedBodyNotEnvelopeBody => InvalidSecurity;
    a1_body_wrapped_in_new_body: VerifyError::SignedBodyNotEnvelopeBody => InvalidSecurity;
    a1_body_moved_into_ds_object: VerifyError::MalformedSignature { context: "ds:Signature", detail }
        if detail.contains("Object") => InvalidSecurity;
    a1_body_moved_under_envelope_wrapper: e if is_envelope(e, "unexpected Envelope child") => Client;
    a1_new_body_added: e if is_envelope(e, "more than one Body") => Client;
    a3_moved_body_new_body_other_id: VerifyError::SignedBodyNotEnvelopeBody => InvalidSecurity;
    a3_signed_body_replaced: VerifyError::ReferenceTargetNotFound { uri } if uri.starts_with("#id-") => InvalidSecurity;
    a20_reference_to_body_child: VerifyError::UnexpectedReferenceTarget { uri, element }
        if uri == "#id-operation" && element.ends_with("}GeefHistoriekInschrijving") => InvalidSecurity;

    // A2: duplicate Ids, before anything is digested
    a2_dup_wsu_id_header: VerifyError::DuplicateId { id } if id.starts_with("id-") => InvalidSecurity;
    a2_dup_wsu_id_body: VerifyError::DuplicateId { id } if id.starts_with("id-") => InvalidSecurity;
    a2_dup_wsu_id_bst: VerifyError::DuplicateId { id } if id.starts_with("X509-") => InvalidSecurity;
    a2_id_vs_wsu_id: VerifyError::DuplicateId { id } if id.starts_with("id-") => InvalidSecurity;
    a2_xml_id_vs_wsu_id: VerifyError::DuplicateId { id } if id.starts_with("id-") => InvalidSecurity;
    a2_uppercase_id_vs_wsu_id: VerifyError::DuplicateId { id } if id.starts_with("id-") => InvalidSecurity;
    a2_dup_bst_id_in_header: VerifyError::DuplicateId { id } if id.starts_with("X509-") => InvalidSecurity;
    a2_dup_timestamp_id_in_body: VerifyError::DuplicateId { id } if id.starts_with("TS-") => InvalidSecurity;

    // A4: envelope shape, before any crypto
    a4_two_bodies: e if is_envelope(e, "more than one Body") => Client;
    a4_soap12_body_in_soap11_envelope: e if is_envelope(e, "{http://www.w3.org/2003/05/soap-envelope}Body") => Client;
    a4_soap12_envelope: e if is_envelope(e, "SOAP 1.2") => Client;
    a4_body_not_child_of_envelope: e if is_envelope(e, "no Body") => Client;
    a4_body_prefix_rebound: e if is_envelope(e, "{urn:dho-wss:attacker}Body") => Client;
    a4_two_headers: e if is_envelope(e, "more than one Header") => Client;
    a4_header_after_body: e if is_envelope(e, "Header after Body") => Client;

    // A5 / A21: stripping and header targeting
    a5_no_security_header: VerifyError::MissingSecurityHeader => InvalidSecurity;
    a5_no_header: VerifyError::MissingSecurityHeader => InvalidSecurity;
    a5_empty_security_header: VerifyError::MissingSignature => InvalidSecurity;
    a5_no_signature: VerifyError::MissingSignature => InvalidSecurity;
    a5_zero_references: VerifyError::MalformedSignature { context: "ds:SignedInfo", .. } => InvalidSecurity;
    a5_only_reference_is_bst: VerifyError::BodyNotSigned => InvalidSecurity;
    a5_only_reference_is_timestamp: VerifyError::BodyNotSigned => InvalidSecurity;
    a21_two_security_headers: VerifyError::MultipleSecurityHeaders => InvalidSecurity;
    a21_security_foreign_actor: VerifyError::MissingSecurityHeader => InvalidSecurity;
    a21_unknown_header_must_understand: VerifyError::NotUnderstood { header }
        if header == "{urn:dho-wss:attacker}Routing" => MustUnderstand;
    a21_unknown_header_must_understand_true: VerifyError::NotUnderstood { header }
        if header == "{urn:dho-wss:attacker}Routing" => MustUnderstand;

    // A6: one Signature, one SignedInfo, in the Security header
    a6_two_signatures: VerifyError::MultipleSignatures => InvalidSecurity;
    a6_extra_signature_in_body: VerifyError::MultipleSignatures => InvalidSecurity;
    a6_signature_inside_body: VerifyError::SignatureOutsideSecurityHeader => InvalidSecurity;
    a6_two_signedinfo: VerifyError::MultipleSignedInfo => InvalidSecurity;

    // A7: digests only from the verified SignedInfo
    a7_forged_digest_in_body: VerifyError::DigestMismatch { uri } if uri.starts_with("#id-") => FailedCheck;
    a7_forged_digest_in_header: VerifyError::DigestMismatch { uri } if uri.starts_with("#id-") => FailedCheck;
    a7_forged_digest_in_ds_object: VerifyError::MalformedSignature { context: "ds:Signature", detail }
        if detail.contains("Object") => InvalidSecurity;

    // A8: value elements hold only text
    a8_comment_in_digestvalue: VerifyError::NotPlainText { element: "ds:DigestValue" } => InvalidSecurity;
    a8_comment_in_signaturevalue: VerifyError::NotPlainText { element: "ds:SignatureValue" } => InvalidSecurity;
    a8_comment_in_bst: VerifyError::NotPlainText { element: "wsse:BinarySecurityToken" } => InvalidSecurity;
    a8_comment_in_created: VerifyError::NotPlainText { element: "wsu:Created" } => InvalidSecurity;

    // A10 / A11: the key comes from the one BST the STR references, and must be trusted
    a10_rogue_signer: e if is_trust(e, |t| matches!(t, TrustError::UnknownIssuer)) => FailedAuthentication;
    a10_rogue_pkipath: e if is_trust(e, |t| matches!(t, TrustError::UnknownIssuer)) => FailedAuthentication;
    a10_keyvalue_instead_of_str: VerifyError::UnsupportedKeyInfo { detail } if detail.contains("KeyValue") => InvalidSecurityToken;
    a10_x509data_in_keyinfo: VerifyError::UnsupportedKeyInfo { detail } if detail.contains("X509Data") => InvalidSecurityToken;
    a10_keyinfo_two_children: VerifyError::UnsupportedKeyInfo { detail } if detail.contains("KeyName") => InvalidSecurityToken;
    a10_two_bsts: VerifyError::MultipleTokens => InvalidSecurityToken;
    a11_str_embedded_token: VerifyError::UnsupportedKeyInfo { detail } if detail.contains("Embedded") => InvalidSecurityToken;
    a11_str_keyidentifier_huge_length: VerifyError::UnsupportedKeyInfo { detail }
        if detail.contains("KeyIdentifier") => InvalidSecurityToken;
    a11_str_to_body: VerifyError::TokenNotFound { uri } if uri.starts_with("#id-") => SecurityTokenUnavailable;
    a11_str_to_url: VerifyError::TokenNotFound { uri } if uri == "http://attacker.example/cert.der" => SecurityTokenUnavailable;
    a11_str_to_itself: VerifyError::TokenNotFound { uri } if uri.starts_with("#STR-") => SecurityTokenUnavailable;
    a11_str_to_missing_id: VerifyError::TokenNotFound { uri } if uri == "#X509-does-not-exist" => SecurityTokenUnavailable;
    a11_str_valuetype_mismatch: VerifyError::InvalidToken { detail } if detail.contains("ValueType") => InvalidSecurityToken;
    a11_bst_outside_security: VerifyError::TokenNotFound { uri } if uri.starts_with("#X509-") => SecurityTokenUnavailable;

    // Token content (A16 sizes)
    a16_oversized_bst: VerifyError::InvalidToken { detail } if detail.contains("size limit") => InvalidSecurityToken;
    a16_pkipath_garbage: VerifyError::InvalidToken { detail } if detail == "malformed PkiPath" => InvalidSecurityToken;
    a16_pkipath_huge_length: VerifyError::InvalidToken { detail } if detail == "malformed PkiPath" => InvalidSecurityToken;
    a16_pkipath_empty: VerifyError::InvalidToken { detail } if detail == "empty PkiPath" => InvalidSecurityToken;
    a16_bst_not_base64: VerifyError::InvalidToken { detail } if detail.contains("base64") => InvalidSecurityToken;
    a16_bst_garbage_der: VerifyError::InvalidToken { detail } if detail.contains("certificate") => InvalidSecurityToken;
    a16_bst_unknown_valuetype: VerifyError::InvalidToken { detail } if detail.contains("X509v1") => InvalidSecurityToken;
    a16_bst_hex_encoding: VerifyError::InvalidToken { detail } if detail.contains("EncodingType") => InvalidSecurityToken;

    // A12 / A23: only #NCName
    a12_empty_uri: VerifyError::UnsupportedReferenceUri { uri } if uri.is_empty() => UnsupportedAlgorithm;
    a12_no_uri: VerifyError::UnsupportedReferenceUri { uri } if uri.is_empty() => UnsupportedAlgorithm;
    a12_external_http_uri: VerifyError::UnsupportedReferenceUri { uri } if uri == "http://attacker.example/body.xml" => UnsupportedAlgorithm;
    a12_external_file_uri: VerifyError::UnsupportedReferenceUri { uri } if uri == "file:///etc/passwd" => UnsupportedAlgorithm;
    a12_xpointer_root: VerifyError::UnsupportedReferenceUri { uri } if uri == "#xpointer(/)" => UnsupportedAlgorithm;
    a12_xpointer_id: VerifyError::UnsupportedReferenceUri { uri } if uri.starts_with("#xpointer(id('id-") => UnsupportedAlgorithm;
    a12_bare_fragment: VerifyError::UnsupportedReferenceUri { uri } if uri == "#" => UnsupportedAlgorithm;
    a23_xpath_injection_uri: VerifyError::UnsupportedReferenceUri { uri } if uri == "#x' or '1'='1" => UnsupportedAlgorithm;

    // A13: exactly one exc-c14n transform
    a13_xslt_transform: VerifyError::UnsupportedTransform { uri } if uri == XSLT => UnsupportedAlgorithm;
    a13_xpath_transform: VerifyError::UnsupportedTransform { uri }
        if uri.starts_with("http://www.w3.org/TR/1999/REC-xpath-19991116 + ") => UnsupportedAlgorithm;
    a13_xpath_filter2_transform: VerifyError::UnsupportedTransform { uri }
        if uri == "http://www.w3.org/2002/06/xmldsig-filter2" => UnsupportedAlgorithm;
    a13_enveloped_signature_transform: VerifyError::UnsupportedTransform { uri } if uri == ENVELOPED => UnsupportedAlgorithm;
    a13_two_transforms: VerifyError::UnsupportedTransform { uri } if *uri == format!("{ENVELOPED} + {EXC}") => UnsupportedAlgorithm;
    a13_two_exc_c14n_transforms: VerifyError::UnsupportedTransform { uri } if *uri == format!("{EXC} + {EXC}") => UnsupportedAlgorithm;
    a13_inclusive_c14n_transform: VerifyError::UnsupportedTransform { uri }
        if uri == "http://www.w3.org/TR/2001/REC-xml-c14n-20010315" => UnsupportedAlgorithm;
    a13_base64_transform: VerifyError::UnsupportedTransform { uri }
        if uri == "http://www.w3.org/2000/09/xmldsig#base64" => UnsupportedAlgorithm;
    a13_str_transform: VerifyError::UnsupportedTransform { uri } if uri.ends_with("#STR-Transform") => UnsupportedAlgorithm;
    a13_empty_transforms: VerifyError::UnsupportedTransform { uri } if uri.is_empty() => UnsupportedAlgorithm;
    a13_no_transforms: VerifyError::UnsupportedTransform { uri } if uri == "(no Transforms)" => UnsupportedAlgorithm;

    // A14: algorithms, before any key is used
    a14_hmac_sha1: VerifyError::UnsupportedSignatureMethod { uri } if uri == HMAC_SHA1 => UnsupportedAlgorithm;
    a14_hmac_sha1_output_length_80: VerifyError::UnsupportedSignatureMethod { uri } if uri == HMAC_SHA1 => UnsupportedAlgorithm;
    a14_rsa_md5: VerifyError::UnsupportedSignatureMethod { uri }
        if uri == "http://www.w3.org/2001/04/xmldsig-more#rsa-md5" => UnsupportedAlgorithm;
    a14_unknown_signature_method: VerifyError::UnsupportedSignatureMethod { uri } if uri == "urn:dho-wss:attacker:none" => UnsupportedAlgorithm;
    a14_ecdsa_sha256_signature_method: VerifyError::UnsupportedSignatureMethod { uri }
        if uri == "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256" => UnsupportedAlgorithm;
    a14_md5_digest: VerifyError::UnsupportedDigestMethod { uri }
        if uri == "http://www.w3.org/2001/04/xmldsig-more#md5" => UnsupportedAlgorithm;
    a14_sha1_message_under_sha256_policy: VerifyError::UnsupportedSignatureMethod { uri }
        if uri == "http://www.w3.org/2000/09/xmldsig#rsa-sha1" => UnsupportedAlgorithm;
    a14_sha256_message_under_dho_policy: VerifyError::UnsupportedSignatureMethod { uri }
        if uri == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" => UnsupportedAlgorithm;
    a14_sha1_digest_under_sha256_policy: VerifyError::UnsupportedDigestMethod { uri }
        if uri == "http://www.w3.org/2000/09/xmldsig#sha1" => UnsupportedAlgorithm;
    a14_inclusive_c14n_method: VerifyError::UnsupportedCanonicalization { uri }
        if uri == "http://www.w3.org/TR/2001/REC-xml-c14n-20010315" => UnsupportedAlgorithm;
    a14_exc_c14n_with_comments_method: VerifyError::UnsupportedCanonicalization { uri }
        if uri == "http://www.w3.org/2001/10/xml-exc-c14n#WithComments" => UnsupportedAlgorithm;

    // A15 / A16: the reader
    a15_doctype_billion_laughs: e if is_xml(e, |k| matches!(k, XmlErrorKind::Doctype)) => Client;
    a15_doctype_xxe: e if is_xml(e, |k| matches!(k, XmlErrorKind::Doctype)) => Client;
    a15_undeclared_entity: e if is_xml(e, |k| matches!(k, XmlErrorKind::EntityReference { name } if name == "xxe")) => Client;
    a15_processing_instruction_in_body: e if is_xml(e, |k| matches!(k, XmlErrorKind::ProcessingInstruction)) => Client;
    a15_processing_instruction_before_root: e if is_xml(e, |k| matches!(k, XmlErrorKind::ProcessingInstruction)) => Client;
    a16_deep_nesting: e if is_xml(e, |k| matches!(k, XmlErrorKind::LimitExceeded { limit: Limit::Depth, max: 128 })) => Client;
    a16_many_attributes: e if is_xml(e, |k| {
        matches!(k, XmlErrorKind::LimitExceeded { limit: Limit::AttributesPerElement, max: 64 })
    }) => Client;
    a16_many_namespaces: e if is_xml(e, |k| {
        matches!(k, XmlErrorKind::LimitExceeded { limit: Limit::NamespacesInScope, max: 64 })
    }) => Client;
    a16_too_many_references: VerifyError::TooManyReferences { count: 5, max: 4 } => InvalidSecurity;

    // A20: what the References may cover
    a20_duplicate_body_reference: VerifyError::DuplicateReference { uri } if uri.starts_with("#id-") => InvalidSecurity;
    a20_reference_to_keyinfo: VerifyError::UnexpectedReferenceTarget { uri, element }
        if uri.starts_with("#KI-") && *element == format!("{{{DS_NS}}}KeyInfo") => InvalidSecurity;

    // A17: a c14n failure is an error, never an empty digest
    a17_relative_namespace_in_body: VerifyError::C14n(C14nError::RelativeNamespaceUri { uri }) if uri == "relative/ns" => InvalidSecurity;

    // A18: tampering and value encodings
    a18_body_byte_changed: VerifyError::DigestMismatch { uri } if uri.starts_with("#id-") => FailedCheck;
    a18_signedinfo_byte_changed: VerifyError::BadSignature(CryptoError::BadSignature) => FailedCheck;
    a18_body_changed_digest_updated: VerifyError::BadSignature(CryptoError::BadSignature) => FailedCheck;
    a18_signaturevalue_truncated: VerifyError::BadSignature(CryptoError::SignatureLength { expected: 256, actual: 255 }) => FailedCheck;
    a18_signaturevalue_bad_base64: VerifyError::BadBase64 { element: "ds:SignatureValue" } => FailedCheck;
    a18_signaturevalue_empty: VerifyError::BadSignature(CryptoError::SignatureLength { expected: 256, actual: 0 }) => FailedCheck;
    a18_digestvalue_garbage_after_padding: VerifyError::BadBase64 { element: "ds:DigestValue" } => FailedCheck;
    a18_digestvalue_wrong_length: VerifyError::BadSignature(_) => FailedCheck;
    a18_digestvalue_empty: VerifyError::BadSignature(_) => FailedCheck;
    a18_digestvalue_noncanonical_padding_bits: VerifyError::BadBase64 { element: "ds:DigestValue" } => FailedCheck;
    a18_digestvalues_swapped: VerifyError::BadSignature(_) => FailedCheck;

    // A19: Timestamps
    a19_timestamp_expired: VerifyError::MessageExpired => MessageExpired;
    a19_timestamp_in_future: VerifyError::TimestampInFuture => MessageExpired;
    a19_timestamp_ttl_exceeded_without_expires: VerifyError::MessageExpired => MessageExpired;
    a19_timestamp_two_created: VerifyError::MalformedTimestamp { .. } => InvalidSecurity;
    a19_timestamp_text_content: VerifyError::MalformedTimestamp { detail } if detail.contains("text") => InvalidSecurity;
    a19_timestamp_extra_child: VerifyError::MalformedTimestamp { detail } if detail.contains("at most one Expires") => InvalidSecurity;
    a19_timestamp_no_created: VerifyError::MalformedTimestamp { detail } if detail.contains("Created") => InvalidSecurity;
    a19_timestamp_expires_before_created: VerifyError::MalformedTimestamp { detail } if detail == "Expires before Created" => InvalidSecurity;
    a19_timestamp_not_utc: VerifyError::MalformedTimestamp { detail } if detail.contains("UTC") => InvalidSecurity;
    a19_timestamp_unsigned: VerifyError::TimestampNotSigned => InvalidSecurity;
    a19_two_timestamps: VerifyError::MultipleTimestamps => InvalidSecurity;
    a19_timestamp_missing_when_required: VerifyError::MissingTimestamp => InvalidSecurity;
    a19_signed_timestamp_moved_out_of_security: VerifyError::UnexpectedReferenceTarget { uri, element }
        if uri.starts_with("#TS-") && *element == format!("{{{WSU_NS}}}Timestamp") => InvalidSecurity;

    // A22: certificates (these peers-signed messages are otherwise genuine)
    a22_expired: e if is_trust(e, |t| matches!(t, TrustError::Expired { .. })) => FailedAuthentication;
    a22_notyet: e if is_trust(e, |t| matches!(t, TrustError::NotYetValid { .. })) => FailedAuthentication;
    a22_ca_signer: e if is_trust(e, |t| matches!(t, TrustError::CaUsedAsEndEntity)) => FailedAuthentication;
    a22_no_digsig: e if is_trust(e, |t| matches!(t, TrustError::KeyUsageMissingDigitalSignature)) => FailedAuthentication;
    a22_weak1024: e if is_trust(e, |t| matches!(t, TrustError::KeyTooSmall { bits: 1024 })) => FailedAuthentication;
    a22_revoked: e if is_trust(e, |t| matches!(t, TrustError::Revoked)) => FailedAuthentication;
    a22_ec: e if is_trust(e, |t| matches!(t, TrustError::NotRsa { algorithm } if algorithm == "EC")) => FailedAuthentication;

    // A24: the signer's PrefixList covers QNames in content
    a24_xsd_rebound_with_prefixlist: VerifyError::BadSignature(_) => FailedCheck;
}

#[test]
fn manifest_lines_and_tests_agree() {
    let in_manifest: Vec<&str> = entries().iter().map(|e| e.name).collect();
    let unique: BTreeSet<&str> = in_manifest.iter().copied().collect();
    assert_eq!(unique.len(), in_manifest.len(), "duplicate names in manifest.tsv");
    let tested: BTreeSet<&str> = REJECTED.iter().chain(ACCEPTED).copied().collect();
    assert_eq!(tested.len(), REJECTED.len() + ACCEPTED.len(), "a fixture is tested twice");
    let untested: Vec<&&str> = unique.difference(&tested).collect();
    let unlisted: Vec<&&str> = tested.difference(&unique).collect();
    assert!(untested.is_empty(), "manifest lines without a test: {untested:?}");
    assert!(unlisted.is_empty(), "tests without a manifest line: {unlisted:?}");
    for e in entries() {
        assert_eq!(e.expected == "Ok", ACCEPTED.contains(&e.name), "{}: expected column {}", e.name, e.expected);
    }
}

#[test]
fn fixture_files_and_manifest_agree() {
    let mut files: BTreeSet<String> = BTreeSet::new();
    for f in std::fs::read_dir(DIR).unwrap() {
        let name = f.unwrap().file_name().into_string().unwrap();
        if let Some(stem) = name.strip_suffix(".xml") {
            files.insert(stem.to_owned());
        }
    }
    let listed: BTreeSet<String> = entries().iter().map(|e| e.name.to_owned()).collect();
    assert_eq!(files, listed, "*.xml files and manifest.tsv differ");
}

/// Catalogue rows of §2.3 that must each have at least one fixture.
#[test]
fn every_applicable_catalogue_row_has_a_fixture() {
    let rows: BTreeSet<String> = MANIFEST
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').nth(2))
        .flat_map(|r| r.split(',').map(|s| s.trim().to_owned()))
        .collect();
    for n in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24] {
        assert!(rows.contains(&format!("A{n}")), "no fixture for catalogue row A{n}");
    }
}

// ---- F1: a long InclusiveNamespaces PrefixList (docs/ATTACKS.md F1) ----
//
// Generated rather than checked in: the hostile message is 1.17 MB. A genuine message is
// signed, then a PrefixList of made-up prefixes is put in the Body Reference's Transform
// or in SignedInfo's CanonicalizationMethod; `resign` signs the changed SignedInfo again
// with the institution's key, so that a list within the limit must verify.

mod generated {
    use super::*;
    use crate::common::identity;
    use dho_wss::crypto::SignatureAlgorithm;
    use dho_wss::wss::{SignatureProfile, Signer};
    use dho_wss::xml::{Document, ExcC14n, Limits};

    const EC_NS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

    /// A genuine signed message whose Body Transform and SignedInfo both carry a PrefixList
    /// (the sample declares `web` on the Envelope).
    fn genuine() -> String {
        genuine_with(SignatureProfile::dho_legacy_rsa_sha1())
    }

    pub(super) fn genuine_with(profile: SignatureProfile) -> String {
        let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/samples/geef-historiek-inschrijving.xml");
        let signer = Signer::new(identity("institution"), profile);
        let signed = signer.sign_envelope(&std::fs::read(sample).unwrap()).unwrap();
        String::from_utf8(signed).unwrap()
    }

    fn made_up(n: usize) -> String {
        (0..n).map(|i| format!("p{i}")).collect::<Vec<_>>().join(" ")
    }

    /// `message` with made-up prefixes added to the first PrefixList after `anchor`, so
    /// that it has exactly `n` entries.
    fn list_of(message: &str, anchor: &str, n: usize) -> String {
        let at = message.find(anchor).expect("anchor") + anchor.len();
        let open = at + message[at..].find("PrefixList=\"").expect("a PrefixList") + "PrefixList=\"".len();
        let close = open + message[open..].find('"').expect("closing quote");
        let existing = message[open..close].split_ascii_whitespace().count();
        assert!(existing >= 1 && existing < n, "{existing} entries already");
        [&message[..close], " ", &made_up(n - existing), &message[close..]].concat()
    }

    /// The genuine message with `n` entries in the Body Reference's Transform PrefixList.
    fn in_body_transform(n: usize) -> String {
        list_of(&genuine(), "<ds:Transform ", n)
    }

    /// The genuine message with `n` entries in SignedInfo's CanonicalizationMethod PrefixList.
    fn in_signed_info(n: usize) -> String {
        list_of(&genuine(), "<ds:CanonicalizationMethod ", n)
    }

    /// Signs the (changed) SignedInfo again with RSA-SHA1 and puts the new SignatureValue in place.
    fn resign(message: &str) -> Vec<u8> {
        resign_with(message, SignatureAlgorithm::RsaSha1)
    }

    pub(super) fn resign_with(message: &str, alg: SignatureAlgorithm) -> Vec<u8> {
        let mut limits = Limits::default();
        limits.max_input_bytes = 64 << 20;
        let doc = Document::parse_with(message.as_bytes(), &limits).unwrap();
        let signed_info = doc.root().descendants().find(|e| e.is(Some(DS_NS), "SignedInfo")).unwrap();
        let list = signed_info
            .descendants()
            .find(|e| e.is(Some(EC_NS), "InclusiveNamespaces"))
            .and_then(|e| e.attribute(None, "PrefixList"))
            .unwrap();
        let canonical = ExcC14n::new().with_prefix_list(list).unwrap().canonicalize(signed_info).unwrap();
        let value = identity("institution").signing_key().sign(alg, &canonical).unwrap();
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(value);
        let start = message.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
        let end = message.find("</ds:SignatureValue>").unwrap();
        [&message[..start], &b64, &message[end..]].concat().into_bytes()
    }

    fn verifier_with(limits: Limits) -> Verifier {
        let anchors = TrustAnchors::from_pem_file(format!("{PKI}/ca.pem")).unwrap();
        Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1().with_limits(limits), CertificateValidator::new(anchors))
    }

    fn verifier() -> Verifier {
        verifier_with(Limits::default())
    }

    #[test]
    fn default_limit_is_128_entries() {
        assert_eq!(Limits::default().max_prefix_list_entries, 128);
    }

    #[test]
    fn body_transform_list_at_the_limit_verifies() {
        let max = Limits::default().max_prefix_list_entries;
        let v = verifier().verify(&resign(&in_body_transform(max))).expect("N entries pass");
        assert_eq!(v.signer().common_name(), Some("dho-wss-test.instelling-001234.hogeschool-test"));
    }

    #[test]
    fn body_transform_list_over_the_limit_is_refused() {
        let max = Limits::default().max_prefix_list_entries;
        let err = verifier().verify(&resign(&in_body_transform(max + 1))).unwrap_err();
        assert!(matches!(err, VerifyError::PrefixListTooLong { element: "ds:Transform", max: 128 }), "{err:?}");
        assert_eq!(err.fault_code(), FaultCode::InvalidSecurity);
    }

    #[test]
    fn signed_info_list_at_the_limit_verifies() {
        let max = Limits::default().max_prefix_list_entries;
        verifier().verify(&resign(&in_signed_info(max))).expect("N entries pass");
    }

    #[test]
    fn signed_info_list_over_the_limit_is_refused() {
        let max = Limits::default().max_prefix_list_entries;
        let err = verifier().verify(&resign(&in_signed_info(max + 1))).unwrap_err();
        assert!(
            matches!(err, VerifyError::PrefixListTooLong { element: "ds:CanonicalizationMethod", max: 128 }),
            "{err:?}"
        );
    }

    #[test]
    fn a_raised_limit_is_honoured() {
        let mut limits = Limits::default();
        limits.max_prefix_list_entries = 1000;
        verifier_with(limits.clone()).verify(&resign(&in_body_transform(1000))).expect("1000 pass");
        let err = verifier_with(limits).verify(&resign(&in_body_transform(1001))).unwrap_err();
        assert!(matches!(err, VerifyError::PrefixListTooLong { max: 1000, .. }), "{err:?}");
    }

    /// The reported attack: 160,000 prefixes (1.17 MB) in a genuine message, not re-signed.
    /// It cost ~18 s of CPU; now it is refused by counting, and with the limit lifted it
    /// fails on the signature, which is checked before any digest.
    #[test]
    fn the_reported_160k_prefix_message_is_refused_cheaply() {
        let hostile = in_body_transform(160_000);
        assert!(hostile.len() > 1_100_000);
        let mut limits = Limits::default();
        limits.max_input_bytes = 64 << 20;
        let err = verifier_with(limits.clone()).verify(hostile.as_bytes()).unwrap_err();
        assert!(matches!(err, VerifyError::PrefixListTooLong { element: "ds:Transform", .. }), "{err:?}");
        limits.max_prefix_list_entries = usize::MAX;
        let err = verifier_with(limits).verify(hostile.as_bytes()).unwrap_err();
        assert!(matches!(err, VerifyError::BadSignature(_)), "{err:?}");
    }

    /// With no limit at all (a re-signed message, the limit lifted), 160,000 prefixes still
    /// verify: the c14n walk is linear in the list, not list × elements.
    #[test]
    fn an_unlimited_list_still_verifies() {
        let mut limits = Limits::default();
        limits.max_input_bytes = 64 << 20;
        limits.max_prefix_list_entries = usize::MAX;
        verifier_with(limits).verify(&resign(&in_body_transform(160_000))).expect("verifies");
    }

    /// Cost stays linear: canonicalizing 20,000 elements under a 20,000-entry PrefixList
    /// (elements × entries = 4·10⁸ steps before the fix, 7.4 s) costs a small multiple of
    /// the same walk without a list, measured in the same run (best of 5 each).
    #[test]
    fn c14n_cost_does_not_grow_with_elements_times_entries() {
        let mut xml = String::from(r#"<r xmlns:a="urn:a" xmlns:b="urn:b"><b:body>"#);
        for i in 0..20_000 {
            xml.push_str(&format!(r#"<e n="{i}" xmlns:p{}="urn:p">t</e>"#, i % 7));
        }
        xml.push_str("</b:body></r>");
        let mut limits = Limits::default();
        limits.max_input_bytes = 64 << 20;
        let doc = Document::parse_with(xml.as_bytes(), &limits).unwrap();
        let apex = doc.root().child_elements().next().unwrap();
        let plain = ExcC14n::new();
        let listed = ExcC14n::new().with_prefix_list(&format!("a p3 #default {}", made_up(20_000))).unwrap();
        let best = |c: &ExcC14n| {
            (0..5)
                .map(|_| {
                    let t = std::time::Instant::now();
                    let out = c.canonicalize(apex).unwrap();
                    (t.elapsed(), out.len())
                })
                .min()
                .unwrap()
        };
        let (without, len_without) = best(&plain);
        let (with, len_with) = best(&listed);
        assert!(len_with > len_without, "the listed prefixes a, p3 are rendered");
        let ratio = with.as_secs_f64() / without.as_secs_f64().max(1e-6);
        // Linear: a few binary searches per element, ~3–9× here under parallel test load.
        // Before the fix the walk looped over all 20,000 entries per element: > 500×.
        assert!(ratio < 40.0, "20k-entry list costs {ratio:.1}× the plain walk ({with:?} vs {without:?})");
    }

    #[test]
    fn repeats_are_dropped_in_linear_time_and_order_is_kept() {
        let c = ExcC14n::new().with_prefix_list("b a #default b a c #default").unwrap();
        assert_eq!(c.prefix_list(), "b a #default c");
        let many = format!("{} {}", made_up(100_000), made_up(100_000));
        let c = ExcC14n::new().with_prefix_list(&many).unwrap();
        assert_eq!(c.prefix_list(), made_up(100_000));
    }
}

// ---- F5: signature and digest algorithms are allowed as pairs (docs/ATTACKS.md F5) ----

mod algorithm_pairs {
    use super::generated::{genuine_with, resign_with};
    use super::*;
    use dho_wss::wss::SignatureProfile;

    const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
    const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
    const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

    /// What `answer_verzoek` accepts: both profiles.
    fn both_profiles() -> Verifier {
        let anchors = TrustAnchors::from_pem_file(format!("{PKI}/ca.pem")).unwrap();
        let policy = VerificationPolicy::dho_legacy_rsa_sha1().also_accept(SignatureProfile::rsa_sha256());
        Verifier::new(policy, CertificateValidator::new(anchors))
    }

    /// A message signed under `profile`, its SignatureMethod switched to `to` and re-signed:
    /// a valid signature over digests of the other profile.
    fn mixed(profile: SignatureProfile, from: &str, to: &str, alg: SignatureAlgorithm) -> Vec<u8> {
        let signed = genuine_with(profile);
        let method = format!(r#"<ds:SignatureMethod Algorithm="{from}">"#);
        assert_eq!(signed.matches(&method).count(), 1);
        resign_with(&signed.replace(&method, &format!(r#"<ds:SignatureMethod Algorithm="{to}">"#)), alg)
    }

    #[test]
    fn rsa_sha256_over_sha1_digests_is_refused() {
        let msg = mixed(SignatureProfile::dho_legacy_rsa_sha1(), RSA_SHA1, RSA_SHA256, SignatureAlgorithm::RsaSha256);
        let err = both_profiles().verify(&msg).unwrap_err();
        assert!(matches!(err, VerifyError::AlgorithmPairNotAllowed { signature: RSA_SHA256, digest: SHA1 }), "{err:?}");
        assert_eq!(err.fault_code(), FaultCode::UnsupportedAlgorithm);
    }

    #[test]
    fn rsa_sha1_over_sha256_digests_is_refused() {
        let msg = mixed(SignatureProfile::rsa_sha256(), RSA_SHA256, RSA_SHA1, SignatureAlgorithm::RsaSha1);
        let err = both_profiles().verify(&msg).unwrap_err();
        assert!(matches!(err, VerifyError::AlgorithmPairNotAllowed { signature: RSA_SHA1, digest: SHA256 }), "{err:?}");
    }

    /// Control: both genuine profiles verify under the same policy, so the refusals above
    /// are about the pairing, not the algorithms.
    #[test]
    fn both_genuine_profiles_verify() {
        for profile in [SignatureProfile::dho_legacy_rsa_sha1(), SignatureProfile::rsa_sha256()] {
            both_profiles().verify(genuine_with(profile).as_bytes()).expect("genuine profile verifies");
        }
    }
}

// ---- F4: the namespace of a signed Fault's faultcode (docs/ATTACKS.md F4) ----

mod fault_code {
    use super::*;
    use crate::common::{signer, validator};
    use dho_wss::model::{Envelope, Fault, FaultCode as SoapFaultCode, ModelError, Reason};

    const SOAP_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";

    fn verifier() -> Verifier {
        Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), validator())
    }

    fn signed_fault() -> String {
        let fault = Fault::new(SoapFaultCode::wsse("FailedCheck").unwrap(), "The signature is not valid").unwrap();
        let bytes = Envelope::Fault(fault).to_bytes().unwrap();
        String::from_utf8(signer("institution").sign_envelope(&bytes).unwrap()).unwrap()
    }

    fn read_code(message: &str) -> Result<SoapFaultCode, ModelError> {
        let verified = verifier().verify(message.as_bytes()).expect("the signature verifies");
        match verified.message(None)? {
            Envelope::Fault(f) => Ok(f.faultcode().clone()),
            other => panic!("not a Fault: {other:?}"),
        }
    }

    /// The writer binds the code's prefix on the Envelope, so the Body's PrefixList lists it.
    #[test]
    fn the_code_prefix_is_bound_where_the_prefix_list_covers_it() {
        let signed = signed_fault();
        assert!(signed.contains("<faultcode>wsse:FailedCheck</faultcode>"), "{signed}");
        assert!(!signed.contains("<faultcode xmlns"), "no declaration on faultcode: {signed}");
        let body_transform = &signed[signed.find("<ds:Transform ").unwrap()..];
        let list = &body_transform[body_transform.find("PrefixList=\"").unwrap()..];
        assert!(list.split('"').nth(1).unwrap().split(' ').any(|p| p == "wsse"), "{list}");
        assert_eq!(read_code(&signed).unwrap(), SoapFaultCode::wsse("FailedCheck").unwrap());
    }

    /// Rebinding `wsse` to the SOAP namespace on the Envelope now breaks the Body digest.
    #[test]
    fn rebinding_the_code_prefix_breaks_the_signature() {
        let signed = signed_fault();
        let wsse_decl =
            r#"xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd""#;
        let envelope_end = signed.find('>').unwrap();
        let at = signed[..envelope_end].find(wsse_decl).expect("wsse bound on the Envelope");
        let rebound = [&signed[..at], &format!(r#"xmlns:wsse="{SOAP_NS}""#), &signed[at + wsse_decl.len()..]].concat();
        let err = verifier().verify(rebound.as_bytes()).unwrap_err();
        assert!(matches!(err, VerifyError::DigestMismatch { .. }), "{err:?}");
    }

    /// A Fault written the old way (the prefix declared on `<faultcode>` itself, where
    /// exclusive c14n drops it) verifies, but its code is not read: the binding is unsigned.
    /// Rebound to the SOAP namespace it still verifies, and is refused the same way.
    #[test]
    fn a_code_bound_outside_the_signature_is_refused() {
        for ns in ["http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd", SOAP_NS] {
            let unsigned_binding = format!(
                r#"<soapenv:Envelope xmlns:soapenv="{SOAP_NS}"><soapenv:Header/><soapenv:Body><soapenv:Fault><faultcode xmlns:wsse="{ns}">wsse:FailedCheck</faultcode><faultstring>x</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#
            );
            let signed =
                String::from_utf8(signer("institution").sign_envelope(unsigned_binding.as_bytes()).unwrap()).unwrap();
            let err = read_code(&signed).unwrap_err();
            assert!(
                matches!(&err, ModelError::Invalid { reason: Reason::UnsignedPrefix { prefix }, .. } if prefix == "wsse"),
                "{err:?}"
            );
        }
    }

    /// Codes in the SOAP namespace (the Body's own prefix) and unqualified codes need no
    /// extra binding and read as before.
    #[test]
    fn soap_and_unqualified_codes_read() {
        for code in [SoapFaultCode::client(), SoapFaultCode::new(None, "Server").unwrap()] {
            let bytes = Envelope::Fault(Fault::new(code.clone(), "x").unwrap()).to_bytes().unwrap();
            let signed = String::from_utf8(signer("institution").sign_envelope(&bytes).unwrap()).unwrap();
            assert_eq!(read_code(&signed).unwrap(), code);
        }
    }
}
