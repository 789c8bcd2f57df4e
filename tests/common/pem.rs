//! PEM decoding for tests, independent of the library's own PEM reader.

use base64::Engine as _;

/// The first PEM block of a PEM text, decoded.
pub(crate) fn der_of(pem: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(pem).expect("PEM is text");
    let body: String = text
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).expect("PEM body is base64")
}
