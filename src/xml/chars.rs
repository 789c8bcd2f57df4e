//! Character classes of XML 1.0 (fifth edition) and Namespaces in XML 1.0.

/// `Char` production: what XML 1.0 can carry at all.
#[inline]
pub fn is_xml_char(c: char) -> bool {
    matches!(c as u32,
        0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

#[inline]
fn is_name_start_char(c: char) -> bool {
    matches!(c as u32,
        0x3A /* : */ | 0x41..=0x5A | 0x5F /* _ */ | 0x61..=0x7A
        | 0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0x2FF | 0x370..=0x37D | 0x37F..=0x1FFF
        | 0x200C..=0x200D | 0x2070..=0x218F | 0x2C00..=0x2FEF | 0x3001..=0xD7FF
        | 0xF900..=0xFDCF | 0xFDF0..=0xFFFD | 0x10000..=0xEFFFF)
}

#[inline]
fn is_name_char(c: char) -> bool {
    is_name_start_char(c) || matches!(c as u32, 0x2D | 0x2E | 0x30..=0x39 | 0xB7 | 0x300..=0x36F | 0x203F..=0x2040)
}

/// `NCName`: an XML name without a colon.
pub fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c != ':' && is_name_start_char(c) => {}
        _ => return false,
    }
    chars.all(|c| c != ':' && is_name_char(c))
}

/// Splits a `QName` into (prefix, local part); `None` when it is not a valid QName.
pub(crate) fn split_qname(s: &str) -> Option<(Option<&str>, &str)> {
    match s.split_once(':') {
        None => is_ncname(s).then_some((None, s)),
        Some((p, l)) => (is_ncname(p) && is_ncname(l)).then_some((Some(p), l)),
    }
}

/// Finds the first character XML 1.0 cannot carry; returns its byte offset and value.
pub(crate) fn find_illegal_char(s: &str) -> Option<(usize, char)> {
    // Fast path on bytes: everything >= 0x20 that is not the start of U+FFFE/U+FFFF is fine.
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let x = b[i];
        if x < 0x20 {
            if x != b'\t' && x != b'\n' && x != b'\r' {
                return Some((i, x as char));
            }
        } else if x == 0xEF && i + 2 < b.len() && b[i + 1] == 0xBF && (b[i + 2] == 0xBE || b[i + 2] == 0xBF) {
            let c = if b[i + 2] == 0xBE { '\u{FFFE}' } else { '\u{FFFF}' };
            return Some((i, c));
        }
        i += 1;
    }
    None
}

/// Whether a namespace name has a URI scheme. Canonical XML fails on relative
/// namespace URIs (C14N 1.0 §2.1); libxml2 does the same.
pub fn is_absolute_uri(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() => {}
        _ => return false,
    }
    for c in chars {
        if c == ':' {
            return true;
        }
        if !(c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.') {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_ncname("Verzoek"));
        assert!(is_ncname("_a-b.c1"));
        assert!(is_ncname("é"));
        assert!(!is_ncname("1a"));
        assert!(!is_ncname("a:b"));
        assert!(!is_ncname(""));
        assert!(!is_ncname("-a"));
        assert_eq!(split_qname("soap:Body"), Some((Some("soap"), "Body")));
        assert_eq!(split_qname("Body"), Some((None, "Body")));
        assert_eq!(split_qname("a:b:c"), None);
        assert_eq!(split_qname(":b"), None);
        assert_eq!(split_qname("a:"), None);
    }

    #[test]
    fn illegal_chars() {
        assert_eq!(find_illegal_char("ok\t\r\n é €"), None);
        assert_eq!(find_illegal_char("a\u{1}b"), Some((1, '\u{1}')));
        assert_eq!(find_illegal_char("ab\u{FFFE}"), Some((2, '\u{FFFE}')));
        assert_eq!(find_illegal_char("\u{FFFF}"), Some((0, '\u{FFFF}')));
        assert_eq!(find_illegal_char("\u{FFFD}"), None);
        assert!(!is_xml_char('\u{0}'));
        assert!(is_xml_char('\u{10FFFF}'));
    }

    #[test]
    fn uris() {
        assert!(is_absolute_uri("http://x"));
        assert!(is_absolute_uri("urn:a"));
        assert!(!is_absolute_uri("foo"));
        assert!(!is_absolute_uri("../a:b"));
        assert!(!is_absolute_uri(""));
    }
}
