//! Which signing certificate may speak for which Instellingsnummers: the binding table,
//! its text file, and authorization rules.

use std::collections::BTreeSet;
use std::path::Path;

use crate::model::{Instellingsnummer, Operatie};
use crate::pki::{CertificateSelector, SelectorError, ValidatedCertificate};

/// Largest binding file read (1 MiB): a binding file lists applications, not data.
pub const MAX_BINDING_FILE_BYTES: usize = 1 << 20;
/// Longest line of a binding file, in bytes.
pub const MAX_BINDING_LINE_BYTES: usize = 4096;

/// What an [`AuthorizationRule`] says about one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The certificate may speak for the Instellingsnummer.
    Allow,
    /// It may not; the text says why (it becomes the Uitzondering's Omstandigheid).
    Deny(String),
    /// This rule has nothing to say; the next rule decides.
    Abstain,
}

/// A rule that decides whether a signing certificate may speak for an Instellingsnummer
/// in an operation. The PEP asks its rules in order; the first that does not
/// [`Abstain`](Decision::Abstain) decides, and when all abstain the request is refused.
///
/// Implemented by [`Bindings`], [`SubjectSerialNumberRule`] and by any
/// `Fn(&ValidatedCertificate, &Instellingsnummer, &Operatie) -> Decision + Send + Sync`.
pub trait AuthorizationRule: Send + Sync {
    /// Decides for the verified `signer`, the message's Afzender `instellingsnummer`
    /// (as the message writes it; see [`Instellingsnummer::normalized`]) and the `operatie`.
    fn decide(
        &self,
        signer: &ValidatedCertificate,
        instellingsnummer: &Instellingsnummer,
        operatie: &Operatie,
    ) -> Decision;
}

impl<F> AuthorizationRule for F
where
    F: Fn(&ValidatedCertificate, &Instellingsnummer, &Operatie) -> Decision + Send + Sync,
{
    fn decide(&self, signer: &ValidatedCertificate, nummer: &Instellingsnummer, operatie: &Operatie) -> Decision {
        self(signer, nummer, operatie)
    }
}

/// Allows a certificate to speak for the Instellingsnummer in its subject's X.520
/// `serialNumber` attribute (the VO-DCBaaS convention the test PKI follows; both sides
/// compared in the 6-digit form); abstains otherwise.
///
/// A subject with more than one `serialNumber` attribute is ambiguous (the first in DER
/// order and the first RFC 4514 prints differ) and never allowed: when one of its values is
/// the number asked for, the rule denies and says why, otherwise it abstains.
///
/// Only use it with trust anchors whose CA vouches for that attribute: any certificate the
/// anchors accept then speaks for the number in it.
#[derive(Debug, Clone, Copy, Default)]
pub struct SubjectSerialNumberRule;

impl AuthorizationRule for SubjectSerialNumberRule {
    fn decide(&self, signer: &ValidatedCertificate, nummer: &Instellingsnummer, _: &Operatie) -> Decision {
        let wanted = nummer.normalized();
        let is_wanted = |s: &str| Instellingsnummer::new(s).is_ok_and(|n| n.normalized() == wanted);
        let info = signer.info();
        match info.subject_serial_number() {
            Some(s) if is_wanted(s) => Decision::Allow,
            Some(_) => Decision::Abstain,
            None if info.subject_serial_numbers().iter().any(|s| is_wanted(s)) => Decision::Deny(format!(
                "certificate {} has more than one serialNumber attribute ({}); the serialNumber rule needs \
                 exactly one",
                describe(signer),
                info.subject_serial_numbers().join(", ")
            )),
            None => Decision::Abstain,
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    selector: CertificateSelector,
    nummers: BTreeSet<Instellingsnummer>,
    line: usize,
}

/// A table from certificates (by subject DN, CN or SHA-256 fingerprint) to the
/// Instellingsnummers each may speak for.
///
/// As an [`AuthorizationRule`]: if any entry that matches the signer lists the number
/// (compared in the 6-digit form), [`Allow`](Decision::Allow); otherwise, if a `cn:` entry
/// names one of the CNs of a subject that has several
/// ([`CertificateSelector::ambiguous_for`]), [`Deny`](Decision::Deny) saying so; if entries
/// match but none lists the number, [`Deny`](Decision::Deny); if no entry matches,
/// [`Abstain`](Decision::Abstain).
///
/// The text form is described in the [module documentation](super#binding-file).
#[derive(Debug, Clone, Default)]
pub struct Bindings {
    entries: Vec<Entry>,
}

impl Bindings {
    /// An empty table (allows nothing).
    pub fn new() -> Self {
        Bindings::default()
    }

    /// Adds the numbers `nummers` to the certificate `selector` (merged with an existing
    /// entry for the same selector).
    pub fn bind(mut self, selector: CertificateSelector, nummers: impl IntoIterator<Item = Instellingsnummer>) -> Self {
        let nummers = nummers.into_iter().map(|n| n.normalized());
        match self.entries.iter_mut().find(|e| e.selector == selector) {
            Some(e) => e.nummers.extend(nummers),
            None => self.entries.push(Entry { selector, nummers: nummers.collect(), line: 0 }),
        }
        self
    }

    /// Reads a binding file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, BindingError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| BindingError {
            line: 0,
            kind: BindingErrorKind::Io { path: path.display().to_string(), error: e.to_string() },
        })?;
        Self::from_bytes(&bytes)
    }

    /// Parses a binding file's bytes (UTF-8, at most [`MAX_BINDING_FILE_BYTES`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BindingError> {
        if bytes.len() > MAX_BINDING_FILE_BYTES {
            return Err(BindingError { line: 0, kind: BindingErrorKind::TooLarge { max: MAX_BINDING_FILE_BYTES } });
        }
        let text = std::str::from_utf8(bytes).map_err(|e| BindingError {
            line: 1 + bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count(),
            kind: BindingErrorKind::NotUtf8,
        })?;
        Self::parse(text)
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, BindingError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut entries: Vec<Entry> = Vec::new();
        for (i, raw) in text.split('\n').enumerate() {
            let line = i + 1;
            let err = |kind| BindingError { line, kind };
            if raw.len() > MAX_BINDING_LINE_BYTES {
                return Err(err(BindingErrorKind::LineTooLong { max: MAX_BINDING_LINE_BYTES }));
            }
            let l = raw.strip_suffix('\r').unwrap_or(raw);
            if l.chars().any(|c| c.is_control() && c != '\t') {
                return Err(err(BindingErrorKind::ControlCharacter));
            }
            let l = l.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let (selector, nummers) = parse_line(l).map_err(err)?;
            if let Some(first) = entries.iter().find(|e| e.selector == selector) {
                return Err(err(BindingErrorKind::DuplicateEntry { first_line: first.line }));
            }
            entries.push(Entry { selector, nummers, line });
        }
        Ok(Bindings { entries })
    }

    /// The numbers `cert` may speak for, over every matching entry (6-digit form).
    pub fn allowed_for(&self, cert: &ValidatedCertificate) -> BTreeSet<Instellingsnummer> {
        self.entries.iter().filter(|e| e.selector.matches(cert)).flat_map(|e| e.nummers.iter().cloned()).collect()
    }

    /// The entries: each selector with its numbers (6-digit form).
    pub fn entries(&self) -> impl Iterator<Item = (&CertificateSelector, &BTreeSet<Instellingsnummer>)> {
        self.entries.iter().map(|e| (&e.selector, &e.nummers))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl AuthorizationRule for Bindings {
    fn decide(&self, signer: &ValidatedCertificate, nummer: &Instellingsnummer, _: &Operatie) -> Decision {
        let mut matched = false;
        let wanted = nummer.normalized();
        for e in self.entries.iter().filter(|e| e.selector.matches(signer)) {
            if e.nummers.contains(&wanted) {
                return Decision::Allow;
            }
            matched = true;
        }
        if let Some(e) = self.entries.iter().find(|e| e.selector.ambiguous_for(signer)) {
            let line = if e.line > 0 { format!(" (line {})", e.line) } else { String::new() };
            return Decision::Deny(format!(
                "certificate {} has more than one CN attribute; a cn: binding{line} needs exactly one",
                describe(signer)
            ));
        }
        if matched {
            Decision::Deny(format!("certificate {} is not bound to instellingsnummer {nummer}", describe(signer)))
        } else {
            Decision::Abstain
        }
    }
}

/// A short description of a certificate for Uitzondering texts: its CN, else its DN.
pub(crate) fn describe(cert: &ValidatedCertificate) -> String {
    match cert.common_name() {
        Some(cn) => format!("CN={cn}"),
        None => cert.subject_dn().to_owned(),
    }
}

/// `kind: value => nummer[, nummer]*`
fn parse_line(l: &str) -> Result<(CertificateSelector, BTreeSet<Instellingsnummer>), BindingErrorKind> {
    let (kind, rest) = l.split_once(':').ok_or(BindingErrorKind::MissingKeyType)?;
    let kind = kind.trim();
    if kind.is_empty() || !kind.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(BindingErrorKind::MissingKeyType);
    }
    // Numbers never contain "=>", so the last one separates value and numbers.
    let (value, list) = rest.rsplit_once("=>").ok_or(BindingErrorKind::MissingArrow)?;
    let value = value.trim();
    if value.is_empty() {
        return Err(BindingErrorKind::EmptyValue);
    }
    let selector = match kind {
        "dn" => CertificateSelector::SubjectDn(value.to_owned()),
        "cn" => CertificateSelector::CommonName(value.to_owned()),
        "sha256" => CertificateSelector::sha256(value)?,
        other => return Err(BindingErrorKind::UnknownKeyType { found: snippet(other) }),
    };
    let mut nummers = BTreeSet::new();
    let list = list.trim();
    if list.is_empty() {
        return Err(BindingErrorKind::NoInstellingsnummers);
    }
    for n in list.split(',') {
        let n = n.trim();
        let nummer =
            Instellingsnummer::new(n).map_err(|_| BindingErrorKind::BadInstellingsnummer { found: snippet(n) })?;
        nummers.insert(nummer.normalized());
    }
    Ok((selector, nummers))
}

fn snippet(s: &str) -> String {
    let mut out: String = s.chars().take(80).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

/// A binding file that could not be read, with the line (1-based; 0 for the whole file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("binding file, line {line}: {kind}")]
pub struct BindingError {
    /// The 1-based line, or 0 when the error concerns the whole file.
    pub line: usize,
    /// What is wrong.
    pub kind: BindingErrorKind,
}

/// What is wrong with a binding file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BindingErrorKind {
    /// The file could not be read.
    #[error("cannot read {path}: {error}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        error: String,
    },
    /// The file is larger than [`MAX_BINDING_FILE_BYTES`].
    #[error("file larger than {max} bytes")]
    TooLarge {
        /// The limit.
        max: usize,
    },
    /// The file is not UTF-8 (the line holds the first bad byte).
    #[error("not UTF-8")]
    NotUtf8,
    /// A line longer than [`MAX_BINDING_LINE_BYTES`].
    #[error("line longer than {max} bytes")]
    LineTooLong {
        /// The limit.
        max: usize,
    },
    /// A control character (other than tab) in a line.
    #[error("control character in line")]
    ControlCharacter,
    /// The line does not start with `kind:`.
    #[error("expected `dn:`, `cn:` or `sha256:` at the start of the line")]
    MissingKeyType,
    /// A key type other than `dn`, `cn`, `sha256`.
    #[error("unknown key type {found:?} (expected dn, cn or sha256)")]
    UnknownKeyType {
        /// The key type found.
        found: String,
    },
    /// No `=>` between the certificate and the numbers.
    #[error("missing `=>` between certificate and instellingsnummers")]
    MissingArrow,
    /// Nothing between `kind:` and `=>`.
    #[error("empty certificate value")]
    EmptyValue,
    /// A `sha256:` value that is not 64 hex digits (optionally colon-separated pairs).
    #[error("bad SHA-256 fingerprint {found:?} (64 hex digits, optionally in colon-separated pairs)")]
    BadFingerprint {
        /// The value found.
        found: String,
    },
    /// Nothing after `=>`.
    #[error("no instellingsnummer after `=>`")]
    NoInstellingsnummers,
    /// A number that is not 1..6 digits.
    #[error("bad instellingsnummer {found:?} (1 to 6 digits)")]
    BadInstellingsnummer {
        /// The value found.
        found: String,
    },
    /// The same certificate selector on two lines.
    #[error("duplicate entry (first on line {first_line})")]
    DuplicateEntry {
        /// The line of the first entry.
        first_line: usize,
    },
}

impl From<SelectorError> for BindingErrorKind {
    fn from(e: SelectorError) -> Self {
        match e {
            SelectorError::BadFingerprint { found } => BindingErrorKind::BadFingerprint { found },
        }
    }
}
