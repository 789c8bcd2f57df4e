//! The PEM reader: blocks, the certificates and the one private key of a PEM input (RFC 7468,
//! with the text OpenSSL writes around blocks).

use base64::Engine as _;
use der::zeroize::Zeroizing;
use der::{Decode, Encode};

use super::identity::KeyError;

/// Where a [`KeyError`] happened, as shown in messages.
const KEY_PEM: &str = "key PEM";

/// A decoded PEM block.
pub(crate) struct PemBlock {
    pub(crate) label: String,
    /// Zeroized on drop: for key blocks this is secret.
    pub(crate) der: Zeroizing<Vec<u8>>,
    /// The block had RFC 1421 headers (`Proc-Type`, `DEK-Info`): OpenSSL legacy encryption.
    pub(crate) has_headers: bool,
}

/// Splits PEM text into blocks. Text outside blocks is ignored (OpenSSL writes `Bag
/// Attributes` and `subject=` lines there). Returns an error for input that has content but no
/// block at all, an unterminated block, a mismatched END label or invalid base64. Empty or
/// whitespace-only input gives no blocks.
pub(crate) fn parse_pem(input: &[u8]) -> Result<Vec<PemBlock>, String> {
    let text = String::from_utf8_lossy(input);
    let mut blocks = Vec::new();
    let mut current: Option<(String, Zeroizing<String>, bool)> = None;
    for line in text.lines() {
        let line = line.trim();
        match &mut current {
            None => {
                if let Some(label) = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) {
                    current = Some((label.to_owned(), Zeroizing::new(String::new()), false));
                }
            }
            Some((label, body, has_headers)) => {
                if let Some(end) = line.strip_prefix("-----END ").and_then(|l| l.strip_suffix("-----")) {
                    if end != label {
                        return Err(format!("block `{label}` ends with `END {end}`"));
                    }
                    let der = base64::engine::general_purpose::STANDARD
                        .decode(body.as_bytes())
                        .map_err(|e| format!("block `{label}`: invalid base64: {e}"))?;
                    blocks.push(PemBlock {
                        label: std::mem::take(label),
                        der: Zeroizing::new(der),
                        has_headers: *has_headers,
                    });
                    current = None;
                } else if line.starts_with("-----") {
                    return Err(format!("block `{label}` has no END line"));
                } else if line.contains(':') {
                    *has_headers = true;
                } else {
                    body.push_str(line);
                }
            }
        }
    }
    if let Some((label, _, _)) = current {
        return Err(format!("block `{label}` has no END line"));
    }
    if blocks.is_empty() && !text.trim().is_empty() {
        return Err("no `-----BEGIN ...-----` block found (is this DER?)".to_owned());
    }
    Ok(blocks)
}

/// The one private key in `key_pem`, as unencrypted PKCS#8 DER.
pub(super) fn private_key_from_pem(key_pem: &[u8], password: Option<&str>) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let blocks = parse_pem(key_pem).map_err(|reason| KeyError::MalformedPem { input: KEY_PEM, reason })?;
    let mut keys = Vec::new();
    for block in blocks {
        match block.label.as_str() {
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" => keys.push(block),
            "EC PRIVATE KEY" | "EC PARAMETERS" => return Err(KeyError::NotRsa { algorithm: "EC".to_owned() }),
            "DSA PRIVATE KEY" => return Err(KeyError::NotRsa { algorithm: "DSA".to_owned() }),
            "CERTIFICATE" => {}
            _ => {
                return Err(KeyError::UnknownPemLabel {
                    input: KEY_PEM,
                    label: block.label,
                    expected: "PRIVATE KEY, RSA PRIVATE KEY or ENCRYPTED PRIVATE KEY",
                })
            }
        }
    }
    if keys.len() > 1 {
        return Err(KeyError::MultiplePrivateKeys { count: keys.len() });
    }
    let block = keys.pop().ok_or(KeyError::NoPrivateKey)?;
    if block.has_headers {
        return Err(KeyError::UnsupportedEncryption {
            reason: format!(
                "`{}` with PEM headers (OpenSSL legacy `Proc-Type: 4,ENCRYPTED`); convert it \
                 with `openssl pkcs8 -topk8 -v2 aes-256-cbc`",
                block.label
            ),
        });
    }
    match block.label.as_str() {
        "RSA PRIVATE KEY" => pkcs1_to_pkcs8(&block.der),
        "ENCRYPTED PRIVATE KEY" => {
            let password = password.ok_or(KeyError::PasswordRequired)?;
            decrypt_pkcs8(&block.der, password)
        }
        _ => Ok(block.der),
    }
}

/// Wraps a PKCS#1 `RSAPrivateKey` in a PKCS#8 `PrivateKeyInfo`.
fn pkcs1_to_pkcs8(pkcs1_der: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let malformed = |e: der::Error| KeyError::MalformedKey { reason: format!("invalid PKCS#1 RSA private key: {e}") };
    // Parse first so that a broken PKCS#1 key is reported as such.
    pkcs1::RsaPrivateKeyRef::from_der(pkcs1_der)
        .map_err(|e| KeyError::MalformedKey { reason: format!("invalid PKCS#1 RSA private key: {e}") })?;
    let octets = der::asn1::OctetStringRef::new(pkcs1_der).map_err(malformed)?;
    pkcs8::PrivateKeyInfoRef::new(pkcs1::ALGORITHM_ID, octets).to_der().map(Zeroizing::new).map_err(malformed)
}

fn decrypt_pkcs8(der: &[u8], password: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der)
        .map_err(|e| KeyError::MalformedKey { reason: format!("invalid encrypted PKCS#8: {e}") })?;
    let doc = info.decrypt(password).map_err(|e| match e {
        pkcs8::Error::EncryptedPrivateKey(pkcs8::pkcs5::Error::DecryptFailed) => {
            KeyError::WrongPassword { what: "encrypted private key" }
        }
        other => KeyError::UnsupportedEncryption { reason: format!("encrypted PKCS#8: {other}") },
    })?;
    // With a wrong password the padding check passes by chance about once in 256 tries;
    // the plaintext is then not a PrivateKeyInfo.
    if pkcs8::PrivateKeyInfoRef::try_from(doc.as_bytes()).is_err() {
        return Err(KeyError::WrongPassword { what: "encrypted private key" });
    }
    Ok(Zeroizing::new(doc.as_bytes().to_vec()))
}

/// The `CERTIFICATE` blocks of a PEM input, DER, in order. Private key blocks are skipped
/// (combined files); other labels are an error.
pub(crate) fn certificates_from_pem(pem: &[u8], input: &'static str) -> Result<Vec<Vec<u8>>, KeyError> {
    let blocks = parse_pem(pem).map_err(|reason| KeyError::MalformedPem { input, reason })?;
    let mut certs = Vec::new();
    for mut block in blocks {
        match block.label.as_str() {
            "CERTIFICATE" => certs.push(std::mem::take(&mut *block.der)),
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" | "EC PRIVATE KEY" => {}
            _ => return Err(KeyError::UnknownPemLabel { input, label: block.label, expected: "CERTIFICATE" }),
        }
    }
    if certs.is_empty() {
        return Err(KeyError::NoCertificate { input });
    }
    Ok(certs)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pem_parser_handles_text_around_blocks_and_crlf() {
        let pem = b"Bag Attributes\r\n    friendlyName: x\r\nsubject=CN=x\r\n-----BEGIN CERTIFICATE-----\r\nAAEC\r\nAw==\r\n-----END CERTIFICATE-----\r\n";
        let blocks = parse_pem(pem).unwrap();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].label, "CERTIFICATE");
        assert_eq!(*blocks[0].der, vec![0, 1, 2, 3]);
        assert!(!blocks[0].has_headers);
    }

    #[test]
    fn pem_parser_errors() {
        assert!(parse_pem(b"").unwrap().is_empty());
        assert!(parse_pem(b"  \n\t\n").unwrap().is_empty());
        assert!(parse_pem(b"\x30\x82\x01\x00garbage").is_err());
        assert!(parse_pem(b"-----BEGIN CERTIFICATE-----\nAAEC\n").is_err());
        assert!(parse_pem(b"-----BEGIN CERTIFICATE-----\nAAEC\n-----END PRIVATE KEY-----\n").is_err());
        assert!(parse_pem(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n").is_err());
        assert!(parse_pem(
            b"-----BEGIN CERTIFICATE-----\nAAEC\n-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"
        )
        .is_err());
    }

    #[test]
    fn legacy_encrypted_pem_headers_are_detected() {
        let pem = b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAEC\n-----END RSA PRIVATE KEY-----\n";
        assert!(matches!(private_key_from_pem(pem, Some("x")), Err(KeyError::UnsupportedEncryption { .. })));
    }
}
