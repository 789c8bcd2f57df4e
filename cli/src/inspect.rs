//! `dho-wss inspect`: what a message holds, for a person or (`--json`) a script: the SOAP
//! structure, the operation, the Context, Vragen/Antwoorden/Uitzonderingen or the Fault, the
//! WS-Security header (token, what each Reference covers, Timestamp) and the verdict of the
//! verifier. A message that does not verify is still shown; the verdict says why (exit 1).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use clap::Args;
use der::{Decode as _, Encode as _};
use dho_wss::model::{Context, Envelope, Uitzondering};
use dho_wss::pki::{CertificateInfo, CertificateValidator};
use dho_wss::soap::{DS_NS, SOAP11_NS, WSSE_NS, WSU_NS};
use dho_wss::wss::{Verifier, PKIPATH_TOKEN, X509V3_TOKEN};
use dho_wss::xml::{Document, Element};
use serde_json::{json, Value};

use crate::fail::{Failure, Result};
use crate::files;
use crate::identity::utc;
use crate::verify::{self, AcceptProfile};

/// Most certificates read from one PkiPath token.
const MAX_PATH_CERTIFICATES: usize = 16;
/// Most ds:Reference elements reported: each is looked up in the whole document (the verifier
/// refuses far fewer; a hostile file must not make the report quadratic).
const MAX_REFERENCES: usize = 32;

#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// A PEM file of trusted CA certificates (repeatable); without one the verdict is "not verified"
    #[arg(long = "ca", value_name = "CA.pem")]
    cas: Vec<PathBuf>,
    /// Trust the shipped TEST CA (testdata/pki/ca.pem: tests and demos only)
    #[arg(long, conflicts_with = "cas")]
    test_ca: bool,
    /// Which signature profiles are accepted
    #[arg(long, value_enum, default_value = "any")]
    profile: AcceptProfile,
    /// Print the report as one JSON object
    #[arg(long)]
    json: bool,
    /// The message (a signed or unsigned SOAP 1.1 envelope)
    #[arg(value_name = "IN")]
    input: PathBuf,
}

pub(crate) fn run(args: &InspectArgs) -> Result<()> {
    let verifier = if args.cas.is_empty() && !args.test_ca {
        None
    } else {
        let anchors = verify::anchors(&args.cas, args.test_ca)?;
        Some(Verifier::new(args.profile.policy(), CertificateValidator::new(anchors)))
    };
    let bytes = files::read(&args.input, files::MAX_MESSAGE)?;
    let report = report(&args.input, &bytes, verifier.as_ref())?;
    if args.json {
        println!("{report}");
    } else {
        print!("{}", human(&report));
    }
    match &report["verdict"]["error"] {
        Value::Object(e) => Err(Failure::invalid(
            &args.input,
            format!("not verified: {} ({})", e["message"].as_str().unwrap_or(""), e["rule"].as_str().unwrap_or("")),
        )),
        _ => Ok(()),
    }
}

/// The whole report of `bytes`; an error only when they are not XML at all.
fn report(path: &Path, bytes: &[u8], verifier: Option<&Verifier>) -> Result<Value> {
    let doc = Document::parse(bytes).map_err(|e| Failure::invalid(path, format!("not an XML document: {e}")))?;
    let verdict = match verifier.map(|v| v.verify(bytes)) {
        None => json!({
            "verified": false,
            "error": {"rule": "NoTrustAnchors", "fault_code": null, "message": "no trust anchors given (--ca CA.pem or --test-ca): the signature was not checked"},
        }),
        Some(Ok(v)) => {
            let s = v.signer().info();
            json!({
                "verified": true,
                "signer": s.subject_dn(),
                "issuer": s.issuer_dn(),
                "signature_algorithm": v.signature_algorithm().uri(),
                "error": null,
            })
        }
        Some(Err(e)) => json!({
            "verified": false,
            "error": {"rule": variant(&format!("{e:?}")), "fault_code": e.fault_code().prefixed(), "message": e.to_string()},
        }),
    };
    let root = doc.root();
    let message = match Envelope::read(root, None) {
        Ok(m) => message(&m),
        Err(e) => json!({"error": e.to_string()}),
    };
    Ok(json!({
        "file": path.display().to_string(),
        "soap": soap(root),
        "message": message,
        "security": security(root),
        "verdict": verdict,
    }))
}

/// The variant name of a `VerifyError`'s Debug form (`DigestMismatch { .. }` → `DigestMismatch`).
fn variant(debug: &str) -> &str {
    debug.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or(debug)
}

fn soap_child<'d>(parent: Element<'d>, local: &str) -> Option<Element<'d>> {
    parent.child_elements().find(|c| c.is(Some(SOAP11_NS), local))
}

fn soap(root: Element<'_>) -> Value {
    let header = soap_child(root, "Header");
    let body = soap_child(root, "Body");
    json!({
        "envelope": root.expanded_name(),
        "header": header.map(|h| h.child_elements().map(|c| c.expanded_name()).collect::<Vec<_>>()),
        "body": body.map(|b| b.child_elements().map(|c| c.expanded_name()).collect::<Vec<_>>()),
    })
}

fn context(c: &Context) -> Value {
    let b = c.bericht();
    json!({
        "naam": c.naam(),
        "versie": c.versie().to_string(),
        "bericht_type": b.type_().to_string(),
        "tijdstip": b.tijdstip().to_string(),
        "afzender": {"identificatie": b.afzender().identificatie(), "naam": b.afzender().naam(), "referte": b.afzender().referte().to_string()},
        "ontvanger": b.ontvanger().map(|o| json!({"identificatie": o.identificatie(), "naam": o.naam(), "referte": o.referte().map(|r| r.to_string())})),
    })
}

fn uitzonderingen(list: &[Uitzondering]) -> Value {
    list.iter()
        .map(|u| json!({"identificatie": u.identificatie(), "type": u.type_().to_string(), "diagnose": u.diagnose()}))
        .collect()
}

fn message(m: &Envelope) -> Value {
    match m {
        Envelope::Verzoek { operatie, verzoek } => json!({
            "kind": "Verzoek",
            "operation": {"namespace": operatie.namespace(), "name": operatie.naam()},
            "context": context(verzoek.context()),
            "vragen": verzoek.vragen().iter().map(|v| json!({"referte": v.referte().to_string()})).collect::<Vec<_>>(),
        }),
        Envelope::Repliek { operatie, repliek } => json!({
            "kind": "Repliek",
            "operation": {"namespace": operatie.namespace(), "name": operatie.naam()},
            "context": context(repliek.context()),
            "antwoorden": repliek.antwoorden().iter().map(|a| json!({
                "referte": a.referte().to_string(),
                "fout": a.is_fout(),
                "uitzonderingen": uitzonderingen(a.uitzonderingen()),
            })).collect::<Vec<_>>(),
            "uitzonderingen": uitzonderingen(repliek.uitzonderingen()),
        }),
        Envelope::Fault(f) => json!({
            "kind": "Fault",
            "fault": {
                "faultcode": match f.faultcode().namespace() {
                    Some(ns) => format!("{{{ns}}}{}", f.faultcode().local_name()),
                    None => f.faultcode().local_name().to_owned(),
                },
                "faultstring": f.faultstring(),
                "faultactor": f.faultactor(),
            },
        }),
    }
}

/// The wsse:Security header as found, without judging it (the verdict does that).
fn security(root: Element<'_>) -> Value {
    let Some(sec) =
        soap_child(root, "Header").and_then(|h| h.child_elements().find(|c| c.is(Some(WSSE_NS), "Security")))
    else {
        return Value::Null;
    };
    let timestamp = sec.child_elements().find(|c| c.is(Some(WSU_NS), "Timestamp")).map(|t| {
        let text = |local: &str| t.child_elements().find(|c| c.is(Some(WSU_NS), local)).map(|c| c.text());
        json!({"created": text("Created"), "expires": text("Expires")})
    });
    let token = sec.child_elements().find(|c| c.is(Some(WSSE_NS), "BinarySecurityToken")).map(token);
    let signature = sec.child_elements().find(|c| c.is(Some(DS_NS), "Signature")).map(|s| signature(root, s));
    json!({"timestamp": timestamp, "token": token, "signature": signature})
}

fn token(t: Element<'_>) -> Value {
    let value_type = t.attribute(None, "ValueType").unwrap_or("");
    let text: String = t.text().split_whitespace().collect();
    let certificates = match base64::engine::general_purpose::STANDARD.decode(text.as_bytes()) {
        Err(e) => Err(format!("token is not base64: {e}")),
        Ok(der) if value_type == X509V3_TOKEN => Ok(vec![der]),
        Ok(der) if value_type == PKIPATH_TOKEN => pki_path(&der),
        Ok(_) => Err(format!("unknown ValueType {value_type:?}")),
    };
    match certificates.and_then(|c| {
        let signer = c.last().ok_or("no certificate in the token")?;
        let info = CertificateInfo::from_certificate_der(signer).map_err(|e| format!("signer certificate: {e}"))?;
        Ok((c.len(), info))
    }) {
        Ok((n, s)) => json!({
            "value_type": value_type,
            "certificates": n,
            "signer": {
                "subject": s.subject_dn(),
                "issuer": s.issuer_dn(),
                "serial": s.serial_hex(),
                "not_before": utc(s.not_before()),
                "not_after": utc(s.not_after()),
            },
        }),
        Err(e) => json!({"value_type": value_type, "error": e}),
    }
}

/// The certificates of a PkiPath (a DER SEQUENCE OF Certificate, the signer last).
fn pki_path(der: &[u8]) -> std::result::Result<Vec<Vec<u8>>, String> {
    let path = Vec::<x509_cert::Certificate>::from_der(der).map_err(|e| format!("PkiPath: {e}"))?;
    if path.len() > MAX_PATH_CERTIFICATES {
        return Err(format!("PkiPath holds {} certificates, more than {MAX_PATH_CERTIFICATES}", path.len()));
    }
    path.iter().map(|c| c.to_der().map_err(|e| format!("PkiPath: {e}"))).collect()
}

fn algorithm(parent: Element<'_>, local: &str) -> Option<String> {
    parent
        .child_elements()
        .find(|c| c.is(Some(DS_NS), local))
        .and_then(|c| c.attribute(None, "Algorithm"))
        .map(str::to_owned)
}

fn signature(root: Element<'_>, sig: Element<'_>) -> Value {
    let Some(si) = sig.child_elements().find(|c| c.is(Some(DS_NS), "SignedInfo")) else {
        return json!({"error": "no ds:SignedInfo"});
    };
    let count = si.child_elements().filter(|c| c.is(Some(DS_NS), "Reference")).count();
    if count > MAX_REFERENCES {
        return json!({"error": format!("{count} ds:Reference elements, more than {MAX_REFERENCES}: not listed")});
    }
    let references: Vec<Value> = si
        .child_elements()
        .filter(|c| c.is(Some(DS_NS), "Reference"))
        .map(|r| {
            let uri = r.attribute(None, "URI");
            let covers = uri.and_then(|u| u.strip_prefix('#')).map(|id| {
                let found: Vec<String> = root
                    .descendants()
                    .filter(|e| e.attributes().any(|a| a.local_name() == "Id" && a.value() == id))
                    .map(|e| e.expanded_name())
                    .collect();
                match found.as_slice() {
                    [one] => Value::from(one.as_str()),
                    [] => Value::from("(no element with this Id)"),
                    _ => Value::from(format!("({} elements with this Id)", found.len())),
                }
            });
            let transforms: Vec<String> = r
                .child_elements()
                .find(|c| c.is(Some(DS_NS), "Transforms"))
                .map(|ts| ts.child_elements().filter_map(|t| t.attribute(None, "Algorithm").map(str::to_owned)).collect())
                .unwrap_or_default();
            json!({"uri": uri, "covers": covers, "transforms": transforms, "digest_method": algorithm(r, "DigestMethod")})
        })
        .collect();
    json!({
        "canonicalization": algorithm(si, "CanonicalizationMethod"),
        "signature_method": algorithm(si, "SignatureMethod"),
        "references": references,
    })
}

/// A string of the report for a terminal: control characters (a line break that would forge a
/// "Verdict:" line, an escape sequence) are shown escaped, never passed through.
fn s(v: &Value) -> String {
    let text = v.as_str().unwrap_or("-");
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

/// The report for a person: the same facts as the JSON.
fn human(r: &Value) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "File: {}", s(&r["file"]));
    let soap = &r["soap"];
    let _ = writeln!(o, "SOAP: {}", s(&soap["envelope"]));
    let list = |v: &Value| match v.as_array() {
        None => "(absent)".to_owned(),
        Some(a) if a.is_empty() => "(empty)".to_owned(),
        Some(a) => a.iter().map(s).collect::<Vec<_>>().join(", "),
    };
    let _ = writeln!(o, "  Header: {}", list(&soap["header"]));
    let _ = writeln!(o, "  Body:   {}", list(&soap["body"]));
    let m = &r["message"];
    if let Some(e) = m["error"].as_str() {
        let _ = writeln!(o, "Message: not a DHO message: {e}");
    } else {
        let _ = writeln!(o, "Message: {}", s(&m["kind"]));
        if m["operation"].is_object() {
            let _ = writeln!(o, "  Operation: {{{}}}{}", s(&m["operation"]["namespace"]), s(&m["operation"]["name"]));
        }
        let c = &m["context"];
        if c.is_object() {
            let _ = writeln!(
                o,
                "  Context: {} {} (Bericht Type {}, Tijdstip {})",
                s(&c["naam"]),
                s(&c["versie"]),
                s(&c["bericht_type"]),
                s(&c["tijdstip"])
            );
            let a = &c["afzender"];
            let _ = writeln!(o, "    Afzender:  {} (Referte {})", s(&a["identificatie"]), s(&a["referte"]));
            let t = &c["ontvanger"];
            if t.is_object() {
                let _ = writeln!(o, "    Ontvanger: {} (Referte {})", s(&t["identificatie"]), s(&t["referte"]));
            }
        }
        for v in m["vragen"].as_array().into_iter().flatten() {
            let _ = writeln!(o, "  Vraag Referte {}", s(&v["referte"]));
        }
        for a in m["antwoorden"].as_array().into_iter().flatten() {
            let fout = if a["fout"].as_bool() == Some(true) { " (fout)" } else { "" };
            let _ = writeln!(o, "  Antwoord Referte {}{fout}", s(&a["referte"]));
            uitzonderingen_human(&mut o, &a["uitzonderingen"], "    ");
        }
        uitzonderingen_human(&mut o, &m["uitzonderingen"], "  ");
        let f = &m["fault"];
        if f.is_object() {
            let _ = writeln!(o, "  Fault: {}: {}", s(&f["faultcode"]), s(&f["faultstring"]));
        }
    }
    let sec = &r["security"];
    if sec.is_null() {
        let _ = writeln!(o, "Security: no wsse:Security header");
    } else {
        let _ = writeln!(o, "Security:");
        let t = &sec["timestamp"];
        if t.is_object() {
            let _ = writeln!(o, "  Timestamp: Created {} Expires {}", s(&t["created"]), s(&t["expires"]));
        }
        let k = &sec["token"];
        if let Some(e) = k["error"].as_str() {
            let _ = writeln!(o, "  Token: unreadable: {e}");
        } else if k.is_object() {
            let g = &k["signer"];
            let _ = writeln!(o, "  Token: {} ({} certificate(s))", s(&k["value_type"]), k["certificates"]);
            let _ = writeln!(o, "    Subject:  {}", s(&g["subject"]));
            let _ = writeln!(o, "    Issuer:   {}", s(&g["issuer"]));
            let _ = writeln!(o, "    Serial:   {}", s(&g["serial"]));
            let _ = writeln!(o, "    Validity: {} .. {}", s(&g["not_before"]), s(&g["not_after"]));
        }
        let sig = &sec["signature"];
        if let Some(e) = sig["error"].as_str() {
            let _ = writeln!(o, "  Signature: {e}");
        } else if sig.is_object() {
            let _ = writeln!(o, "  Signature: {} (c14n {})", s(&sig["signature_method"]), s(&sig["canonicalization"]));
            for r in sig["references"].as_array().into_iter().flatten() {
                let _ = writeln!(o, "    Reference {} -> {}", s(&r["uri"]), s(&r["covers"]));
                let _ = writeln!(o, "      digest {}; transforms {}", s(&r["digest_method"]), list(&r["transforms"]));
            }
        }
    }
    let v = &r["verdict"];
    if v["verified"].as_bool() == Some(true) {
        let _ = writeln!(o, "Verdict: VERIFIED, signed by {} (issuer {})", s(&v["signer"]), s(&v["issuer"]));
    } else {
        let e = &v["error"];
        let _ = writeln!(o, "Verdict: NOT VERIFIED: {} {} ({})", s(&e["fault_code"]), s(&e["message"]), s(&e["rule"]));
    }
    o
}

fn uitzonderingen_human(o: &mut String, list: &Value, indent: &str) {
    for u in list.as_array().into_iter().flatten() {
        let _ = writeln!(o, "{indent}Uitzondering {} {}: {}", s(&u["type"]), s(&u["identificatie"]), s(&u["diagnose"]));
    }
}
