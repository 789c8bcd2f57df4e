//! Character classes of XML 1.0 (fifth edition) and Namespaces in XML 1.0.

/// `Char` production: what XML 1.0 can carry at all.
#[inline]
pub(crate) fn is_xml_char(c: char) -> bool {
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
pub(crate) fn is_ncname(s: &str) -> bool {
    // ASCII names (nearly all) are checked bytewise; anything else char by char.
    let b = s.as_bytes();
    let ascii_name_char = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.');
    match b.first() {
        Some(c) if (c.is_ascii_alphabetic() || *c == b'_') && b[1..].iter().all(ascii_name_char) => return true,
        Some(c) if c.is_ascii() && !(c.is_ascii_alphabetic() || *c == b'_') => return false,
        _ => {}
    }
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c != ':' && is_name_start_char(c) => {}
        _ => return false,
    }
    chars.all(|c| c != ':' && is_name_char(c))
}

/// Splits a `QName` into (prefix, local part); `None` when it is not a valid QName.
pub(crate) fn split_qname(s: &str) -> Option<(Option<&str>, &str)> {
    // A byte search: names are short, and `split_once(':')` goes through a char searcher.
    match s.bytes().position(|b| b == b':') {
        None => is_ncname(s).then_some((None, s)),
        Some(i) => {
            let (p, l) = (&s[..i], &s[i + 1..]);
            (is_ncname(p) && is_ncname(l)).then_some((Some(p), l))
        }
    }
}

/// Finds the first character XML 1.0 cannot carry; returns its byte offset and value.
pub(crate) fn find_illegal_char(s: &str) -> Option<(usize, char)> {
    scan(s).err()
}

/// One pass over a document: the first character XML 1.0 cannot carry (offset and
/// value) as the error, else the number of `<` bytes (the reader sizes its arena by it).
pub(crate) fn scan(s: &str) -> Result<usize, (usize, char)> {
    const BLOCK: usize = 64;
    let b = s.as_bytes();
    let mut lt = 0;
    let mut blocks = b.chunks_exact(BLOCK);
    let mut i = 0;
    // A block at a time, in a loop the compiler turns into vector code: the `<` are
    // counted, and only a block with a control byte other than TAB, LF and CR, or a 0xEF
    // (the lead byte of U+FFFE/U+FFFF), is looked at byte by byte.
    for block in &mut blocks {
        let mut count = 0u8;
        let mut suspect = false;
        for &c in block {
            count += u8::from(c == b'<');
            suspect |= (c < 0x20) & (c != b'\t') & (c != b'\n') & (c != b'\r') | (c == 0xEF);
        }
        lt += usize::from(count);
        if suspect {
            check_bytes(b, i, i + BLOCK)?;
        }
        i += BLOCK;
    }
    lt += blocks.remainder().iter().filter(|&&c| c == b'<').count();
    check_bytes(b, i, b.len())?;
    Ok(lt)
}

/// The byte-wise check of `b[from..to]`: everything from 0x20 up is fine except the
/// start of U+FFFE/U+FFFF (EF BF BE/BF); below it only TAB, LF and CR.
fn check_bytes(b: &[u8], from: usize, to: usize) -> Result<(), (usize, char)> {
    for i in from..to {
        let x = b[i];
        if x < 0x20 {
            if x != b'\t' && x != b'\n' && x != b'\r' {
                return Err((i, x as char));
            }
        } else if x == 0xEF && i + 2 < b.len() && b[i + 1] == 0xBF && (b[i + 2] == 0xBE || b[i + 2] == 0xBF) {
            let c = if b[i + 2] == 0xBE { '\u{FFFE}' } else { '\u{FFFF}' };
            return Err((i, c));
        }
    }
    Ok(())
}

/// Whether a namespace name has a URI scheme. Canonical XML fails on relative
/// namespace URIs (C14N 1.0 §2.1); libxml2 does the same.
pub(crate) fn is_absolute_uri(s: &str) -> bool {
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

    /// The word-at-a-time scan against a plain char loop, with every troublesome
    /// character at every offset around the 8-byte chunk boundaries.
    #[test]
    fn scan_agrees_with_a_char_loop() {
        let reference = |s: &str| -> Result<usize, (usize, char)> {
            match s.char_indices().find(|&(_, c)| !is_xml_char(c)) {
                Some(bad) => Err(bad),
                None => Ok(s.bytes().filter(|&b| b == b'<').count()),
            }
        };
        let specials = [
            '\u{0}', '\u{1}', '\u{1F}', '\t', '\n', '\r', '<', '\u{FFFE}', '\u{FFFF}', '\u{FFFD}', '\u{EFFF}', 'é',
            '\u{7F}', ' ',
        ];
        let mut checked = 0;
        for len in 0..26 {
            for at in 0..=len {
                for &c in &specials {
                    for fill in ['a', '<', '\u{FEFF}'] {
                        let mut s: String = std::iter::repeat_n(fill, len).collect();
                        let byte_at = s.char_indices().nth(at).map_or(s.len(), |(i, _)| i);
                        s.insert(byte_at, c);
                        assert_eq!(scan(&s), reference(&s), "{s:?}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 10_000);
    }

    /// The same around the scan's 64-byte blocks: every troublesome character at every
    /// offset of inputs one byte short of, at and past one and two blocks.
    #[test]
    fn scan_agrees_with_a_char_loop_across_blocks() {
        let reference = |s: &str| -> Result<usize, (usize, char)> {
            match s.char_indices().find(|&(_, c)| !is_xml_char(c)) {
                Some(bad) => Err(bad),
                None => Ok(s.bytes().filter(|&b| b == b'<').count()),
            }
        };
        let specials = ['\u{0}', '\u{1F}', '\t', '\n', '\r', '<', '\u{FFFE}', '\u{FFFF}', '\u{EFFF}', '\u{7F}'];
        let mut checked = 0;
        for len in [62, 63, 64, 65, 127, 128, 129, 200] {
            for fill in ["a", "<", "\n", "\u{FEFF}"] {
                let base = fill.repeat(len);
                for at in (0..=base.len()).filter(|&i| base.is_char_boundary(i)) {
                    for &c in &specials {
                        let mut s = base.clone();
                        s.insert(at, c);
                        assert_eq!(scan(&s), reference(&s), "{s:?}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 30_000);
    }

    #[test]
    fn ascii_fast_path_of_is_ncname_agrees_with_the_char_rules() {
        let slow = |s: &str| {
            let mut chars = s.chars();
            matches!(chars.next(), Some(c) if c != ':' && is_name_start_char(c))
                && chars.all(|c| c != ':' && is_name_char(c))
        };
        let parts =
            ["", "a", "Z", "_", "-", ".", "0", "9", ":", " ", "é", "\u{B7}", "\u{300}", "\u{2070}", "~", "\u{7F}"];
        for x in parts {
            for y in parts {
                for z in parts {
                    let s = format!("{x}{y}{z}");
                    assert_eq!(is_ncname(&s), slow(&s), "{s:?}");
                }
            }
        }
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
