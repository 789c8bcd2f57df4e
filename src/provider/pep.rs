//! The Policy Enforcement Point: verify, parse from the verified tree, check the
//! operation and its Versie, authorize the Afzender, or say why not.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::model::{
    Afzender, Envelope, Fault, FaultCode, Instellingsnummer, ModelError, Oorsprong, Operatie, Referte, SchemaVersion,
    Versie, Verzoek,
};
use crate::model::{Detail, ElementCursor};
use crate::pki::ValidatedCertificate;
use crate::wss::{self, Verifier, VerifyError};
use crate::xml::{Document, XmlWriter};

use super::binding::{describe, AuthorizationRule, Bindings, Decision};
use super::codes::{xml_safe, Code, MAX_TEXT_CHARS};
use super::store::Requester;

/// What the PEP knows about one operation: where it lives, which message Versies it
/// speaks, in which schema version, and whether it only reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationSpec {
    namespace: String,
    naam: String,
    versies: Vec<Versie>,
    schema: SchemaVersion,
    read: bool,
}

impl OperationSpec {
    /// The operation whose request element is `{namespace}naam` (and whose Context/Naam is
    /// `naam`). It supports no Versie until [`versie`](Self::versie) adds one; its messages
    /// are generiek-02.00; it is not a read.
    pub fn new(namespace: impl Into<String>, naam: impl Into<String>) -> Self {
        OperationSpec {
            namespace: namespace.into(),
            naam: naam.into(),
            versies: Vec::new(),
            schema: SchemaVersion::V02_00,
            read: false,
        }
    }

    /// Adds a supported Context/Versie.
    pub fn versie(mut self, versie: Versie) -> Self {
        if !self.versies.contains(&versie) {
            self.versies.push(versie);
        }
        self
    }

    /// The schema version the operation's messages follow (default generiek-02.00).
    pub fn schema_version(mut self, schema: SchemaVersion) -> Self {
        self.schema = schema;
        self
    }

    /// Marks the operation as a read (a Raadpleeg/Geef service): its answers are never
    /// stored for guaranteed delivery. A handler can still decide per Vraag
    /// ([`VraagHandler::is_read`](super::VraagHandler::is_read)).
    pub fn read_only(mut self) -> Self {
        self.read = true;
        self
    }

    /// The service namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }
    /// The operation name.
    pub fn naam(&self) -> &str {
        &self.naam
    }
    /// The supported Versies.
    pub fn versies(&self) -> &[Versie] {
        &self.versies
    }
    /// The schema version.
    pub fn schema(&self) -> SchemaVersion {
        self.schema
    }
    /// Whether the operation only reads.
    pub fn is_read(&self) -> bool {
        self.read
    }
}

/// Everything a [`Pep`] enforces, as one value: a configured [`Verifier`] (signature
/// profiles and Timestamp rules, trust anchors and certificate rules, and the crypto
/// provider and clock it verifies with), the operations with their Versies, the
/// authorization rules (a [`Bindings`] table and/or callbacks), and how replies are written.
pub struct PepPolicy {
    verifier: Verifier,
    enforcement: Enforcement,
}

/// What a [`PepPolicy`] configures and its [`Pep`] applies after verification:
/// authorization rules, operations, and how replies and Faults are written.
struct Enforcement {
    rules: Vec<Arc<dyn AuthorizationRule>>,
    operations: HashMap<(String, String), OperationSpec>,
    afzender: (String, Option<String>),
    oorsprong: Oorsprong,
    fault_actor: String,
    expose_security_errors: bool,
}

impl fmt::Debug for PepPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PepPolicy")
            .field("verifier", &self.verifier)
            .field("rules", &self.enforcement.rules.len())
            .field("operations", &self.enforcement.operations.values().collect::<Vec<_>>())
            .field("afzender", &self.enforcement.afzender)
            .field("oorsprong", &self.enforcement.oorsprong)
            .field("fault_actor", &self.enforcement.fault_actor)
            .field("expose_security_errors", &self.enforcement.expose_security_errors)
            .finish()
    }
}

/// The default faultactor (override with [`PepPolicy::fault_actor`]: the PEP's URL).
pub const DEFAULT_FAULT_ACTOR: &str = "urn:dho-wss:pep";
/// The default Afzender/Identificatie of replies.
pub const DEFAULT_AFZENDER: &str = "DHO";
/// The default Uitzondering/Oorsprong.
pub const DEFAULT_OORSPRONG: &str = "DHO";

impl PepPolicy {
    /// A policy that verifies with `verifier`, with no operation and no authorization rule
    /// (so it refuses everything until configured). The verifier is used as it is: its
    /// [`VerificationPolicy`](crate::wss::VerificationPolicy), trust anchors, crypto provider
    /// ([`Verifier::with_provider`]; the docs recommend OpenSSL for an Internet-facing PEP) and
    /// clock ([`Verifier::with_clock`]). Replies come from Afzender [`DEFAULT_AFZENDER`],
    /// Uitzonderingen from Oorsprong [`DEFAULT_OORSPRONG`], Faults from faultactor
    /// [`DEFAULT_FAULT_ACTOR`].
    pub fn new(verifier: Verifier) -> Self {
        PepPolicy {
            verifier,
            enforcement: Enforcement {
                rules: Vec::new(),
                operations: HashMap::new(),
                afzender: (DEFAULT_AFZENDER.to_owned(), None),
                oorsprong: Oorsprong::new(DEFAULT_OORSPRONG).unwrap_or_else(|_| unreachable!("constant Oorsprong")),
                fault_actor: DEFAULT_FAULT_ACTOR.to_owned(),
                expose_security_errors: false,
            },
        }
    }

    /// Adds a binding table as the next authorization rule.
    pub fn bindings(self, bindings: Bindings) -> Self {
        self.authorize_with(bindings)
    }

    /// Adds an authorization rule; rules are asked in the order they were added.
    pub fn authorize_with(mut self, rule: impl AuthorizationRule + 'static) -> Self {
        self.enforcement.rules.push(Arc::new(rule));
        self
    }

    /// Adds (or replaces) an operation.
    pub fn operation(mut self, spec: OperationSpec) -> Self {
        self.enforcement.operations.insert((spec.namespace.clone(), spec.naam.clone()), spec);
        self
    }

    /// The Afzender of replies: Identificatie (at most 120 characters) and Naam (at most 24).
    pub fn afzender(mut self, identificatie: impl Into<String>, naam: Option<String>) -> Self {
        self.enforcement.afzender = (identificatie.into(), naam);
        self
    }

    /// The Oorsprong of the Uitzonderingen the PEP writes (generiek-02.00).
    pub fn oorsprong(mut self, oorsprong: Oorsprong) -> Self {
        self.enforcement.oorsprong = oorsprong;
        self
    }

    /// The faultactor of Faults: the URI of this PEP.
    pub fn fault_actor(mut self, actor: impl Into<String>) -> Self {
        self.enforcement.fault_actor = actor.into();
        self
    }

    /// Puts the verifier's own error text in the detail of security Faults. Default: off,
    /// the detail then says only what the faultcode says, so that an attacker learns no
    /// more than the WS-Security fault code. The [`Rejection`] always keeps the full error.
    pub fn expose_security_errors(mut self, yes: bool) -> Self {
        self.enforcement.expose_security_errors = yes;
        self
    }
}

/// A Verzoek that passed the PEP: signature verified, parsed from the verified tree,
/// operation and Versie supported, and the signer allowed to speak for the Afzender's
/// Instellingsnummer. Only [`Pep::verify_and_authorize`] makes one.
#[derive(Debug, Clone)]
pub struct AuthorizedVerzoek {
    operatie: Operatie,
    verzoek: Verzoek,
    spec: OperationSpec,
    signer: ValidatedCertificate,
    instellingsnummer: Instellingsnummer,
    signature_value: Vec<u8>,
}

impl AuthorizedVerzoek {
    /// The Verzoek.
    pub fn verzoek(&self) -> &Verzoek {
        &self.verzoek
    }
    /// The operation element.
    pub fn operatie(&self) -> &Operatie {
        &self.operatie
    }
    /// The operation's policy entry.
    pub fn operation(&self) -> &OperationSpec {
        &self.spec
    }
    /// The verified signing certificate.
    pub fn signer(&self) -> &ValidatedCertificate {
        &self.signer
    }
    /// The authorized Instellingsnummer, as the Afzender wrote it.
    pub fn instellingsnummer(&self) -> &Instellingsnummer {
        &self.instellingsnummer
    }
    /// Who asks: the signer and the Afzender context the answer store binds a stored answer
    /// to (see [`Requester`]).
    pub fn requester(&self) -> Requester {
        Requester::new(&self.signer, self.verzoek.afzender())
    }
    /// The decoded SignatureValue (for a replay cache).
    pub fn signature_value(&self) -> &[u8] {
        &self.signature_value
    }
    /// Takes the Verzoek.
    pub fn into_verzoek(self) -> Verzoek {
        self.verzoek
    }
}

/// A Verzoek whose sender is not allowed to speak for the Instellingsnummer in it.
#[derive(Debug, Clone)]
pub struct Unauthorized {
    /// The operation element.
    pub operatie: Operatie,
    /// The (verified, well-formed) Verzoek.
    pub verzoek: Verzoek,
    /// The verified signer.
    pub signer: ValidatedCertificate,
    /// [`Code::NotAuthorized`] or [`Code::NotAnInstellingsnummer`].
    pub code: Code,
    /// Why, for the Uitzondering's Omstandigheid and for logs.
    pub reason: String,
}

/// Why the PEP did not pass a message on. [`is_fault`](Self::is_fault) tells how it is
/// answered: a SOAP Fault when the message could not be processed at all, a Repliek with
/// a level-2 Uitzondering when it was understood but not authorized.
#[derive(Debug)]
#[non_exhaustive]
pub enum Rejection {
    /// The message is not well-formed, not a SOAP 1.1 envelope, or its security failed
    /// (Fault with [`VerifyError::fault_code`]).
    Verification(VerifyError),
    /// The signed Body holds something other than one Verzoek (a Repliek, a Fault, …)
    /// (Fault `soapenv:Client`).
    NotAVerzoek {
        /// What was found.
        found: String,
    },
    /// The operation element holds no valid Verzoek (Fault `soapenv:Client`).
    InvalidVerzoek(ModelError),
    /// No operation `{namespace}naam` in the policy (Fault `soapenv:Client`).
    UnknownOperation {
        /// The namespace of the Body's child.
        namespace: String,
        /// Its local name.
        naam: String,
    },
    /// Context/Naam is not the operation element's name (Fault `soapenv:Client`).
    OperationMismatch {
        /// The operation element's name.
        operatie: String,
        /// Context/Naam.
        context_naam: String,
    },
    /// The operation does not support the message's Context/Versie (Fault `soapenv:Client`).
    UnsupportedVersie {
        /// The operation.
        operatie: String,
        /// The Versie of the message.
        versie: Versie,
        /// The supported Versies.
        supported: Vec<Versie>,
    },
    /// The signer may not speak for the Afzender (Repliek with a level-2 Uitzondering).
    NotAuthorized(Box<Unauthorized>),
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Verification(e) => write!(f, "{} {e}", e.fault_code().prefixed()),
            Rejection::NotAVerzoek { found } => write!(f, "the signed Body holds {found}, not a Verzoek"),
            Rejection::InvalidVerzoek(e) => write!(f, "not a valid Verzoek: {e}"),
            Rejection::UnknownOperation { namespace, naam } => write!(f, "unknown operation {{{namespace}}}{naam}"),
            Rejection::OperationMismatch { operatie, context_naam } => {
                write!(f, "Context/Naam {context_naam:?} does not name the operation {operatie}")
            }
            Rejection::UnsupportedVersie { operatie, versie, supported } => {
                let s: Vec<&str> = supported.iter().map(|v| v.as_str()).collect();
                write!(f, "{operatie} does not support Versie {versie} (supported: {})", s.join(", "))
            }
            Rejection::NotAuthorized(u) => {
                write!(f, "{} {}: {}", u.code.identificatie(), u.code.diagnose(), u.reason)
            }
        }
    }
}

impl std::error::Error for Rejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Rejection::Verification(e) => Some(e),
            Rejection::InvalidVerzoek(e) => Some(e),
            _ => None,
        }
    }
}

impl Rejection {
    /// Whether the answer is a SOAP Fault (otherwise a Repliek with Uitzonderingen).
    pub fn is_fault(&self) -> bool {
        !matches!(self, Rejection::NotAuthorized(_))
    }

    /// The faultcode, for a rejection answered with a Fault.
    pub fn fault_code(&self) -> Option<FaultCode> {
        match self {
            Rejection::Verification(e) => Some(e.fault_code().into()),
            Rejection::NotAuthorized(_) => None,
            _ => Some(FaultCode::client()),
        }
    }

    /// The Uitzondering code, for a rejection answered with a Repliek.
    pub fn code(&self) -> Option<Code> {
        match self {
            Rejection::NotAuthorized(u) => Some(u.code),
            _ => None,
        }
    }

    /// A stable name of the reason, written in the Fault's `detail/reason`: the
    /// WS-Security fault's local name (`FailedCheck`, …) or `Client` / `MustUnderstand`
    /// for a verification failure; otherwise `NotAVerzoek`, `InvalidVerzoek`,
    /// `UnknownOperation`, `OperationMismatch`, `UnsupportedVersie`, `NotAuthorized`.
    pub fn reason(&self) -> &'static str {
        match self {
            Rejection::Verification(e) => e.fault_code().local_name(),
            Rejection::NotAVerzoek { .. } => "NotAVerzoek",
            Rejection::InvalidVerzoek(_) => "InvalidVerzoek",
            Rejection::UnknownOperation { .. } => "UnknownOperation",
            Rejection::OperationMismatch { .. } => "OperationMismatch",
            Rejection::UnsupportedVersie { .. } => "UnsupportedVersie",
            Rejection::NotAuthorized(_) => "NotAuthorized",
        }
    }
}

/// The faultstring of a verification fault: WS-Security 1.0's text for its code.
fn security_faultstring(code: wss::FaultCode) -> &'static str {
    use wss::FaultCode::*;
    match code {
        Client => "The message is not a well-formed SOAP 1.1 envelope",
        MustUnderstand => "A mandatory header was not understood",
        UnsupportedAlgorithm => "An unsupported signature or encryption algorithm was used",
        InvalidSecurityToken => "An invalid security token was provided",
        SecurityTokenUnavailable => "Referenced security token could not be retrieved",
        FailedAuthentication => "The security token could not be authenticated or authorized",
        FailedCheck => "The signature or decryption was invalid",
        MessageExpired => "The message has expired",
        _ => "An error was discovered processing the <wsse:Security> header",
    }
}

/// The Policy Enforcement Point. `Send + Sync`: build it once from a [`PepPolicy`] and share it.
pub struct Pep {
    verifier: Verifier,
    enforcement: Enforcement,
}

impl fmt::Debug for Pep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pep")
            .field("verifier", &self.verifier)
            .field("rules", &self.enforcement.rules.len())
            .field("operations", &self.enforcement.operations.len())
            .field("afzender", &self.enforcement.afzender)
            .finish()
    }
}

impl Pep {
    /// The PEP for this policy; it verifies with the policy's [`Verifier`].
    pub fn new(policy: PepPolicy) -> Self {
        Pep { verifier: policy.verifier, enforcement: policy.enforcement }
    }

    /// The verifier (its crypto provider, clock and policy).
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The Oorsprong of the PEP's Uitzonderingen.
    pub fn oorsprong(&self) -> &Oorsprong {
        &self.enforcement.oorsprong
    }

    /// The operation `{namespace}naam`, if the policy has it.
    pub fn operation(&self, namespace: &str, naam: &str) -> Option<&OperationSpec> {
        self.enforcement.operations.get(&(namespace.to_owned(), naam.to_owned()))
    }

    /// Verifies the signed envelope, reads the Verzoek from the verified tree (no second
    /// parse), checks the operation and its Versie, and authorizes the Afzender's
    /// Instellingsnummer against the signer.
    pub fn verify_and_authorize(&self, bytes: &[u8]) -> Result<AuthorizedVerzoek, Rejection> {
        let verified = self.verifier.verify(bytes).map_err(Rejection::Verification)?;
        let body = verified.body();
        let mut cursor =
            ElementCursor::new_allowing_attributes(body, "/Envelope/Body").map_err(Rejection::InvalidVerzoek)?;
        let child = cursor.next_any().ok_or(Rejection::InvalidVerzoek(ModelError::MissingElement {
            expected: "operation element",
            path: "/Envelope/Body".into(),
        }))?;
        cursor.finish().map_err(Rejection::InvalidVerzoek)?;

        let namespace = child.namespace().unwrap_or_default();
        let local = child.local_name();
        let Some(spec) = self.operation(namespace, local) else {
            let found = match child.namespace() {
                Some(ns) => format!("{{{ns}}}{local}"),
                None => local.to_owned(),
            };
            if namespace == crate::soap::SOAP11_NS || (local.ends_with("Response") && local.len() > "Response".len()) {
                return Err(Rejection::NotAVerzoek { found });
            }
            return Err(Rejection::UnknownOperation { namespace: namespace.to_owned(), naam: local.to_owned() });
        };
        let (operatie, verzoek) = match Envelope::read_body_child(child, Some(spec.schema)) {
            Ok(Envelope::Verzoek { operatie, verzoek }) => (operatie, verzoek),
            Ok(_) => return Err(Rejection::NotAVerzoek { found: local.to_owned() }),
            Err(e) => return Err(Rejection::InvalidVerzoek(e)),
        };
        let context = verzoek.context();
        if context.naam() != spec.naam {
            return Err(Rejection::OperationMismatch {
                operatie: spec.naam.clone(),
                context_naam: context.naam().to_owned(),
            });
        }
        if !spec.versies.contains(context.versie()) {
            return Err(Rejection::UnsupportedVersie {
                operatie: spec.naam.clone(),
                versie: context.versie().clone(),
                supported: spec.versies.clone(),
            });
        }
        let signer = verified.signer();
        let unauthorized = |code, reason| {
            Rejection::NotAuthorized(Box::new(Unauthorized {
                operatie: operatie.clone(),
                verzoek: verzoek.clone(),
                signer: signer.clone(),
                code,
                reason,
            }))
        };
        let Some(nummer) = verzoek.instellingsnummer() else {
            return Err(unauthorized(
                Code::NotAnInstellingsnummer,
                format!("Afzender/Identificatie {:?} is not 1 to 6 digits", verzoek.afzender().identificatie()),
            ));
        };
        let mut decision = Decision::Abstain;
        for rule in &self.enforcement.rules {
            decision = rule.decide(signer, &nummer, &operatie);
            if decision != Decision::Abstain {
                break;
            }
        }
        match decision {
            Decision::Allow => Ok(AuthorizedVerzoek {
                operatie,
                spec: spec.clone(),
                signer: signer.clone(),
                instellingsnummer: nummer,
                signature_value: verified.signature_value().to_vec(),
                verzoek,
            }),
            Decision::Deny(reason) => Err(unauthorized(Code::NotAuthorized, reason)),
            Decision::Abstain => Err(unauthorized(
                Code::NotAuthorized,
                format!("no binding allows certificate {} for instellingsnummer {nummer}", describe(signer)),
            )),
        }
    }

    /// A fresh Afzender for a reply in schema `version` (a new Referte that fits it).
    pub fn reply_afzender(&self, version: SchemaVersion) -> Result<Afzender, ModelError> {
        let mut b = Afzender::builder(self.enforcement.afzender.0.clone()).referte(Referte::generate_for(version));
        if let Some(n) = &self.enforcement.afzender.1 {
            b = b.naam(n.clone());
        }
        b.build()
    }

    /// The Fault for a rejection that is answered with one (`None` for
    /// [`Rejection::NotAuthorized`]): faultcode, faultstring, faultactor, and
    /// `detail/message` + `detail/reason` ([`Rejection::reason`]).
    pub fn fault_for(&self, rejection: &Rejection) -> Option<Result<Fault, ModelError>> {
        let code = rejection.fault_code()?;
        let (faultstring, message) = match rejection {
            Rejection::Verification(e) => {
                let fc = e.fault_code();
                let generic = security_faultstring(fc);
                let message = if self.enforcement.expose_security_errors
                    || matches!(fc, wss::FaultCode::Client | wss::FaultCode::MustUnderstand)
                {
                    e.to_string()
                } else {
                    generic.to_owned()
                };
                (generic.to_owned(), message)
            }
            Rejection::UnsupportedVersie { .. } => ("Version mismatch".to_owned(), rejection.to_string()),
            _ => ("The message is not a valid Verzoek for this service".to_owned(), rejection.to_string()),
        };
        Some(self.fault(code, &faultstring, &message, rejection.reason()))
    }

    /// A Fault with this code and text, the policy's faultactor and
    /// `detail/message` + `detail/reason`.
    pub fn fault(&self, code: FaultCode, faultstring: &str, message: &str, reason: &str) -> Result<Fault, ModelError> {
        let mut w = XmlWriter::new();
        w.start_element(None, "detail")?;
        w.text_element(None, "message", &xml_safe(message, MAX_TEXT_CHARS))?;
        w.text_element(None, "reason", reason)?;
        w.end_element()?;
        let doc = Document::parse(&w.finish()?)?;
        let detail = Detail::from_element(doc.root())?;
        Ok(Fault::new(code, faultstring)?.with_actor(self.enforcement.fault_actor.clone())?.with_detail(detail))
    }

    /// The answer to a rejection: a Fault, or for [`Rejection::NotAuthorized`] a Repliek
    /// with the level-2 Uitzondering and no Antwoorden.
    pub fn reply_to(&self, rejection: &Rejection) -> Result<Envelope, ModelError> {
        match rejection {
            Rejection::NotAuthorized(u) => {
                let version = u.verzoek.schema_version();
                let uitzondering = u.code.uitzondering(version, &self.enforcement.oorsprong, Some(&u.reason))?;
                let repliek =
                    u.verzoek.repliek(self.reply_afzender(version)?).schema_version(version).uitzondering(uitzondering);
                Ok(Envelope::Repliek { operatie: u.operatie.clone(), repliek: repliek.build()? })
            }
            other => match self.fault_for(other) {
                Some(f) => Ok(Envelope::Fault(f?)),
                None => Err(ModelError::Content { detail: format!("no Fault for {other}") }),
            },
        }
    }
}
