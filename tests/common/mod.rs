//! The one home of the code the test binaries share (see `tests/README.md`).
//!
//! Every test binary declares this module once (`#[path = "../common/mod.rs"] mod common;` in
//! `tests/<layer>/main.rs`, `mod common;` in a single-file binary) and names what it needs as
//! `crate::common::…`. Here: paths to the fixtures and the test PKI, the test identities and the
//! validator that trusts the test CA; in submodules, what one layer's tests share.
//!
//! Each binary uses a different part of this module, so unused items are allowed here (and only
//! here): `dead_code` would otherwise fire in every binary for the helpers of the others.
#![allow(dead_code)]

pub(crate) mod dho_corpus;
pub(crate) mod examples;
pub(crate) mod fuzz_checks;
pub(crate) mod model;
pub(crate) mod oracle;
pub(crate) mod pem;
pub(crate) mod provider;
mod skip;
pub(crate) mod xmlgen;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use dho_wss::pki::{CertificateValidator, SigningIdentity, TrustAnchors};
use dho_wss::wss::{SignatureProfile, Signer};

// The skip convention lives in its own file so that the gateway's tests include it too.
#[allow(unused_imports)] // like dead_code above: each binary uses a part
pub(crate) use skip::{peers_required, skip};

/// The crate's root directory: fixture paths in the tests are relative to it.
pub(crate) fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A file of the test PKI, `testdata/pki/<name>` (see `testdata/pki/README.md`).
pub(crate) fn pki(name: &str) -> PathBuf {
    root().join("testdata/pki").join(name)
}

/// The bytes of the test-PKI file `name`; panics naming the file.
pub(crate) fn read_pki(name: &str) -> Vec<u8> {
    let path = pki(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// The test identity `name` (institution, other, rogue, provider, …), loaded by the process
/// default crypto provider: `<name>.key.pem` with `institution.chain.pem` for `institution`
/// (leaf and CA), `<name>.crt.pem` for the others.
pub(crate) fn identity(name: &str) -> SigningIdentity {
    let chain = if name == "institution" { "institution.chain.pem".to_owned() } else { format!("{name}.crt.pem") };
    SigningIdentity::from_pem_files(pki(&format!("{name}.key.pem")), pki(&chain), None).expect("identity")
}

/// A DHO-profile signer with the test identity `name` (see [`identity`]).
pub(crate) fn signer(name: &str) -> Signer {
    Signer::new(identity(name), SignatureProfile::dho_legacy_rsa_sha1())
}

/// A validator that trusts the test CA (`ca.pem`) and nothing else.
pub(crate) fn validator() -> CertificateValidator {
    CertificateValidator::new(TrustAnchors::from_pem_file(pki("ca.pem")).expect("ca"))
}

/// [`skip`] for a missing peer `what` (WSS4J, xmlsec1, signxml, xml-crypto, openssl, …).
pub(crate) fn unavailable(what: &str) {
    skip(&format!("{what} not available; install it or see tests/interop/README.md"));
}

/// `unix` seconds after the epoch.
pub(crate) fn at(unix: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(unix)
}

/// 2026-01-01T00:00:00Z, inside the test PKI's 2025..2055 window.
pub(crate) fn t2026() -> SystemTime {
    at(1_767_225_600)
}
