//! The verifier: SPEC §4 rules 1–7, in order, each failure its own error.
//!
//! 1. the strict reader with its limits (no DTD, entities, PIs);
//! 2. the SOAP 1.1 shape, exactly one Security header for this receiver,
//!    no unknown `mustUnderstand` header;
//! 3. Ids unique across the document; exactly one `ds:Signature` (inside that
//!    header) with one SignedInfo;
//! 4. the policy's allow-lists for c14n, transforms, signature and digest
//!    methods (as pairs: one profile names both), PrefixLists within their
//!    limit, and `#NCName` URIs — all before any key is touched; each
//!    Reference must point at the Envelope's Body, the Timestamp or the token,
//!    and the Body must be covered;
//! 5. the key only from the one BinarySecurityToken the STR references, and a
//!    certificate that chains to the configured anchors;
//! 6. the Timestamp rules, when one is present or required;
//! 7. the signature over SignedInfo, then the digests (compared in constant time).
//!
//! The result is a [`VerifiedEnvelope`]: only this module can make one, and it
//! hands out the verified Body of the same tree that was checked.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use subtle::ConstantTimeEq;

use crate::clock::{Clock, SystemClock};
use crate::crypto::{BufferedDigest, CryptoProvider, DigestAlgorithm, SignatureAlgorithm};
use crate::pki::{CertificateValidator, TrustError, ValidatedCertificate};
use crate::xml::{Document, Element, ExcC14n, Limits, Node, NodeId, EXC_C14N, XML_NS};

use super::error::VerifyError;
use super::profile::{SignatureProfile, TokenType};
use super::BASE64_ENCODING;
use crate::soap::{envelope_parts, DS_NS, EC_NS, SOAP11_NS, WSSE_NS, WSU_NS};

/// The SOAP 1.1 actor that addresses every node, this one included.
const ACTOR_NEXT: &str = "http://schemas.xmlsoap.org/soap/actor/next";

/// Timestamp rules, with WSS4J's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimestampPolicy {
    /// Reject messages without a Timestamp. Default: no (DHO sends none).
    pub required: bool,
    /// Maximum age of Created. Default 300 s (WSS4J `timeStampTTL`).
    pub ttl: Duration,
    /// How far Created may lie in the future. Default 60 s (WSS4J `timeStampFutureTTL`).
    pub future_skew: Duration,
    /// Reject a Timestamp without Expires. Default: no.
    pub require_expires: bool,
}

impl Default for TimestampPolicy {
    fn default() -> Self {
        TimestampPolicy {
            required: false,
            ttl: Duration::from_secs(300),
            future_skew: Duration::from_secs(60),
            require_expires: false,
        }
    }
}

/// What the verifier accepts. Built from explicit profiles: nothing is allowed
/// that was not named.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerificationPolicy {
    /// Accepted (signature, digest) algorithm pairs.
    pub profiles: Vec<SignatureProfile>,
    /// Timestamp rules.
    pub timestamp: TimestampPolicy,
    /// Reader limits.
    pub limits: Limits,
    /// Maximum number of References in SignedInfo. Default 4.
    pub max_references: usize,
    /// Maximum decoded size of the BinarySecurityToken. Default 64 KiB.
    pub max_token_bytes: usize,
    /// The SOAP actor this receiver plays besides the ultimate receiver, if any.
    pub actor: Option<String>,
    /// Headers (namespace, local name) the application processes although they are
    /// marked `mustUnderstand="1"`.
    pub understood_headers: Vec<(String, String)>,
}

impl VerificationPolicy {
    /// Accept exactly one profile.
    pub fn new(profile: SignatureProfile) -> Self {
        VerificationPolicy {
            profiles: vec![profile],
            timestamp: TimestampPolicy::default(),
            limits: Limits::default(),
            max_references: 4,
            max_token_bytes: 64 << 10,
            actor: None,
            understood_headers: Vec::new(),
        }
    }

    /// **Legacy.** What the DHO mandates: RSA-SHA1 over SHA-1 digests, and nothing else.
    pub fn dho_legacy_rsa_sha1() -> Self {
        Self::new(SignatureProfile::dho_legacy_rsa_sha1())
    }

    /// RSA-SHA256 over SHA-256 digests, and nothing else.
    pub fn rsa_sha256() -> Self {
        Self::new(SignatureProfile::rsa_sha256())
    }

    /// Also accept another profile.
    pub fn also_accept(mut self, profile: SignatureProfile) -> Self {
        if !self.profiles.contains(&profile) {
            self.profiles.push(profile);
        }
        self
    }

    /// Sets the Timestamp rules.
    pub fn with_timestamp_policy(mut self, policy: TimestampPolicy) -> Self {
        self.timestamp = policy;
        self
    }

    /// Sets the reader limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    fn signature_allowed(&self, alg: SignatureAlgorithm) -> bool {
        self.profiles.iter().any(|p| p.signature() == alg)
    }

    fn digest_allowed(&self, alg: DigestAlgorithm) -> bool {
        self.profiles.iter().any(|p| p.digest() == alg)
    }

    /// Whether one profile pairs these two: algorithms are allowed as pairs, not one
    /// by one (F5: RSA-SHA256 over SHA-1 digests is no profile, even where both exist).
    fn pair_allowed(&self, signature: SignatureAlgorithm, digest: DigestAlgorithm) -> bool {
        self.profiles.iter().any(|p| p.signature() == signature && p.digest() == digest)
    }
}

/// A verified Timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTimestamp {
    /// Created.
    pub created: SystemTime,
    /// Expires, if present.
    pub expires: Option<SystemTime>,
}

/// An envelope whose signature verified under the policy. Only
/// [`Verifier::verify`] makes one; it exposes the signer and the signed Body
/// of the very tree that was verified — nothing outside what was signed.
#[derive(Debug)]
pub struct VerifiedEnvelope {
    doc: Document,
    body: NodeId,
    signer: ValidatedCertificate,
    timestamp: Option<VerifiedTimestamp>,
    signature_value: Vec<u8>,
    algorithm: SignatureAlgorithm,
    /// The Body Reference's exclusive c14n (its PrefixList): which bindings are signed.
    body_c14n: ExcC14n,
}

impl VerifiedEnvelope {
    /// The signed `soap:Body`. Its text, read through [`Element::text`], is
    /// exactly what the signature covers (comments are not part of it).
    ///
    /// Only the Body and what lies below it are signed: navigating upwards
    /// (`parent`, `lookup_namespace` of a prefix declared above the Body) leaves
    /// the signed content. Namespace bindings used only inside text (QName values
    /// such as `xsi:type="xsd:string"`) are covered only when the signer put their
    /// prefix in the PrefixList, as dho-wss and WSS4J do (attack catalogue A24).
    pub fn body(&self) -> Element<'_> {
        // The id was taken from this document's Body during verification.
        match self.doc.element(self.body) {
            Some(e) => e,
            None => unreachable!("verified body id belongs to the verified document"),
        }
    }

    /// The first element inside the Body (the operation element), if any.
    pub fn body_content(&self) -> Option<Element<'_>> {
        self.body().child_elements().next()
    }

    /// The typed message (Verzoek, Repliek or Fault) read from the verified Body:
    /// the same tree that was verified, no second parse. The Body must hold
    /// exactly one element.
    pub fn message(
        &self,
        version: Option<crate::model::SchemaVersion>,
    ) -> Result<crate::model::Envelope, crate::model::ModelError> {
        let mut cursor = crate::model::ElementCursor::new_allowing_attributes(self.body(), "/Envelope/Body")?;
        let child = cursor.next_any().ok_or(crate::model::ModelError::MissingElement {
            expected: "operation element or Fault",
            path: "/Envelope/Body".into(),
        })?;
        cursor.finish()?;
        let envelope = crate::model::Envelope::read_body_child(child, version)?;
        if let crate::model::Envelope::Fault(_) = &envelope {
            // The faultcode is a QName in text: its prefix must be bound where the
            // signature covers it, or the code could be rebound after signing (F4).
            if let Some(code) = child.child_elements().find(|e| e.is(None, "faultcode")) {
                let text = code.text();
                let prefix = match qname_prefix(&text) {
                    Some(p) => p,
                    None => return Ok(envelope),
                };
                if self.signed_namespace(code, Some(prefix)).is_none() {
                    return Err(crate::model::ModelError::invalid(
                        "faultcode",
                        crate::model::Reason::UnsignedPrefix { prefix: prefix.to_owned() },
                    ));
                }
            }
        }
        Ok(envelope)
    }

    /// The namespace `prefix` (`None`: the default namespace) is bound to at `el`, an
    /// element of the verified Body, when the signature covers that binding: exclusive
    /// c14n renders a declaration only where a prefix is visibly used or listed in the
    /// PrefixList, so a prefix used only inside text (a QName value such as a faultcode or
    /// `xsi:type="xsd:string"`) may be bound by an unsigned declaration. `None` when the
    /// prefix is unbound, bound to no namespace, not covered, or `el` is outside the Body.
    pub fn signed_namespace<'a>(&'a self, el: Element<'a>, prefix: Option<&str>) -> Option<&'a str> {
        if prefix == Some("xml") {
            return Some(XML_NS);
        }
        let body = self.body();
        let p = prefix.unwrap_or("");
        let listed = self.body_c14n.lists(p);
        let mut cur = Some(el);
        while let Some(e) = cur {
            // Where the canonical form declares the binding in force at `el`: the nearest
            // element that visibly uses the prefix or renders it from the PrefixList.
            let visible =
                e.prefix().unwrap_or("") == p || (!p.is_empty() && e.attributes().any(|a| a.prefix() == Some(p)));
            let rendered_from_list =
                listed && (e == body || e.namespace_declarations().any(|(q, _)| q.unwrap_or("") == p));
            if visible || rendered_from_list {
                let at_el = el.lookup_namespace(prefix).filter(|u| !u.is_empty())?;
                // A declaration between `e` and `el` that is not rendered would change
                // the binding outside the signature.
                return (e.lookup_namespace(prefix) == Some(at_el)).then_some(at_el);
            }
            if e == body {
                return None;
            }
            cur = e.parent();
        }
        None
    }

    /// The validated signing certificate.
    pub fn signer(&self) -> &ValidatedCertificate {
        &self.signer
    }

    /// The verified Timestamp, if the message had one.
    pub fn timestamp(&self) -> Option<&VerifiedTimestamp> {
        self.timestamp.as_ref()
    }

    /// The signature algorithm the message used.
    pub fn signature_algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    /// The decoded SignatureValue: a replay cache should key on these bytes
    /// (not on their base64 text, which can be re-encoded).
    pub fn signature_value(&self) -> &[u8] {
        &self.signature_value
    }
}

/// Verifies signed envelopes against one policy and one set of trust anchors.
/// `Send + Sync`; build it once and share it.
///
/// # Crypto provider
///
/// A verifier and its [`CertificateValidator`] always use one [`CryptoProvider`]: the
/// message's digests and signature and the certificate chain are verified by the same one.
/// [`Verifier::new`] takes the validator's ([`CertificateValidator::new`] takes the process
/// default); [`Verifier::with_provider`] changes both. [`provider`](Self::provider) says which.
#[derive(Debug)]
pub struct Verifier {
    policy: VerificationPolicy,
    /// Also the provider of the verifier (see [`Verifier::provider`]).
    validator: CertificateValidator,
    clock: Arc<dyn Clock>,
}

struct ParsedReference<'d> {
    uri: &'d str,
    target: Element<'d>,
    prefix_list: String,
    digest_alg: DigestAlgorithm,
    digest_value: Vec<u8>,
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Target {
    Body,
    Timestamp,
    Token,
}

impl Verifier {
    /// A verifier with the system clock and the `validator`'s crypto provider (see
    /// [Crypto provider](#crypto-provider)).
    pub fn new(policy: VerificationPolicy, validator: CertificateValidator) -> Self {
        Verifier { policy, validator, clock: Arc::new(SystemClock) }
    }

    /// Uses `provider` for everything: the digests, the signature check, and the certificate
    /// chain (the validator is switched to it too, with
    /// [`CertificateValidator::with_provider`], which empties its chain cache).
    pub fn with_provider(mut self, provider: &'static dyn CryptoProvider) -> Self {
        self.validator = self.validator.with_provider(provider);
        self
    }

    /// The crypto provider that verifies messages and chains.
    pub fn provider(&self) -> &'static dyn CryptoProvider {
        self.validator.provider()
    }

    /// Uses another clock (tests, replays of archived messages) for the certificate's validity
    /// and the Timestamp rules; the default is [`SystemClock`].
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The clock the verifier reads.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The policy.
    pub fn policy(&self) -> &VerificationPolicy {
        &self.policy
    }

    /// Verifies a signed envelope.
    pub fn verify(&self, bytes: &[u8]) -> Result<VerifiedEnvelope, VerifyError> {
        // Rule 1: one strict parse; everything below works on this tree.
        self.verify_document(Document::parse_with(bytes, &self.policy.limits)?)
    }

    /// [`verify`](Self::verify), taking ownership of the message so that the
    /// verified envelope keeps it without a copy (large messages).
    pub fn verify_owned(&self, bytes: Vec<u8>) -> Result<VerifiedEnvelope, VerifyError> {
        self.verify_document(Document::parse_owned(bytes, &self.policy.limits)?)
    }

    fn verify_document(&self, doc: Document) -> Result<VerifiedEnvelope, VerifyError> {
        let now = self.clock.now();
        let checked = self.check(&doc, now)?;
        let body = checked.body;
        Ok(VerifiedEnvelope {
            body,
            signer: checked.signer,
            timestamp: checked.timestamp,
            signature_value: checked.signature_value,
            algorithm: checked.algorithm,
            body_c14n: checked.body_c14n,
            doc,
        })
    }

    fn check(&self, doc: &Document, now: SystemTime) -> Result<Checked, VerifyError> {
        // Rule 2: shape, headers for us.
        let parts = envelope_parts(doc.root()).map_err(|e| VerifyError::Envelope { detail: e.to_string() })?;
        let header = parts.header.ok_or(VerifyError::MissingSecurityHeader)?;
        let mut security = None;
        for h in header.child_elements() {
            let actor = h.attribute(Some(SOAP11_NS), "actor");
            let for_us = match actor {
                None => true,
                Some(a) => a == ACTOR_NEXT || self.policy.actor.as_deref() == Some(a),
            };
            if !for_us {
                continue;
            }
            if h.is(Some(WSSE_NS), "Security") {
                if security.is_some() {
                    return Err(VerifyError::MultipleSecurityHeaders);
                }
                security = Some(h);
            } else if must_understand(h) && !self.policy.understood_headers.iter().any(|(ns, l)| h.is(Some(ns), l)) {
                return Err(VerifyError::NotUnderstood { header: h.expanded_name() });
            }
        }
        let security = security.ok_or(VerifyError::MissingSecurityHeader)?;

        // Rule 3: Ids unique, one Signature inside the Security header, one SignedInfo.
        let ids = index_ids(doc)?;
        let mut signatures = doc.root().descendants().filter(|e| e.is(Some(DS_NS), "Signature"));
        let signature = signatures.next().ok_or(VerifyError::MissingSignature)?;
        if signatures.next().is_some() {
            return Err(VerifyError::MultipleSignatures);
        }
        if signature.parent() != Some(security) {
            return Err(VerifyError::SignatureOutsideSecurityHeader);
        }
        let sig_children = element_children(signature, "ds:Signature")?;
        if sig_children.iter().filter(|e| e.is(Some(DS_NS), "SignedInfo")).count() > 1 {
            return Err(VerifyError::MultipleSignedInfo);
        }
        let [signed_info, signature_value, key_info] =
            expect_sequence(&sig_children, "ds:Signature", ["SignedInfo", "SignatureValue", "KeyInfo"])?;

        // Rule 4: allow-lists, before any key is used.
        let si_children = element_children(signed_info, "ds:SignedInfo")?;
        if si_children.len() < 3 {
            return Err(malformed("ds:SignedInfo", "needs CanonicalizationMethod, SignatureMethod and a Reference"));
        }
        let c14n_method = expect_ds(si_children[0], "CanonicalizationMethod", "ds:SignedInfo")?;
        let c14n_uri = c14n_method.attribute(None, "Algorithm").unwrap_or("");
        if c14n_uri != EXC_C14N {
            return Err(VerifyError::UnsupportedCanonicalization { uri: c14n_uri.into() });
        }
        let si_prefixes =
            inclusive_prefixes(c14n_method, "ds:CanonicalizationMethod", self.policy.limits.max_prefix_list_entries)?;
        let sig_method = expect_ds(si_children[1], "SignatureMethod", "ds:SignedInfo")?;
        let sig_uri = sig_method.attribute(None, "Algorithm").unwrap_or("");
        let algorithm = match SignatureAlgorithm::from_uri(sig_uri) {
            Some(a) if self.policy.signature_allowed(a) => a,
            _ => return Err(VerifyError::UnsupportedSignatureMethod { uri: sig_uri.into() }),
        };
        if !element_children(sig_method, "ds:SignatureMethod")?.is_empty() {
            return Err(malformed("ds:SignatureMethod", "unexpected child element"));
        }
        let reference_elements = &si_children[2..];
        if reference_elements.len() > self.policy.max_references {
            return Err(VerifyError::TooManyReferences {
                count: reference_elements.len(),
                max: self.policy.max_references,
            });
        }
        let mut references = Vec::with_capacity(reference_elements.len());
        for &r in reference_elements {
            let reference = self.parse_reference(expect_ds(r, "Reference", "ds:SignedInfo")?, &ids)?;
            if !self.policy.pair_allowed(algorithm, reference.digest_alg) {
                return Err(VerifyError::AlgorithmPairNotAllowed {
                    signature: algorithm.uri(),
                    digest: reference.digest_alg.uri(),
                });
            }
            references.push(reference);
        }

        // Each Reference must cover the Envelope's Body, this header's Timestamp or its token.
        let timestamps: Vec<Element<'_>> =
            security.child_elements().filter(|e| e.is(Some(WSU_NS), "Timestamp")).collect();
        if timestamps.len() > 1 {
            return Err(VerifyError::MultipleTimestamps);
        }
        let tokens: Vec<Element<'_>> =
            security.child_elements().filter(|e| e.is(Some(WSSE_NS), "BinarySecurityToken")).collect();
        if tokens.len() > 1 {
            return Err(VerifyError::MultipleTokens);
        }
        let mut covered: Vec<Target> = Vec::new();
        for r in &references {
            let kind = if r.target == parts.body {
                Target::Body
            } else if r.target.is(Some(SOAP11_NS), "Body") {
                return Err(VerifyError::SignedBodyNotEnvelopeBody);
            } else if timestamps.first() == Some(&r.target) {
                Target::Timestamp
            } else if tokens.first() == Some(&r.target) {
                Target::Token
            } else {
                return Err(VerifyError::UnexpectedReferenceTarget {
                    uri: r.uri.into(),
                    element: r.target.expanded_name(),
                });
            };
            if covered.contains(&kind) {
                return Err(VerifyError::DuplicateReference { uri: r.uri.into() });
            }
            covered.push(kind);
        }
        if !covered.contains(&Target::Body) {
            return Err(VerifyError::BodyNotSigned);
        }

        // Rule 5: the key comes only from the one token the STR references.
        let ki_children = element_children(key_info, "ds:KeyInfo")?;
        let str_el = match ki_children.as_slice() {
            [one] if one.is(Some(WSSE_NS), "SecurityTokenReference") => *one,
            other => {
                let found: Vec<String> = other.iter().map(|e| e.expanded_name()).collect();
                return Err(VerifyError::UnsupportedKeyInfo {
                    detail: format!("expected one wsse:SecurityTokenReference, found [{}]", found.join(", ")),
                });
            }
        };
        let str_ref = match element_children(str_el, "wsse:SecurityTokenReference")?.as_slice() {
            [one] if one.is(Some(WSSE_NS), "Reference") => *one,
            other => {
                let found: Vec<String> = other.iter().map(|e| e.expanded_name()).collect();
                return Err(VerifyError::UnsupportedKeyInfo {
                    detail: format!("expected one wsse:Reference, found [{}]", found.join(", ")),
                });
            }
        };
        let token_uri = str_ref.attribute(None, "URI").unwrap_or("");
        let token = match (local_id(token_uri), tokens.first()) {
            (Some(id), Some(bst)) if ids.get(id) == Some(bst) => *bst,
            _ => return Err(VerifyError::TokenNotFound { uri: token_uri.into() }),
        };
        let value_type = token.attribute(None, "ValueType").unwrap_or("");
        let token_type = TokenType::from_value_type(value_type)
            .ok_or_else(|| VerifyError::InvalidToken { detail: format!("unsupported ValueType {value_type:?}") })?;
        if let Some(vt) = str_ref.attribute(None, "ValueType") {
            if vt != value_type {
                return Err(VerifyError::InvalidToken { detail: "STR ValueType differs from the token's".into() });
            }
        }
        match token.attribute(None, "EncodingType") {
            None | Some(BASE64_ENCODING) => {}
            Some(other) => {
                return Err(VerifyError::InvalidToken { detail: format!("unsupported EncodingType {other:?}") })
            }
        }
        let token_text = plain_text(token, "wsse:BinarySecurityToken")?;
        if token_text.len() > self.policy.max_token_bytes * 4 / 3 + 64 {
            return Err(VerifyError::InvalidToken { detail: "token exceeds the size limit".into() });
        }
        let token_der = decode_b64(&token_text)
            .map_err(|_| VerifyError::InvalidToken { detail: "token is not valid base64".into() })?;
        let (leaf, chain): (&[u8], Vec<&[u8]>) = match token_type {
            TokenType::X509v3 => (&token_der, Vec::new()),
            TokenType::PkiPath => {
                let mut certs = der_sequence_elements(&token_der)
                    .ok_or_else(|| VerifyError::InvalidToken { detail: "malformed PkiPath".into() })?;
                let leaf = certs.pop().ok_or_else(|| VerifyError::InvalidToken { detail: "empty PkiPath".into() })?;
                (leaf, certs)
            }
        };
        // A token whose bytes are not a certificate is a malformed token (InvalidSecurityToken),
        // like a malformed PkiPath, not an untrusted signer.
        let signer = self.validator.validate(leaf, &chain, now).map_err(|e| match e {
            TrustError::Malformed(detail) => {
                VerifyError::InvalidToken { detail: format!("the token's certificate is malformed: {detail}") }
            }
            other => VerifyError::Untrusted(other),
        })?;

        // Rule 6 (SPEC rule 7): the Timestamp.
        let timestamp = match timestamps.first() {
            None if self.policy.timestamp.required => return Err(VerifyError::MissingTimestamp),
            None => None,
            Some(ts) => {
                if !covered.contains(&Target::Timestamp) {
                    return Err(VerifyError::TimestampNotSigned);
                }
                Some(self.check_timestamp(*ts, now)?)
            }
        };

        // Rule 7 (SPEC rule 6): the signature over SignedInfo, then the digests, on the
        // verified tree. Signature first: SignedInfo is small, so a message the token's key
        // did not sign never reaches the canonicalization of a large Body (F1).
        let sv_text = plain_text(signature_value, "ds:SignatureValue")?;
        let sv = decode_b64(&sv_text).map_err(|_| VerifyError::BadBase64 { element: "ds:SignatureValue" })?;
        let si_bytes = ExcC14n::new().with_prefix_list(&si_prefixes)?.canonicalize(signed_info)?;
        self.provider()
            .verify_signature(algorithm, signer.spki_der(), &si_bytes, &sv)
            .map_err(VerifyError::BadSignature)?;
        let mut body_c14n = ExcC14n::new();
        for (r, kind) in references.iter().zip(&covered) {
            let c14n = ExcC14n::new().with_prefix_list(&r.prefix_list)?;
            let mut digest = BufferedDigest::new(self.provider().new_digest(r.digest_alg));
            c14n.canonicalize_to(r.target, &mut digest)?;
            let computed = digest.finalize();
            if !bool::from(computed.ct_eq(&r.digest_value)) {
                return Err(VerifyError::DigestMismatch { uri: r.uri.into() });
            }
            if *kind == Target::Body {
                body_c14n = c14n;
            }
        }

        Ok(Checked { body: parts.body.id(), signer, timestamp, signature_value: sv, algorithm, body_c14n })
    }

    fn parse_reference<'d>(&self, r: Element<'d>, ids: &Ids<'d>) -> Result<ParsedReference<'d>, VerifyError> {
        let uri = r.attribute(None, "URI").unwrap_or("");
        let id = local_id(uri).ok_or_else(|| VerifyError::UnsupportedReferenceUri { uri: uri.into() })?;
        let kids = element_children(r, "ds:Reference")?;
        let [transforms, digest_method, digest_value] =
            expect_sequence(&kids, "ds:Reference", ["Transforms", "DigestMethod", "DigestValue"]).map_err(|e| {
                match kids.first() {
                    // A Reference without Transforms has no exc-c14n transform: an algorithm error.
                    Some(k) if !k.is(Some(DS_NS), "Transforms") => {
                        VerifyError::UnsupportedTransform { uri: "(no Transforms)".into() }
                    }
                    _ => e,
                }
            })?;
        let transform_list = element_children(transforms, "ds:Transforms")?;
        let transform = match transform_list.as_slice() {
            [t] if t.is(Some(DS_NS), "Transform") => *t,
            list => {
                let uris: Vec<&str> = list.iter().map(|t| t.attribute(None, "Algorithm").unwrap_or("?")).collect();
                return Err(VerifyError::UnsupportedTransform { uri: uris.join(" + ") });
            }
        };
        let t_uri = transform.attribute(None, "Algorithm").unwrap_or("");
        if t_uri != EXC_C14N {
            return Err(VerifyError::UnsupportedTransform { uri: t_uri.into() });
        }
        let prefix_list = inclusive_prefixes(transform, "ds:Transform", self.policy.limits.max_prefix_list_entries)?;
        let d_uri = digest_method.attribute(None, "Algorithm").unwrap_or("");
        let digest_alg = match DigestAlgorithm::from_uri(d_uri) {
            Some(a) if self.policy.digest_allowed(a) => a,
            _ => return Err(VerifyError::UnsupportedDigestMethod { uri: d_uri.into() }),
        };
        let dv = plain_text(digest_value, "ds:DigestValue")?;
        let digest_value = decode_b64(&dv).map_err(|_| VerifyError::BadBase64 { element: "ds:DigestValue" })?;
        let target = *ids.get(id).ok_or_else(|| VerifyError::ReferenceTargetNotFound { uri: uri.into() })?;
        Ok(ParsedReference { uri, target, prefix_list, digest_alg, digest_value })
    }

    fn check_timestamp(&self, ts: Element<'_>, now: SystemTime) -> Result<VerifiedTimestamp, VerifyError> {
        let bad = |detail: &str| VerifyError::MalformedTimestamp { detail: detail.into() };
        let kids = element_children(ts, "wsu:Timestamp").map_err(|_| bad("unexpected text inside the Timestamp"))?;
        let created_el = match kids.first() {
            Some(c) if c.is(Some(WSU_NS), "Created") => *c,
            _ => return Err(bad("the first child must be wsu:Created")),
        };
        let expires_el = match &kids[1..] {
            [] => None,
            [e] if e.is(Some(WSU_NS), "Expires") => Some(*e),
            _ => return Err(bad("exactly one Created and at most one Expires")),
        };
        let policy = &self.policy.timestamp;
        if expires_el.is_none() && policy.require_expires {
            return Err(bad("Expires is required"));
        }
        let created = parse_datetime(&plain_text(created_el, "wsu:Created")?)
            .ok_or_else(|| bad("Created is not an xs:dateTime in UTC"))?;
        let expires = match expires_el {
            Some(e) => Some(
                parse_datetime(&plain_text(e, "wsu:Expires")?)
                    .ok_or_else(|| bad("Expires is not an xs:dateTime in UTC"))?,
            ),
            None => None,
        };
        if let Some(exp) = expires {
            if exp < created {
                return Err(bad("Expires before Created"));
            }
        }
        if created > now + policy.future_skew {
            return Err(VerifyError::TimestampInFuture);
        }
        if expires.is_some_and(|e| e <= now) || now.duration_since(created).is_ok_and(|age| age > policy.ttl) {
            return Err(VerifyError::MessageExpired);
        }
        Ok(VerifiedTimestamp { created, expires })
    }
}

struct Checked {
    body: NodeId,
    signer: ValidatedCertificate,
    timestamp: Option<VerifiedTimestamp>,
    signature_value: Vec<u8>,
    algorithm: SignatureAlgorithm,
    body_c14n: ExcC14n,
}

/// Whether a header is marked `mustUnderstand`. The value is an xs:boolean (white space
/// collapsed): SOAP 1.1 writes `1`, but `true` is what SOAP 1.2 stacks and WSS4J send, and a
/// receiver that ignored it would drop a header the sender marked mandatory. Fail closed.
fn must_understand(h: Element<'_>) -> bool {
    matches!(
        h.attribute(Some(SOAP11_NS), "mustUnderstand").map(|v| v.trim_matches([' ', '\t', '\r', '\n'])),
        Some("1" | "true")
    )
}

/// Attributes that act as element Ids in WS-Security and XML-DSig processors.
pub(crate) fn is_id_attribute(ns: Option<&str>, local: &str) -> bool {
    matches!((ns, local), (Some(WSU_NS), "Id") | (None, "Id") | (None, "ID")) || (ns == Some(XML_NS) && local == "id")
}

/// Every Id of a document and its element, sorted by Id.
struct Ids<'d>(Vec<(&'d str, Element<'d>)>);

impl<'d> Ids<'d> {
    fn get(&self, id: &str) -> Option<&Element<'d>> {
        self.0.binary_search_by(|(k, _)| (*k).cmp(id)).ok().map(|i| &self.0[i].1)
    }
}

/// Every Id in the document, each exactly once (A2). A duplicate is reported as a scan in
/// document order meets it: the Id whose second occurrence comes first. (A sorted list: a
/// message has a handful of Ids, which a hash map with SipHash indexed at ten times the cost.)
fn index_ids(doc: &Document) -> Result<Ids<'_>, VerifyError> {
    let mut ids = Vec::new();
    for e in doc.root().descendants() {
        for a in e.attributes() {
            if is_id_attribute(a.namespace(), a.local_name()) {
                ids.push((a.value(), e));
            }
        }
    }
    // Stable: equal Ids stay in document order.
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by(|&i, &j| ids[i].0.cmp(ids[j].0));
    let second_occurrence = order.windows(2).filter(|w| ids[w[0]].0 == ids[w[1]].0).map(|w| w[1]).min();
    if let Some(i) = second_occurrence {
        return Err(VerifyError::DuplicateId { id: ids[i].0.into() });
    }
    Ok(Ids(order.into_iter().map(|i| ids[i]).collect()))
}

/// `#NCName` → the Id; anything else (empty, external, XPointer) → `None`.
fn local_id(uri: &str) -> Option<&str> {
    uri.strip_prefix('#').filter(|id| crate::xml::is_ncname(id))
}

fn malformed(context: &'static str, detail: &str) -> VerifyError {
    VerifyError::MalformedSignature { context, detail: detail.into() }
}

/// Element children of a structural element; text other than white space is an error.
fn element_children<'d>(el: Element<'d>, context: &'static str) -> Result<Vec<Element<'d>>, VerifyError> {
    let mut out = Vec::new();
    for n in el.children() {
        match n {
            Node::Element(e) => out.push(e),
            Node::Text(t) if t.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) => {}
            Node::Text(_) => return Err(malformed(context, "unexpected text")),
            Node::Comment(_) => {}
        }
    }
    Ok(out)
}

fn expect_ds<'d>(el: Element<'d>, local: &str, context: &'static str) -> Result<Element<'d>, VerifyError> {
    if el.is(Some(DS_NS), local) {
        Ok(el)
    } else {
        Err(malformed(context, &format!("expected ds:{local}, found {}", el.expanded_name())))
    }
}

fn expect_sequence<'d, const N: usize>(
    kids: &[Element<'d>],
    context: &'static str,
    names: [&str; N],
) -> Result<[Element<'d>; N], VerifyError> {
    if kids.len() != N {
        let found: Vec<String> = kids.iter().map(|e| e.expanded_name()).collect();
        return Err(malformed(context, &format!("expected ({}), found [{}]", names.join(", "), found.join(", "))));
    }
    let mut out = [kids[0]; N];
    for (i, name) in names.iter().enumerate() {
        out[i] = expect_ds(kids[i], name, context)?;
    }
    Ok(out)
}

/// The PrefixList of an optional `ec:InclusiveNamespaces` child; nothing else may be inside.
/// The prefix of a QName written as text (white space collapsed), if it has one.
fn qname_prefix(text: &str) -> Option<&str> {
    let qname = text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
    qname.split_once(':').map(|(p, _)| p)
}

/// The PrefixList of a c14n method or transform, refused past `max` entries before
/// anything is built from it (F1): counting stops at `max + 1`.
fn inclusive_prefixes(method: Element<'_>, context: &'static str, max: usize) -> Result<String, VerifyError> {
    match element_children(method, context)?.as_slice() {
        [] => Ok(String::new()),
        [inc] if inc.is(Some(EC_NS), "InclusiveNamespaces") => {
            let list = inc.attribute(None, "PrefixList").unwrap_or("");
            if list.split_ascii_whitespace().take(max.saturating_add(1)).count() > max {
                return Err(VerifyError::PrefixListTooLong { element: context, max });
            }
            Ok(list.to_owned())
        }
        _ => Err(malformed(context, "only one ec:InclusiveNamespaces may appear inside")),
    }
}

/// The text of a value element, which must hold nothing but text (A8). Borrowed from the
/// document when it is one text node (always, unless comments or CDATA split it).
fn plain_text<'d>(el: Element<'d>, element: &'static str) -> Result<Cow<'d, str>, VerifyError> {
    let mut s = Cow::Borrowed("");
    for n in el.children() {
        match n {
            Node::Text(t) if s.is_empty() => s = Cow::Borrowed(t),
            Node::Text(t) => s.to_mut().push_str(t),
            _ => return Err(VerifyError::NotPlainText { element }),
        }
    }
    Ok(s)
}

/// xs:base64Binary: white space allowed anywhere, canonical padding required.
fn decode_b64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    // Two vectorized searches (a token is 1–2 KB); `any` looks at a byte at a time.
    let bytes = text.as_bytes();
    if memchr::memchr3(b' ', b'\t', b'\n', bytes).is_none() && memchr::memchr(b'\r', bytes).is_none() {
        return B64.decode(text);
    }
    let mut compact = Vec::with_capacity(text.len());
    compact.extend(text.bytes().filter(|b| !space(b)));
    B64.decode(compact)
}

/// xs:dateTime in UTC, exactly as XML Schema 1.0 writes it (WS-Security requires UTC for
/// Timestamps): `YYYY-MM-DDThh:mm:ss[.s+]` then `Z` or `+00:00`, surrounding XML white space
/// allowed (the type's whiteSpace facet is `collapse`). `24:00:00` is the first instant of
/// the next day. Refused: a lowercase `t`/`z`, a space for `T`, `-00:00` (RFC 3339's
/// "unknown offset", not UTC), another offset, a second `60`, a year of fewer than four
/// digits or with a leading zero beyond four, a negative year.
fn parse_datetime(s: &str) -> Option<SystemTime> {
    let s = s.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
    let main = s.strip_suffix('Z').or_else(|| s.strip_suffix("+00:00"))?;
    let year_len = main.find('-')?;
    let (year, rest) = main.split_at(year_len);
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if year.len() < 4 || year.len() > 9 || !digits(year) || (year.len() > 4 && year.starts_with('0')) {
        return None;
    }
    let b = rest.as_bytes();
    if b.len() < 15 || b[0] != b'-' || b[3] != b'-' || b[6] != b'T' || b[9] != b':' || b[12] != b':' {
        return None;
    }
    let two = |i: usize| -> Option<u32> { rest.get(i..i + 2).filter(|t| digits(t))?.parse().ok() };
    let (month, day, hour, minute, second) = (two(1)?, two(4)?, two(7)?, two(10)?, two(13)?);
    let fraction = match &rest[15..] {
        "" => "",
        f => f.strip_prefix('.').filter(|d| digits(d))?,
    };
    let mut date = chrono::NaiveDate::from_ymd_opt(year.parse().ok()?, month, day)?;
    let hour = if hour == 24 {
        if minute != 0 || second != 0 || fraction.bytes().any(|b| b != b'0') {
            return None;
        }
        date = date.succ_opt()?;
        0
    } else {
        hour
    };
    let time = chrono::NaiveTime::from_hms_opt(hour, minute, second)?;
    let nanos = fraction.bytes().chain(std::iter::repeat(b'0')).take(9).fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    let secs = u64::try_from(date.and_time(time).and_utc().timestamp()).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_nanos(u64::from(nanos)))
}

/// Splits a DER SEQUENCE into the DER encodings of its elements (for PkiPath).
fn der_sequence_elements(der: &[u8]) -> Option<Vec<&[u8]>> {
    let (tag, content, rest) = der_tlv(der)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    let mut cur = content;
    while !cur.is_empty() {
        let (tag, _, rest) = der_tlv(cur)?;
        if tag != 0x30 || out.len() >= 16 {
            return None;
        }
        out.push(&cur[..cur.len() - rest.len()]);
        cur = rest;
    }
    Some(out)
}

/// One DER TLV: (tag, content, rest). Definite lengths only, bounded by the input.
fn der_tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, b) = b.split_first()?;
    let (&first, mut b) = b.split_first()?;
    let len = if first < 0x80 {
        first as usize
    } else {
        let n = (first & 0x7F) as usize;
        if n == 0 || n > 4 || b.len() < n {
            return None;
        }
        let len = b[..n].iter().fold(0usize, |acc, &x| (acc << 8) | x as usize);
        b = &b[n..];
        len
    };
    if b.len() < len {
        return None;
    }
    Some((tag, &b[..len], &b[len..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_walker_is_bounded() {
        assert_eq!(der_sequence_elements(&[0x30, 0x00]), Some(vec![]));
        assert_eq!(der_sequence_elements(&[0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF]), None);
        assert_eq!(
            der_sequence_elements(&[0x30, 0x04, 0x30, 0x02, 0x05, 0x00]),
            Some(vec![&[0x30, 0x02, 0x05, 0x00][..]])
        );
        assert_eq!(der_sequence_elements(&[0x30, 0x03, 0x02, 0x01, 0x00]), None);
        assert_eq!(der_sequence_elements(&[0x30]), None);
        assert_eq!(der_sequence_elements(&[]), None);
    }

    #[test]
    fn local_ids() {
        assert_eq!(local_id("#id-1"), Some("id-1"));
        assert_eq!(local_id("#x' or '1'='1"), None);
        assert_eq!(local_id(""), None);
        assert_eq!(local_id("#"), None);
        assert_eq!(local_id("http://evil/#a"), None);
        assert_eq!(local_id("#xpointer(/)"), None);
    }

    #[test]
    fn datetimes() {
        assert!(parse_datetime("2026-11-21T06:40:00.000Z").is_some());
        assert!(parse_datetime("2026-11-21T06:40:00Z").is_some());
        assert!(parse_datetime("2026-11-21T06:40:00+01:00").is_none());
        assert!(parse_datetime("yesterday").is_none());
    }

    /// The Timestamp parser reads xs:dateTime exactly (issue 10, "also found").
    #[test]
    fn datetimes_follow_xs_datetime_exactly() {
        let at = |s| parse_datetime(s).and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok());
        let day = Duration::from_secs(86_400);
        let midnight = at("2026-11-21T00:00:00Z").expect("valid");
        assert_eq!(at("2026-11-20T24:00:00Z"), Some(midnight), "24:00:00 is the next day's first instant");
        assert_eq!(at("2026-11-20T24:00:00.000+00:00"), Some(midnight));
        assert_eq!(at("2026-11-20T00:00:00Z"), Some(midnight - day));
        assert_eq!(at(" \n2026-11-21T00:00:00Z\t"), Some(midnight), "whiteSpace collapse");
        assert_eq!(at("2026-11-21T00:00:00.123456789999Z"), Some(midnight + Duration::from_nanos(123_456_789)));
        assert_eq!(at("2026-11-21T00:00:00+00:00"), Some(midnight));
        for bad in [
            "2026-11-21t00:00:00Z",
            "2026-11-21T00:00:00z",
            "2026-11-21 00:00:00Z",
            "2026-11-21T00:00:00-00:00",
            "2026-11-21T00:00:00",
            "2026-11-21T00:00:00+01:00",
            "2026-11-20T24:00:01Z",
            "2026-11-20T24:01:00Z",
            "2026-11-20T24:00:00.5Z",
            "2026-11-21T00:00:60Z",
            "2026-11-21T25:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-11-21T00:00:00.Z",
            "2026-11-21T0:00:00Z",
            "2026-1-21T00:00:00Z",
            "026-11-21T00:00:00Z",
            "02026-11-21T00:00:00Z",
            "-2026-11-21T00:00:00Z",
            "+2026-11-21T00:00:00Z",
            "2026-11-21T00:00:00ZZ",
            "2026-11-21T00:00:+0Z",
            "2026-11-21T00:00:00\u{a0}Z",
        ] {
            assert_eq!(at(bad), None, "{bad:?} must be refused");
        }
        assert!(at("2024-02-29T00:00:00Z").is_some(), "leap day");
        assert!(at("12026-11-21T00:00:00Z").is_some(), "five-digit year");
    }
}
