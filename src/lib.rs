//! # dho-wss
//!
//! dho-wss builds, signs, sends, verifies and answers **DHO messages**: the SOAP 1.1 +
//! WS-Security 1.0 "Verzoek/Repliek" messages (MAGDA generiek model) that Flemish
//! higher-education institutions exchange with the DHO (Databank Hoger Onderwijs) and
//! MAGDA/DHO2.
//!
//! It serves both ends of the exchange:
//! - an **institution** builds a typed Verzoek, signs it with its certificate, sends it, and
//!   verifies and reads the Repliek or SOAP Fault that comes back;
//! - a **provider** runs a Policy Enforcement Point (PEP): it verifies the signature, checks
//!   that the signer may speak for the institution in the message, answers each Vraag once
//!   (guaranteed delivery) and signs its reply.
//!
//! The wire format, the signature profile and every verification rule are specified in
//! `docs/SPEC.md`; `docs/DESIGN.md` explains how the crate is put together, and
//! `docs/ATTACKS.md` lists the attacks the verifier refuses and the tests that prove it.
//!
//! ## Modules
//!
//! From the ground floor up; each module imports only the ones before it.
//!
//! - [`xml`]: the one strict XML reader (on quick-xml: no DTD, no entities, limits on size,
//!   depth, attributes, namespaces and text), exclusive canonicalization 1.0, a byte-stable
//!   writer.
//! - [`soap`]: the SOAP 1.1 envelope shape and the namespaces of the WS-Security profile.
//! - [`model`]: Verzoek, Repliek, Antwoord, Uitzondering and SOAP Fault as Rust types that
//!   cannot hold an invalid message; generiek-02.00 and 01.02.
//! - [`crypto`]: digests and RSA behind the [`CryptoProvider`](crypto::CryptoProvider) trait;
//!   pure-Rust RustCrypto by default, OpenSSL with the `openssl` feature.
//! - [`clock`]: the one [`Clock`](clock::Clock) the signer and the verifier ask for the time.
//! - [`pki`]: signing identities (PEM, PKCS#12), trust anchors and certificate path
//!   validation, which yields a [`ValidatedCertificate`](pki::ValidatedCertificate).
//! - [`wss`]: the DHO-profile [`Signer`](wss::Signer) and the hardened
//!   [`Verifier`](wss::Verifier), which yields a [`VerifiedEnvelope`](wss::VerifiedEnvelope).
//! - [`provider`]: the PEP ([`Pep`](provider::Pep), [`Provider`](provider::Provider)),
//!   certificate bindings, answer stores.
//! - [`institution`]: the institution's check of the provider's reply
//!   ([`ReplyVerifier`](institution::ReplyVerifier)).
//!
//! Data flows one way. Receiving: bytes → [`xml::Document`] → [`wss::VerifiedEnvelope`] →
//! typed [`model::Envelope`], read from the very tree that was verified (there is no second
//! parser). Sending: typed model → [`xml::XmlWriter`] → [`wss::Signer`] → bytes.
//!
//! ## Cargo features
//!
//! | feature | default | what |
//! |---|---|---|
//! | `sqlite` | off | `provider::SqliteStore`, the persistent answer store (SQLite compiled from source: needs a C compiler, no system library) |
//! | `openssl` | off | `crypto::OpenSslProvider`, the OpenSSL crypto provider (needs `libssl-dev`, `pkg-config`) |
//! | `oauth` | off | `oauth`: the key as an RFC 7517 JWK, RFC 7523 client assertions and the sans-IO client-credentials token request/response (ACM/IDM) |
//! | `batch` | off | `batch`: MAGDA batch request files (split, name, sign) and the journal of what was put |
//! | `ftps` | off | `batch::ftps`: put and get batch files over FTPS with a client certificate (suppaftp, rustls with ring) |
//!
//! (`libxml` only enables a second canonicalization oracle in the crate's own tests.)
//!
//! # A tour
//!
//! The examples use the **test-only** identities in `testdata/pki/`: a throw-away CA
//! (`ca.pem`), an institution (number 001234) and a provider. Their private keys are public;
//! never use them, or trust that CA, outside tests.
//!
//! ## Building a Verzoek
//!
//! Values are checked when they are made (an [`Insz`](model::Insz) with a wrong check
//! number, a seven-digit [`Instellingsnummer`](model::Instellingsnummer)), messages when they
//! are built (no Vraag, more than 99, a repeated Referte): an invalid Verzoek cannot be built,
//! and the [`ModelError`](model::ModelError) names the field.
//!
//! ```
//! use dho_wss::model::{Afzender, Envelope, Inhoud, Instellingsnummer, Operatie, Versie, Verzoek};
//!
//! let afzender = Afzender::instelling(&Instellingsnummer::new("001234")?).build()?;
//! let verzoek = Verzoek::builder("GeefHistoriekInschrijving", Versie::new("02.01.0000")?, afzender)
//!     .vraag_inhoud(Inhoud::from_fragment("<Criteria><INSZ>85073003328</INSZ></Criteria>")?)
//!     .build()?; // a new UUID Referte per Vraag, the current Brussels time
//! let operatie = Operatie::new(
//!     "http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be",
//!     "GeefHistoriekInschrijving",
//! )?;
//! let envelope = Envelope::Verzoek { operatie, verzoek };
//! let xml: Vec<u8> = envelope.to_bytes()?; // the unsigned SOAP envelope
//! assert!(std::str::from_utf8(&xml)?.contains("<Verzoek><Context><Naam>GeefHistoriekInschrijving</Naam>"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Inhoud is operation-specific: an XML fragment checked by the crate's reader
//! ([`Inhoud::from_fragment`](model::Inhoud::from_fragment)) or typed content
//! ([`InhoudContent`](model::InhoudContent), [`Crud`](model::Crud) for the CRUD conventions).
//! [`Repliek`](model::Repliek), [`Antwoord`](model::Antwoord),
//! [`Uitzondering`](model::Uitzondering) and [`Fault`](model::Fault) are built the same way;
//! [`Verzoek::beantwoord`](model::Verzoek::beantwoord) starts the Repliek to a Verzoek.
//!
//! ## Signing
//!
//! A [`Signer`](wss::Signer) adds the DHO profile's `wsse:Security` header to an envelope
//! without touching its payload. DHO mandates RSA-SHA1 with SHA-1 digests: that is a named
//! legacy profile, [`SignatureProfile::dho_legacy_rsa_sha1`](wss::SignatureProfile::dho_legacy_rsa_sha1),
//! never a default.
//!
//! ```
//! use dho_wss::pki::SigningIdentity;
//! use dho_wss::wss::{SignatureProfile, Signer};
//! # use dho_wss::model::{Afzender, Envelope, Inhoud, Instellingsnummer, Operatie, Versie, Verzoek};
//! # let verzoek = Verzoek::builder("GeefHistoriekInschrijving", Versie::new("02.01.0000")?,
//! #     Afzender::instelling(&Instellingsnummer::new("001234")?).build()?)
//! #     .vraag_inhoud(Inhoud::from_fragment("<Criteria><INSZ>85073003328</INSZ></Criteria>")?).build()?;
//! # let operatie = Operatie::new("http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be",
//! #     "GeefHistoriekInschrijving")?;
//! # let envelope = Envelope::Verzoek { operatie, verzoek };
//!
//! let identity = SigningIdentity::from_pem_files(
//!     "testdata/pki/institution.key.pem",
//!     "testdata/pki/institution.chain.pem",
//!     None, // the key's password, if it is encrypted
//! )?;
//! let signer = Signer::new(identity, SignatureProfile::dho_legacy_rsa_sha1());
//! let signed: Vec<u8> = signer.sign_message(&envelope)?;
//! assert!(std::str::from_utf8(&signed)?.contains("<wsse:BinarySecurityToken"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`SigningIdentity::from_pkcs12_file`](pki::SigningIdentity::from_pkcs12_file) loads a
//! `.p12`. [`Signer::sign_envelope`](wss::Signer::sign_envelope) signs envelope bytes that
//! were made elsewhere. [`Signer::with_token`](wss::Signer::with_token)`(TokenType::PkiPath)`
//! sends the whole chain, as the MAGDA reference connector does, and
//! [`with_timestamp`](wss::Signer::with_timestamp) adds a signed Timestamp. A `Signer` and a
//! `Verifier` are `Send + Sync`: build them once and share them.
//!
//! ## Verifying
//!
//! A [`Verifier`](wss::Verifier) is a [`VerificationPolicy`](wss::VerificationPolicy) (the
//! allowed profiles, the Timestamp rules, the reader's [`Limits`](xml::Limits)) and a
//! [`CertificateValidator`](pki::CertificateValidator) over the [`TrustAnchors`](pki::TrustAnchors)
//! to accept. [`Verifier::verify`](wss::Verifier::verify) applies the rules of SPEC §4 in
//! order and returns a [`VerifiedEnvelope`](wss::VerifiedEnvelope): only the verifier can make
//! one, and it exposes the validated signer and the signed Body, nothing else.
//!
//! ```
//! use dho_wss::model::Envelope;
//! use dho_wss::pki::{CertificateValidator, TrustAnchors};
//! use dho_wss::wss::{FaultCode, VerificationPolicy, Verifier};
//! # use dho_wss::{pki::SigningIdentity, wss::{SignatureProfile, Signer}};
//! # let signer = Signer::new(SigningIdentity::from_pem_files("testdata/pki/institution.key.pem",
//! #     "testdata/pki/institution.chain.pem", None)?, SignatureProfile::dho_legacy_rsa_sha1());
//! # let signed = signer.sign_envelope(&std::fs::read("testdata/messages/geef-historiek-inschrijving.xml")?)?;
//!
//! let anchors = TrustAnchors::from_pem_file("testdata/pki/ca.pem")?;
//! let verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), CertificateValidator::new(anchors));
//!
//! let verified = verifier.verify(&signed)?;
//! assert!(verified.signer().subject_dn().contains("instelling-001234"));
//! // The typed message, read from the tree that was verified:
//! match verified.message(None)? {
//!     Envelope::Verzoek { verzoek, .. } => assert_eq!(verzoek.vragen().len(), 1),
//!     other => panic!("not a Verzoek: {other:?}"),
//! }
//!
//! // A changed Body: the error names the rule, and maps to one SOAP fault code.
//! let tampered = String::from_utf8(signed)?.replace("85073003328", "85073003427");
//! let error = verifier.verify(tampered.as_bytes()).unwrap_err();
//! assert_eq!(error.fault_code(), FaultCode::FailedCheck);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every [`VerifyError`](wss::VerifyError) maps to one fault code
//! ([`fault_code`](wss::VerifyError::fault_code): `wsse:FailedCheck`, `wsse:InvalidSecurity`,
//! `wsse:UnsupportedAlgorithm`, `wsse:InvalidSecurityToken`, `wsse:SecurityTokenUnavailable`,
//! `wsse:FailedAuthentication`, `wsse:MessageExpired`, `soapenv:Client`,
//! `soapenv:MustUnderstand`).
//!
//! ## Answering: the provider side (PEP)
//!
//! A [`PepPolicy`](provider::PepPolicy) says what the PEP accepts: a configured
//! [`Verifier`](wss::Verifier), which certificate may speak for which Instellingsnummer
//! ([`Bindings`](provider::Bindings)), and which operations and Versies exist.
//! [`Provider::handle`](provider::Provider::handle) verifies, authorizes, runs a
//! [`VraagHandler`](provider::VraagHandler) once per Vraag Referte (a resend gets the stored
//! Antwoord), and returns the signed Repliek, or a Fault when the message cannot be processed.
//!
//! ```
//! use dho_wss::model::{Uitkomst, Versie, Vraag};
//! use dho_wss::pki::{CertificateValidator, SigningIdentity, TrustAnchors};
//! use dho_wss::provider::{
//!     AuthorizedVerzoek, Bindings, HandlerError, MemoryStore, OperationSpec, Pep, PepPolicy, Provider, VraagHandler,
//! };
//! use dho_wss::wss::{SignatureProfile, Signer, VerificationPolicy, Verifier};
//! # let signed_request = Signer::new(
//! #     SigningIdentity::from_pem_files("testdata/pki/institution.key.pem", "testdata/pki/institution.chain.pem", None)?,
//! #     SignatureProfile::dho_legacy_rsa_sha1(),
//! # ).sign_envelope(&std::fs::read("testdata/messages/geef-historiek-inschrijving.xml")?)?;
//!
//! /// The service's own work, once per Vraag (here: echo the Inhoud).
//! struct Echo;
//! impl VraagHandler for Echo {
//!     fn answer(&self, _: &AuthorizedVerzoek, vraag: &Vraag) -> Result<Uitkomst, HandlerError> {
//!         Ok(Uitkomst::ok(vraag.inhoud().clone()))
//!     }
//! }
//!
//! let anchors = TrustAnchors::from_pem_file("testdata/pki/ca.pem")?;
//! let verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), CertificateValidator::new(anchors));
//! let namespace = "http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be";
//! let operation = OperationSpec::new(namespace, "GeefHistoriekInschrijving").versie(Versie::new("02.01.0000")?).read_only();
//! let policy = PepPolicy::new(verifier) // the PEP verifies with this verifier's provider and clock
//!     .bindings(Bindings::from_file("testdata/bindings/test.bindings")?) // certificate → Instellingsnummers
//!     .operation(operation); // operation namespace and name → supported Versies
//! let identity = SigningIdentity::from_pem_files("testdata/pki/provider.key.pem", "testdata/pki/provider.crt.pem", None)?;
//! let provider = Provider::new(Pep::new(policy), MemoryStore::new())
//!     .with_reply_signer(Signer::new(identity, SignatureProfile::dho_legacy_rsa_sha1()));
//!
//! let response = provider.handle(&signed_request, &Echo);
//! assert!(!response.is_fault() && response.is_signed());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Pep::verify_and_authorize`](provider::Pep::verify_and_authorize) is the first half on its
//! own: it returns an [`AuthorizedVerzoek`](provider::AuthorizedVerzoek), which only the PEP
//! can make, or a [`Rejection`](provider::Rejection). As the DHO deck prescribes, only a
//! message that cannot be processed gets a Fault; a refused authorization or a business
//! problem is a Repliek with Uitzonderingen. Answers are kept in a
//! [`MemoryStore`](provider::MemoryStore), or a `SqliteStore` (feature `sqlite`) that survives
//! restarts and is shared between processes. The [`provider`] module documents the flow, the
//! fault table, the Uitzondering codes and the binding file.
//!
//! ## Checking the reply: the institution side
//!
//! The provider's CA also issues the institutions' certificates, so trusting the CA is not
//! enough: a [`ReplyVerifier`](institution::ReplyVerifier) is built with the provider's
//! certificate pinned (a [`CertificateSelector`](pki::CertificateSelector): subject DN,
//! Common Name or SHA-256 fingerprint), and a reply signed by any other certificate is
//! [`ReplyError::UnexpectedSigner`](institution::ReplyError::UnexpectedSigner).
//!
//! ```
//! use dho_wss::institution::{Reply, ReplyVerifier};
//! use dho_wss::pki::{CertificateSelector, CertificateValidator, TrustAnchors};
//! use dho_wss::wss::{VerificationPolicy, Verifier};
//! # use dho_wss::model::{Afzender, Envelope, Inhoud, Instellingsnummer, Operatie, Uitkomst, Versie, Verzoek};
//! # use dho_wss::pki::SigningIdentity;
//! # use dho_wss::wss::{SignatureProfile, Signer};
//! # let verzoek = Verzoek::builder("GeefHistoriekInschrijving", Versie::new("02.01.0000")?,
//! #     Afzender::instelling(&Instellingsnummer::new("001234")?).build()?)
//! #     .vraag_inhoud(Inhoud::from_fragment("<Criteria><INSZ>85073003328</INSZ></Criteria>")?).build()?;
//! # let operatie = Operatie::new("http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be",
//! #     "GeefHistoriekInschrijving")?;
//! # // What the provider answers (see the PEP above), signed with its own identity.
//! # let repliek = verzoek.beantwoord(Afzender::builder("DHO").build()?, |v| Ok(Uitkomst::ok(v.inhoud().clone())))?.build()?;
//! # let reply = Signer::new(
//! #     SigningIdentity::from_pem_files("testdata/pki/provider.key.pem", "testdata/pki/provider.crt.pem", None)?,
//! #     SignatureProfile::dho_legacy_rsa_sha1(),
//! # ).sign_message(&Envelope::Repliek { operatie, repliek })?;
//!
//! // The provider's trust anchors and its certificate, pinned by Common Name.
//! let anchors = TrustAnchors::from_pem_file("testdata/pki/ca.pem")?;
//! let verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), CertificateValidator::new(anchors));
//! let replies = ReplyVerifier::new(verifier, CertificateSelector::common_name("dho-wss-test.dho-provider"));
//!
//! // Verify, read, and check that the Repliek answers the Verzoek that was sent.
//! match replies.read_for(&verzoek, &reply)? {
//!     Reply::Repliek { repliek, .. } => {
//!         let antwoord = repliek.antwoord(verzoek.vragen()[0].referte()).expect("answered");
//!         assert!(!antwoord.is_fout());
//!     }
//!     Reply::Fault { fault, .. } => panic!("signed Fault: {}", fault.faultstring()),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Unsigned Faults are rejected unless [`UnsignedFaults::Accept`](institution::UnsignedFaults::Accept)
//! is chosen. When no answer came back, [`Verzoek::resend`](model::Verzoek::resend) (or
//! [`resend_vragen`](model::Verzoek::resend_vragen) for some of the Vragen) makes a new message
//! with the original Vraag Refertes, to be signed afresh: a provider that already answered
//! returns the stored Antwoord without doing the work again.
//!
//! ## Choosing the crypto provider
//!
//! Everything that does cryptography and is not handed a provider uses the process default,
//! [`crypto::default_provider`]: RustCrypto unless another one was installed first. As in
//! rustls, a program that wants OpenSSL (feature `openssl`) everywhere installs it once, at
//! start-up, before anything else uses the default:
//! `dho_wss::crypto::install_default(dho_wss::crypto::openssl_provider())`. Or it hands a
//! provider to the objects that own keys: a `SigningIdentity` loaded `*_with_provider` signs
//! and digests with it, a `Verifier` built `with_provider` verifies messages and chains with it.
//! The [`crypto`] module documentation details both, and what each provider means for RSA
//! timing side channels (RUSTSEC-2023-0071).
//!
//! ## Non-features
//!
//! No XML Encryption, no SAML, no XSLT or XPath transforms, no external references, no DTDs.
#![forbid(unsafe_code)]
#![deny(missing_docs, unused_must_use)]
#![warn(clippy::unwrap_used)]

#[cfg(feature = "batch")]
pub mod batch;
#[cfg(feature = "client")]
pub mod client;
pub mod clock;
pub mod crypto;
pub mod institution;
pub mod model;
#[cfg(feature = "oauth")]
pub mod oauth;
pub mod pki;
pub mod provider;
pub mod soap;
#[cfg(feature = "tls")]
pub mod tls;
pub mod wss;
pub mod xml;

/// The code examples of `README.md`, compiled and run by `cargo test --doc` (never built
/// into the library) so that the README cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
