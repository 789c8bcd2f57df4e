//! Verify the provider's signed Repliek or Fault and correlate it with the Verzoek.

use crate::model::{Envelope, Fault, ModelError, Operatie, Repliek, SchemaVersion, Verzoek};
use crate::pki::{CertificateSelector, ValidatedCertificate};
use crate::wss::{Verifier, VerifyError};

/// Whether a reply without a signature is accepted when it is a Fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnsignedFaults {
    /// Reject it (the default): anyone on the path could have written it.
    #[default]
    Reject,
    /// Return it as [`Reply::UnsignedFault`] (gateways that answer Faults unsigned).
    Accept,
}

/// A verified reply.
// Returned once per reply and matched right away; boxing would only make patterns clumsy.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Reply {
    /// A Repliek signed by the provider.
    Repliek {
        /// The operation element.
        operatie: Operatie,
        /// The reply.
        repliek: Repliek,
        /// The provider's verified certificate.
        signer: ValidatedCertificate,
    },
    /// A Fault signed by the provider.
    Fault {
        /// The Fault.
        fault: Fault,
        /// The provider's verified certificate.
        signer: ValidatedCertificate,
    },
    /// An unsigned Fault, only with [`UnsignedFaults::Accept`]. Nothing vouches for it.
    UnsignedFault(Fault),
}

/// Why a reply was not accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// The reply's signature did not verify (or it has none and is not an accepted
    /// unsigned Fault).
    #[error("reply not verified: {0}")]
    Verify(#[from] VerifyError),
    /// An unsigned Fault while [`UnsignedFaults::Reject`] is in force.
    #[error("unsigned SOAP Fault rejected")]
    UnsignedFault,
    /// The verified Body is not a valid Repliek or Fault.
    #[error("not a valid reply: {0}")]
    Model(#[from] ModelError),
    /// The Body holds a Verzoek.
    #[error("the reply holds a Verzoek")]
    NotAReply,
    /// The reply verifies under the trust anchors but is signed by a certificate other than
    /// the provider's that the [`ReplyVerifier`] pins, e.g. another institution's certificate
    /// from the same CA re-signing an altered reply (attack catalogue F2).
    #[error("reply signed by {subject}, not by the expected provider")]
    UnexpectedSigner {
        /// The signer's subject DN.
        subject: String,
    },
    /// The Repliek does not answer the Verzoek.
    #[error("the Repliek does not answer this Verzoek: {detail}")]
    Mismatch {
        /// What does not match.
        detail: String,
    },
}

/// Verifies replies against the **provider's** trust anchors (a [`Verifier`] of its own,
/// separate from the institution's signing identity) **and** the provider's own certificate,
/// and reads them into typed values.
///
/// The anchors alone do not say who the provider is: VO-DCBaaS issues the institutions'
/// certificates and the provider's under the same CA, so any institution could re-sign a
/// reply meant for another (attack catalogue F2). A `ReplyVerifier` is therefore built with a
/// [`CertificateSelector`] naming the provider's certificate ([`new`](Self::new)); a reply
/// signed by any other certificate is [`ReplyError::UnexpectedSigner`]. Pin by subject DN or
/// Common Name to survive the provider's certificate renewals, or by SHA-256 fingerprint to
/// accept exactly one certificate (and update the pin with each renewal).
///
/// ```
/// use dho_wss::institution::ReplyVerifier;
/// use dho_wss::pki::{CertificateSelector, CertificateValidator, TrustAnchors};
/// use dho_wss::wss::{VerificationPolicy, Verifier};
///
/// let anchors = TrustAnchors::from_pem_file("testdata/pki/ca.pem")?;
/// let verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), CertificateValidator::new(anchors));
/// let client = ReplyVerifier::new(verifier, CertificateSelector::common_name("dho-wss-test.dho-provider"));
/// assert!(client.expected_signer().is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ReplyVerifier {
    verifier: Verifier,
    unsigned_faults: UnsignedFaults,
    expected_signer: ExpectedSigner,
    version: Option<SchemaVersion>,
}

/// Whose signature a [`ReplyVerifier`] accepts.
#[derive(Debug, Clone)]
enum ExpectedSigner {
    /// The provider's certificate, as the selector names it.
    Provider(CertificateSelector),
    /// Any certificate the anchors accept (only through the loudly named constructor).
    AnyUnderAnchorsInsecure,
}

impl ReplyVerifier {
    /// Verifies with `verifier` (the provider's trust anchors and signature profiles) and
    /// accepts only replies signed by the certificate `provider` names (by DN, CN or SHA-256
    /// fingerprint); rejects unsigned Faults.
    pub fn new(verifier: Verifier, provider: CertificateSelector) -> Self {
        Self::with_expected(verifier, ExpectedSigner::Provider(provider))
    }

    /// **Insecure**: accepts a reply signed by *any* certificate the anchors accept, so any
    /// institution under the same CA can forge the provider's replies (attack catalogue F2).
    /// Only for tests and diagnostics; use [`new`](Self::new) with the provider's certificate.
    pub fn any_signer_under_anchors_insecure(verifier: Verifier) -> Self {
        Self::with_expected(verifier, ExpectedSigner::AnyUnderAnchorsInsecure)
    }

    fn with_expected(verifier: Verifier, expected_signer: ExpectedSigner) -> Self {
        ReplyVerifier { verifier, unsigned_faults: UnsignedFaults::Reject, expected_signer, version: None }
    }

    /// The provider's certificate this verifier pins; `None` only for
    /// [`any_signer_under_anchors_insecure`](Self::any_signer_under_anchors_insecure).
    pub fn expected_signer(&self) -> Option<&CertificateSelector> {
        match &self.expected_signer {
            ExpectedSigner::Provider(selector) => Some(selector),
            ExpectedSigner::AnyUnderAnchorsInsecure => None,
        }
    }

    /// The verifier (its policy's `limits` bound a reply's size).
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// Sets whether unsigned Faults are accepted.
    pub fn unsigned_faults(mut self, policy: UnsignedFaults) -> Self {
        self.unsigned_faults = policy;
        self
    }

    /// Reads Replieken as this schema version (default: detected).
    pub fn schema_version(mut self, version: SchemaVersion) -> Self {
        self.version = Some(version);
        self
    }

    /// Verifies `bytes`, checks that the provider's pinned certificate signed them, and reads
    /// the Repliek or Fault from the verified tree.
    pub fn read(&self, bytes: &[u8]) -> Result<Reply, ReplyError> {
        let verified = match self.verifier.verify(bytes) {
            Ok(v) => v,
            Err(e @ VerifyError::MissingSecurityHeader) => return self.unsigned(bytes, e),
            Err(e) => return Err(e.into()),
        };
        let signer = verified.signer().clone();
        match &self.expected_signer {
            ExpectedSigner::Provider(provider) if !provider.matches(&signer) => {
                return Err(ReplyError::UnexpectedSigner { subject: signer.subject_dn().to_owned() });
            }
            ExpectedSigner::Provider(_) | ExpectedSigner::AnyUnderAnchorsInsecure => {}
        }
        let child = verified.body_content().ok_or(ReplyError::Model(ModelError::MissingElement {
            expected: "Repliek or Fault",
            path: "/Envelope/Body".into(),
        }))?;
        if verified.body().child_elements().nth(1).is_some() {
            return Err(ReplyError::Mismatch { detail: "the Body holds more than one element".into() });
        }
        match Envelope::read_body_child(child, self.version)? {
            Envelope::Repliek { operatie, repliek } => Ok(Reply::Repliek { operatie, repliek, signer }),
            Envelope::Fault(fault) => Ok(Reply::Fault { fault, signer }),
            Envelope::Verzoek { .. } => Err(ReplyError::NotAReply),
        }
    }

    fn unsigned(&self, bytes: &[u8], error: VerifyError) -> Result<Reply, ReplyError> {
        match Envelope::from_envelope_bytes(bytes) {
            Ok(Envelope::Fault(f)) => match self.unsigned_faults {
                UnsignedFaults::Accept => Ok(Reply::UnsignedFault(f)),
                UnsignedFaults::Reject => Err(ReplyError::UnsignedFault),
            },
            _ => Err(error.into()),
        }
    }

    /// [`read`](Self::read), and for a Repliek check that it answers `verzoek`: Ontvanger
    /// Referte = the Verzoek's Afzender Referte, and every Antwoord Referte is a Vraag
    /// Referte of the Verzoek.
    pub fn read_for(&self, verzoek: &Verzoek, bytes: &[u8]) -> Result<Reply, ReplyError> {
        let reply = self.read(bytes)?;
        if let Reply::Repliek { repliek, .. } = &reply {
            check_answers(verzoek, repliek)?;
        }
        Ok(reply)
    }
}

/// Checks that `repliek` answers `verzoek` (see [`ReplyVerifier::read_for`]).
fn check_answers(verzoek: &Verzoek, repliek: &Repliek) -> Result<(), ReplyError> {
    let mismatch = |detail: String| Err(ReplyError::Mismatch { detail });
    let sent = verzoek.afzender().referte();
    match repliek.context().bericht().ontvanger().and_then(|o| o.referte()) {
        Some(r) if r == sent => {}
        Some(r) => return mismatch(format!("Ontvanger/Referte {r} is not the Verzoek's {sent}")),
        None => return mismatch("no Ontvanger/Referte".into()),
    }
    for a in repliek.antwoorden() {
        if verzoek.vraag(a.referte()).is_none() {
            return mismatch(format!("Antwoord {} answers no Vraag", a.referte()));
        }
    }
    Ok(())
}
