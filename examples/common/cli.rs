//! Command-line pieces shared by the example binaries (included with `#[path]`).

#![allow(dead_code)]

use dho_wss::pki::SigningIdentity;
use dho_wss::pki::TrustAnchors;

/// The shipped TEST PKI (testdata/pki): never for production.
pub(crate) const PKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/pki");

/// Trust anchors from the `--ca` files, or the test CA when none was given.
pub(crate) fn trust_anchors(cas: &[String]) -> Result<TrustAnchors, String> {
    let default = [format!("{PKI}/ca.pem")];
    let files = if cas.is_empty() { &default[..] } else { cas };
    let mut bundle = Vec::new();
    for ca in files {
        bundle.extend(std::fs::read(ca).map_err(|e| format!("{ca}: {e}"))?);
        bundle.push(b'\n');
    }
    TrustAnchors::from_pem(&bundle).map_err(|e| format!("trust anchors: {e}"))
}

/// The signing identity from `--key` + `--cert`, or `--p12` + `--password`, or
/// the test identity `default` (a name in testdata/pki: `<name>.key.pem` with
/// `<name>.chain.pem` or `<name>.crt.pem`) when neither was given.
pub(crate) fn identity(
    key: Option<String>,
    cert: Option<String>,
    p12: Option<String>,
    password: Option<String>,
    default: &str,
    usage: &str,
) -> Result<SigningIdentity, String> {
    match (key, cert, p12) {
        (Some(k), Some(c), None) => {
            SigningIdentity::from_pem_files(&k, &c, password.as_deref()).map_err(|e| e.to_string())
        }
        (None, None, Some(p)) => {
            let pw = password.ok_or(format!("--p12 needs --password\n{usage}"))?;
            SigningIdentity::from_pkcs12_file(&p, &pw).map_err(|e| e.to_string())
        }
        (None, None, None) => {
            let chain = format!("{PKI}/{default}.chain.pem");
            let cert = if std::path::Path::new(&chain).exists() { chain } else { format!("{PKI}/{default}.crt.pem") };
            SigningIdentity::from_pem_files(format!("{PKI}/{default}.key.pem"), cert, None).map_err(|e| e.to_string())
        }
        _ => Err(format!("give either --key and --cert, or --p12\n{usage}")),
    }
}
