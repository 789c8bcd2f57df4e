//! Helpers shared by the unit tests of the pki files.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, SystemTime};

use super::pem::parse_pem;
use super::{CertificateValidator, ChainCacheConfig, TrustAnchors};

/// The DER of the first PEM block of `testdata/pki/NAME`.
pub(super) fn pki_der(name: &str) -> Vec<u8> {
    let path = format!("{}/testdata/pki/{name}", env!("CARGO_MANIFEST_DIR"));
    let pem = std::fs::read(path).unwrap();
    let blocks = parse_pem(&pem).unwrap();
    blocks[0].der.to_vec()
}

/// A validator on the test CA with this cache.
pub(super) fn validator(config: ChainCacheConfig) -> CertificateValidator {
    let path = format!("{}/testdata/pki/ca.pem", env!("CARGO_MANIFEST_DIR"));
    CertificateValidator::new(TrustAnchors::from_pem_file(path).unwrap()).with_chain_cache(config)
}

/// 2026-01-01T00:00:00Z, inside the test certificates' validity.
pub(super) const T2026: u64 = 1_767_225_600;

/// `secs` after the Unix epoch.
pub(super) fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}
