//! `dho-wss cert check`: what monitoring wants to know about a certificate — validity window
//! and days left, key type and size, KeyUsage and EKU, CN and serialNumber, and (with `--ca`)
//! whether it chains to the bundle. Exit 1 when it is expired, not yet valid, expires within
//! `--warn-days`, or does not chain.

use std::path::PathBuf;
use std::time::SystemTime;

use clap::Args;
use der::{Decode as _, Encode as _};
use dho_wss::oauth::Jwk;
use dho_wss::pki::{CertificateInfo, CertificateValidator, TrustAnchors};
use serde_json::json;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage};
use x509_cert::Certificate;

use crate::cert::pem;
use crate::fail::{Exit, Failure, Result};
use crate::files;
use crate::identity::{days_until, utc};

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The certificate (PEM, leaf first, chain after it; or one DER certificate)
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Check that it chains to a CA of this PEM bundle
    #[arg(long, value_name = "BUNDLE")]
    ca: Option<PathBuf>,
    /// Fail when the certificate expires within this many days
    #[arg(long, value_name = "N", default_value_t = 30)]
    warn_days: u32,
    /// Print the result as one JSON object
    #[arg(long)]
    json: bool,
}

fn eku_name(oid: &str) -> String {
    match oid {
        "1.3.6.1.5.5.7.3.1" => "serverAuth".into(),
        "1.3.6.1.5.5.7.3.2" => "clientAuth".into(),
        "1.3.6.1.5.5.7.3.3" => "codeSigning".into(),
        "1.3.6.1.5.5.7.3.4" => "emailProtection".into(),
        "1.3.6.1.5.5.7.3.8" => "timeStamping".into(),
        "1.3.6.1.5.5.7.3.9" => "OCSPSigning".into(),
        other => other.into(),
    }
}

pub(crate) fn run(args: &CheckArgs) -> Result<()> {
    let bytes = files::read(&args.file, files::MAX_PKI_FILE)?;
    let certs = pem::certificates(&args.file, &bytes)?;
    let leaf = certs.first().ok_or_else(|| Failure::invalid(&args.file, "no certificate found"))?;
    let info = CertificateInfo::from_certificate_der(leaf).map_err(|e| Failure::invalid(&args.file, e))?;
    let cert = Certificate::from_der(leaf).map_err(|e| Failure::invalid(&args.file, e))?;
    let now = SystemTime::now();

    let spki = cert.tbs_certificate().subject_public_key_info();
    let key = match spki.to_der().map_err(|e| Failure::invalid(&args.file, e)).map(|d| Jwk::from_spki_der(&d))? {
        Ok(jwk) => format!("RSA {}", jwk.modulus_bits()),
        Err(_) => format!("not RSA ({})", spki.algorithm.oid),
    };
    let mut key_usage = Vec::new();
    let mut eku = Vec::new();
    for ext in cert.tbs_certificate().extensions().map(|e| e.as_slice()).unwrap_or_default() {
        let value = ext.extn_value.as_bytes();
        match ext.extn_id.to_string().as_str() {
            "2.5.29.15" => {
                let ku =
                    KeyUsage::from_der(value).map_err(|e| Failure::invalid(&args.file, format!("KeyUsage: {e}")))?;
                key_usage = ku.0.into_iter().map(|f| format!("{f:?}")).collect();
            }
            "2.5.29.37" => {
                let e =
                    ExtendedKeyUsage::from_der(value).map_err(|e| Failure::invalid(&args.file, format!("EKU: {e}")))?;
                eku = e.0.iter().map(|o| eku_name(&o.to_string())).collect();
            }
            _ => {}
        }
    }

    let days_left = days_until(info.not_after(), now);
    let mut problems = Vec::new();
    if info.not_after() < now {
        problems.push(format!("expired on {}", utc(info.not_after())));
    } else if info.not_before() > now {
        problems.push(format!("not valid before {}", utc(info.not_before())));
    } else if days_left < i64::from(args.warn_days) {
        problems.push(format!("expires in {days_left} days (under --warn-days {})", args.warn_days));
    }
    let chain = match &args.ca {
        None => None,
        Some(ca) => {
            let pem = files::read(ca, files::MAX_PKI_FILE)?;
            let anchors = TrustAnchors::from_pem(&pem).map_err(|e| Failure::invalid(ca, e))?;
            let extra: Vec<&[u8]> = certs[1..].iter().map(Vec::as_slice).collect();
            let verdict = CertificateValidator::new(anchors).validate(leaf, &extra, now);
            let text = match &verdict {
                Ok(_) => "ok".to_owned(),
                Err(e) => e.to_string(),
            };
            if verdict.is_err() {
                problems.push(format!("does not chain to {}: {text}", ca.display()));
            }
            Some(text)
        }
    };

    if args.json {
        println!(
            "{}",
            json!({
                "file": args.file.display().to_string(),
                "subject": info.subject_dn(),
                "issuer": info.issuer_dn(),
                "common_name": info.common_name(),
                "serial_number": info.subject_serial_number(),
                "not_before": utc(info.not_before()),
                "not_after": utc(info.not_after()),
                "days_left": days_left,
                "key": key,
                "key_usage": key_usage,
                "extended_key_usage": eku,
                "chain": chain,
                "ok": problems.is_empty(),
                "problems": problems,
            })
        );
    } else {
        println!("subject:      {}", info.subject_dn());
        println!("issuer:       {}", info.issuer_dn());
        println!("CN:           {}", info.common_name().unwrap_or("-"));
        println!("serialNumber: {}", info.subject_serial_number().unwrap_or("-"));
        println!("valid:        {} .. {} ({days_left} days left)", utc(info.not_before()), utc(info.not_after()));
        println!("key:          {key}");
        println!("keyUsage:     {}", if key_usage.is_empty() { "-".into() } else { key_usage.join(", ") });
        println!("EKU:          {}", if eku.is_empty() { "-".into() } else { eku.join(", ") });
        if let Some(c) = &chain {
            println!("chain:        {c}");
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(Exit::Invalid, format!("{}: {}", args.file.display(), problems.join("; "))))
    }
}
