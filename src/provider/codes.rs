//! The Uitzondering codes the PEP and the answer service report (see the
//! [module documentation](super#uitzondering-codes)).

use crate::model::{ModelError, Oorsprong, SchemaVersion, Uitzondering};

/// Where an Uitzondering sits in the Repliek.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// Level 2: `Repliek/Uitzonderingen`, about the whole message.
    Message,
    /// Level 3: `Antwoord/Uitzonderingen`, about one Vraag.
    Antwoord,
}

/// A stable Uitzondering code of this crate's provider side. Every one is of Type FOUT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// 13001 (level 2): the signing certificate may not speak for the Afzender's
    /// Instellingsnummer (MAGDA uses 13001 for a missing authorization too).
    NotAuthorized,
    /// 13002 (level 2): Afzender/Identificatie is not an Instellingsnummer (1..6 digits).
    NotAnInstellingsnummer,
    /// 13010 (level 3): the Vraag/Referte was used before, by this institution, for a
    /// Vraag with a different Inhoud (or operation), or by another signing certificate or
    /// Afzender context (attack catalogue F6); the old answer is not returned.
    ReferteReused,
    /// 13011 (level 3): a Vraag with this Referte is still being processed (by another
    /// process, or longer than the store waits); resend later.
    InProgress,
    /// 13090 (level 3): the operation failed for a technical reason; nothing was stored,
    /// the Vraag may be resent.
    ProcessingFailed,
}

impl Code {
    /// Every code, for documentation and tests.
    pub const ALL: [Code; 5] = [
        Code::NotAuthorized,
        Code::NotAnInstellingsnummer,
        Code::ReferteReused,
        Code::InProgress,
        Code::ProcessingFailed,
    ];

    /// The Uitzondering/Identificatie.
    pub fn identificatie(self) -> &'static str {
        match self {
            Code::NotAuthorized => "13001",
            Code::NotAnInstellingsnummer => "13002",
            Code::ReferteReused => "13010",
            Code::InProgress => "13011",
            Code::ProcessingFailed => "13090",
        }
    }

    /// The Uitzondering/Diagnose (Dutch, fixed per code).
    pub fn diagnose(self) -> &'static str {
        match self {
            Code::NotAuthorized => "Geen machtiging van de afzender voor dit instellingsnummer",
            Code::NotAnInstellingsnummer => "Afzender/Identificatie is geen geldig instellingsnummer",
            Code::ReferteReused => "Vraag/Referte werd al gebruikt voor een andere vraag of door een andere aanvrager",
            Code::InProgress => "Een vraag met deze referte wordt nog verwerkt; verstuur ze later opnieuw",
            Code::ProcessingFailed => "Technische fout bij het verwerken van de vraag; verstuur ze later opnieuw",
        }
    }

    /// Where the code is reported.
    pub fn level(self) -> Level {
        match self {
            Code::NotAuthorized | Code::NotAnInstellingsnummer => Level::Message,
            Code::ReferteReused | Code::InProgress | Code::ProcessingFailed => Level::Antwoord,
        }
    }

    /// The code for an Uitzondering/Identificatie, if it is one of these.
    pub fn from_identificatie(id: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.identificatie() == id)
    }

    /// The Uitzondering (Type FOUT) for a message of schema `version`: with `oorsprong`
    /// in generiek-02.00, without Oorsprong in 01.02 (which has none), and with
    /// `omstandigheid` if given.
    pub fn uitzondering(
        self,
        version: SchemaVersion,
        oorsprong: &Oorsprong,
        omstandigheid: Option<&str>,
    ) -> Result<Uitzondering, ModelError> {
        let mut b = Uitzondering::fout(self.identificatie(), self.diagnose());
        if version.has_oorsprong() {
            b = b.oorsprong(oorsprong.clone());
        }
        if let Some(o) = omstandigheid {
            b = b.omstandigheid(xml_safe(o, MAX_TEXT_CHARS));
        }
        b.build()
    }
}

/// Longest free text (Omstandigheid, Fault detail message) the provider writes.
pub(crate) const MAX_TEXT_CHARS: usize = 512;

/// `s` with every character XML 1.0 cannot carry replaced by U+FFFD, cut to `max` characters:
/// texts that quote the request or a certificate must never make the reply unwritable.
pub(crate) fn xml_safe(s: &str, max: usize) -> String {
    let ok =
        |c: char| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
    let mut out: String = s.chars().take(max).map(|c| if ok(c) { c } else { '\u{FFFD}' }).collect();
    if s.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_safe_replaces_and_cuts() {
        assert_eq!(xml_safe("a\u{0}b\u{1b}c\u{FFFE}", 10), "a\u{FFFD}b\u{FFFD}c\u{FFFD}");
        assert_eq!(xml_safe("abcdef", 3), "abc…");
        assert_eq!(xml_safe("tab\there", 20), "tab\there");
    }
}
