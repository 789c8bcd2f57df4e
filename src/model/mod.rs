//! The DHO message model: Verzoek and Repliek (MAGDA generiek-02.00, and 01.02) in a
//! SOAP 1.1 envelope, as Rust types that cannot hold an invalid message.
//!
//! # Shape
//!
//! ```text
//! Envelope/Body/{op}:Operatie                  (service namespace; everything below is unqualified)
//!   Verzoek  = Context, Vragen(Vraag 1..99: Referte, Inhoud)
//!   Repliek  = Context, Antwoorden?(Antwoord: Referte, Inhoud?, Uitzonderingen?), Uitzonderingen?
//! Envelope/Body/soapenv:Fault                  (faultcode, faultstring, faultactor?, detail?)
//! ```
//!
//! # Building
//!
//! Values in the domain's own words ([`Referte`], [`Instellingsnummer`], [`Insz`],
//! [`Versie`], [`Tijdstip`], [`BerichtType`], [`UitzonderingType`], [`Oorsprong`]) are
//! checked when made. Messages are made by builders ([`Verzoek::builder`],
//! [`Repliek::builder`], [`Verzoek::beantwoord`]) whose `build` checks every rule and
//! names the offending field in a [`ModelError`]. Defaults: a new UUID v4 Referte, the
//! current Europe/Brussels time written `HH:MM:SS.000`, and the Bericht Type of the
//! message kind.
//!
//! # Reading
//!
//! Reading starts from an [`Element`](crate::xml::Element) of a parsed
//! [`Document`](crate::xml::Document) — the same tree the verifier checks; there is no
//! second parser. [`Envelope::read`] takes the `soapenv:Envelope`, [`Envelope::read_body_child`]
//! the Body child, [`Verzoek::read`] / [`Repliek::read`] the inner element.
//! [`Envelope::from_envelope_bytes`] parses and reads in one step. The reader is strict:
//! elements in schema order, no element in a namespace where none is expected, no
//! attributes on model elements, no text where elements are expected; every failure is a
//! typed [`ModelError`].
//!
//! # Writing
//!
//! [`Envelope::to_bytes`] writes a compact envelope with an empty `soapenv:Header`;
//! [`Envelope::write_with`] lets the signer fill the Header and add `wsu:Id` to the Body;
//! [`Envelope::write_body_child`] writes only the operation element or Fault.
//!
//! # Inhoud
//!
//! Operation-specific content is an [`Inhoud`]: typed ([`InhoudContent`], and [`Crud`] for
//! the deck's CRUD conventions) or an XML fragment string checked by the crate's reader.
//! No `serde` integration: typed content reads and writes itself through the XML layer.

mod context;
mod envelope;
mod error;
mod inhoud;
mod read;
mod repliek;
mod tijd;
mod uitzondering;
mod values;
mod verzoek;

pub use context::{
    Afzender, AfzenderBuilder, Annotatie, Bericht, Context, Ontvanger, OntvangerBuilder, IDENTIFICATIE_MAX,
    NAAM_KORT_MAX, NAAM_MAX,
};
pub use envelope::{Envelope, Fault, FaultCode, Operatie, DEFAULT_OPERATIE_PREFIX, SOAP_ENV_PREFIX};
pub use error::{ModelError, Reason};
pub use inhoud::{Crud, CrudActie, CrudObject, Detail, Inhoud, InhoudContent, OBJECT_ID};
pub use read::{simple_text, ElementCursor};
pub use repliek::{Antwoord, Repliek, RepliekBuilder, Uitkomst};
pub use tijd::{TijdPrecisie, Tijdstip};
pub use uitzondering::{Uitzondering, UitzonderingBuilder, IDENTIFICATIE_DIGITS_MAX};
pub use values::{
    BerichtType, Instellingsnummer, Insz, ObjectId, Oorsprong, Referte, SchemaVersion, UitzonderingType, Versie,
};
pub use verzoek::{Verzoek, VerzoekBuilder, Vraag};
