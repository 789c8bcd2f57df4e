//! What a certificate says about itself: [`CertificateInfo`], and distinguished names in
//! RFC 4514 form exactly as OpenSSL prints them.

use std::time::{Duration, SystemTime};

use der::{Decode, Encode};
use sha2::{Digest as _, Sha256};
use x509_cert::Certificate;

use super::identity::KeyError;

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
    not_before: SystemTime,
    not_after: SystemTime,
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
            not_before: system_time(validity.not_before.to_unix_duration()),
            not_after: system_time(validity.not_after.to_unix_duration()),
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

    /// Start of the validity period (notBefore).
    pub fn not_before(&self) -> SystemTime {
        self.not_before
    }

    /// End of the validity period (notAfter).
    pub fn not_after(&self) -> SystemTime {
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

/// The instant `since_epoch` after 1970-01-01T00:00:00Z. Certificate times end in 9999, which
/// every platform's `SystemTime` holds; a time beyond the platform's range (none that X.509
/// can express on 64-bit targets) becomes 9999-12-31T23:59:59Z, else the epoch.
pub(super) fn system_time(since_epoch: Duration) -> SystemTime {
    const END_OF_9999: Duration = Duration::from_secs(253_402_300_799);
    SystemTime::UNIX_EPOCH
        .checked_add(since_epoch)
        .or_else(|| SystemTime::UNIX_EPOCH.checked_add(END_OF_9999))
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// `t` as RFC 3339 in UTC with whole seconds (`2055-01-01T00:00:00Z`), for messages; a time
/// before 1970 or beyond chrono's range as seconds from the epoch.
pub(super) fn rfc3339(t: SystemTime) -> String {
    let (sign, secs) = match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => (1, d.as_secs()),
        Err(e) => (-1, e.duration().as_secs()),
    };
    i64::try_from(secs)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(sign * s, 0))
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| format!("{}{secs} s from 1970-01-01T00:00:00Z", if sign < 0 { "-" } else { "" }))
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

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
    fn times_as_rfc3339() {
        let at = |secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        assert_eq!(rfc3339(at(2_682_374_400)), "2055-01-01T00:00:00Z");
        assert_eq!(rfc3339(at(0)), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH - Duration::from_secs(86_400)), "1969-12-31T00:00:00Z");
        assert_eq!(system_time(Duration::from_secs(2_682_374_400)), at(2_682_374_400));
        // Beyond what chrono (and X.509) can express: no panic, a number.
        if let Some(far) = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(1 << 62)) {
            assert_eq!(rfc3339(far), format!("{} s from 1970-01-01T00:00:00Z", 1u64 << 62));
        }
    }

    #[test]
    fn hex_and_algorithm_names() {
        assert_eq!(hex(&[0x00, 0x10, 0xab]), "0010ab");
        assert_eq!(crate::crypto::algorithm_name("1.2.840.10045.2.1"), "EC");
        assert_eq!(crate::crypto::algorithm_name("1.2.3"), "OID 1.2.3");
    }
}
