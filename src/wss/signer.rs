//! The signer: adds a DHO-profile `wsse:Security` header to a SOAP 1.1 envelope.
//!
//! The input bytes are kept as they are: the header and the Body's `wsu:Id` are
//! spliced in, nothing else is touched, so the payload the caller built is the
//! payload that is signed and sent. The Body is canonicalized once from the
//! parsed input (as if it already carried its new Id). The Security header has a
//! fixed shape, so it is written as text, and its signed parts (SignedInfo, the
//! Timestamp) are produced directly in canonical form for its namespace context.

use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::clock::{Clock, SystemClock};
use crate::crypto::{BufferedDigest, DigestAlgorithm};
use crate::pki::SigningIdentity;
use crate::xml::{
    apex_namespaces, prefixes_declared_outward, write_declaration, wss4j_inclusive_prefixes, ApexExtra, Document,
    Element, ExcC14n, Limits,
};

use super::error::SignError;
use super::profile::{SignatureProfile, TokenType};
use super::BASE64_ENCODING;
use crate::soap::{envelope_parts, DS_NS, EC_NS, SOAP11_NS, WSSE_NS, WSU_NS};

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
///
/// All of its cryptography — the digests of the Body and Timestamp and the signature over
/// SignedInfo — is done by the [`CryptoProvider`](crate::crypto::CryptoProvider) that loaded
/// the identity's key ([`SigningIdentity::provider`]): choose the provider when loading the
/// identity (e.g. [`SigningIdentity::from_pem_with_provider`]) or install a process default
/// ([`install_default`](crate::crypto::install_default)).
pub struct Signer {
    identity: SigningIdentity,
    profile: SignatureProfile,
    token: TokenType,
    token_b64: String,
    timestamp: Option<TimestampOptions>,
    limits: Limits,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("identity", &self.identity)
            .field("profile", &self.profile)
            .field("token", &self.token)
            .field("timestamp", &self.timestamp)
            .field("clock", &self.clock)
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
            clock: Arc::new(SystemClock),
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

    /// Adds a signed Timestamp to every message; its Created is the signer's clock's time
    /// ([`with_clock`](Self::with_clock)).
    pub fn with_timestamp(mut self, options: TimestampOptions) -> Self {
        self.timestamp = Some(options);
        self
    }

    /// Uses another clock for the Timestamp's Created (tests, a signing service with its own
    /// time source); the default is [`SystemClock`].
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
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
        let doc = Document::parse_with(envelope, &self.limits)?;
        self.sign_document(&doc, envelope.starts_with(BOM), self.clock.now())
    }

    /// [`sign_envelope`](Self::sign_envelope), taking ownership of the envelope so
    /// that it is parsed without a copy (large messages).
    pub fn sign_envelope_owned(&self, envelope: Vec<u8>) -> Result<Vec<u8>, SignError> {
        let bom = envelope.starts_with(BOM);
        self.sign_document(&Document::parse_owned(envelope, &self.limits)?, bom, self.clock.now())
    }

    fn sign_document(&self, doc: &Document, bom: bool, now: SystemTime) -> Result<Vec<u8>, SignError> {
        let parts = envelope_parts(doc.root()).map_err(|e| SignError::Envelope { detail: e.to_string() })?;
        if let Some(h) = parts.header {
            if h.child_elements().any(|c| c.is(Some(WSSE_NS), "Security")) {
                return Err(SignError::AlreadySigned);
            }
        }
        let existing_ids = collect_ids(doc);
        // One 128-bit random value per message; the prefixes keep the Ids apart.
        let mut hex = [0u8; 32];
        let random: &str = uuid::Uuid::new_v4().simple().encode_upper(&mut hex);
        let fresh = |prefix: &str| {
            let mut id = concat(&[prefix, "-", random]);
            while existing_ids.contains(&id.as_str()) {
                let mut hex = [0u8; 32];
                id = concat(&[prefix, "-", uuid::Uuid::new_v4().simple().encode_upper(&mut hex)]);
            }
            id
        };

        // The Body's Id: reuse a wsu:Id it has, otherwise add one.
        let body = parts.body;
        let (body_id, body_addition) = match body.attribute(Some(WSU_NS), "Id") {
            Some(id) => {
                if !is_ncname(id) || existing_ids.iter().filter(|i| **i == id).count() > 1 {
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

        // Digest of the Body, canonicalized with the PrefixList WSS4J would compute, except
        // `#default` where listing it changes the canonical Body: signxml and xml-crypto ignore
        // `#default` in a PrefixList, and would digest other bytes (tests/interop/README.md).
        let mut body_prefixes = wss4j_inclusive_prefixes(body, true);
        if let Some((p, _)) = &body_addition {
            body_prefixes.retain(|q| q != p);
        }
        if body_prefixes.iter().any(|p| p == "#default") && listing_default_changes_c14n(body) {
            body_prefixes.retain(|q| q != "#default");
        }
        let body_list = body_prefixes.join(" ");
        let body_c14n = ExcC14n::new().with_prefix_list(&body_list)?;
        let mut digest = BufferedDigest::new(self.identity.provider().new_digest(self.profile.digest()));
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
        let outer = parts.header.unwrap_or(parts.envelope);
        // WSS4J: every prefix declared on the Security header's ancestors (Header, Envelope), but
        // never `#default`: nothing in SignedInfo is unprefixed or holds an unprefixed QName, and
        // with an inherited default namespace listing it would make signxml and xml-crypto (which
        // ignore `#default`) compute another canonical SignedInfo.
        let mut si_prefixes = prefixes_declared_outward(Some(outer));
        si_prefixes.retain(|p| p != "#default");
        let si_prefix_list = si_prefixes.join(" ");
        let soap_prefix = context.iter().rev().find(|(p, u)| *u == SOAP11_NS && !p.is_empty()).map(|(p, _)| *p);
        let soap_prefix_declared = soap_prefix.is_none();
        let soap_prefix = soap_prefix.unwrap_or_else(|| {
            ["soapenv", "soap", "SOAP-ENV", "s11"]
                .into_iter()
                .find(|c| !context.iter().any(|(p, _)| p == c))
                .unwrap_or("soapenv")
        });

        // Bindings in scope inside the Security element (and, below, inside its ds:Signature).
        let security_decls = security_declarations(soap_prefix, soap_prefix_declared);
        let mut scope: Vec<(&str, &str)> = context;
        scope.extend(security_decls.iter().copied());

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
            si_prefix_list,
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
            // WSS4J's PrefixList for the Timestamp: prefixes declared on Security and
            // outward, minus wsu (which the Timestamp uses visibly) and, as for SignedInfo,
            // minus `#default` (the Timestamp has no unprefixed element or QName).
            let mut own: Vec<&str> = security_decls.iter().map(|(p, _)| *p).collect();
            own.sort_unstable();
            let mut list: Vec<String> = own.iter().map(|p| p.to_string()).collect();
            for p in prefixes_declared_outward(Some(outer)) {
                if !list.contains(&p) {
                    list.push(p);
                }
            }
            list.retain(|p| p != "wsu" && p != "#default");
            let list = list.join(" ");
            let mut d = self.identity.provider().new_digest(self.profile.digest());
            d.write_all(&header.canonical_timestamp(&scope, &list)?)
                .map_err(|e| SignError::Token { detail: e.to_string() })?;
            let digest = d.finalize();
            header.references.push(Reference { id: ts_id, prefix_list: list, digest: B64.encode(digest) });
        }

        // Canonical SignedInfo in the header's real namespace context, then sign it.
        scope.push(("ds", DS_NS));
        let (si_bytes, content) = header.canonical_signed_info(&scope)?;
        let signature = self.identity.signing_key().sign(self.profile.signature(), &si_bytes)?;
        header.signature_value = B64.encode(signature);
        let security = header.write(content.as_deref());

        let mut out = Vec::new();
        // The reader drops a byte-order mark from the source; the output keeps it.
        if bom {
            out.extend_from_slice(BOM);
        }
        splice(&mut out, parts.envelope.document().source(), &parts, &security, &body_id, body_addition.as_ref());
        Ok(out)
    }
}

struct Reference {
    id: String,
    prefix_list: String,
    digest: String,
}

struct SecurityHeader<'a> {
    soap_prefix: &'a str,
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
    /// The whole `wsse:Security` element. Every value in it is an NCName, a
    /// PrefixList of NCNames, base64, an RFC 3339 time or one of our constant URIs,
    /// so nothing needs escaping; SignedInfo is written in its canonical form.
    /// `signed_info`: SignedInfo's content as [`signed_info_content`](Self::signed_info_content)
    /// writes it with `declare_ec`, when the canonical SignedInfo has it already.
    fn write(&self, signed_info: Option<&str>) -> Vec<u8> {
        let mut o = String::with_capacity(self.token_b64.len() + self.signature_value.len() + 3072);
        let soap = self.soap_prefix;
        o += "<wsse:Security xmlns:wsse=\"";
        o += WSSE_NS;
        o += "\" xmlns:wsu=\"";
        o += WSU_NS;
        o += "\"";
        if self.soap_prefix_declared {
            push(&mut o, &[" xmlns:", soap, "=\"", SOAP11_NS, "\""]);
        }
        push(&mut o, &[" ", soap, ":mustUnderstand=\"1\">"]);
        if let Some((id, created, expires)) = &self.timestamp {
            push(&mut o, &["<wsu:Timestamp wsu:Id=\"", id, "\">"]);
            timestamp_content(&mut o, created, expires);
        }
        push(
            &mut o,
            &[
                "<wsse:BinarySecurityToken EncodingType=\"",
                BASE64_ENCODING,
                "\" ValueType=\"",
                self.token_value_type,
                "\" wsu:Id=\"",
                &self.token_id,
                "\">",
                self.token_b64,
                "</wsse:BinarySecurityToken><ds:Signature xmlns:ds=\"",
                DS_NS,
                "\" Id=\"",
                &self.signature_id,
                "\"><ds:SignedInfo>",
            ],
        );
        match signed_info {
            Some(content) => o += content,
            None => self.signed_info_content(&mut o, true),
        }
        push(
            &mut o,
            &[
                "</ds:SignedInfo><ds:SignatureValue>",
                &self.signature_value,
                "</ds:SignatureValue><ds:KeyInfo Id=\"",
                &self.key_info_id,
                "\"><wsse:SecurityTokenReference",
            ],
        );
        if self.token_value_type == super::PKIPATH_TOKEN {
            // WSS4J (BSP R3059) wants the token type on the reference for PkiPath tokens.
            push(
                &mut o,
                &[" xmlns:wsse11=\"", crate::soap::WSSE11_NS, "\" wsse11:TokenType=\"", self.token_value_type, "\""],
            );
        }
        push(
            &mut o,
            &[
                " wsu:Id=\"",
                &self.str_id,
                "\"><wsse:Reference URI=\"#",
                &self.token_id,
                "\" ValueType=\"",
                self.token_value_type,
                "\"/></wsse:SecurityTokenReference></ds:KeyInfo></ds:Signature></wsse:Security>",
            ],
        );
        o.into_bytes()
    }

    /// The children of `ds:SignedInfo`, already canonical. `declare_ec`: whether each
    /// `ec:InclusiveNamespaces` renders its namespace (not when SignedInfo, as the
    /// canonicalization apex, already renders `ec` with the same URI).
    fn signed_info_content(&self, o: &mut String, declare_ec: bool) {
        let inclusive = |o: &mut String, list: &str| {
            if !list.is_empty() {
                o.push_str("<ec:InclusiveNamespaces");
                if declare_ec {
                    push(o, &[" xmlns:ec=\"", EC_NS, "\""]);
                }
                push(o, &[" PrefixList=\"", list, "\"></ec:InclusiveNamespaces>"]);
            }
        };
        push(o, &["<ds:CanonicalizationMethod Algorithm=\"", EC_NS, "\">"]);
        inclusive(o, &self.si_prefix_list);
        push(
            o,
            &[
                "</ds:CanonicalizationMethod><ds:SignatureMethod Algorithm=\"",
                self.profile.signature().uri(),
                "\"></ds:SignatureMethod>",
            ],
        );
        for r in &self.references {
            push(o, &["<ds:Reference URI=\"#", &r.id, "\"><ds:Transforms><ds:Transform Algorithm=\"", EC_NS, "\">"]);
            inclusive(o, &r.prefix_list);
            push(
                o,
                &[
                    "</ds:Transform></ds:Transforms><ds:DigestMethod Algorithm=\"",
                    self.profile.digest().uri(),
                    "\"></ds:DigestMethod><ds:DigestValue>",
                    &r.digest,
                    "</ds:DigestValue></ds:Reference>",
                ],
            );
        }
    }

    /// Exclusive c14n of `ds:SignedInfo` where `scope` is in scope (inside ds:Signature),
    /// and, when it is also what the header carries (the apex renders no `ec`), its content.
    fn canonical_signed_info(&self, scope: &[(&str, &str)]) -> Result<(Vec<u8>, Option<String>), SignError> {
        let rendered = apex_namespaces(scope, &["ds"], &self.si_prefix_list);
        let mut content = String::with_capacity(1536);
        let declare_ec = !rendered.contains(&("ec", EC_NS));
        self.signed_info_content(&mut content, declare_ec);
        let mut out = Vec::with_capacity(content.len() + 256);
        out.extend_from_slice(b"<ds:SignedInfo");
        write_declarations(&mut out, &rendered)?;
        out.push(b'>');
        out.extend_from_slice(content.as_bytes());
        out.extend_from_slice(b"</ds:SignedInfo>");
        Ok((out, declare_ec.then_some(content)))
    }

    /// Exclusive c14n of the `wsu:Timestamp` (inside Security, where `scope` is in scope).
    fn canonical_timestamp(&self, scope: &[(&str, &str)], prefix_list: &str) -> Result<Vec<u8>, SignError> {
        let Some((id, created, expires)) = &self.timestamp else {
            return Ok(Vec::new());
        };
        let mut out = b"<wsu:Timestamp".to_vec();
        write_declarations(&mut out, &apex_namespaces(scope, &["wsu"], prefix_list))?;
        let mut rest = format!(" wsu:Id=\"{id}\">");
        timestamp_content(&mut rest, created, expires);
        out.extend_from_slice(rest.as_bytes());
        Ok(out)
    }
}

/// The namespace declarations on `wsse:Security`.
fn security_declarations(soap_prefix: &str, soap_prefix_declared: bool) -> Vec<(&str, &'static str)> {
    let mut decls = vec![("wsse", WSSE_NS), ("wsu", WSU_NS)];
    if soap_prefix_declared {
        decls.push((soap_prefix, SOAP11_NS));
    }
    decls
}

fn timestamp_content(o: &mut String, created: &str, expires: &str) {
    push(o, &["<wsu:Created>", created, "</wsu:Created><wsu:Expires>", expires, "</wsu:Expires></wsu:Timestamp>"]);
}

/// Appends the pieces (no formatting machinery, no temporary strings).
fn push(o: &mut String, pieces: &[&str]) {
    o.reserve(pieces.iter().map(|p| p.len()).sum());
    pieces.iter().for_each(|p| o.push_str(p));
}

/// `xmlns` declarations as c14n writes them (URIs from the envelope are escaped).
fn write_declarations(out: &mut Vec<u8>, decls: &[(&str, &str)]) -> Result<(), SignError> {
    for (p, u) in decls {
        write_declaration(out, p, u).map_err(|e| SignError::Token { detail: e.to_string() })?;
    }
    Ok(())
}

/// Effective namespace bindings at the Header (or at the Envelope when there is
/// no Header): (prefix, "" for default; URI), one per prefix.
fn header_context<'d>(envelope: Element<'d>, header: Option<Element<'d>>) -> Vec<(&'d str, &'d str)> {
    let mut map: Vec<(&str, &str)> = Vec::new();
    for e in std::iter::once(envelope).chain(header) {
        for (p, u) in e.namespace_declarations() {
            let p = p.unwrap_or("");
            map.retain(|(q, _)| *q != p);
            if !(p.is_empty() && u.is_empty()) {
                map.push((p, u));
            }
        }
    }
    map
}

/// Whether `#default` in the InclusiveNamespaces PrefixList of an exclusive c14n of `apex`
/// changes its canonical form. Listed, the default namespace is treated as in inclusive c14n:
/// rendered on the apex when it is not empty there, and below on each element that changes it.
/// Not listed, it is rendered only on unprefixed elements (visibly utilized). The two agree
/// exactly when the apex is unprefixed or has no default namespace in scope, and no prefixed
/// element below it declares a default namespace other than its parent's.
fn listing_default_changes_c14n(apex: Element<'_>) -> bool {
    fn in_scope<'d>(e: Option<Element<'d>>) -> &'d str {
        e.and_then(|e| e.lookup_namespace(None)).unwrap_or("")
    }
    if apex.prefix().is_some() && !in_scope(Some(apex)).is_empty() {
        return true;
    }
    apex.descendants()
        .filter(|e| *e != apex && e.prefix().is_some())
        .any(|e| e.namespace_declarations().any(|(p, uri)| p.is_none() && uri != in_scope(e.parent())))
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

fn is_ncname(s: &str) -> bool {
    crate::xml::is_ncname(s)
}

/// Every Id-like attribute value in the document.
pub(crate) fn collect_ids(doc: &Document) -> Vec<&str> {
    let mut ids = Vec::new();
    for e in doc.root().descendants() {
        for a in e.attributes() {
            if super::verifier::is_id_attribute(a.namespace(), a.local_name()) {
                ids.push(a.value());
            }
        }
    }
    ids
}

/// The pieces, one after the other, in a string of exactly their length.
fn concat(pieces: &[&str]) -> String {
    let mut s = String::with_capacity(pieces.iter().map(|p| p.len()).sum());
    pieces.iter().for_each(|p| s.push_str(p));
    s
}

/// Inserts the Body's Id and the Security header into the original text.
fn splice(
    out: &mut Vec<u8>,
    src: &str,
    parts: &crate::soap::EnvelopeParts<'_>,
    security: &[u8],
    body_id: &str,
    body_addition: Option<&(String, bool)>,
) {
    let bytes = src.as_bytes();
    // (at, bytes replaced, new bytes in up to three pieces)
    let mut inserts: Vec<(usize, usize, [&[u8]; 3])> = Vec::with_capacity(2);

    let body_attr;
    if let Some((prefix, declare)) = body_addition {
        let (end, _) = start_tag_end(bytes, parts.body.position());
        let decl = if *declare { concat(&[" xmlns:", prefix, "=\"", WSU_NS, "\""]) } else { String::new() };
        body_attr = concat(&[&decl, " ", prefix, ":Id=\"", body_id, "\""]);
        inserts.push((end, 0, [body_attr.as_bytes(), b"", b""]));
    }
    let (open, close);
    match parts.header {
        Some(h) => {
            let (end, self_closing) = start_tag_end(bytes, h.position());
            if self_closing {
                close = concat(&["</", &h.qualified_name(), ">"]);
                inserts.push((end, 2, [b">", security, close.as_bytes()]));
            } else {
                inserts.push((end + 1, 0, [security, b"", b""]));
            }
        }
        None => {
            let qname = match parts.envelope.prefix() {
                Some(p) => concat(&[p, ":Header"]),
                None => "Header".to_owned(),
            };
            (open, close) = (concat(&["<", &qname, ">"]), concat(&["</", &qname, ">"]));
            inserts.push((parts.body.position(), 0, [open.as_bytes(), security, close.as_bytes()]));
        }
    }
    inserts.sort_by_key(|i| i.0);
    // Exact size: an estimate that falls a few bytes short doubles the buffer (10 MB for 5 MB).
    let added: usize = inserts
        .iter()
        .map(|(_, replaced, add)| add.iter().map(|a| a.len()).sum::<usize>().saturating_sub(*replaced))
        .sum();
    out.reserve_exact(bytes.len() + added);
    let mut at = 0;
    for (pos, replaced, add) in inserts {
        out.extend_from_slice(&bytes[at..pos]);
        add.iter().for_each(|a| out.extend_from_slice(a));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn c14n(apex: Element<'_>, prefix_list: &str) -> Vec<u8> {
        ExcC14n::new().with_prefix_list(prefix_list).expect("list").canonicalize(apex).expect("c14n")
    }

    /// `listing_default_changes_c14n` must say exactly whether the walker's output with
    /// `#default` in the PrefixList differs from its output without, on every apex.
    #[test]
    fn listing_default_changes_c14n_agrees_with_the_walker() {
        let docs = [
            // SOAP namespace as the default namespace; unqualified payload below the operation.
            r#"<E xmlns="urn:soap" xmlns:w="urn:w"><H/><B><w:op><V xmlns=""><x a="1"/></V></w:op></B></E>"#,
            // A default namespace on the Envelope that nothing in the Body uses.
            r#"<s:E xmlns:s="urn:s" xmlns="urn:d"><s:B><w:op xmlns:w="urn:w"><V xmlns=""><x/></V></w:op></s:B></s:E>"#,
            // The operation's namespace as the Envelope's default namespace, used below the Body.
            r#"<s:E xmlns:s="urn:s" xmlns="urn:svc"><s:B><op><V xmlns=""><x/></V></op></s:B></s:E>"#,
            // An empty default in scope; prefixed elements that change it, or re-declare it unchanged.
            r#"<s:E xmlns:s="urn:s" xmlns=""><s:B><w:op xmlns:w="urn:w" xmlns="urn:svc"><w:c/><V xmlns=""/></w:op></s:B></s:E>"#,
            r#"<s:E xmlns:s="urn:s" xmlns=""><s:B><w:op xmlns:w="urn:w" xmlns=""><V/></w:op><op xmlns="urn:svc"><V xmlns=""/></op></s:B></s:E>"#,
            r#"<a:r xmlns:a="urn:a"><b xmlns="urn:b"><a:c xmlns="urn:b"><d/></a:c><a:e xmlns="urn:e"><f xmlns=""/></a:e></b></a:r>"#,
            r#"<r><a:x xmlns:a="urn:a" xmlns=""><y/></a:x><a:z xmlns:a="urn:a"><b xmlns="urn:b"><a:q xmlns=""/></b></a:z></r>"#,
        ];
        let (mut differ, mut same) = (0, 0);
        for text in docs {
            let doc = Document::parse(text.as_bytes()).expect("parse");
            for apex in doc.root().descendants() {
                let differs = c14n(apex, "#default") != c14n(apex, "");
                assert_eq!(listing_default_changes_c14n(apex), differs, "{text}: apex {apex:?}");
                if differs {
                    differ += 1;
                } else {
                    same += 1;
                }
            }
        }
        assert!(differ >= 10 && same >= 10, "{differ} apexes change, {same} do not");
    }

    fn sign(sample: &[u8], timestamp: bool) -> Vec<u8> {
        let pki = |f: &str| format!("{}/testdata/pki/{f}", env!("CARGO_MANIFEST_DIR"));
        let identity = SigningIdentity::from_pem_files(pki("institution.key.pem"), pki("institution.chain.pem"), None)
            .expect("identity");
        let mut signer = Signer::new(identity, SignatureProfile::dho_legacy_rsa_sha1());
        if timestamp {
            signer = signer.with_timestamp(TimestampOptions::default());
        }
        signer.sign_envelope(sample).expect("sign")
    }

    /// (signed element, its PrefixList) for SignedInfo and every Reference of a signed message.
    fn prefix_lists(doc: &Document) -> Vec<(Element<'_>, String)> {
        let list = |parent: Element<'_>| {
            parent
                .child_elements()
                .find(|c| c.is(Some(EC_NS), "InclusiveNamespaces"))
                .map(|i| i.attribute(None, "PrefixList").expect("PrefixList").to_owned())
                .unwrap_or_default()
        };
        let si = doc.root().descendants().find(|e| e.is(Some(DS_NS), "SignedInfo")).expect("SignedInfo");
        let method = si.child_elements().find(|e| e.is(Some(DS_NS), "CanonicalizationMethod")).expect("c14n");
        let mut out = vec![(si, list(method))];
        for r in si.child_elements().filter(|e| e.is(Some(DS_NS), "Reference")) {
            let id = &r.attribute(None, "URI").expect("URI")[1..];
            let target =
                doc.root().descendants().find(|e| e.attribute(Some(WSU_NS), "Id") == Some(id)).expect("target");
            let transform = r.child_elements().next().and_then(|t| t.child_elements().next()).expect("Transform");
            out.push((target, list(transform)));
        }
        out
    }

    /// signxml (lxml) and xml-crypto drop `#default` from a PrefixList. On default-namespace
    /// envelopes every PrefixList the signer writes must give the same canonical bytes with and
    /// without it, and SignedInfo and the Timestamp never list it.
    #[test]
    fn prefix_lists_mean_the_same_to_verifiers_that_ignore_default() {
        let samples: [(&str, &[u8]); 3] = [
            ("soap-default-namespace", include_bytes!("../../tests/interop/samples/soap-default-namespace.xml")),
            ("bound-signature-prefixes", include_bytes!("../../tests/interop/samples/bound-signature-prefixes.xml")),
            (
                "operation-namespace-on-envelope",
                include_bytes!("../../tests/interop/samples/operation-namespace-on-envelope.xml"),
            ),
        ];
        for (name, sample) in samples {
            for timestamp in [false, true] {
                let signed = sign(sample, timestamp);
                let doc = Document::parse(&signed).expect("parse signed");
                let lists = prefix_lists(&doc);
                assert_eq!(lists.len(), 2 + usize::from(timestamp), "{name}");
                for (target, list) in &lists {
                    let without: Vec<&str> = list.split(' ').filter(|p| *p != "#default").collect();
                    assert_eq!(c14n(*target, list), c14n(*target, &without.join(" ")), "{name}: {target:?} {list:?}");
                    if !target.is(Some(SOAP11_NS), "Body") {
                        assert!(!list.split(' ').any(|p| p == "#default"), "{name}: {target:?} {list:?}");
                    }
                }
                if name == "soap-default-namespace" {
                    // WSS4J writes "#default web" for SignedInfo here; the canonical SignedInfo
                    // then carries xmlns="…soap/envelope/", which signxml does not render.
                    assert_eq!(lists[0].1, "web");
                    assert!(!c14n(lists[0].0, &lists[0].1).starts_with(b"<ds:SignedInfo xmlns=\""));
                }
            }
        }
    }

    /// Where listing `#default` does not change the canonical Body (an empty default namespace
    /// in scope at a prefixed Body), the Body's PrefixList stays WSS4J's, `#default` included: it
    /// binds the default namespace of the Body's content for the verifiers that honour it.
    #[test]
    fn body_keeps_default_where_it_changes_nothing() {
        let sample = br#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns=""><soapenv:Body><web:Op xmlns:web="urn:web"><Verzoek><Referte>1</Referte></Verzoek></web:Op></soapenv:Body></soapenv:Envelope>"#;
        let signed = sign(sample, false);
        let doc = Document::parse(&signed).expect("parse signed");
        let lists = prefix_lists(&doc);
        assert_eq!(lists[0].1, "soapenv");
        assert_eq!(lists[1].1, "#default");
        // The same envelope with a non-empty default namespace: dropped, since it would render it.
        let text = std::str::from_utf8(sample).expect("utf8").replace(r#"xmlns="""#, r#"xmlns="urn:d""#);
        let signed = sign(text.as_bytes(), false);
        let doc = Document::parse(&signed).expect("parse signed");
        assert_eq!(prefix_lists(&doc)[1].1, "");
    }
}
