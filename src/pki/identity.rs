//! The signing identity: an RSA private key with its certificate and chain (see the
//! [`pki` module documentation](super)).

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use der::zeroize::Zeroizing;
use der::{Decode, Encode};
use sha2::{Digest as _, Sha256};
use x509_cert::Certificate;

use crate::crypto::{default_provider, CryptoError, CryptoProvider, SigningKey, MIN_RSA_BITS};

/// Where a [`KeyError`] happened, as shown in messages.
const KEY_PEM: &str = "key PEM";
const CERT_PEM: &str = "certificate PEM";

/// Errors while loading a signing identity. Display says what went wrong and in which input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}", path = path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An error in the content of a file (from the `*_file` constructors); `source` is the
    /// error about the content, see [`KeyError::root`].
    #[error("{path}: {source}", path = path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: Box<KeyError>,
    },
    /// The input is not PEM, or a PEM block is broken (no END line, mismatched END label,
    /// invalid base64).
    #[error("{input}: malformed PEM: {reason}")]
    MalformedPem {
        /// Which input (`"key PEM"`, `"certificate PEM"`).
        input: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A PEM block with a label that does not belong in this input.
    #[error("{input}: unexpected PEM block `{label}` (expected {expected})")]
    UnknownPemLabel {
        /// Which input.
        input: &'static str,
        /// The label found.
        label: String,
        /// What was expected.
        expected: &'static str,
    },
    /// The key PEM holds no private key block.
    #[error(
        "key PEM: no private key found (expected a `PRIVATE KEY`, `RSA PRIVATE KEY` or \
         `ENCRYPTED PRIVATE KEY` block)"
    )]
    NoPrivateKey,
    /// The key PEM holds more than one private key.
    #[error("key PEM: {count} private keys found, expected exactly one")]
    MultiplePrivateKeys {
        /// How many.
        count: usize,
    },
    /// The key is encrypted and no password was given.
    #[error("the private key is encrypted (`ENCRYPTED PRIVATE KEY`) but no password was given")]
    PasswordRequired,
    /// The password is wrong (decryption or MAC check failed). A corrupted PKCS#12 file whose
    /// MAC no longer matches is reported the same way: the two cannot be told apart.
    #[error("wrong password for the {what}")]
    WrongPassword {
        /// What could not be opened (`"encrypted private key"`, `"PKCS#12 file"`).
        what: &'static str,
    },
    /// The key or PKCS#12 file uses an encryption scheme that is not supported.
    #[error("unsupported encryption: {reason}")]
    UnsupportedEncryption {
        /// Which scheme and what to do about it.
        reason: String,
    },
    /// The private key DER is malformed.
    #[error("malformed private key: {reason}")]
    MalformedKey {
        /// What is wrong.
        reason: String,
    },
    /// The private key is not an RSA key.
    #[error("the private key is not an RSA key but {algorithm}; DHO signatures need RSA")]
    NotRsa {
        /// The key algorithm (`"EC"`, `"Ed25519"`, `"DSA"` or an OID).
        algorithm: String,
    },
    /// The RSA key is shorter than [`MIN_RSA_BITS`](crate::crypto::MIN_RSA_BITS).
    #[error("the RSA key has {bits} bits; at least {} are required", crate::crypto::MIN_RSA_BITS)]
    KeyTooSmall {
        /// The modulus size in bits.
        bits: usize,
    },
    /// The RSA key is longer than [`MAX_RSA_BITS`](crate::crypto::MAX_RSA_BITS).
    #[error("the RSA key has {bits} bits; at most {} are supported", crate::crypto::MAX_RSA_BITS)]
    KeyTooLarge {
        /// The modulus size in bits.
        bits: usize,
    },
    /// No certificate was found.
    #[error("{input}: no certificate found")]
    NoCertificate {
        /// Which input (`"certificate PEM"`, `"PKCS#12 file"`).
        input: &'static str,
    },
    /// A certificate could not be parsed.
    #[error("{input}: certificate #{index} is malformed: {reason}")]
    MalformedCertificate {
        /// Which input.
        input: &'static str,
        /// Position of the certificate in the input, from 0.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// The private key does not belong to the (leaf) certificate.
    #[error("the private key does not match the public key of the certificate (subject {subject})")]
    KeyCertificateMismatch {
        /// Subject DN of the certificate that was expected to match.
        subject: String,
    },
    /// The PKCS#12 file holds no private key.
    #[error("PKCS#12 file: no private key entry found")]
    Pkcs12NoKey,
    /// The PKCS#12 file is malformed.
    #[error("PKCS#12 file: malformed: {reason}")]
    MalformedPkcs12 {
        /// What is wrong.
        reason: String,
    },
}

impl From<CryptoError> for KeyError {
    /// A key the crypto provider refused to load.
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::NotRsa { algorithm } => KeyError::NotRsa { algorithm },
            CryptoError::KeySizeNotAllowed { bits } if bits < MIN_RSA_BITS => KeyError::KeyTooSmall { bits },
            CryptoError::KeySizeNotAllowed { bits } => KeyError::KeyTooLarge { bits },
            other => KeyError::MalformedKey { reason: other.to_string() },
        }
    }
}

impl KeyError {
    /// The error about the content, looking through [`KeyError::InFile`].
    pub fn root(&self) -> &KeyError {
        match self {
            KeyError::InFile { source, .. } => source.root(),
            other => other,
        }
    }

    fn in_file(self, path: &Path) -> KeyError {
        KeyError::InFile { path: path.to_path_buf(), source: Box::new(self) }
    }
}

/// What a certificate says about itself (not whether it is trusted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateInfo {
    subject_dn: String,
    issuer_dn: String,
    common_name: Option<String>,
    common_names: Vec<String>,
    subject_serial_number: Option<String>,
    subject_serial_numbers: Vec<String>,
    serial_hex: String,
    sha256_fingerprint: String,
    not_before: chrono::DateTime<chrono::Utc>,
    not_after: chrono::DateTime<chrono::Utc>,
}

impl CertificateInfo {
    /// What the certificate DER `der` says about itself; it is not validated (see
    /// [`CertificateValidator`](crate::pki::CertificateValidator) for that). Errors:
    /// [`KeyError::MalformedCertificate`] when `der` is not an X.509 certificate.
    pub fn from_certificate_der(der: &[u8]) -> Result<Self, KeyError> {
        Self::from_der(der).map(|(info, _)| info).map_err(|reason| KeyError::MalformedCertificate {
            input: "certificate DER",
            index: 0,
            reason,
        })
    }

    /// Parses a certificate DER.
    pub(crate) fn from_der(der: &[u8]) -> Result<(Self, Certificate), String> {
        let cert = Certificate::from_der(der).map_err(|e| e.to_string())?;
        let tbs = cert.tbs_certificate();
        let serial = tbs.serial_number().as_bytes();
        let first = serial.iter().position(|b| *b != 0).unwrap_or(serial.len().saturating_sub(1));
        let validity = tbs.validity();
        let (common_names, common_name) = attribute_texts(tbs.subject(), OID_COMMON_NAME);
        let (subject_serial_numbers, subject_serial_number) = attribute_texts(tbs.subject(), OID_SERIAL_NUMBER);
        let info = CertificateInfo {
            subject_dn: format_name(tbs.subject()),
            issuer_dn: format_name(tbs.issuer()),
            common_name,
            common_names,
            subject_serial_number,
            subject_serial_numbers,
            serial_hex: hex(serial.get(first..).unwrap_or_default()),
            sha256_fingerprint: hex(&Sha256::digest(der)),
            not_before: to_chrono(validity.not_before.to_unix_duration()),
            not_after: to_chrono(validity.not_after.to_unix_duration()),
        };
        Ok((info, cert))
    }

    /// Subject distinguished name in RFC 4514 form, exactly as
    /// `openssl x509 -noout -subject -nameopt RFC2253` (OpenSSL 3.0) prints it, e.g.
    /// `CN=app.instelling-001234.example,serialNumber=001234,O=Example,C=BE`:
    /// - the most specific RDN first; the members of a multi-valued RDN also in the reverse
    ///   of their DER order, joined by `+` (`CN=app+serialNumber=001234,...`);
    /// - OpenSSL's attribute names; an attribute it has no name for appears as a dotted OID
    ///   with `#` and the uppercase hex of the value's DER, as does a value of a type that is
    ///   not text (or text that is not valid in its type, such as invalid UTF-8);
    /// - RFC 4514 escapes: `\` before `,+"\<>;`, before a leading `#` and a leading or trailing
    ///   space; `\XX` (uppercase hex) for control characters and for every byte of a non-ASCII
    ///   character's UTF-8, so the string is ASCII (`Universit\C3\A9`). Like OpenSSL, a value
    ///   that is exactly `#` is not escaped.
    ///
    /// This is the string a `dn:` binding compares with, so a DN can be copied from OpenSSL's
    /// output. (For a certificate whose multi-valued RDN is not DER-sorted, this string lists
    /// the members as if it were; OpenSSL follows the encoded order.)
    pub fn subject_dn(&self) -> &str {
        &self.subject_dn
    }

    /// Issuer distinguished name, same form as [`subject_dn`](Self::subject_dn).
    pub fn issuer_dn(&self) -> &str {
        &self.issuer_dn
    }

    /// The subject's Common Name (OID 2.5.4.3) when the subject has exactly one CN attribute
    /// and its value is text (a UTF8String, NumericString, PrintableString, T61String,
    /// IA5String or BMPString); `None` when it has none, or several: a subject with two CNs
    /// names nobody in particular (which one is "the" CN depends on the reader: the first in
    /// DER order, or the first one RFC 4514 prints, which is the last in DER order), so no rule
    /// that matches on the CN may pick one. [`common_names`](Self::common_names) has them all.
    pub fn common_name(&self) -> Option<&str> {
        self.common_name.as_deref()
    }

    /// Every Common Name of the subject, in DER order (values that are not text are left out).
    /// More than one makes [`common_name`](Self::common_name) `None`.
    pub fn common_names(&self) -> &[String] {
        &self.common_names
    }

    /// The subject's X.520 `serialNumber` attribute (OID 2.5.4.5) when the subject has exactly
    /// one, as for [`common_name`](Self::common_name): `None` when it has none or several. In
    /// the DHO test PKI (and the VO-DCBaaS convention it mimics) this carries the
    /// Instellingsnummer. Not to be confused with the certificate serial number,
    /// [`serial_hex`](Self::serial_hex).
    pub fn subject_serial_number(&self) -> Option<&str> {
        self.subject_serial_number.as_deref()
    }

    /// Every `serialNumber` attribute of the subject, in DER order (values that are not text
    /// are left out). More than one makes
    /// [`subject_serial_number`](Self::subject_serial_number) `None`.
    pub fn subject_serial_numbers(&self) -> &[String] {
        &self.subject_serial_numbers
    }

    /// Serial number in lowercase hex without leading zero bytes (`1001` for 0x1001).
    pub fn serial_hex(&self) -> &str {
        &self.serial_hex
    }

    /// SHA-256 over the certificate DER, 64 lowercase hex digits without separators.
    pub fn sha256_fingerprint(&self) -> &str {
        &self.sha256_fingerprint
    }

    /// Start of the validity period.
    pub fn not_before(&self) -> chrono::DateTime<chrono::Utc> {
        self.not_before
    }

    /// End of the validity period.
    pub fn not_after(&self) -> chrono::DateTime<chrono::Utc> {
        self.not_after
    }
}

const OID_COMMON_NAME: &str = "2.5.4.3";
const OID_SERIAL_NUMBER: &str = "2.5.4.5";

/// OpenSSL's short names of the attributes it knows (OpenSSL 3.0's object table: X.520,
/// the pilot attributes of RFC 1274/4519, PKCS#9, EV jurisdiction, PKIX personal data), as
/// `-nameopt RFC2253` prints them. Any other attribute is printed as its dotted OID.
fn attribute_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "title",
        "2.5.4.13" => "description",
        "2.5.4.14" => "searchGuide",
        "2.5.4.15" => "businessCategory",
        "2.5.4.16" => "postalAddress",
        "2.5.4.17" => "postalCode",
        "2.5.4.18" => "postOfficeBox",
        "2.5.4.19" => "physicalDeliveryOfficeName",
        "2.5.4.20" => "telephoneNumber",
        "2.5.4.21" => "telexNumber",
        "2.5.4.22" => "teletexTerminalIdentifier",
        "2.5.4.23" => "facsimileTelephoneNumber",
        "2.5.4.24" => "x121Address",
        "2.5.4.25" => "internationaliSDNNumber",
        "2.5.4.26" => "registeredAddress",
        "2.5.4.27" => "destinationIndicator",
        "2.5.4.28" => "preferredDeliveryMethod",
        "2.5.4.29" => "presentationAddress",
        "2.5.4.30" => "supportedApplicationContext",
        "2.5.4.31" => "member",
        "2.5.4.32" => "owner",
        "2.5.4.33" => "roleOccupant",
        "2.5.4.34" => "seeAlso",
        "2.5.4.35" => "userPassword",
        "2.5.4.36" => "userCertificate",
        "2.5.4.37" => "cACertificate",
        "2.5.4.38" => "authorityRevocationList",
        "2.5.4.39" => "certificateRevocationList",
        "2.5.4.40" => "crossCertificatePair",
        "2.5.4.41" => "name",
        "2.5.4.42" => "GN",
        "2.5.4.43" => "initials",
        "2.5.4.44" => "generationQualifier",
        "2.5.4.45" => "x500UniqueIdentifier",
        "2.5.4.46" => "dnQualifier",
        "2.5.4.47" => "enhancedSearchGuide",
        "2.5.4.48" => "protocolInformation",
        "2.5.4.49" => "distinguishedName",
        "2.5.4.50" => "uniqueMember",
        "2.5.4.51" => "houseIdentifier",
        "2.5.4.52" => "supportedAlgorithms",
        "2.5.4.53" => "deltaRevocationList",
        "2.5.4.54" => "dmdName",
        "2.5.4.65" => "pseudonym",
        "2.5.4.72" => "role",
        "2.5.4.97" => "organizationIdentifier",
        "2.5.4.98" => "c3",
        "2.5.4.99" => "n3",
        "2.5.4.100" => "dnsName",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.2" => "textEncodedORAddress",
        "0.9.2342.19200300.100.1.3" => "mail",
        "0.9.2342.19200300.100.1.4" => "info",
        "0.9.2342.19200300.100.1.5" => "favouriteDrink",
        "0.9.2342.19200300.100.1.6" => "roomNumber",
        "0.9.2342.19200300.100.1.7" => "photo",
        "0.9.2342.19200300.100.1.8" => "userClass",
        "0.9.2342.19200300.100.1.9" => "host",
        "0.9.2342.19200300.100.1.10" => "manager",
        "0.9.2342.19200300.100.1.11" => "documentIdentifier",
        "0.9.2342.19200300.100.1.12" => "documentTitle",
        "0.9.2342.19200300.100.1.13" => "documentVersion",
        "0.9.2342.19200300.100.1.14" => "documentAuthor",
        "0.9.2342.19200300.100.1.15" => "documentLocation",
        "0.9.2342.19200300.100.1.20" => "homeTelephoneNumber",
        "0.9.2342.19200300.100.1.21" => "secretary",
        "0.9.2342.19200300.100.1.22" => "otherMailbox",
        "0.9.2342.19200300.100.1.23" => "lastModifiedTime",
        "0.9.2342.19200300.100.1.24" => "lastModifiedBy",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.26" => "aRecord",
        "0.9.2342.19200300.100.1.27" => "pilotAttributeType27",
        "0.9.2342.19200300.100.1.28" => "mXRecord",
        "0.9.2342.19200300.100.1.29" => "nSRecord",
        "0.9.2342.19200300.100.1.30" => "sOARecord",
        "0.9.2342.19200300.100.1.31" => "cNAMERecord",
        "0.9.2342.19200300.100.1.37" => "associatedDomain",
        "0.9.2342.19200300.100.1.38" => "associatedName",
        "0.9.2342.19200300.100.1.39" => "homePostalAddress",
        "0.9.2342.19200300.100.1.40" => "personalTitle",
        "0.9.2342.19200300.100.1.41" => "mobileTelephoneNumber",
        "0.9.2342.19200300.100.1.42" => "pagerTelephoneNumber",
        "0.9.2342.19200300.100.1.43" => "friendlyCountryName",
        "0.9.2342.19200300.100.1.44" => "uid",
        "0.9.2342.19200300.100.1.45" => "organizationalStatus",
        "0.9.2342.19200300.100.1.46" => "janetMailbox",
        "0.9.2342.19200300.100.1.47" => "mailPreferenceOption",
        "0.9.2342.19200300.100.1.48" => "buildingName",
        "0.9.2342.19200300.100.1.49" => "dSAQuality",
        "0.9.2342.19200300.100.1.50" => "singleLevelQuality",
        "0.9.2342.19200300.100.1.51" => "subtreeMinimumQuality",
        "0.9.2342.19200300.100.1.52" => "subtreeMaximumQuality",
        "0.9.2342.19200300.100.1.53" => "personalSignature",
        "0.9.2342.19200300.100.1.54" => "dITRedirect",
        "0.9.2342.19200300.100.1.55" => "audio",
        "0.9.2342.19200300.100.1.56" => "documentPublisher",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "1.2.840.113549.1.9.2" => "unstructuredName",
        "1.2.840.113549.1.9.3" => "contentType",
        "1.2.840.113549.1.9.4" => "messageDigest",
        "1.2.840.113549.1.9.5" => "signingTime",
        "1.2.840.113549.1.9.6" => "countersignature",
        "1.2.840.113549.1.9.7" => "challengePassword",
        "1.2.840.113549.1.9.8" => "unstructuredAddress",
        "1.2.840.113549.1.9.9" => "extendedCertificateAttributes",
        "1.2.840.113549.1.9.14" => "extReq",
        "1.2.840.113549.1.9.15" => "SMIME-CAPS",
        "1.2.840.113549.1.9.16" => "SMIME",
        "1.2.840.113549.1.9.20" => "friendlyName",
        "1.2.840.113549.1.9.21" => "localKeyID",
        "1.3.6.1.4.1.311.60.2.1.1" => "jurisdictionL",
        "1.3.6.1.4.1.311.60.2.1.2" => "jurisdictionST",
        "1.3.6.1.4.1.311.60.2.1.3" => "jurisdictionC",
        "1.3.6.1.5.5.7.9.1" => "id-pda-dateOfBirth",
        "1.3.6.1.5.5.7.9.2" => "id-pda-placeOfBirth",
        "1.3.6.1.5.5.7.9.3" => "id-pda-gender",
        "1.3.6.1.5.5.7.9.4" => "id-pda-countryOfCitizenship",
        "1.3.6.1.5.5.7.9.5" => "id-pda-countryOfResidence",
        _ => return None,
    })
}

/// The text of a string value, for the string types OpenSSL reads in names: UTF8String
/// (valid UTF-8), NumericString, PrintableString, T61String and IA5String (one character per
/// byte, as Latin-1, as OpenSSL reads them), BMPString (UCS-2: an even length, no
/// surrogates). `None` for any other type or a bad encoding.
fn attribute_text(value: &der::Any) -> Option<String> {
    use der::{Tag, Tagged as _};
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String => std::str::from_utf8(bytes).ok().map(str::to_owned),
        Tag::NumericString | Tag::PrintableString | Tag::TeletexString | Tag::Ia5String => {
            Some(bytes.iter().map(|b| char::from(*b)).collect())
        }
        Tag::BmpString if bytes.len().is_multiple_of(2) => bytes
            .chunks_exact(2)
            .map(|c| char::from_u32(u32::from(u16::from_be_bytes([c[0], c[1]]))))
            .collect::<Option<String>>(),
        _ => None,
    }
}

/// The text of every `oid` attribute of `name` in DER order (values that are not text left
/// out), and that of the only one if the name has exactly one.
fn attribute_texts(name: &x509_cert::name::Name, oid: &str) -> (Vec<String>, Option<String>) {
    let values: Vec<&der::Any> = name.iter().filter(|atv| atv.oid.to_string() == oid).map(|atv| &atv.value).collect();
    let only = match values.as_slice() {
        [one] => attribute_text(one),
        _ => None,
    };
    (values.into_iter().filter_map(attribute_text).collect(), only)
}

/// The RFC 4514 string of a name exactly as OpenSSL prints it with `-nameopt RFC2253`
/// (`X509_NAME_print_ex` with `XN_FLAG_RFC2253`):
/// - the attributes in the reverse of their DER order: RDNs most specific first, separated
///   by `,`, and inside a multi-valued RDN (whose DER SET order is sorted) the members also
///   reversed, separated by `+`;
/// - an attribute OpenSSL names ([`attribute_name`]) as `name=` and its value as text
///   ([`write_text`]) if it is a UTF8String, NumericString, PrintableString, T61String,
///   IA5String or BMPString (the string types OpenSSL reads in names), else as `#` and the
///   uppercase hex of its DER;
/// - any other attribute as `dotted.oid=#` and the uppercase hex of the value's DER.
///
/// Text that OpenSSL could not read (invalid UTF-8, a BMPString of odd length or with
/// surrogates) is written as hex too, so every value has one unambiguous form.
pub(crate) fn format_name(name: &x509_cert::name::Name) -> String {
    let mut out = String::new();
    for (i, rdn) in name.iter_rdn().collect::<Vec<_>>().into_iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        for (j, atv) in rdn.iter().collect::<Vec<_>>().into_iter().rev().enumerate() {
            if j > 0 {
                out.push('+');
            }
            let oid = atv.oid.to_string();
            match attribute_name(&oid) {
                Some(key) => {
                    out.push_str(key);
                    out.push('=');
                    if !write_text(&atv.value, &mut out) {
                        write_hex_value(&atv.value, &mut out);
                    }
                }
                None => {
                    out.push_str(&oid);
                    out.push('=');
                    write_hex_value(&atv.value, &mut out);
                }
            }
        }
    }
    out
}

/// `#` and the uppercase hex of the value's DER (OpenSSL's `ASN1_STRFLGS_DUMP_DER`).
fn write_hex_value(value: &der::Any, out: &mut String) {
    use std::fmt::Write as _;
    out.push('#');
    match value.to_der() {
        Ok(der) => {
            for b in der {
                let _ = write!(out, "{b:02X}");
            }
        }
        Err(_) => out.push('?'),
    }
}

/// Writes a string value ([`attribute_text`]) as OpenSSL's RFC 2253 printer does and returns
/// `true`, or returns `false` (writing nothing) when it is not text.
///
/// OpenSSL writes each character as UTF-8 and escapes the bytes ([`escape_byte`]); the first
/// and last character of the value are escaped as such.
fn write_text(value: &der::Any, out: &mut String) -> bool {
    let Some(text) = attribute_text(value) else { return false };
    let last = text.chars().count().saturating_sub(1);
    for (i, c) in text.chars().enumerate() {
        // OpenSSL: the last character is "last" and not "first", even when it is the only one.
        let (first, is_last) = (i == 0 && i != last, i == last);
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            escape_byte(b, first, is_last, out);
        }
    }
    true
}

/// One output byte as OpenSSL escapes it in RFC 2253 mode (RFC 4514 §2.4, with OpenSSL's
/// choices): `,+"\<>;` get a backslash; a space first or last and a `#` first get a
/// backslash; control characters (including NUL and DEL) and every non-ASCII byte become
/// `\XX` (uppercase hex). `=` is not escaped. One deviation from RFC 4514, kept for
/// OpenSSL's sake: a value that is exactly `#` is written as `#`.
fn escape_byte(b: u8, first: bool, last: bool, out: &mut String) {
    use std::fmt::Write as _;
    match b {
        b',' | b'+' | b'"' | b'\\' | b'<' | b'>' | b';' => {
            out.push('\\');
            out.push(char::from(b));
        }
        b' ' if first || last => out.push_str("\\ "),
        b'#' if first => out.push_str("\\#"),
        0x00..=0x1f | 0x7f..=0xff => {
            let _ = write!(out, "\\{b:02X}");
        }
        _ => out.push(char::from(b)),
    }
}

fn to_chrono(d: std::time::Duration) -> chrono::DateTime<chrono::Utc> {
    i64::try_from(d.as_secs())
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC)
}

/// Lowercase hex without separators.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A private key with its certificate and chain, for signing messages. `Send + Sync`; share it
/// behind an `Arc`.
pub struct SigningIdentity {
    key: Box<dyn SigningKey>,
    certificate: Vec<u8>,
    chain: Vec<Vec<u8>>,
    info: CertificateInfo,
}

impl fmt::Debug for SigningIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningIdentity")
            .field("subject", &self.info.subject_dn)
            .field("serial", &self.info.serial_hex)
            .field("sha256", &self.info.sha256_fingerprint)
            .field("chain_len", &self.chain.len())
            .field("key", &self.key)
            .finish()
    }
}

impl SigningIdentity {
    /// Loads an identity from PEM with the [default provider](crate::crypto::default_provider).
    ///
    /// `key_pem` holds exactly one private key: `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY`
    /// (PKCS#1, unencrypted) or `ENCRYPTED PRIVATE KEY` (PKCS#8 PBES2; `password` required).
    /// `CERTIFICATE` blocks in it are ignored, so a combined key+certificate file can be passed
    /// as both arguments. The password is ignored for an unencrypted key. OpenSSL's legacy
    /// encrypted PEM (`Proc-Type: 4,ENCRYPTED`) is not supported.
    ///
    /// `cert_chain_pem` holds the leaf certificate first, then any chain certificates in order;
    /// private key blocks in it are ignored. The first certificate must match the key.
    pub fn from_pem(key_pem: &[u8], cert_chain_pem: &[u8], password: Option<&str>) -> Result<Self, KeyError> {
        Self::from_pem_with_provider(key_pem, cert_chain_pem, password, default_provider())
    }

    /// [`from_pem`](Self::from_pem) with an explicit crypto provider.
    pub fn from_pem_with_provider(
        key_pem: &[u8],
        cert_chain_pem: &[u8],
        password: Option<&str>,
        provider: &dyn CryptoProvider,
    ) -> Result<Self, KeyError> {
        let key = load_pem_key(key_pem, password, provider)?;
        Self::with_certificates(key, cert_chain_pem)
    }

    /// Reads the key and certificate PEM files and calls [`from_pem`](Self::from_pem). Errors
    /// name the file they are about ([`KeyError::Io`], [`KeyError::InFile`]); a key that does
    /// not match the certificate is reported on the certificate file.
    pub fn from_pem_files(
        key_path: impl AsRef<Path>,
        cert_chain_path: impl AsRef<Path>,
        password: Option<&str>,
    ) -> Result<Self, KeyError> {
        let key_path = key_path.as_ref();
        let cert_path = cert_chain_path.as_ref();
        let key_pem = read(key_path)?;
        let cert_pem = read(cert_path)?;
        let key = load_pem_key(&key_pem, password, default_provider()).map_err(|e| e.in_file(key_path))?;
        Self::with_certificates(key, &cert_pem).map_err(|e| e.in_file(cert_path))
    }

    /// Completes an identity from a loaded key and the certificate PEM (leaf first).
    fn with_certificates(key: Box<dyn SigningKey>, cert_chain_pem: &[u8]) -> Result<Self, KeyError> {
        let mut certs = certificates_from_pem(cert_chain_pem, CERT_PEM)?.into_iter();
        let leaf = certs.next().ok_or(KeyError::NoCertificate { input: CERT_PEM })?;
        let (info, cert) = CertificateInfo::from_der(&leaf).map_err(|reason| KeyError::MalformedCertificate {
            input: CERT_PEM,
            index: 0,
            reason,
        })?;
        if !key_matches(key.as_ref(), &cert) {
            return Err(KeyError::KeyCertificateMismatch { subject: info.subject_dn });
        }
        let chain: Vec<Vec<u8>> = certs.collect();
        for (i, der) in chain.iter().enumerate() {
            Certificate::from_der(der).map_err(|e| KeyError::MalformedCertificate {
                input: CERT_PEM,
                index: i + 1,
                reason: e.to_string(),
            })?;
        }
        Ok(SigningIdentity { key, certificate: leaf, chain, info })
    }

    /// Loads an identity from a PKCS#12 (`.p12`/`.pfx`) file's bytes with the default provider.
    ///
    /// Both modern (AES-256-CBC/PBKDF2, SHA-256 MAC) and legacy (RC2-40 or 3DES, SHA-1 MAC)
    /// files are read. The MAC is checked; a wrong password is [`KeyError::WrongPassword`].
    /// The key is the first private key that has a matching certificate in the file; the
    /// chain is built from the other certificates by issuer name, leaf first, and certificates
    /// that do not chain from the leaf are left out.
    pub fn from_pkcs12(der: &[u8], password: &str) -> Result<Self, KeyError> {
        Self::from_pkcs12_with_provider(der, password, default_provider())
    }

    /// [`from_pkcs12`](Self::from_pkcs12) with an explicit crypto provider.
    pub fn from_pkcs12_with_provider(
        der: &[u8],
        password: &str,
        provider: &dyn CryptoProvider,
    ) -> Result<Self, KeyError> {
        const P12: &str = "PKCS#12 file";
        let archive = p12_keystore::Pkcs12Archive::from_pkcs12(der, password).map_err(map_p12_error)?;
        if archive.keys.is_empty() {
            return Err(KeyError::Pkcs12NoKey);
        }
        let mut certs = Vec::with_capacity(archive.certs.len());
        for (index, bag) in archive.certs.iter().enumerate() {
            let der = bag.cert.as_der().to_vec();
            let cert = Certificate::from_der(&der).map_err(|e| KeyError::MalformedCertificate {
                input: P12,
                index,
                reason: e.to_string(),
            })?;
            certs.push((der, cert));
        }
        let mut first_error = None;
        for bag in &archive.keys {
            let key = match provider.load_signing_key(bag.key.as_der()) {
                Ok(key) => key,
                Err(e) => {
                    first_error.get_or_insert(e);
                    continue;
                }
            };
            let Some(leaf_index) = certs.iter().position(|(_, c)| key_matches(key.as_ref(), c)) else {
                continue;
            };
            let (leaf_der, _) = certs.swap_remove(leaf_index);
            let (info, leaf) = CertificateInfo::from_der(&leaf_der)
                .map_err(|reason| KeyError::MalformedCertificate { input: P12, index: leaf_index, reason })?;
            let chain = build_chain(&leaf, certs);
            return Ok(SigningIdentity { key, certificate: leaf_der, chain, info });
        }
        if let Some(e) = first_error {
            return Err(e.into());
        }
        match certs.first() {
            None => Err(KeyError::NoCertificate { input: P12 }),
            Some((_, cert)) => {
                Err(KeyError::KeyCertificateMismatch { subject: cert.tbs_certificate().subject().to_string() })
            }
        }
    }

    /// Reads a PKCS#12 file and calls [`from_pkcs12`](Self::from_pkcs12). Errors name the file.
    pub fn from_pkcs12_file(path: impl AsRef<Path>, password: &str) -> Result<Self, KeyError> {
        let path = path.as_ref();
        let der = read(path)?;
        Self::from_pkcs12(&der, password).map_err(|e| e.in_file(path))
    }

    /// The leaf certificate, DER.
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate
    }

    /// The chain certificates after the leaf (may be empty), DER, in order.
    pub fn chain_ders(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// Facts about the leaf certificate (subject, CN, serial, fingerprint).
    pub fn certificate(&self) -> &CertificateInfo {
        &self.info
    }

    /// The private key.
    pub fn signing_key(&self) -> &dyn SigningKey {
        self.key.as_ref()
    }
}

fn read(path: &Path) -> Result<Vec<u8>, KeyError> {
    std::fs::read(path).map_err(|source| KeyError::Io { path: path.to_path_buf(), source })
}

fn map_p12_error(e: p12_keystore::error::Error) -> KeyError {
    use p12_keystore::error::Error as E;
    match e {
        E::MacError(_) => KeyError::WrongPassword { what: "PKCS#12 file (MAC check failed)" },
        // Without a MAC a wrong password shows up as bad padding after decryption.
        E::UnpadError => KeyError::WrongPassword { what: "PKCS#12 file (decryption failed)" },
        E::UnsupportedEncryptionScheme | E::UnsupportedMacAlgorithm => {
            KeyError::UnsupportedEncryption { reason: format!("PKCS#12 file: {e}") }
        }
        other => KeyError::MalformedPkcs12 { reason: other.to_string() },
    }
}

/// Does the key's public key equal the certificate's? Compares the algorithm OID and the
/// subjectPublicKey bits (the PKCS#1 `RSAPublicKey`), not the parameter encoding.
fn key_matches(key: &dyn SigningKey, cert: &Certificate) -> bool {
    let Ok(key_spki) = spki::SubjectPublicKeyInfoRef::try_from(key.public_key_spki_der()) else {
        return false;
    };
    let cert_spki = cert.tbs_certificate().subject_public_key_info();
    key_spki.algorithm.oid == cert_spki.algorithm.oid
        && key_spki.subject_public_key.raw_bytes() == cert_spki.subject_public_key.raw_bytes()
}

/// Orders `rest` into the chain above `leaf` by issuer/subject name; drops unrelated ones.
fn build_chain(leaf: &Certificate, mut rest: Vec<(Vec<u8>, Certificate)>) -> Vec<Vec<u8>> {
    let mut chain = Vec::new();
    let mut issuer = leaf.tbs_certificate().issuer().clone();
    let mut current_subject = leaf.tbs_certificate().subject().clone();
    while issuer != current_subject {
        let Some(pos) = rest.iter().position(|(_, c)| c.tbs_certificate().subject() == &issuer) else {
            break;
        };
        let (der, cert) = rest.swap_remove(pos);
        issuer = cert.tbs_certificate().issuer().clone();
        current_subject = cert.tbs_certificate().subject().clone();
        chain.push(der);
    }
    chain
}

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

fn load_pem_key(
    key_pem: &[u8],
    password: Option<&str>,
    provider: &dyn CryptoProvider,
) -> Result<Box<dyn SigningKey>, KeyError> {
    Ok(provider.load_signing_key(&private_key_from_pem(key_pem, password)?)?)
}

/// The one private key in `key_pem`, as unencrypted PKCS#8 DER.
fn private_key_from_pem(key_pem: &[u8], password: Option<&str>) -> Result<Zeroizing<Vec<u8>>, KeyError> {
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

    fn text(tag: der::Tag, bytes: &[u8]) -> Option<String> {
        let mut out = String::new();
        write_text(&der::Any::new(tag, bytes.to_vec()).unwrap(), &mut out).then_some(out)
    }

    #[test]
    fn rfc4514_escaping_as_openssl_does() {
        use der::Tag;
        let utf8 = |s: &str| text(Tag::Utf8String, s.as_bytes()).unwrap();
        assert_eq!(utf8("#a, b+c;\"<>\\ =\u{1}"), "\\#a\\, b\\+c\\;\\\"\\<\\>\\\\ =\\01");
        assert_eq!(utf8(" x "), "\\ x\\ ");
        assert_eq!(utf8(" "), "\\ ");
        // OpenSSL: a lone '#' is "last", not "first".
        assert_eq!(utf8("#"), "#");
        assert_eq!(utf8("a#"), "a#");
        assert_eq!(utf8("\0\u{7f}"), "\\00\\7F");
        assert_eq!(utf8("é€"), "\\C3\\A9\\E2\\82\\AC");
        // 8-bit types are Latin-1, BMPString is UCS-2; both come out as escaped UTF-8.
        assert_eq!(text(Tag::TeletexString, b"\xe9 ").unwrap(), "\\C3\\A9\\ ");
        assert_eq!(text(Tag::PrintableString, b"# a").unwrap(), "\\# a");
        assert_eq!(text(Tag::BmpString, &[0x20, 0xac, 0x00, b' ']).unwrap(), "\\E2\\82\\AC\\ ");
        // What OpenSSL cannot read is not text.
        assert_eq!(text(Tag::Utf8String, b"\xff"), None);
        assert_eq!(text(Tag::BmpString, b"\x00"), None);
        assert_eq!(text(Tag::BmpString, b"\xd8\x3d\xde\x00"), None);
        assert_eq!(text(Tag::VisibleString, b"x"), None);
        assert_eq!(text(Tag::Integer, b"\x01"), None);
    }

    #[test]
    fn directory_string_decoding() {
        use der::asn1::Any;
        use der::Tag;
        let bmp = Any::new(Tag::BmpString, vec![0x00, b'H', 0x00, 0xe9]).unwrap();
        assert_eq!(attribute_text(&bmp).as_deref(), Some("H\u{e9}"));
        let odd = Any::new(Tag::BmpString, vec![0x00]).unwrap();
        assert_eq!(attribute_text(&odd), None);
        let t61 = Any::new(Tag::TeletexString, vec![b'A', 0xe9]).unwrap();
        assert_eq!(attribute_text(&t61).as_deref(), Some("A\u{e9}"));
        let bad_utf8 = Any::new(Tag::Utf8String, vec![0xff]).unwrap();
        assert_eq!(attribute_text(&bad_utf8), None);
        let int = Any::new(Tag::Integer, vec![0x01]).unwrap();
        assert_eq!(attribute_text(&int), None);
        let surrogates = Any::new(Tag::BmpString, vec![0xd8, 0x34, 0xdd, 0x1e]).unwrap();
        assert_eq!(attribute_text(&surrogates), None);
        let visible = Any::new(Tag::VisibleString, b"x".to_vec()).unwrap();
        assert_eq!(attribute_text(&visible), None);
        let printable = Any::new(Tag::PrintableString, vec![b'a', 0xe9]).unwrap();
        assert_eq!(attribute_text(&printable).as_deref(), Some("a\u{e9}"));
    }

    #[test]
    fn names_with_unknown_attributes_and_multi_valued_rdns() {
        use std::str::FromStr;
        let name = x509_cert::name::Name::from_str("CN=a+OU=b,O=x\\,y,2.5.4.55=#0c0161").unwrap();
        // The multi-valued RDN is DER-sorted (CN before OU) and printed reversed, as OpenSSL does.
        assert_eq!(format_name(&name), "OU=b+CN=a,O=x\\,y,2.5.4.55=#0C0161");
        assert_eq!(attribute_texts(&name, OID_COMMON_NAME), (vec!["a".to_owned()], Some("a".to_owned())));
    }

    #[test]
    fn hex_and_algorithm_names() {
        assert_eq!(hex(&[0x00, 0x10, 0xab]), "0010ab");
        assert_eq!(crate::crypto::algorithm_name("1.2.840.10045.2.1"), "EC");
        assert_eq!(crate::crypto::algorithm_name("1.2.3"), "OID 1.2.3");
    }
}
