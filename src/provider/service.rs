//! The provider service: PEP, guaranteed delivery and signed replies around an
//! operation's handler.

use std::fmt;

use crate::model::{Antwoord, Envelope, FaultCode, ModelError, Referte, Repliek, Uitkomst, Vraag};
use crate::wss::{SignError, Signer};
use crate::xml::WriteError;

use super::codes::Code;
use super::pep::{AuthorizedVerzoek, Pep, Rejection};
use super::store::{AnswerKey, AnswerStore, Claim, Fingerprint, StoreError, StoredAnswer};

/// What a handler may fail with (a technical failure; business problems are
/// Uitzonderingen in the [`Uitkomst`]).
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// An operation's business logic: answers one Vraag of an authorized Verzoek.
pub trait VraagHandler {
    /// Whether answering `vraag` only reads, so that its answer is not stored for
    /// guaranteed delivery. Default: the operation's [`OperationSpec::is_read`](super::OperationSpec::is_read);
    /// a CRUD operation can decide per Vraag (e.g. with [`Crud::is_read`](crate::model::Crud::is_read)).
    fn is_read(&self, request: &AuthorizedVerzoek, vraag: &Vraag) -> bool {
        let _ = vraag;
        request.operation().is_read()
    }

    /// Answers `vraag`: Inhoud, or Uitzonderingen (a FOUT is not stored, so a resend runs
    /// again). An `Err` becomes a level-3 Uitzondering [`Code::ProcessingFailed`].
    fn answer(&self, request: &AuthorizedVerzoek, vraag: &Vraag) -> Result<Uitkomst, HandlerError>;
}

impl<H: VraagHandler + ?Sized> VraagHandler for &H {
    fn is_read(&self, request: &AuthorizedVerzoek, vraag: &Vraag) -> bool {
        (**self).is_read(request, vraag)
    }
    fn answer(&self, request: &AuthorizedVerzoek, vraag: &Vraag) -> Result<Uitkomst, HandlerError> {
        (**self).answer(request, vraag)
    }
}

/// Why a message could not be answered at all (answered with a `soapenv:Server` Fault).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProcessingError {
    /// The answer store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The reply could not be built (e.g. a handler's Uitzondering does not fit the
    /// message's schema version).
    #[error("building the reply failed: {0}")]
    Model(#[from] ModelError),
    /// The reply could not be written.
    #[error("writing the reply failed: {0}")]
    Write(#[from] WriteError),
    /// The reply could not be signed.
    #[error("signing the reply failed: {0}")]
    Sign(#[from] SignError),
}

/// A Repliek and what went wrong on the way, for the caller's logs.
#[derive(Debug)]
pub struct Answered {
    /// The Repliek: one Antwoord per Vraag, in order.
    pub repliek: Repliek,
    /// The Vragen whose handler returned an error (answered with [`Code::ProcessingFailed`]).
    pub handler_errors: Vec<(Referte, HandlerError)>,
}

/// How [`Provider::handle`] ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// Authorized and answered with a Repliek (whose Antwoorden may carry Uitzonderingen).
    Answered {
        /// The Vragen whose handler returned an error.
        handler_errors: Vec<(Referte, HandlerError)>,
    },
    /// Refused by the PEP: answered with a Fault or with a Repliek with a level-2 Uitzondering.
    Rejected(Rejection),
    /// Could not be processed: answered with a `soapenv:Server` Fault.
    Failed(ProcessingError),
}

/// What [`Provider::handle`] answers: the reply envelope and its bytes to send.
#[derive(Debug)]
pub struct Response {
    envelope: Envelope,
    bytes: Vec<u8>,
    signed: bool,
    outcome: Outcome,
}

impl Response {
    /// The reply message.
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }
    /// The bytes to send (signed when the provider has a reply signer and signing worked).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// Takes the bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
    /// Whether the reply is a SOAP Fault (send it with HTTP status 500).
    pub fn is_fault(&self) -> bool {
        matches!(self.envelope, Envelope::Fault(_))
    }
    /// Whether the bytes are signed.
    pub fn is_signed(&self) -> bool {
        self.signed
    }
    /// How the request was handled.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }
}

/// The Omstandigheid of a [`Code::ReferteReused`] for a Referte answered for another requester.
const ANOTHER_REQUESTER: &str = "Deze referte werd al gebruikt door een ander certificaat of met een andere \
OrganisatieEenheid, Hoedanigheid of Gebruiker";

/// The last-resort reply when even the Server Fault cannot be written.
const FALLBACK_FAULT: &[u8] = b"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">\
<soapenv:Header/><soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode>\
<faultstring>Internal error</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>";

/// Releases a claim unless the answer was stored (also when the handler panics).
struct ClaimGuard<'a, S: AnswerStore + ?Sized> {
    store: &'a S,
    key: &'a AnswerKey,
    stored: bool,
}

impl<S: AnswerStore + ?Sized> Drop for ClaimGuard<'_, S> {
    fn drop(&mut self) {
        if !self.stored {
            // A failed release leaves a claim row of this owner, which this store takes
            // over on the next claim (and other processes once it is stale).
            let _ = self.store.release(self.key);
        }
    }
}

/// The provider side in one value: a [`Pep`], an [`AnswerStore`] for guaranteed delivery,
/// and optionally the provider's own [`Signer`] for replies. `Send + Sync` when the store is.
pub struct Provider<S> {
    pep: Pep,
    store: S,
    signer: Option<Signer>,
}

impl<S> fmt::Debug for Provider<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Provider").field("pep", &self.pep).field("signer", &self.signer).finish_non_exhaustive()
    }
}

impl<S: AnswerStore> Provider<S> {
    /// A provider that answers unsigned (add [`with_reply_signer`](Self::with_reply_signer)).
    pub fn new(pep: Pep, store: S) -> Self {
        Provider { pep, store, signer: None }
    }

    /// Signs every reply (Repliek and Fault) with the provider's own identity.
    pub fn with_reply_signer(mut self, signer: Signer) -> Self {
        self.signer = Some(signer);
        self
    }

    /// The PEP.
    pub fn pep(&self) -> &Pep {
        &self.pep
    }

    /// The answer store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Answers every Vraag of an authorized Verzoek with guaranteed delivery:
    ///
    /// - a read ([`VraagHandler::is_read`]) is answered by the handler, never stored;
    /// - otherwise the key (Instellingsnummer, Vraag Referte) is claimed: a stored answer
    ///   is returned as it was, without calling the handler, if the Vraag's
    ///   [`Fingerprint`] and the [`Requester`](super::Requester) (signing certificate,
    ///   OrganisatieEenheid, Hoedanigheid, Gebruiker) both match, and refused with
    ///   [`Code::ReferteReused`] if not — never handed to another requester (attack
    ///   catalogue F6); a key still busy elsewhere gets [`Code::InProgress`]; a claimed key
    ///   is answered by the handler and the answer stored, with its requester, unless it
    ///   carries a FOUT.
    ///
    /// A store failure fails the whole message (the claims made are released).
    pub fn answer<H: VraagHandler + ?Sized>(
        &self,
        request: &AuthorizedVerzoek,
        handler: &H,
    ) -> Result<Answered, ProcessingError> {
        let verzoek = request.verzoek();
        let version = verzoek.schema_version();
        let mut b = verzoek.repliek(self.pep.reply_afzender(version)?);
        let mut handler_errors = Vec::new();
        for vraag in verzoek.vragen() {
            let uitkomst = self.answer_vraag(request, vraag, handler, &mut handler_errors)?;
            b = b.antwoord(Antwoord::new(vraag.referte().clone(), uitkomst));
        }
        Ok(Answered { repliek: b.build()?, handler_errors })
    }

    fn fout(&self, request: &AuthorizedVerzoek, code: Code) -> Result<Uitkomst, ModelError> {
        let u = code.uitzondering(request.verzoek().schema_version(), self.pep.oorsprong(), None)?;
        Uitkomst::fout(u, [])
    }

    fn fout_because(
        &self,
        request: &AuthorizedVerzoek,
        code: Code,
        omstandigheid: &str,
    ) -> Result<Uitkomst, ModelError> {
        let u = code.uitzondering(request.verzoek().schema_version(), self.pep.oorsprong(), Some(omstandigheid))?;
        Uitkomst::fout(u, [])
    }

    fn run<H: VraagHandler + ?Sized>(
        &self,
        request: &AuthorizedVerzoek,
        vraag: &Vraag,
        handler: &H,
        errors: &mut Vec<(Referte, HandlerError)>,
    ) -> Result<Uitkomst, ModelError> {
        match handler.answer(request, vraag) {
            Ok(u) => Ok(u),
            Err(e) => {
                errors.push((vraag.referte().clone(), e));
                self.fout(request, Code::ProcessingFailed)
            }
        }
    }

    fn answer_vraag<H: VraagHandler + ?Sized>(
        &self,
        request: &AuthorizedVerzoek,
        vraag: &Vraag,
        handler: &H,
        errors: &mut Vec<(Referte, HandlerError)>,
    ) -> Result<Uitkomst, ProcessingError> {
        if handler.is_read(request, vraag) {
            return Ok(self.run(request, vraag, handler, errors)?);
        }
        let key = AnswerKey::new(request.instellingsnummer(), vraag.referte().clone());
        let fingerprint = Fingerprint::of(request.operatie(), vraag.inhoud());
        let requester = request.requester();
        match self.store.claim(&key)? {
            // Only to whoever asked (attack catalogue F6); an answer without a recorded
            // requester (an old store's) is never handed out.
            Claim::Answered(stored) if stored.requester != Some(requester) => {
                Ok(self.fout_because(request, Code::ReferteReused, ANOTHER_REQUESTER)?)
            }
            Claim::Answered(stored) if stored.fingerprint == fingerprint => Ok(stored.uitkomst()?),
            Claim::Answered(_) => Ok(self.fout(request, Code::ReferteReused)?),
            Claim::Busy => Ok(self.fout(request, Code::InProgress)?),
            Claim::Claimed => {
                let mut guard = ClaimGuard { store: &self.store, key: &key, stored: false };
                let uitkomst = self.run(request, vraag, handler, errors)?;
                if !uitkomst.is_fout() {
                    let answer = StoredAnswer::new(fingerprint, requester, vraag.referte(), &uitkomst)?;
                    self.store.complete(&key, &answer)?;
                    guard.stored = true;
                }
                Ok(uitkomst)
            }
        }
    }

    /// The whole provider side for one request: verify and authorize, answer
    /// ([`answer`](Self::answer)), or answer the rejection ([`Pep::reply_to`]); a failure
    /// becomes a `soapenv:Server` Fault. The reply is signed when a reply signer is set.
    pub fn handle<H: VraagHandler + ?Sized>(&self, bytes: &[u8], handler: &H) -> Response {
        match self.pep.verify_and_authorize(bytes) {
            Ok(request) => match self.answer(&request, handler) {
                Ok(a) => self.respond(
                    Envelope::Repliek { operatie: request.operatie().clone(), repliek: a.repliek },
                    Outcome::Answered { handler_errors: a.handler_errors },
                ),
                Err(e) => self.server_fault(e),
            },
            Err(rejection) => match self.pep.reply_to(&rejection) {
                Ok(envelope) => self.respond(envelope, Outcome::Rejected(rejection)),
                Err(e) => self.server_fault(e.into()),
            },
        }
    }

    /// Serializes (and signs, with a reply signer) a reply envelope.
    pub fn reply_bytes(&self, envelope: &Envelope) -> Result<Vec<u8>, ProcessingError> {
        Ok(match &self.signer {
            Some(s) => s.sign_message(envelope)?,
            None => envelope.to_bytes()?,
        })
    }

    fn respond(&self, envelope: Envelope, outcome: Outcome) -> Response {
        match self.reply_bytes(&envelope) {
            Ok(bytes) => Response { envelope, bytes, signed: self.signer.is_some(), outcome },
            Err(e) => self.server_fault(e),
        }
    }

    fn server_fault(&self, error: ProcessingError) -> Response {
        let fault = self.pep.fault(
            FaultCode::server(),
            "Internal error",
            "The service could not process the message; it may be resent",
            "Server",
        );
        let envelope = match fault {
            Ok(f) => Envelope::Fault(f),
            Err(_) => {
                return Response {
                    envelope: Envelope::from_envelope_bytes(FALLBACK_FAULT)
                        .unwrap_or_else(|_| unreachable!("constant Fault envelope")),
                    bytes: FALLBACK_FAULT.to_vec(),
                    signed: false,
                    outcome: Outcome::Failed(error),
                }
            }
        };
        let (bytes, signed) = match self.reply_bytes(&envelope) {
            Ok(b) => (b, self.signer.is_some()),
            Err(_) => (envelope.to_bytes().unwrap_or_else(|_| FALLBACK_FAULT.to_vec()), false),
        };
        Response { envelope, bytes, signed, outcome: Outcome::Failed(error) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_fault_is_a_valid_server_fault() {
        match Envelope::from_envelope_bytes(FALLBACK_FAULT) {
            Ok(Envelope::Fault(f)) => assert_eq!(f.faultcode(), &FaultCode::server()),
            other => panic!("{other:?}"),
        }
    }
}
