//! Value types in the domain's own words, each validated on construction.

use std::fmt;
use std::str::FromStr;

use super::error::{ModelError, Reason};

/// Which generic MAGDA schema a message follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SchemaVersion {
    /// generiek-02.00 (DHO2 / MAGDA 2): Referte 1..36, Uitzondering with Oorsprong. The default.
    #[default]
    V02_00,
    /// generiek-01.02 (MAGDA 1.x, the 2007 deck): Referte 1..24, Uitzondering without Oorsprong.
    V01_02,
}

impl SchemaVersion {
    /// Maximum length of a Referte in this version (36 or 24).
    pub fn max_referte_len(self) -> usize {
        match self {
            SchemaVersion::V02_00 => 36,
            SchemaVersion::V01_02 => 24,
        }
    }

    /// Whether an Uitzondering carries Oorsprong (required in 02.00, absent in 01.02).
    pub fn has_oorsprong(self) -> bool {
        self == SchemaVersion::V02_00
    }

    /// `"02.00"` or `"01.02"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaVersion::V02_00 => "02.00",
            SchemaVersion::V01_02 => "01.02",
        }
    }
}

impl fmt::Display for SchemaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SchemaVersion {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, ModelError> {
        match s {
            "02.00" => Ok(SchemaVersion::V02_00),
            "01.02" => Ok(SchemaVersion::V01_02),
            _ => Err(ModelError::invalid("SchemaVersion", Reason::NotInEnumeration { allowed: "02.00|01.02" })),
        }
    }
}

use crate::xml::is_xml_char;

/// Checks that `s` can be carried by XML 1.0.
pub(crate) fn check_xml_chars(field: &'static str, s: &str) -> Result<(), ModelError> {
    match s.chars().find(|&c| !is_xml_char(c)) {
        Some(c) => Err(ModelError::invalid(field, Reason::IllegalCharacter { code: c as u32 })),
        None => Ok(()),
    }
}

/// Checks XML characters and `min..=max` characters (as XSD counts length: in characters).
pub(crate) fn check_text(field: &'static str, s: &str, min: usize, max: Option<usize>) -> Result<(), ModelError> {
    check_xml_chars(field, s)?;
    let n = s.chars().count();
    if n < min {
        return Err(ModelError::invalid(field, Reason::Empty));
    }
    if let Some(max) = max {
        if n > max {
            return Err(ModelError::invalid(field, Reason::TooLong { max, actual: n }));
        }
    }
    Ok(())
}

macro_rules! string_value {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The value as written on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = ModelError;
            fn from_str(s: &str) -> Result<Self, ModelError> {
                Self::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_value! {
    /// A Referte: 1..36 characters (generiek-02.00; at most 24 in 01.02, checked when a
    /// message of that version is built or read). In practice a UUID.
    Referte
}

impl Referte {
    /// Longest Referte of any version (02.00).
    pub const MAX_LEN: usize = 36;

    /// A Referte from its text: 1..36 characters XML can carry.
    pub fn new(s: &str) -> Result<Self, ModelError> {
        check_text("Referte", s, 1, Some(Self::MAX_LEN))?;
        Ok(Referte(s.to_owned()))
    }

    /// A fresh UUID v4 in its 36-character hyphenated form (for generiek-02.00).
    pub fn generate() -> Self {
        Referte(uuid::Uuid::new_v4().hyphenated().to_string())
    }

    /// A fresh random Referte that fits `version`: a UUID v4 (36 characters) for 02.00,
    /// the first 24 hex digits of a UUID v4 (92 random bits) for 01.02.
    pub fn generate_for(version: SchemaVersion) -> Self {
        match version {
            SchemaVersion::V02_00 => Self::generate(),
            SchemaVersion::V01_02 => {
                let mut s = uuid::Uuid::new_v4().simple().to_string();
                s.truncate(24);
                Referte(s)
            }
        }
    }

    /// Number of characters.
    pub fn char_len(&self) -> usize {
        self.0.chars().count()
    }

    /// Checks the version-specific length (24 in 01.02) for the named field.
    pub(crate) fn check_version(&self, field: &'static str, v: SchemaVersion) -> Result<(), ModelError> {
        let n = self.char_len();
        if n > v.max_referte_len() {
            return Err(ModelError::invalid(field, Reason::TooLong { max: v.max_referte_len(), actual: n }));
        }
        Ok(())
    }

    /// Re-labels a `Referte` error with the field it was read for.
    pub(crate) fn new_for(field: &'static str, s: &str) -> Result<Self, ModelError> {
        Self::new(s).map_err(|e| relabel(e, field))
    }
}

/// Replaces the field name of an [`ModelError::Invalid`].
pub(crate) fn relabel(e: ModelError, field: &'static str) -> ModelError {
    match e {
        ModelError::Invalid { reason, .. } => ModelError::Invalid { field, reason },
        other => other,
    }
}

string_value! {
    /// An institution number (instellingsnummer): 1..6 ASCII digits, leading zeros kept
    /// (`001234` stays `001234`). The identity the PEP authorizes against.
    Instellingsnummer
}

impl Instellingsnummer {
    /// Validates 1..6 ASCII digits.
    pub fn new(s: &str) -> Result<Self, ModelError> {
        if s.is_empty() {
            return Err(ModelError::invalid("Instellingsnummer", Reason::Empty));
        }
        if s.len() > 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ModelError::invalid("Instellingsnummer", Reason::Pattern { expected: "1 to 6 digits" }));
        }
        Ok(Instellingsnummer(s.to_owned()))
    }

    /// The 6-digit form (`1234` → `001234`): the form the PEP's bindings compare and the
    /// answer store keys on, so that `1234` and `001234` are one institution.
    pub fn normalized(&self) -> Instellingsnummer {
        // `new` allows 1..6 ASCII digits; zero-padding them to 6 keeps a valid number.
        Instellingsnummer(format!("{:0>6}", self.0))
    }
}

string_value! {
    /// An INSZ (rijksregisternummer or bisnummer): 11 ASCII digits whose last two are a
    /// modulo-97 check over the first nine, for people born before 2000
    /// (`97 - (n mod 97)`) or from 2000 on (`97 - ((2_000_000_000 + n) mod 97)`).
    Insz
}

impl Insz {
    /// Validates the form and the check digits (either variant).
    pub fn new(s: &str) -> Result<Self, ModelError> {
        if s.len() != 11 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ModelError::invalid("Insz", Reason::Pattern { expected: "11 digits" }));
        }
        let digits = |r: &str| r.bytes().fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
        let base = digits(&s[..9]);
        let check = digits(&s[9..]);
        let before_2000 = 97 - base % 97;
        let from_2000 = 97 - (2_000_000_000 + base) % 97;
        if check != before_2000 && check != from_2000 {
            return Err(ModelError::invalid("Insz", Reason::CheckDigits));
        }
        Ok(Insz(s.to_owned()))
    }
}

string_value! {
    /// A Context/Versie of the form `NN.NN.NNNN`, e.g. `02.01.0000`.
    Versie
}

impl Versie {
    /// Validates `NN.NN.NNNN` (ASCII digits).
    pub fn new(s: &str) -> Result<Self, ModelError> {
        let b = s.as_bytes();
        let ok = b.len() == 10
            && b.iter().enumerate().all(|(i, &c)| match i {
                2 | 5 => c == b'.',
                _ => c.is_ascii_digit(),
            });
        if !ok {
            return Err(ModelError::invalid("Versie", Reason::Pattern { expected: "NN.NN.NNNN" }));
        }
        Ok(Versie(s.to_owned()))
    }
}

string_value! {
    /// Uitzondering/Oorsprong: 1..5 of `[0-9A-Za-z_]`, e.g. `DHO2`, `MAGDA` (generiek-02.00 only).
    Oorsprong
}

impl Oorsprong {
    /// Validates `[0-9A-Za-z_]{1,5}`.
    pub fn new(s: &str) -> Result<Self, ModelError> {
        if s.is_empty() {
            return Err(ModelError::invalid("Oorsprong", Reason::Empty));
        }
        if s.len() > 5 || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(ModelError::invalid("Oorsprong", Reason::Pattern { expected: "[0-9A-Za-z_]{1,5}" }));
        }
        Ok(Oorsprong(s.to_owned()))
    }
}

string_value! {
    /// The ObjectID of the deck's CRUD conventions: 1..120 characters XML can carry,
    /// without leading or trailing whitespace.
    ObjectId
}

impl ObjectId {
    /// Validates 1..120 characters, no surrounding whitespace.
    pub fn new(s: &str) -> Result<Self, ModelError> {
        check_text("ObjectID", s, 1, Some(120))?;
        if s.trim() != s {
            return Err(ModelError::invalid(
                "ObjectID",
                Reason::Pattern { expected: "no leading or trailing whitespace" },
            ));
        }
        Ok(ObjectId(s.to_owned()))
    }
}

macro_rules! enum_value {
    ($(#[$m:meta])* $name:ident, $field:literal, $allowed:literal, { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $v),+
        }

        impl $name {
            /// Every value, in schema order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// Parses the wire value.
            pub fn new(s: &str) -> Result<Self, ModelError> {
                match s {
                    $($s => Ok($name::$v),)+
                    _ => Err(ModelError::invalid($field, Reason::NotInEnumeration { allowed: $allowed })),
                }
            }

            /// The wire value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$v => $s),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ModelError;
            fn from_str(s: &str) -> Result<Self, ModelError> {
                Self::new(s)
            }
        }
    };
}

enum_value! {
    /// Bericht/Type: the kind of message.
    BerichtType, "Bericht/Type",
    "VRAAG|ANTWOORD|VOORLOPIG_ANTWOORD|DATAGRAM|BEVESTIGING|UITZONDERING|PUBLICATIE",
    {
        /// A request (what a Verzoek sends).
        Vraag = "VRAAG",
        /// An answer (what a Repliek sends).
        Antwoord = "ANTWOORD",
        /// A provisional answer.
        VoorlopigAntwoord = "VOORLOPIG_ANTWOORD",
        /// A one-way message.
        Datagram = "DATAGRAM",
        /// A confirmation.
        Bevestiging = "BEVESTIGING",
        /// An exception message.
        Uitzondering = "UITZONDERING",
        /// A publication.
        Publicatie = "PUBLICATIE",
    }
}

enum_value! {
    /// Uitzondering/Type: how serious an Uitzondering is.
    UitzonderingType, "Uitzondering/Type", "FOUT|WAARSCHUWING|INFORMATIE",
    {
        /// An error: the Vraag (or message) was not handled.
        Fout = "FOUT",
        /// A warning.
        Waarschuwing = "WAARSCHUWING",
        /// Information.
        Informatie = "INFORMATIE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insz_both_centuries() {
        for ok in [
            "85073003328",
            "93051512357",
            "85010101697",
            "75210123403",
            "01010112301",
            "05022845616",
            "00123198739",
            "00101018797",
        ] {
            assert!(Insz::new(ok).is_ok(), "{ok}");
        }
        for (bad, reason) in [
            ("85073003329", Reason::CheckDigits),
            ("01010112302", Reason::CheckDigits),
            ("00000000000", Reason::CheckDigits),
            ("8507300332", Reason::Pattern { expected: "11 digits" }),
            ("8507300332A", Reason::Pattern { expected: "11 digits" }),
        ] {
            assert_eq!(Insz::new(bad), Err(ModelError::Invalid { field: "Insz", reason }), "{bad}");
        }
    }

    #[test]
    fn versie_and_instelling() {
        assert!(Versie::new("02.01.0000").is_ok());
        assert!(Versie::new("2.1.0").is_err());
        assert!(Versie::new("02.01.000a").is_err());
        assert!(Versie::new("02.01.0000 ").is_err());
        assert!(Instellingsnummer::new("001234").is_ok());
        assert!(Instellingsnummer::new("1234567").is_err());
        assert!(Instellingsnummer::new("").is_err());
        assert!(Instellingsnummer::new("12a").is_err());
        assert!(Instellingsnummer::new("١٢").is_err());
    }

    #[test]
    fn referte_generation() {
        assert_eq!(Referte::generate().char_len(), 36);
        assert_eq!(Referte::generate_for(SchemaVersion::V01_02).char_len(), 24);
        assert!(Referte::new(&"x".repeat(37)).is_err());
        assert!(Referte::new("").is_err());
    }
}
