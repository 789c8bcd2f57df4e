//! `inspect`: the report of a signed, a tampered, an unsigned message and a Fault, read by a
//! person and (`--json`) checked field by field; garbage, foreign XML and missing files.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::*;

pub(crate) const AFZENDER_REFERTE: &str = "3f2b6c1e-8d4a-4f0b-9c7e-2a5d1e6f8b90";
pub(crate) const VRAAG_REFERTE: &str = "9b1c2d3e-4f50-4a6b-8c7d-e8f9a0b1c2d3";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

pub(crate) fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The sample Verzoek signed with the test identity (`extra`: more `sign` flags).
pub(crate) fn signed(dir: &Path, extra: &[&str]) -> PathBuf {
    let out = dir.join("verzoek.signed.xml");
    let mut args = vec!["sign", "--test-identity"];
    args.extend(extra);
    let unsigned = unsigned_message();
    args.extend([s(&unsigned), s(&out)]);
    dho(args).code(0);
    out
}

/// `signed` with the Vraag's Referte changed after signing.
pub(crate) fn tampered(dir: &Path, signed: &Path) -> PathBuf {
    let xml = std::fs::read_to_string(signed).expect("signed");
    assert_eq!(xml.matches(VRAAG_REFERTE).count(), 1, "the sample has one Vraag Referte");
    let out = dir.join("verzoek.tampered.xml");
    std::fs::write(&out, xml.replace(VRAAG_REFERTE, "9b1c2d3e-4f50-4a6b-8c7d-e8f9a0b1c2d4")).expect("write");
    out
}

/// `dho-wss inspect --json args`, the exit code checked, stdout parsed.
pub(crate) fn inspect_json(args: &[&str], code: i32) -> (Value, Out) {
    let mut all = vec!["inspect", "--json"];
    all.extend(args);
    let out = dho(all);
    out.code(code);
    let v: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("JSON ({e}):\n{}", out.stdout));
    (v, out)
}

/// The certificates in a PEM file.
fn pem_count(path: &Path) -> usize {
    std::fs::read_to_string(path).expect("pem").matches("-----BEGIN CERTIFICATE-----").count()
}

#[test]
fn signed_pkipath_with_timestamp_is_reported_field_by_field() {
    let dir = tmp();
    let file = signed(dir.path(), &["--token", "pkipath", "--timestamp"]);
    let (v, _) = inspect_json(&["--test-ca", s(&file)], 0);

    assert_eq!(v["file"], s(&file));
    assert_eq!(v["soap"]["envelope"], "{http://schemas.xmlsoap.org/soap/envelope/}Envelope");
    let header = v["soap"]["header"].as_array().expect("header blocks");
    assert_eq!(header.len(), 1);
    assert!(header[0].as_str().expect("name").ends_with("}Security"), "{header:?}");
    let op_ns = "http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be";
    assert_eq!(v["soap"]["body"], serde_json::json!([format!("{{{op_ns}}}GeefHistoriekInschrijving")]));

    let m = &v["message"];
    assert_eq!(m["kind"], "Verzoek");
    assert_eq!(m["operation"]["namespace"], op_ns);
    assert_eq!(m["operation"]["name"], "GeefHistoriekInschrijving");
    assert_eq!(m["context"]["naam"], "GeefHistoriekInschrijving");
    assert_eq!(m["context"]["versie"], "02.01.0000");
    assert_eq!(m["context"]["bericht_type"], "VRAAG");
    assert_eq!(m["context"]["tijdstip"], "2025-03-14T09:26:53.000");
    assert_eq!(m["context"]["afzender"]["identificatie"], "001234");
    assert_eq!(m["context"]["afzender"]["referte"], AFZENDER_REFERTE);
    assert!(m["context"]["ontvanger"].is_null());
    assert_eq!(m["vragen"], serde_json::json!([{"referte": VRAAG_REFERTE}]));

    let sec = &v["security"];
    let created = sec["timestamp"]["created"].as_str().expect("created");
    let expires = sec["timestamp"]["expires"].as_str().expect("expires");
    assert!(created.ends_with('Z') && expires > created, "{created} .. {expires}");
    assert!(sec["token"]["value_type"].as_str().expect("vt").ends_with("#X509PKIPathv1"));
    assert_eq!(sec["token"]["certificates"], pem_count(&pki("institution.chain.pem")));
    let signer = &sec["token"]["signer"];
    assert!(signer["subject"].as_str().expect("subject").starts_with("CN=dho-wss-test.instelling-001234"));
    assert!(signer["issuer"].as_str().expect("issuer").starts_with("CN=dho-wss Test Root CA"));
    assert_eq!(signer["not_before"], "2025-01-01T00:00:00Z");
    assert_eq!(signer["not_after"], "2055-01-01T00:00:00Z");

    let sig = &sec["signature"];
    assert_eq!(sig["signature_method"], format!("{DS}rsa-sha1"));
    assert_eq!(sig["canonicalization"], EXC_C14N);
    let refs = sig["references"].as_array().expect("references");
    let covers: Vec<&str> = refs.iter().map(|r| r["covers"].as_str().expect("covers")).collect();
    assert_eq!(
        covers,
        [
            "{http://schemas.xmlsoap.org/soap/envelope/}Body",
            "{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd}Timestamp"
        ]
    );
    for r in refs {
        assert!(r["uri"].as_str().expect("uri").starts_with('#'));
        assert_eq!(r["digest_method"], format!("{DS}sha1"));
        assert_eq!(r["transforms"], serde_json::json!([EXC_C14N]));
    }

    assert_eq!(v["verdict"]["verified"], true);
    assert_eq!(v["verdict"]["signer"], signer["subject"]);
    assert_eq!(v["verdict"]["signature_algorithm"], format!("{DS}rsa-sha1"));
    assert!(v["verdict"]["error"].is_null());
}

#[test]
fn human_report_names_the_parts_and_the_verdict() {
    let dir = tmp();
    let file = signed(dir.path(), &[]);
    let ca = pki("ca.pem");
    let out = dho(["inspect", "--ca", s(&ca), s(&file)]);
    out.code(0);
    for needle in [
        "Message: Verzoek",
        "Afzender:  001234 (Referte 3f2b6c1e-8d4a-4f0b-9c7e-2a5d1e6f8b90)",
        "Vraag Referte 9b1c2d3e-4f50-4a6b-8c7d-e8f9a0b1c2d3",
        "Subject:  CN=dho-wss-test.instelling-001234",
        "}Body",
        "Verdict: VERIFIED, signed by CN=dho-wss-test.instelling-001234",
    ] {
        assert!(out.stdout.contains(needle), "missing {needle:?} in:\n{}", out.stdout);
    }
    assert!(!out.stdout.contains("Timestamp:"), "no Timestamp was signed:\n{}", out.stdout);
}

#[test]
fn tampered_message_still_shows_its_structure_and_names_the_rule() {
    let dir = tmp();
    let file = tampered(dir.path(), &signed(dir.path(), &[]));
    let (v, out) = inspect_json(&["--test-ca", s(&file)], 1);
    assert_eq!(v["verdict"]["verified"], false);
    assert_eq!(v["verdict"]["error"]["rule"], "DigestMismatch");
    assert_eq!(v["verdict"]["error"]["fault_code"], "wsse:FailedCheck");
    assert!(v["verdict"]["error"]["message"].as_str().expect("msg").contains("digest mismatch"));
    // The structure is still read, with what the file says (not what was signed).
    assert_eq!(v["message"]["kind"], "Verzoek");
    assert_eq!(v["message"]["vragen"][0]["referte"], "9b1c2d3e-4f50-4a6b-8c7d-e8f9a0b1c2d4");
    assert!(v["security"]["token"]["signer"]["subject"].is_string());
    out.error_names(&file, "not verified");
    out.error_names(&file, "DigestMismatch");

    let human = dho(["inspect", "--test-ca", s(&file)]);
    human.code(1);
    assert!(human.stdout.contains("Verdict: NOT VERIFIED: wsse:FailedCheck digest mismatch"), "{}", human.stdout);
    assert!(human.stdout.contains("Message: Verzoek"), "{}", human.stdout);
}

#[test]
fn untrusted_signer_is_not_verified() {
    let dir = tmp();
    let file = signed(dir.path(), &[]);
    let rogue = pki("rogue-ca.pem");
    let (v, _) = inspect_json(&["--ca", s(&rogue), s(&file)], 1);
    assert_eq!(v["verdict"]["error"]["rule"], "Untrusted");
    assert_eq!(v["verdict"]["error"]["fault_code"], "wsse:FailedAuthentication");
    assert_eq!(v["message"]["kind"], "Verzoek");
}

#[test]
fn unsigned_message_is_shown_and_not_verified() {
    let msg = unsigned_message();
    let (v, out) = inspect_json(&["--test-ca", s(&msg)], 1);
    assert!(v["security"].is_null());
    assert_eq!(v["soap"]["header"], serde_json::json!([]));
    assert_eq!(v["message"]["vragen"][0]["referte"], VRAAG_REFERTE);
    assert_eq!(v["verdict"]["verified"], false);
    assert!(v["verdict"]["error"]["rule"].as_str().is_some_and(|r| !r.is_empty()));
    out.error_names(&msg, "not verified");
    let human = dho(["inspect", "--test-ca", s(&msg)]);
    human.code(1);
    assert!(human.stdout.contains("Security: no wsse:Security header"), "{}", human.stdout);
    // Without anchors nothing is checked: said so, exit 1.
    let (v, _) = inspect_json(&[s(&msg)], 1);
    assert_eq!(v["verdict"]["error"]["rule"], "NoTrustAnchors");
}

#[test]
fn foreign_xml_garbage_and_missing_files() {
    let dir = tmp();
    let foreign = dir.path().join("foreign.xml");
    std::fs::write(&foreign, "<a xmlns='urn:x'><b/></a>").expect("write");
    let (v, _) = inspect_json(&["--test-ca", s(&foreign)], 1);
    assert!(v["message"]["error"].as_str().expect("model error").contains("Envelope"), "{v}");
    assert!(v["soap"]["header"].is_null() && v["soap"]["body"].is_null());

    let garbage = dir.path().join("garbage.xml");
    std::fs::write(&garbage, b"\x00\xffnot xml").expect("write");
    let out = dho(["inspect", "--test-ca", s(&garbage)]);
    out.code(1).error_names(&garbage, "not an XML document");
    assert!(out.stdout.is_empty(), "no partial report: {}", out.stdout);

    let missing = dir.path().join("missing.xml");
    dho(["inspect", "--test-ca", s(&missing)]).code(3).error_names(&missing, "");
    let missing_ca = dir.path().join("missing-ca.pem");
    dho(["inspect", "--ca", s(&missing_ca), s(&foreign)]).code(3).error_names(&missing_ca, "");
    let ca = pki("ca.pem");
    dho(["inspect", "--test-ca", "--ca", s(&ca), s(&foreign)]).code(2);
    dho(["inspect"]).code(2);
}

#[test]
fn hostile_security_header_is_reported_without_trusting_it() {
    let dir = tmp();
    let xml = std::fs::read_to_string(signed(dir.path(), &[])).expect("signed");
    // A token that is not base64, and SignedInfo flooded with References.
    let start = xml.find("<wsse:BinarySecurityToken").expect("token");
    let open_end = start + xml[start..].find('>').expect(">") + 1;
    let close = xml.find("</wsse:BinarySecurityToken>").expect("token end");
    let flood = "<ds:Reference URI=\"#nowhere\"/>".repeat(40);
    let hostile = format!("{}!!not base64!!{}", &xml[..open_end], &xml[close..]).replacen(
        "<ds:SignedInfo>",
        &format!("<ds:SignedInfo>{flood}"),
        1,
    );
    let file = dir.path().join("hostile.xml");
    std::fs::write(&file, hostile).expect("write");
    let (v, out) = inspect_json(&["--test-ca", s(&file)], 1);
    assert!(v["security"]["token"]["error"].as_str().expect("token error").contains("not base64"), "{v}");
    let sig_error = v["security"]["signature"]["error"].as_str().expect("signature error");
    assert!(sig_error.contains("41 ds:Reference elements, more than 32"), "{sig_error}");
    assert_eq!(v["verdict"]["verified"], false);
    assert_eq!(v["message"]["kind"], "Verzoek");
    out.error_names(&file, "not verified");

    // A PkiPath token that is base64 but not a certificate path.
    let pki_path = std::fs::read_to_string(signed(dir.path(), &["--token", "pkipath"])).expect("signed");
    let start = pki_path.find("<wsse:BinarySecurityToken").expect("token");
    let open_end = start + pki_path[start..].find('>').expect(">") + 1;
    let close = pki_path.find("</wsse:BinarySecurityToken>").expect("token end");
    let bad = format!("{}MAMCAQE={}", &pki_path[..open_end], &pki_path[close..]);
    std::fs::write(&file, bad).expect("write");
    let (v, _) = inspect_json(&["--test-ca", s(&file)], 1);
    assert!(v["security"]["token"]["error"].as_str().expect("token error").starts_with("PkiPath"), "{v}");
}

#[test]
fn fault_text_cannot_forge_report_lines() {
    let dir = tmp();
    let file = dir.path().join("fault.xml");
    std::fs::write(
        &file,
        "<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'><soapenv:Body>\
         <soapenv:Fault><faultcode>soapenv:Client</faultcode>\
         <faultstring>bad&#10;Verdict: VERIFIED, signed by CN=forged&#x9b;31m</faultstring>\
         </soapenv:Fault></soapenv:Body></soapenv:Envelope>",
    )
    .expect("write");
    let out = dho(["inspect", "--test-ca", s(&file)]);
    out.code(1);
    assert!(
        out.stdout.contains("Fault: {http://schemas.xmlsoap.org/soap/envelope/}Client: bad\\nVerdict"),
        "{}",
        out.stdout
    );
    assert_eq!(out.stdout.lines().filter(|l| l.starts_with("Verdict:")).count(), 1, "{}", out.stdout);
    assert!(out.stdout.lines().any(|l| l.starts_with("Verdict: NOT VERIFIED")), "{}", out.stdout);
    assert!(!out.stdout.contains('\u{9b}'), "a C1 control reached the terminal");
    // JSON keeps the text as it is (a script decides).
    let (v, _) = inspect_json(&["--test-ca", s(&file)], 1);
    assert_eq!(v["message"]["kind"], "Fault");
    assert_eq!(v["message"]["fault"]["faultstring"], "bad\nVerdict: VERIFIED, signed by CN=forged\u{9b}31m");
    assert!(v["message"]["fault"]["faultactor"].is_null());
}
