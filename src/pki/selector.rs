//! Naming one certificate: by subject DN, Common Name or SHA-256 fingerprint.

use std::fmt;

use super::trust::ValidatedCertificate;

/// How a binding or a pin names a certificate: by subject DN, Common Name or SHA-256
/// fingerprint.
///
/// The provider's binding table ([`Bindings`](crate::provider::Bindings)) maps selectors to
/// Instellingsnummers; the institution's [`ReplyVerifier`](crate::institution::ReplyVerifier)
/// pins the provider's certificate with one.
///
/// A selector that looks at one attribute (`cn:`) needs a subject with exactly one such
/// attribute: a subject with two CNs is ambiguous (which one is "the" CN depends on the
/// reader: the first in DER order, or the first RFC 4514 prints), so it never matches, and a
/// binding table denies it when a `cn:` line names one of its CNs. `dn:` and `sha256:` name
/// the whole certificate and are never ambiguous.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CertificateSelector {
    /// The whole subject DN, exactly as [`ValidatedCertificate::subject_dn`] writes it: what
    /// `openssl x509 -noout -subject -nameopt RFC2253` prints (RFC 4514, most specific RDN
    /// first, OpenSSL attribute names; see [`CertificateInfo::subject_dn`]).
    ///
    /// [`CertificateInfo::subject_dn`]: super::CertificateInfo::subject_dn
    SubjectDn(String),
    /// The subject's Common Name, exactly, when the subject has exactly one CN attribute
    /// (see [`ValidatedCertificate::common_name`]).
    CommonName(String),
    /// The SHA-256 fingerprint of the certificate DER (64 lowercase hex digits).
    Sha256(String),
}

impl CertificateSelector {
    /// Selects by subject DN (compared exactly).
    pub fn subject_dn(dn: impl Into<String>) -> Self {
        CertificateSelector::SubjectDn(dn.into())
    }

    /// Selects by Common Name (compared exactly).
    pub fn common_name(cn: impl Into<String>) -> Self {
        CertificateSelector::CommonName(cn.into())
    }

    /// Selects by SHA-256 fingerprint: 64 hex digits, either case, optionally in pairs
    /// separated by `:` (as `openssl x509 -fingerprint -sha256` prints it).
    pub fn sha256(fingerprint: &str) -> Result<Self, SelectorError> {
        let bad = || SelectorError::BadFingerprint { found: snippet(fingerprint) };
        let hex: String = if fingerprint.contains(':') {
            let pairs: Vec<&str> = fingerprint.split(':').collect();
            if pairs.len() != 32 || pairs.iter().any(|p| p.len() != 2) {
                return Err(bad());
            }
            pairs.concat()
        } else {
            fingerprint.to_owned()
        };
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(CertificateSelector::Sha256(hex.to_ascii_lowercase()))
    }

    /// Whether `cert` is the certificate this selector names. A `cn:` selector never matches a
    /// subject with more than one CN ([`ambiguous_for`](Self::ambiguous_for)).
    pub fn matches(&self, cert: &ValidatedCertificate) -> bool {
        match self {
            CertificateSelector::SubjectDn(dn) => cert.subject_dn() == dn,
            CertificateSelector::CommonName(cn) => cert.common_name() == Some(cn.as_str()),
            CertificateSelector::Sha256(fp) => cert.sha256_fingerprint() == fp,
        }
    }

    /// Whether this is a `cn:` selector that names one of the CNs of `cert`, whose subject has
    /// more than one CN attribute: the selector would match under one reading of "the" CN,
    /// so it neither matches nor abstains but refuses (see the [type documentation](Self)).
    pub fn ambiguous_for(&self, cert: &ValidatedCertificate) -> bool {
        match self {
            CertificateSelector::CommonName(cn) => {
                let info = cert.info();
                info.common_name().is_none() && info.common_names().iter().any(|c| c == cn)
            }
            CertificateSelector::SubjectDn(_) | CertificateSelector::Sha256(_) => false,
        }
    }

    /// The kind as written in a binding file: `dn`, `cn` or `sha256`.
    pub fn kind(&self) -> &'static str {
        match self {
            CertificateSelector::SubjectDn(_) => "dn",
            CertificateSelector::CommonName(_) => "cn",
            CertificateSelector::Sha256(_) => "sha256",
        }
    }

    /// The value (DN, CN or lowercase hex fingerprint).
    pub fn value(&self) -> &str {
        match self {
            CertificateSelector::SubjectDn(v) | CertificateSelector::CommonName(v) | CertificateSelector::Sha256(v) => {
                v
            }
        }
    }
}

impl fmt::Display for CertificateSelector {
    /// `kind: value`, the binding-file form (`cn: app.instelling-001234.hogeschool`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind(), self.value())
    }
}

/// Why a [`CertificateSelector`] could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SelectorError {
    /// A SHA-256 fingerprint that is not 64 hex digits (optionally colon-separated pairs).
    #[error("bad SHA-256 fingerprint {found:?} (64 hex digits, optionally in colon-separated pairs)")]
    BadFingerprint {
        /// The value found (at most 80 characters of it).
        found: String,
    },
}

/// At most 80 characters of `s`, for error messages.
fn snippet(s: &str) -> String {
    let mut out: String = s.chars().take(80).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_accepts_both_cases_and_colon_pairs_and_stores_lowercase() {
        let plain = "AB".repeat(32);
        let paired = vec!["ab"; 32].join(":");
        for fp in [plain.as_str(), paired.as_str()] {
            assert_eq!(CertificateSelector::sha256(fp), Ok(CertificateSelector::Sha256("ab".repeat(32))), "{fp}");
        }
        for bad in ["abc", &"g".repeat(64), &("ab:".repeat(31) + "abc"), &"a".repeat(66), &"a".repeat(200)] {
            let Err(SelectorError::BadFingerprint { found }) = CertificateSelector::sha256(bad) else {
                panic!("{bad} accepted");
            };
            assert!(found.chars().count() <= 81, "{found}");
        }
    }

    #[test]
    fn display_is_the_binding_file_form() {
        assert_eq!(CertificateSelector::common_name("x.y").to_string(), "cn: x.y");
        assert_eq!(CertificateSelector::subject_dn("CN=a,O=b").to_string(), "dn: CN=a,O=b");
    }
}
