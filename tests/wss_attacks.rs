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

use dho_wss::crypto::{CryptoError, SignatureAlgorithm};
use dho_wss::trust::{CertificateValidator, TrustAnchors, TrustError};
use dho_wss::wss::{FaultCode, FixedClock, VerificationPolicy, VerifiedEnvelope, Verifier, VerifyError};
use dho_wss::xml::{C14nError, Element, Limit, XmlErrorKind};

const MANIFEST: &str = include_str!("fixtures/attacks/manifest.tsv");
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
    a18_digestvalue_wrong_length: VerifyError::DigestMismatch { uri } if uri.starts_with("#id-") => FailedCheck;
    a18_digestvalue_empty: VerifyError::DigestMismatch { uri } if uri.starts_with("#id-") => FailedCheck;
    a18_digestvalue_noncanonical_padding_bits: VerifyError::BadBase64 { element: "ds:DigestValue" } => FailedCheck;
    a18_digestvalues_swapped: VerifyError::DigestMismatch { .. } => FailedCheck;

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
    a24_xsd_rebound_with_prefixlist: VerifyError::DigestMismatch { uri } if uri.starts_with("#id-") => FailedCheck;
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
