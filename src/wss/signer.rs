//! The signer: adds a DHO-profile `wsse:Security` header to a SOAP 1.1 envelope.
//!
//! The input bytes are kept as they are: the header and the Body's `wsu:Id` are
//! spliced in, nothing else is touched, so the payload the caller built is the
//! payload that is signed and sent. The Body is canonicalized once from the
//! parsed input (as if it already carried its new Id); the small Security header
//! is built with the writer and canonicalized in a copy of its namespace context.

use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::crypto::{default_provider, CryptoProvider, DigestAlgorithm};
use crate::keys::SigningIdentity;
use crate::xml::{
    prefixes_declared_outward, wss4j_inclusive_prefixes, ApexExtra, Document, Element, ExcC14n, Limits, XmlWriter,
};

use super::error::SignError;
use super::profile::{SignatureProfile, TokenType};
use super::soap::envelope_parts;
use super::{BASE64_ENCODING, DS_NS, EC_NS, SOAP11_NS, WSSE_NS, WSU_NS};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Whether and how to add a signed `wsu:Timestamp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampOptions {
    /// Expires = Created + ttl.
    pub ttl: Duration,
}

impl Default for TimestampOptions {
    /// Five minutes, WSS4J's default time-to-live.
    fn default() -> Self {
        TimestampOptions { ttl: Duration::from_secs(300) }
    }
}

/// Signs SOAP 1.1 envelopes with one identity and one profile. `Send + Sync`;
/// build it once and share it.
pub struct Signer {
    identity: SigningIdentity,
    profile: SignatureProfile,
    token: TokenType,
    token_b64: String,
    timestamp: Option<TimestampOptions>,
    limits: Limits,
    provider: &'static dyn CryptoProvider,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("identity", &self.identity)
            .field("profile", &self.profile)
            .field("token", &self.token)
            .field("timestamp", &self.timestamp)
            .finish()
    }
}

impl Signer {
    /// A signer with an X509v3 token and no Timestamp. The profile is always
    /// explicit: [`SignatureProfile::dho_legacy_rsa_sha1`] for DHO.
    pub fn new(identity: SigningIdentity, profile: SignatureProfile) -> Self {
        let token_b64 = B64.encode(identity.certificate_der());
        Signer {
            identity,
            profile,
            token: TokenType::X509v3,
            token_b64,
            timestamp: None,
            limits: Limits::default(),
            provider: default_provider(),
        }
    }

    /// Chooses the token type; `PkiPath` carries the identity's whole chain.
    pub fn with_token(mut self, token: TokenType) -> Self {
        self.token = token;
        self.token_b64 = match token {
            TokenType::X509v3 => B64.encode(self.identity.certificate_der()),
            TokenType::PkiPath => B64.encode(pki_path(&self.identity)),
        };
        self
    }

    /// Adds a signed Timestamp to every message.
    pub fn with_timestamp(mut self, options: TimestampOptions) -> Self {
        self.timestamp = Some(options);
        self
    }

    /// Uses `provider` for the digests. The private-key operation is done by the provider the
    /// identity was loaded with (e.g. [`SigningIdentity::from_pem_with_provider`]).
    pub fn with_provider(mut self, provider: &'static dyn CryptoProvider) -> Self {
        self.provider = provider;
        self
    }

    /// Reader limits for the envelopes to sign.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The signing identity.
    pub fn identity(&self) -> &SigningIdentity {
        &self.identity
    }

    /// Serializes a typed message (Verzoek, Repliek or Fault) and signs it.
    pub fn sign_message(&self, message: &crate::model::Envelope) -> Result<Vec<u8>, SignError> {
        self.sign_envelope(&message.to_bytes()?)
    }

    /// Signs an unsigned SOAP 1.1 envelope and returns the signed bytes.
    pub fn sign_envelope(&self, envelope: &[u8]) -> Result<Vec<u8>, SignError> {
        self.sign_envelope_at(envelope, SystemTime::now())
    }

    /// [`sign_envelope`](Self::sign_envelope), taking ownership of the envelope so
    /// that it is parsed without a copy (large messages).
    pub fn sign_envelope_owned(&self, envelope: Vec<u8>) -> Result<Vec<u8>, SignError> {
        let bom = envelope.starts_with(BOM);
        self.sign_document(&Document::parse_owned(envelope, &self.limits)?, bom, SystemTime::now())
    }

    /// [`sign_envelope`](Self::sign_envelope) with the Timestamp's Created time given.
    pub fn sign_envelope_at(&self, envelope: &[u8], now: SystemTime) -> Result<Vec<u8>, SignError> {
        self.sign_document(&Document::parse_with(envelope, &self.limits)?, envelope.starts_with(BOM), now)
    }

    fn sign_document(&self, doc: &Document, bom: bool, now: SystemTime) -> Result<Vec<u8>, SignError> {
        let parts = envelope_parts(doc).map_err(|e| SignError::Envelope { detail: e.to_string() })?;
        if let Some(h) = parts.header {
            if h.child_elements().any(|c| c.is(Some(WSSE_NS), "Security")) {
                return Err(SignError::AlreadySigned);
            }
        }
        let existing_ids = collect_ids(doc);
        // One 128-bit random value per message; the prefixes keep the Ids apart.
        let random = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
        let fresh = |prefix: &str| {
            let mut id = format!("{prefix}-{random}");
            while existing_ids.contains(&id) {
                id = format!("{prefix}-{}", uuid::Uuid::new_v4().simple().to_string().to_uppercase());
            }
            id
        };

        // The Body's Id: reuse a wsu:Id it has, otherwise add one.
        let body = parts.body;
        let (body_id, body_addition) = match body.attribute(Some(WSU_NS), "Id") {
            Some(id) => {
                if !is_ncname(id) || existing_ids.iter().filter(|i| *i == id).count() > 1 {
                    return Err(SignError::BadBodyId { id: id.into(), detail: "not a unique NCName".into() });
                }
                (id.to_owned(), None)
            }
            None => {
                let id = fresh("id");
                let bound = in_scope_prefix_for(body, WSU_NS);
                let (prefix, declare) = match bound {
                    Some(p) => (p, false),
                    None => (free_prefix(body, "wsu"), true),
                };
                (id, Some((prefix, declare)))
            }
        };

        // Digest of the Body, canonicalized with the PrefixList WSS4J would compute.
        let mut body_prefixes = wss4j_inclusive_prefixes(body, true);
        if let Some((p, _)) = &body_addition {
            body_prefixes.retain(|q| q != p);
        }
        let body_list = body_prefixes.join(" ");
        let body_c14n = ExcC14n::new().with_prefix_list(&body_list)?;
        let mut digest = self.provider.new_digest(self.profile.digest());
        match &body_addition {
            None => body_c14n.canonicalize_to(body, &mut digest)?,
            Some((prefix, declare)) => {
                let extra = ApexExtra {
                    decl: declare.then_some((prefix.as_str(), WSU_NS)),
                    attr: (WSU_NS, prefix.as_str(), "Id", body_id.as_str()),
                };
                body_c14n.canonicalize_with_extra(body, extra, &mut digest)?
            }
        }
        let body_digest = B64.encode(digest.finalize());

        // The Security header's namespace context: what is in scope at the Header.
        let context = header_context(parts.envelope, parts.header);
        // WSS4J: every prefix declared on the Security header's ancestors (Header, Envelope).
        let si_list = prefixes_declared_outward(Some(parts.header.unwrap_or(parts.envelope))).join(" ");
        let soap_prefix = context.iter().rev().find(|(p, u)| u == SOAP11_NS && !p.is_empty()).map(|(p, _)| p.clone());
        let soap_prefix_declared = soap_prefix.is_none();
        let soap_prefix = soap_prefix.unwrap_or_else(|| {
            ["soapenv", "soap", "SOAP-ENV", "s11"]
                .into_iter()
                .find(|c| !context.iter().any(|(p, _)| p == c))
                .unwrap_or("soapenv")
                .to_owned()
        });

        let mut header = SecurityHeader {
            soap_prefix,
            soap_prefix_declared,
            token_value_type: self.token.value_type(),
            token_id: fresh("X509"),
            token_b64: &self.token_b64,
            timestamp: None,
            signature_id: fresh("SIG"),
            key_info_id: fresh("KI"),
            str_id: fresh("STR"),
            si_prefix_list: si_list,
            references: vec![Reference { id: body_id.clone(), prefix_list: body_list, digest: body_digest }],
            profile: self.profile,
            signature_value: String::new(),
        };

        if let Some(ts) = self.timestamp {
            let created = chrono::DateTime::<chrono::Utc>::from(now);
            let expires = created + chrono::Duration::from_std(ts.ttl).unwrap_or(chrono::Duration::seconds(300));
            let fmt = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let ts_id = fresh("TS");
            header.timestamp = Some((ts_id.clone(), fmt(created), fmt(expires)));
            let doc = header.in_context(&context, Part::Timestamp)?;
            let ts_el = find_by_local(&doc, WSU_NS, "Timestamp")?;
            let list = wss4j_inclusive_prefixes(ts_el, true).join(" ");
            let mut d = self.provider.new_digest(self.profile.digest());
            ExcC14n::new().with_prefix_list(&list)?.canonicalize_to(ts_el, &mut d)?;
            header.references.push(Reference { id: ts_id, prefix_list: list, digest: B64.encode(d.finalize()) });
        }

        // Canonical SignedInfo in the header's real namespace context, then sign it.
        let doc = header.in_context(&context, Part::SignedInfo)?;
        let signed_info = find_by_local(&doc, DS_NS, "SignedInfo")?;
        let si_bytes = ExcC14n::new().with_prefix_list(&header.si_prefix_list)?.canonicalize(signed_info)?;
        let signature = self.identity.signing_key().sign(self.profile.signature(), &si_bytes)?;
        header.signature_value = B64.encode(signature);
        let security = header.write(&context)?;

        let mut out = Vec::new();
        // The reader drops a byte-order mark from the source; the output keeps it.
        if bom {
            out.extend_from_slice(BOM);
        }
        splice(&mut out, parts.envelope.document().source(), &parts, &security, &body_id, body_addition.as_ref());
        Ok(out)
    }
}

/// Which of the header to write (see [`SecurityHeader::write_as`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Whole,
    Timestamp,
    SignedInfo,
}

struct Reference {
    id: String,
    prefix_list: String,
    digest: String,
}

struct SecurityHeader<'a> {
    soap_prefix: String,
    soap_prefix_declared: bool,
    token_value_type: &'static str,
    token_id: String,
    token_b64: &'a str,
    /// (Id, Created, Expires)
    timestamp: Option<(String, String, String)>,
    signature_id: String,
    key_info_id: String,
    str_id: String,
    si_prefix_list: String,
    references: Vec<Reference>,
    profile: SignatureProfile,
    signature_value: String,
}

impl SecurityHeader<'_> {
    /// Writes the `wsse:Security` element for a place where `context` is in scope.
    fn write(&self, context: &[(String, String)]) -> Result<Vec<u8>, SignError> {
        self.write_as(context, Part::Whole)
    }

    /// Writes the whole header, or only what one signed part canonicalizes
    /// against: the Security (and Signature) start tags with their namespace
    /// declarations and the part itself. The token, SignatureValue and KeyInfo are
    /// siblings and do not change a part's canonical form, so they are left out.
    fn write_as(&self, context: &[(String, String)], part: Part) -> Result<Vec<u8>, SignError> {
        let inherited = context.iter().map(|(p, u)| ((!p.is_empty()).then_some(p.as_str()), u.as_str()));
        let mut w = XmlWriter::fragment_in_scope(inherited);
        w.start_element(Some("wsse"), "Security")?
            .declare_namespace(Some("wsse"), WSSE_NS)?
            .declare_namespace(Some("wsu"), WSU_NS)?;
        if self.soap_prefix_declared {
            w.declare_namespace(Some(&self.soap_prefix), SOAP11_NS)?;
        }
        w.attribute(Some(&self.soap_prefix), "mustUnderstand", "1")?;
        if let Some((id, created, expires)) = &self.timestamp {
            w.start_element(Some("wsu"), "Timestamp")?.attribute(Some("wsu"), "Id", id)?;
            w.text_element(Some("wsu"), "Created", created)?;
            w.text_element(Some("wsu"), "Expires", expires)?;
            w.end_element()?;
        }
        if part == Part::Timestamp {
            w.end_element()?;
            return Ok(w.finish()?);
        }
        if part == Part::Whole {
            w.start_element(Some("wsse"), "BinarySecurityToken")?
                .attribute(None, "EncodingType", BASE64_ENCODING)?
                .attribute(None, "ValueType", self.token_value_type)?
                .attribute(Some("wsu"), "Id", &self.token_id)?
                .text(self.token_b64)?
                .end_element()?;
        }
        w.start_element(Some("ds"), "Signature")?.declare_namespace(Some("ds"), DS_NS)?.attribute(
            None,
            "Id",
            &self.signature_id,
        )?;
        w.start_element(Some("ds"), "SignedInfo")?;
        w.start_element(Some("ds"), "CanonicalizationMethod")?.attribute(None, "Algorithm", EC_NS)?;
        inclusive_namespaces(&mut w, &self.si_prefix_list)?;
        w.end_element()?;
        w.start_element(Some("ds"), "SignatureMethod")?
            .attribute(None, "Algorithm", self.profile.signature().uri())?
            .end_element()?;
        for r in &self.references {
            w.start_element(Some("ds"), "Reference")?.attribute(None, "URI", &format!("#{}", r.id))?;
            w.start_element(Some("ds"), "Transforms")?;
            w.start_element(Some("ds"), "Transform")?.attribute(None, "Algorithm", EC_NS)?;
            inclusive_namespaces(&mut w, &r.prefix_list)?;
            w.end_element()?.end_element()?;
            w.start_element(Some("ds"), "DigestMethod")?
                .attribute(None, "Algorithm", self.profile.digest().uri())?
                .end_element()?;
            w.text_element(Some("ds"), "DigestValue", &r.digest)?;
            w.end_element()?;
        }
        w.end_element()?; // SignedInfo
        if part == Part::SignedInfo {
            w.end_element()?.end_element()?; // Signature, Security
            return Ok(w.finish()?);
        }
        w.text_element(Some("ds"), "SignatureValue", &self.signature_value)?;
        w.start_element(Some("ds"), "KeyInfo")?.attribute(None, "Id", &self.key_info_id)?;
        w.start_element(Some("wsse"), "SecurityTokenReference")?;
        if self.token_value_type == super::PKIPATH_TOKEN {
            // WSS4J (BSP R3059) wants the token type on the reference for PkiPath tokens.
            w.declare_namespace(Some("wsse11"), super::WSSE11_NS)?.attribute(
                Some("wsse11"),
                "TokenType",
                self.token_value_type,
            )?;
        }
        w.attribute(Some("wsu"), "Id", &self.str_id)?;
        w.start_element(Some("wsse"), "Reference")?
            .attribute(None, "URI", &format!("#{}", self.token_id))?
            .attribute(None, "ValueType", self.token_value_type)?
            .end_element()?;
        w.end_element()?.end_element()?; // STR, KeyInfo
        w.end_element()?; // Signature
        w.end_element()?; // Security
        Ok(w.finish()?)
    }

    /// The header parsed inside an element that declares `context`, so that
    /// canonicalizing its parts sees exactly the bindings of the real envelope.
    fn in_context(&self, context: &[(String, String)], part: Part) -> Result<Document, SignError> {
        let security = self.write_as(context, part)?;
        let mut bytes = b"<context".to_vec();
        for (p, u) in context {
            bytes.extend_from_slice(if p.is_empty() { b" xmlns" } else { b" xmlns:" });
            bytes.extend_from_slice(p.as_bytes());
            bytes.extend_from_slice(b"=\"");
            crate::xml::escape_attr(&mut bytes, u).map_err(|e| SignError::Token { detail: e.to_string() })?;
            bytes.push(b'"');
        }
        bytes.push(b'>');
        bytes.extend_from_slice(&security);
        bytes.extend_from_slice(b"</context>");
        Ok(Document::parse(&bytes)?)
    }
}

fn inclusive_namespaces(w: &mut XmlWriter, list: &str) -> Result<(), SignError> {
    if !list.is_empty() {
        w.start_element(Some("ec"), "InclusiveNamespaces")?
            .declare_namespace(Some("ec"), EC_NS)?
            .attribute(None, "PrefixList", list)?
            .end_element()?;
    }
    Ok(())
}

/// Effective namespace bindings at the Header (or at the Envelope when there is
/// no Header): (prefix, "" for default; URI), one per prefix.
fn header_context(envelope: Element<'_>, header: Option<Element<'_>>) -> Vec<(String, String)> {
    let mut map: Vec<(String, String)> = Vec::new();
    for e in std::iter::once(envelope).chain(header) {
        for (p, u) in e.namespace_declarations() {
            let p = p.unwrap_or("").to_owned();
            map.retain(|(q, _)| *q != p);
            if !(p.is_empty() && u.is_empty()) {
                map.push((p, u.to_owned()));
            }
        }
    }
    map
}

fn in_scope_prefix_for(el: Element<'_>, uri: &str) -> Option<String> {
    // The nearest declaration of a prefix for `uri` that is not shadowed below it.
    let mut cur = Some(el);
    let mut shadowed: Vec<&str> = Vec::new();
    while let Some(e) = cur {
        for (p, u) in e.namespace_declarations() {
            if let Some(p) = p {
                if u == uri && !shadowed.contains(&p) {
                    return Some(p.to_owned());
                }
                shadowed.push(p);
            }
        }
        cur = e.parent();
    }
    None
}

fn free_prefix(el: Element<'_>, base: &str) -> String {
    if el.lookup_namespace(Some(base)).is_none() {
        return base.to_owned();
    }
    (1..)
        .map(|i| format!("{base}{i}"))
        .find(|p| el.lookup_namespace(Some(p)).is_none())
        .unwrap_or_else(|| base.to_owned())
}

fn find_by_local<'d>(doc: &'d Document, ns: &str, local: &str) -> Result<Element<'d>, SignError> {
    doc.root()
        .descendants()
        .find(|e| e.is(Some(ns), local))
        .ok_or_else(|| SignError::Token { detail: format!("internal: {local} missing from the built header") })
}

fn is_ncname(s: &str) -> bool {
    crate::xml::is_ncname(s)
}

/// Every Id-like attribute value in the document.
pub(crate) fn collect_ids(doc: &Document) -> Vec<String> {
    let mut ids = Vec::new();
    for e in doc.root().descendants() {
        for a in e.attributes() {
            if super::verifier::is_id_attribute(a.namespace(), a.local_name()) {
                ids.push(a.value().to_owned());
            }
        }
    }
    ids
}

/// Inserts the Body's Id and the Security header into the original text.
fn splice(
    out: &mut Vec<u8>,
    src: &str,
    parts: &super::soap::EnvelopeParts<'_>,
    security: &[u8],
    body_id: &str,
    body_addition: Option<&(String, bool)>,
) {
    let bytes = src.as_bytes();
    let mut inserts: Vec<(usize, usize, Vec<u8>)> = Vec::new(); // (at, bytes replaced, new bytes)

    if let Some((prefix, declare)) = body_addition {
        let (end, _) = start_tag_end(bytes, parts.body.position());
        let mut add = Vec::new();
        if *declare {
            add.extend_from_slice(format!(" xmlns:{prefix}=\"{WSU_NS}\"").as_bytes());
        }
        add.extend_from_slice(format!(" {prefix}:Id=\"{body_id}\"").as_bytes());
        inserts.push((end, 0, add));
    }
    match parts.header {
        Some(h) => {
            let (end, self_closing) = start_tag_end(bytes, h.position());
            if self_closing {
                let mut add = b">".to_vec();
                add.extend_from_slice(security);
                add.extend_from_slice(format!("</{}>", h.qualified_name()).as_bytes());
                inserts.push((end, 2, add));
            } else {
                inserts.push((end + 1, 0, security.to_vec()));
            }
        }
        None => {
            let qname = match parts.envelope.prefix() {
                Some(p) => format!("{p}:Header"),
                None => "Header".to_owned(),
            };
            let mut add = format!("<{qname}>").into_bytes();
            add.extend_from_slice(security);
            add.extend_from_slice(format!("</{qname}>").as_bytes());
            inserts.push((parts.body.position(), 0, add));
        }
    }
    inserts.sort_by_key(|i| i.0);
    // Exact size: an estimate that falls a few bytes short doubles the buffer (10 MB for 5 MB).
    let added: usize = inserts.iter().map(|(_, replaced, add)| add.len().saturating_sub(*replaced)).sum();
    out.reserve_exact(bytes.len() + added);
    let mut at = 0;
    for (pos, replaced, add) in inserts {
        out.extend_from_slice(&bytes[at..pos]);
        out.extend_from_slice(&add);
        at = pos + replaced;
    }
    out.extend_from_slice(&bytes[at..]);
}

/// Finds where the start tag beginning at `start` ends: the offset of its `>`
/// (or of the `/` of `/>`), and whether it is self-closing. The document is
/// well-formed, so the only `>` to skip are those inside quoted values.
fn start_tag_end(bytes: &[u8], start: usize) -> (usize, bool) {
    let mut quote = 0u8;
    let mut i = start;
    while i < bytes.len() {
        let b = bytes[i];
        if quote != 0 {
            if b == quote {
                quote = 0;
            }
        } else if b == b'"' || b == b'\'' {
            quote = b;
        } else if b == b'>' {
            return if bytes[i - 1] == b'/' { (i - 1, true) } else { (i, false) };
        }
        i += 1;
    }
    (bytes.len(), false)
}

/// PkiPath (SEQUENCE OF Certificate), the certificate nearest the anchor first.
fn pki_path(identity: &SigningIdentity) -> Vec<u8> {
    let mut certs: Vec<&[u8]> = vec![identity.certificate_der()];
    certs.extend(identity.chain_ders().iter().map(|c| c.as_slice()));
    certs.reverse();
    let content: Vec<u8> = certs.concat();
    let mut out = vec![0x30];
    der_length(&mut out, content.len());
    out.extend_from_slice(&content);
    out
}

fn der_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<Signer>();
    let _ = DigestAlgorithm::Sha1;
}
