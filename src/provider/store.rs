//! Guaranteed delivery: the answer store, keyed by (Instellingsnummer, Vraag Referte); the
//! protocol is documented on [`AnswerStore`].

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::model::{
    Afzender, Antwoord, Inhoud, Instellingsnummer, ModelError, Operatie, Referte, Repliek, SchemaVersion, Tijdstip,
    Uitkomst, Versie,
};
use crate::pki::ValidatedCertificate;
use crate::xml::{Document, XmlWriter};

/// How long a store waits by default for another caller's claim on the same key.
pub const DEFAULT_CLAIM_WAIT: Duration = Duration::from_secs(30);

/// The key of a stored answer: the institution (6-digit form) and the Vraag's Referte.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AnswerKey {
    instellingsnummer: Instellingsnummer,
    referte: Referte,
}

impl AnswerKey {
    /// The key for `referte` of `instellingsnummer` (normalized to 6 digits, so `1234`
    /// and `001234` share their answers).
    pub fn new(instellingsnummer: &Instellingsnummer, referte: Referte) -> Self {
        AnswerKey { instellingsnummer: instellingsnummer.normalized(), referte }
    }
    /// The Instellingsnummer, 6-digit form.
    pub fn instellingsnummer(&self) -> &Instellingsnummer {
        &self.instellingsnummer
    }
    /// The Vraag Referte.
    pub fn referte(&self) -> &Referte {
        &self.referte
    }
}

/// SHA-256 over what a Vraag asks: a domain tag, the operation's namespace and name, and
/// the exclusive canonical form of its Inhoud. A resend must have the same fingerprint to
/// get the stored answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// The fingerprint of a Vraag's `inhoud` in `operatie`.
    pub fn of(operatie: &Operatie, inhoud: &Inhoud) -> Self {
        let mut h = Sha256::new();
        h.update(b"dho-wss answer v1\0");
        h.update(operatie.namespace().as_bytes());
        h.update(b"\0");
        h.update(operatie.naam().as_bytes());
        h.update(b"\0");
        h.update(inhoud.canonical());
        Fingerprint(h.finalize().into())
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// Who asked a Vraag whose answer is stored: the SHA-256 fingerprint of the signing
/// certificate and a digest of the Afzender context. A stored answer is handed out only to a
/// resend by an equal `Requester` (attack catalogue F6): two applications of one institution
/// (two certificates bound to one Instellingsnummer), or two users of one application, never
/// get each other's answers, and a handler's per-application or per-user checks cannot be
/// bypassed by reusing a known Referte.
///
/// The context is the Afzender's **OrganisatieEenheid, Hoedanigheid and Gebruiker**: the
/// fields that say for which unit, in which capacity and for which end user the application
/// asks, and on which a handler may decide. Not in it: Identificatie (the institution, already
/// the [`AnswerKey`], in its 6-digit form), Naam (a display name, not an identity: the
/// certificate is the application's identity) and Referte (new in every message).
///
/// A consequence: a resend after the signing certificate was renewed is a new requester and
/// gets [`Code::ReferteReused`](super::Code::ReferteReused) for Vragen answered before the
/// renewal.
///
/// The context is kept as a SHA-256 digest so that the store does not hold the Gebruiker's
/// INSZ in clear; it is not anonymization (INSZs are few enough to try them all), and the
/// stored Antwoord may hold personal data anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Requester {
    signer_sha256: [u8; 32],
    context_digest: [u8; 32],
}

impl Requester {
    /// The requester of a Verzoek from `afzender` signed with `signer`.
    pub fn new(signer: &ValidatedCertificate, afzender: &Afzender) -> Self {
        Requester {
            signer_sha256: Sha256::digest(signer.certificate_der()).into(),
            context_digest: context_digest(
                afzender.organisatie_eenheid(),
                afzender.hoedanigheid(),
                afzender.gebruiker().map(|g| g.as_str()),
            ),
        }
    }

    /// A requester read back from a store: what [`signer_sha256`](Self::signer_sha256) and
    /// [`context_digest`](Self::context_digest) returned.
    pub fn from_parts(signer_sha256: [u8; 32], context_digest: [u8; 32]) -> Self {
        Requester { signer_sha256, context_digest }
    }

    /// The SHA-256 fingerprint of the signing certificate's DER.
    pub fn signer_sha256(&self) -> &[u8; 32] {
        &self.signer_sha256
    }

    /// SHA-256 over a domain tag and the OrganisatieEenheid, Hoedanigheid and Gebruiker
    /// (each absent, or present with its length).
    pub fn context_digest(&self) -> &[u8; 32] {
        &self.context_digest
    }
}

fn context_digest(organisatie_eenheid: Option<&str>, hoedanigheid: Option<&str>, gebruiker: Option<&str>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"dho-wss requester v1\0");
    for field in [organisatie_eenheid, hoedanigheid, gebruiker] {
        match field {
            None => h.update([0]),
            Some(v) => {
                h.update([1]);
                h.update((v.len() as u64).to_be_bytes());
                h.update(v.as_bytes());
            }
        }
    }
    h.finalize().into()
}

/// A stored answer: the fingerprint of the Vraag it answers, who asked it, and the encoded
/// Antwoord ([`StoredAnswer::new`]); opaque to the store, which must keep all three.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    /// The fingerprint of the Vraag.
    pub fingerprint: Fingerprint,
    /// Who asked it. `None` for an answer stored before requesters were recorded (a
    /// `SqliteStore` file of schema 1): such an answer is never handed out, every resend of
    /// its Referte gets [`Code::ReferteReused`](super::Code::ReferteReused).
    pub requester: Option<Requester>,
    /// The encoded answer ([`uitkomst`](Self::uitkomst) decodes it).
    pub antwoord: Vec<u8>,
}

/// The outcome of [`AnswerStore::claim`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The caller now owns the key: do the work, then `complete` or `release`.
    Claimed,
    /// The key has a stored answer.
    Answered(StoredAnswer),
    /// Another caller kept the key for longer than the store waits.
    Busy,
}

/// A store failure. The provider answers it with a `soapenv:Server` Fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend failed (I/O, database).
    #[error("answer store backend: {0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
    /// `complete` for a key the caller does not hold (its claim was taken over).
    #[error("the claim on {referte} of {instellingsnummer} is no longer held")]
    ClaimLost {
        /// The Instellingsnummer.
        instellingsnummer: String,
        /// The Referte.
        referte: String,
    },
    /// A stored answer that cannot be read back.
    #[error("stored answer is corrupt: {detail}")]
    Corrupt {
        /// What is wrong.
        detail: String,
    },
}

/// Where answers for guaranteed delivery are kept, keyed by (Instellingsnummer, Vraag Referte).
///
/// A stored answer belongs to whoever asked: with it the store keeps the [`Fingerprint`] of
/// the Vraag and the [`Requester`] — the signing certificate and the Afzender context. The
/// [`Provider`](super::Provider) hands it out only to a resend with the same fingerprint and
/// the same requester; anyone else reusing the Referte gets
/// [`Code::ReferteReused`](super::Code::ReferteReused), never someone else's answer (attack
/// catalogue F6). The store itself keeps both opaque and decides nothing.
///
/// The protocol between the [`Provider`](super::Provider) and a store is
/// claim → work → complete (or release):
///
/// 1. [`AnswerStore::claim`] either hands back the stored answer ([`Claim::Answered`]),
///    or makes the caller the only one working on the key ([`Claim::Claimed`]) — a second
///    caller for the same key waits until the first completes or releases — or gives up
///    after the store's wait ([`Claim::Busy`]).
/// 2. The caller does the work.
/// 3. It calls exactly one of [`AnswerStore::complete`] (store the answer and end the
///    claim, atomically) or [`AnswerStore::release`] (end the claim, store nothing).
///    After a failed `complete` it still calls `release`.
///
/// Limit: the store cannot make the handler's own side effects atomic with the stored
/// answer. If the process dies between the work and `complete`, nothing is stored (and a
/// `SqliteStore` claim row stays until it is stale), so the resend
/// runs the work again. Work that must happen exactly once needs its own idempotency too
/// (e.g. the business change and its answer in one database transaction).
///
/// Implementations must make `complete` atomic:
/// after it fails, `claim` and `get` never see part of the answer; and they must give back
/// every field of the [`StoredAnswer`], the [`Requester`] included (one given back as `None`
/// is never handed out).
pub trait AnswerStore: Send + Sync {
    /// Claims `key`, waiting for another caller's claim on it (see [`Claim`]).
    fn claim(&self, key: &AnswerKey) -> Result<Claim, StoreError>;
    /// Stores `answer` for a key the caller claimed and ends the claim, atomically.
    fn complete(&self, key: &AnswerKey, answer: &StoredAnswer) -> Result<(), StoreError>;
    /// Ends the caller's claim on `key` without storing anything.
    fn release(&self, key: &AnswerKey) -> Result<(), StoreError>;
    /// The stored answer for `key`, if any (no claim involved).
    fn get(&self, key: &AnswerKey) -> Result<Option<StoredAnswer>, StoreError>;
}

impl<S: AnswerStore + ?Sized> AnswerStore for Arc<S> {
    fn claim(&self, key: &AnswerKey) -> Result<Claim, StoreError> {
        (**self).claim(key)
    }
    fn complete(&self, key: &AnswerKey, answer: &StoredAnswer) -> Result<(), StoreError> {
        (**self).complete(key, answer)
    }
    fn release(&self, key: &AnswerKey) -> Result<(), StoreError> {
        (**self).release(key)
    }
    fn get(&self, key: &AnswerKey) -> Result<Option<StoredAnswer>, StoreError> {
        (**self).get(key)
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded maps are only changed by single, non-panicking operations, so a
    // poisoned lock still holds consistent data.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Debug)]
enum Slot {
    Claimed,
    Answered(StoredAnswer),
}

/// An in-process answer store (lost on restart): a map under a mutex, and a condition
/// variable on which a second caller for a claimed key waits.
#[derive(Debug)]
pub struct MemoryStore {
    slots: Mutex<HashMap<AnswerKey, Slot>>,
    changed: Condvar,
    wait: Duration,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// An empty store that waits up to [`DEFAULT_CLAIM_WAIT`] for a claimed key.
    pub fn new() -> Self {
        MemoryStore { slots: Mutex::new(HashMap::new()), changed: Condvar::new(), wait: DEFAULT_CLAIM_WAIT }
    }

    /// Sets how long `claim` waits for another caller's claim before it says [`Claim::Busy`].
    pub fn with_wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// Number of stored answers.
    pub fn len(&self) -> usize {
        lock(&self.slots).values().filter(|s| matches!(s, Slot::Answered(_))).count()
    }

    /// Whether no answer is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl AnswerStore for MemoryStore {
    fn claim(&self, key: &AnswerKey) -> Result<Claim, StoreError> {
        let deadline = Instant::now() + self.wait;
        let mut slots = lock(&self.slots);
        loop {
            match slots.get(key) {
                None => {
                    slots.insert(key.clone(), Slot::Claimed);
                    return Ok(Claim::Claimed);
                }
                Some(Slot::Answered(a)) => return Ok(Claim::Answered(a.clone())),
                Some(Slot::Claimed) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Ok(Claim::Busy);
                    }
                    slots = self.changed.wait_timeout(slots, deadline - now).unwrap_or_else(|e| e.into_inner()).0;
                }
            }
        }
    }

    fn complete(&self, key: &AnswerKey, answer: &StoredAnswer) -> Result<(), StoreError> {
        let mut slots = lock(&self.slots);
        match slots.get(key) {
            Some(Slot::Claimed) => {
                slots.insert(key.clone(), Slot::Answered(answer.clone()));
                self.changed.notify_all();
                Ok(())
            }
            _ => Err(StoreError::ClaimLost {
                instellingsnummer: key.instellingsnummer.to_string(),
                referte: key.referte.to_string(),
            }),
        }
    }

    fn release(&self, key: &AnswerKey) -> Result<(), StoreError> {
        let mut slots = lock(&self.slots);
        if matches!(slots.get(key), Some(Slot::Claimed)) {
            slots.remove(key);
        }
        self.changed.notify_all();
        Ok(())
    }

    fn get(&self, key: &AnswerKey) -> Result<Option<StoredAnswer>, StoreError> {
        Ok(match lock(&self.slots).get(key) {
            Some(Slot::Answered(a)) => Some(a.clone()),
            _ => None,
        })
    }
}

/// Per-key exclusion inside one process: at most one holder per key, others wait.
#[derive(Debug, Default)]
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub(crate) struct KeyGate {
    held: Mutex<HashSet<AnswerKey>>,
    released: Condvar,
}

#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
impl KeyGate {
    /// Takes `key`, waiting until `deadline`; false when the wait ran out.
    pub(crate) fn acquire(&self, key: &AnswerKey, deadline: Instant) -> bool {
        let mut held = lock(&self.held);
        loop {
            if !held.contains(key) {
                held.insert(key.clone());
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            held = self.released.wait_timeout(held, deadline - now).unwrap_or_else(|e| e.into_inner()).0;
        }
    }

    pub(crate) fn release(&self, key: &AnswerKey) {
        lock(&self.held).remove(key);
        self.released.notify_all();
    }
}

const CODEC_NAAM: &str = "DhoWssAntwoord";

impl StoredAnswer {
    /// The answer `uitkomst` to the Vraag `referte`, asked by `requester`, for a store: the
    /// Antwoord is encoded as a one-Antwoord `<Repliek>` written by the model's writer, so
    /// that reading it back ([`uitkomst`](Self::uitkomst)) uses the model's strict reader and
    /// checks every rule.
    pub fn new(
        fingerprint: Fingerprint,
        requester: Requester,
        referte: &Referte,
        uitkomst: &Uitkomst,
    ) -> Result<Self, ModelError> {
        let build = |version: SchemaVersion| -> Result<Repliek, ModelError> {
            let afzender = Afzender::builder("dho-wss").referte(Referte::new("0")?).build()?;
            Repliek::builder(CODEC_NAAM, Versie::new("00.00.0000")?, afzender)
                .schema_version(version)
                .tijdstip(Tijdstip::parse("2000-01-01", "00:00:00.000")?)
                .antwoord(Antwoord::new(referte.clone(), uitkomst.clone()))
                .build()
        };
        // Uitzonderingen without Oorsprong only fit generiek-01.02.
        let repliek = build(SchemaVersion::V02_00).or_else(|_| build(SchemaVersion::V01_02))?;
        let mut w = XmlWriter::new();
        repliek.write(&mut w)?;
        Ok(StoredAnswer { fingerprint, requester: Some(requester), antwoord: w.finish()? })
    }

    /// Decodes the Antwoord [`new`](Self::new) encoded; [`StoreError::Corrupt`] for anything else.
    pub fn uitkomst(&self) -> Result<Uitkomst, StoreError> {
        let corrupt = |detail: String| StoreError::Corrupt { detail };
        let doc = Document::parse(&self.antwoord).map_err(|e| corrupt(e.to_string()))?;
        let repliek = Repliek::read(doc.root(), None).map_err(|e| corrupt(e.to_string()))?;
        match (repliek.context().naam(), repliek.antwoorden()) {
            (CODEC_NAAM, [a]) => Ok(a.uitkomst().clone()),
            _ => Err(corrupt("expected one Antwoord".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_context_digest_separates_fields_and_absence() {
        let d = context_digest;
        let all = [
            d(None, None, None),
            d(Some(""), None, None),
            d(None, Some(""), None),
            d(None, None, Some("")),
            d(Some("ab"), Some("c"), None),
            d(Some("a"), Some("bc"), None),
            d(Some("a"), None, Some("bc")),
            d(None, Some("a"), Some("bc")),
        ];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(d(Some("FIN"), Some("801"), None), d(Some("FIN"), Some("801"), None));
    }
}
