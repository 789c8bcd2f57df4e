//! The institution's side of an exchange: read the provider's reply and resend what was not
//! answered.
//!
//! An institution builds a [`Verzoek`](crate::model::Verzoek), signs it with a
//! [`Signer`](crate::wss::Signer) and sends it. The provider answers with a signed Repliek,
//! or a SOAP Fault when the message could not be processed at all.
//!
//! [`ReplyVerifier`] verifies that reply against the provider's trust anchors **and** the
//! provider's certificate, which it is built with (a
//! [`CertificateSelector`](crate::pki::CertificateSelector): DN, CN or SHA-256 fingerprint),
//! and returns a typed [`Reply`]. A reply signed by any other certificate under the anchors —
//! another institution's, from the same CA — is [`ReplyError::UnexpectedSigner`] (attack
//! catalogue F2). Unsigned Faults are rejected unless [`UnsignedFaults::Accept`] is chosen.
//! [`ReplyVerifier::read_for`] also checks that a Repliek answers the Verzoek it was sent for.
//!
//! Guaranteed delivery: after a transport failure, or for the Vragen whose Antwoord never
//! arrived, [`Verzoek::resend`](crate::model::Verzoek::resend) and
//! [`Verzoek::resend_vragen`](crate::model::Verzoek::resend_vragen) make a new message with the
//! original Vraag Refertes, to be signed afresh; the provider answers a resent Referte with
//! the answer it stored the first time, without doing the work again.
//!
//! ```
//! use dho_wss::institution::{Reply, ReplyVerifier};
//! use dho_wss::model::Envelope;
//! use dho_wss::pki::{CertificateSelector, CertificateValidator, SigningIdentity, TrustAnchors};
//! use dho_wss::wss::{SignatureProfile, Signer, VerificationPolicy, Verifier};
//! # use dho_wss::model::{Afzender, Uitkomst};
//!
//! let unsigned = std::fs::read("testdata/messages/geef-historiek-inschrijving.xml")?;
//! let Envelope::Verzoek { operatie, verzoek } = Envelope::from_envelope_bytes(&unsigned)? else {
//!     panic!("not a Verzoek");
//! };
//! let identity = SigningIdentity::from_pem_files(
//!     "testdata/pki/institution.key.pem",
//!     "testdata/pki/institution.chain.pem",
//!     None,
//! )?;
//! let signer = Signer::new(identity, SignatureProfile::dho_legacy_rsa_sha1());
//!
//! // The provider's trust anchors, and the provider's own certificate pinned by its CN.
//! let anchors = TrustAnchors::from_pem_file("testdata/pki/ca.pem")?;
//! let verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), CertificateValidator::new(anchors));
//! let replies = ReplyVerifier::new(verifier, CertificateSelector::common_name("dho-wss-test.dho-provider"));
//!
//! // No answer came back: resend the same Vragen in a new message, signed afresh.
//! let again = verzoek.resend();
//! assert_eq!(again.vragen(), verzoek.vragen());
//! assert_ne!(again.afzender().referte(), verzoek.afzender().referte());
//! let request = Envelope::Verzoek { operatie: operatie.clone(), verzoek: again.clone() };
//! let signed = signer.sign_envelope(&request.to_bytes()?)?;
//! # let _ = signed;
//! # // What the provider answers (see the `provider` module), signed with its own identity.
//! # let provider = SigningIdentity::from_pem_files("testdata/pki/provider.key.pem", "testdata/pki/provider.crt.pem", None)?;
//! # let repliek = again.beantwoord(Afzender::builder("DHO").build()?, |v| Ok(Uitkomst::ok(v.inhoud().clone())))?.build()?;
//! # let reply = Signer::new(provider, SignatureProfile::dho_legacy_rsa_sha1())
//! #     .sign_envelope(&Envelope::Repliek { operatie, repliek }.to_bytes()?)?;
//!
//! // … send `signed`, receive `reply` …
//! match replies.read_for(&again, &reply)? {
//!     Reply::Repliek { repliek, .. } => assert_eq!(repliek.antwoorden().len(), again.vragen().len()),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod reply;

pub use reply::{Reply, ReplyError, ReplyVerifier, UnsignedFaults};
