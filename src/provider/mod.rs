//! The provider side: the Policy Enforcement Point (PEP), guaranteed delivery, signed
//! replies. The institution's side of those replies is [`institution`](crate::institution).
//!
//! # Flow
//!
//! ```text
//! bytes ─ Pep::verify_and_authorize ─┬─ Ok(AuthorizedVerzoek) ─ Provider::answer ─ Repliek ─┐
//!   wss::Verifier (SPEC §4 rules 1–7)│   (handler per Vraag, AnswerStore)                  ├─ Signer ─ bytes
//!   Verzoek from the verified tree   └─ Err(Rejection) ─ Pep::reply_to ─ Fault | Repliek ──┘
//!   operation + Versie, authorization
//! ```
//!
//! [`Provider::handle`] does all of it. [`Pep::verify_and_authorize`]:
//! 1. verifies the signature with the policy's [`Verifier`](crate::wss::Verifier): its
//!    [`VerificationPolicy`](crate::wss::VerificationPolicy),
//!    [`CertificateValidator`](crate::pki::CertificateValidator), crypto provider and clock;
//! 2. reads the Verzoek from [`VerifiedEnvelope::body`](crate::wss::VerifiedEnvelope::body) —
//!    the verified tree, no second parse — after finding the operation
//!    (`{namespace}naam` of the Body's only child) in the policy's [`OperationSpec`]s;
//! 3. checks that Context/Naam names that operation and Context/Versie is one it supports;
//! 4. asks the [`AuthorizationRule`]s (a [`Bindings`] table, [`SubjectSerialNumberRule`],
//!    closures) whether the signer may speak for the Afzender's Instellingsnummer.
//!
//! Only the PEP makes an [`AuthorizedVerzoek`].
//!
//! ```
//! use dho_wss::institution::{Reply, ReplyVerifier};
//! use dho_wss::model::{Uitkomst, Versie, Vraag};
//! use dho_wss::pki::{CertificateSelector, CertificateValidator, SigningIdentity, TrustAnchors};
//! use dho_wss::provider::{
//!     AuthorizedVerzoek, Bindings, HandlerError, MemoryStore, OperationSpec, Pep, PepPolicy, Provider, VraagHandler,
//! };
//! use dho_wss::wss::{SignatureProfile, Signer, VerificationPolicy, Verifier};
//! # let signed_request = Signer::new(
//! #     SigningIdentity::from_pem_files("testdata/pki/institution.key.pem", "testdata/pki/institution.chain.pem", None)?,
//! #     SignatureProfile::dho_legacy_rsa_sha1(),
//! # ).sign_envelope(&std::fs::read("testdata/messages/geef-historiek-inschrijving.xml")?)?;
//!
//! // The service's own work, per Vraag (here: echo the Inhoud).
//! struct Echo;
//! impl VraagHandler for Echo {
//!     fn answer(&self, _: &AuthorizedVerzoek, vraag: &Vraag) -> Result<Uitkomst, HandlerError> {
//!         Ok(Uitkomst::ok(vraag.inhoud().clone()))
//!     }
//! }
//!
//! // Provider: the PEP's policy, an answer store, the provider's own signing identity.
//! let anchors = TrustAnchors::from_pem_file("testdata/pki/ca.pem")?;
//! let verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), CertificateValidator::new(anchors));
//! let namespace = "http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be";
//! let operation = OperationSpec::new(namespace, "GeefHistoriekInschrijving").versie(Versie::new("02.01.0000")?).read_only();
//! let policy = PepPolicy::new(verifier)
//!     .bindings(Bindings::from_file("testdata/bindings/test.bindings")?)
//!     .operation(operation);
//! let identity = SigningIdentity::from_pem_files("testdata/pki/provider.key.pem", "testdata/pki/provider.crt.pem", None)?;
//! let provider = Provider::new(Pep::new(policy), MemoryStore::new())
//!     .with_reply_signer(Signer::new(identity, SignatureProfile::dho_legacy_rsa_sha1()));
//! let response = provider.handle(&signed_request, &Echo); // a signed Repliek or Fault
//!
//! // Institution: verify the reply against the provider's trust anchors and its pinned certificate.
//! let anchors = TrustAnchors::from_pem_file("testdata/pki/ca.pem")?;
//! let verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), CertificateValidator::new(anchors));
//! let client = ReplyVerifier::new(verifier, CertificateSelector::common_name("dho-wss-test.dho-provider"));
//! match client.read(response.bytes())? {
//!     Reply::Repliek { repliek, .. } => assert!(repliek.uitzonderingen().is_empty()),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Faults and Uitzonderingen
//!
//! As the DHO deck prescribes, a SOAP Fault only when the message could not be processed
//! at all; everything else is a Repliek with Uitzonderingen.
//!
//! | [`Rejection`] | answer | faultcode / Identificatie |
//! |---|---|---|
//! | `Verification` (not well-formed, not SOAP 1.1, any signature, token or Timestamp rule) | Fault | [`VerifyError::fault_code`](crate::wss::VerifyError::fault_code): `wsse:FailedCheck`, `wsse:FailedAuthentication`, `wsse:InvalidSecurity`, `wsse:InvalidSecurityToken`, `wsse:UnsupportedAlgorithm`, `wsse:SecurityTokenUnavailable`, `wsse:MessageExpired`, `soapenv:Client`, `soapenv:MustUnderstand` |
//! | `NotAVerzoek`, `InvalidVerzoek`, `UnknownOperation`, `OperationMismatch` (not a valid Verzoek for this service) | Fault | `soapenv:Client` |
//! | `UnsupportedVersie` (the deck's "version mismatch") | Fault | `soapenv:Client` (not `soapenv:VersionMismatch`, which SOAP 1.1 reserves for the envelope namespace) |
//! | `NotAuthorized` | Repliek, level 2 | 13001 or 13002 |
//! | store or signing failure ([`ProcessingError`]) | Fault | `soapenv:Server` |
//!
//! With a reply signer ([`Provider::with_reply_signer`], the provider's own identity) every
//! reply is signed, Faults included. Every Fault carries faultstring, faultactor ([`PepPolicy::fault_actor`]) and
//! `detail/message` + `detail/reason` ([`Rejection::reason`], a stable name). Security
//! Faults say only what WS-Security 1.0 says for their code unless
//! [`PepPolicy::expose_security_errors`] is set; the [`Rejection`] always keeps the full error.
//!
//! # Uitzondering codes
//!
//! All of Type FOUT, Oorsprong [`PepPolicy::oorsprong`] (default `DHO`; none in generiek-01.02):
//!
//! | Identificatie | level | [`Code`] | when |
//! |---|---|---|---|
//! | 13001 | 2 | `NotAuthorized` | the signing certificate may not speak for the Afzender's Instellingsnummer (Omstandigheid says which certificate and number) |
//! | 13002 | 2 | `NotAnInstellingsnummer` | Afzender/Identificatie is not 1..6 digits |
//! | 13010 | 3 | `ReferteReused` | a Vraag Referte already answered for this institution, resent with another Inhoud or operation, or by another signing certificate or with another OrganisatieEenheid, Hoedanigheid or Gebruiker (Omstandigheid says so; attack catalogue F6) |
//! | 13011 | 3 | `InProgress` | the same Vraag Referte is still being worked on elsewhere after the store's wait |
//! | 13090 | 3 | `ProcessingFailed` | the handler failed technically (nothing stored; resend) |
//!
//! # Binding file
//!
//! UTF-8 text, one binding per line; blank lines and lines starting with `#` are ignored;
//! a leading BOM and CRLF line ends are accepted:
//!
//! ```text
//! # kind: certificate => instellingsnummer[, instellingsnummer]...
//! dn: CN=app.instelling-001234.hogeschool,serialNumber=001234,O=Hogeschool,C=BE => 001234
//! cn: app.instelling-005678.universiteit => 005678, 5679
//! sha256: F4:A3:DE:…:CB:4E => 001234
//! ```
//!
//! - `dn`: the subject DN exactly as [`ValidatedCertificate::subject_dn`](crate::pki::ValidatedCertificate::subject_dn)
//!   writes it (what `openssl x509 -noout -subject -nameopt RFC2253` prints, without `subject=`);
//!   `cn`: the subject's only Common Name, exactly (a subject with several CNs is denied);
//!   `sha256`: the certificate's SHA-256 fingerprint, 64 hex digits, either case, optionally
//!   colon-separated pairs.
//! - The value runs from after the first `:` to the **last** `=>` (numbers never contain
//!   `=>`), trimmed; it may contain spaces, commas and `=`.
//! - Numbers are 1..6 digits, compared in the 6-digit form (`1234` = `001234`).
//! - Errors ([`BindingError`], with the 1-based line): unknown key type, missing `=>`, empty
//!   value, bad fingerprint, no or bad Instellingsnummer, the same certificate on two lines,
//!   control characters, a line over 4096 bytes, a file over 1 MiB or not UTF-8.
//!
//! # Guaranteed delivery
//!
//! [`Provider::answer`] keys each Vraag on (Instellingsnummer in 6-digit form, Vraag
//! Referte) in an [`AnswerStore`] with the claim → work → complete protocol described
//! there: a resent Vraag gets the stored Antwoord without the handler running again;
//! only answers without a FOUT are stored; reads ([`VraagHandler::is_read`], by default
//! [`OperationSpec::read_only`]) are never stored; a resend whose [`Fingerprint`]
//! (operation + canonical Inhoud) differs gets 13010. A stored answer belongs to its
//! [`Requester`] — the signing certificate (SHA-256) and the Afzender's OrganisatieEenheid,
//! Hoedanigheid and Gebruiker: another application of the same institution, or the same
//! application for another user, reusing the Referte gets 13010 too, never the stored
//! answer, and the handler does not run (attack catalogue F6). [`MemoryStore`] keeps answers in the
//! process; `SqliteStore` (opt-in feature `sqlite`) in a file, safe across
//! processes and restarts. Concurrent resends of one Referte run the handler once: the
//! first claims, the others wait and then read the stored answer.

mod binding;
mod codes;
mod pep;
mod service;
#[cfg(feature = "sqlite")]
mod sqlite;
mod store;

pub use binding::{
    AuthorizationRule, BindingError, BindingErrorKind, Bindings, Decision, SubjectSerialNumberRule,
    MAX_BINDING_FILE_BYTES, MAX_BINDING_LINE_BYTES,
};
pub use codes::{Code, Level};
pub use pep::{
    AuthorizedVerzoek, OperationSpec, Pep, PepPolicy, Rejection, Unauthorized, DEFAULT_AFZENDER, DEFAULT_FAULT_ACTOR,
    DEFAULT_OORSPRONG,
};
pub use service::{Answered, HandlerError, Outcome, ProcessingError, Provider, Response, VraagHandler};
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteStore, BUSY_TIMEOUT, DEFAULT_STALE_CLAIM};
pub use store::{
    AnswerKey, AnswerStore, Claim, Fingerprint, MemoryStore, Requester, StoreError, StoredAnswer, DEFAULT_CLAIM_WAIT,
};
