// Verifies a WS-Security (DHO profile) message with xml-crypto (the library under node-soap),
// independently of dho-wss.
//
// Usage: node verify.js CA.pem IN.xml
//   prints "OK <signer subject>" and exits 0 when the message verifies; exit 1 with one line on
//   stderr when it does not; exit 2 on a usage error. Needs `npm ci` in this directory first.
//
// xml-crypto does not follow a wsse:SecurityTokenReference (node-saml/xml-crypto#461), so this does
// what a node-soap user has to do around it:
//   1. Structure: one soap:Envelope with one Header and one Body, one wsse:Security in the Header,
//      exactly one ds:Signature in the document and it is a child of that wsse:Security; no DOCTYPE;
//      no Id value (wsu:Id, Id, xml:id) used twice.
//   2. Key: KeyInfo/wsse:SecurityTokenReference/wsse:Reference points at a wsse:BinarySecurityToken
//      in that header (X509v3, or X509PKIPathv1 whose last certificate is the signer); Node's
//      crypto.X509Certificate checks that the signer is issued by CA.pem (directly, or through the
//      other PkiPath certificates) and is valid now.
//   3. xml-crypto: new SignedXml({ publicCert }) with KeyInfo lookup off, loadSignature(the
//      Signature), checkSignature(the whole message) — every Reference and the SignatureValue.
//   4. Coverage: one of getSignedReferences() (the canonical bytes xml-crypto digested) is a
//      soap:Body carrying the wsu:Id of *the* Envelope/Body; a Timestamp in the header must be
//      referenced too and must not have expired.
"use strict";

const fs = require("fs");
const crypto = require("crypto");
const { DOMParser } = require("@xmldom/xmldom");
const { SignedXml } = require("xml-crypto");

const SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/";
const WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
const WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
const DS = "http://www.w3.org/2000/09/xmldsig#";
const XML_NS = "http://www.w3.org/XML/1998/namespace";
const X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3";
const PKIPATH = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509PKIPathv1";

class Rejected extends Error {}

const isEl = (n) => n && n.nodeType === 1;
const is = (n, ns, local) => isEl(n) && n.namespaceURI === ns && n.localName === local;
const kids = (el, ns, local) => Array.from(el.childNodes).filter((c) => is(c, ns, local));
function only(items, what) {
  if (items.length !== 1) throw new Rejected(`expected exactly one ${what}, found ${items.length}`);
  return items[0];
}
function descendants(el, out = []) {
  for (const c of Array.from(el.childNodes)) {
    if (isEl(c)) {
      out.push(c);
      descendants(c, out);
    }
  }
  return out;
}

// The DER items of a SEQUENCE (PkiPath: SEQUENCE OF Certificate, the anchor's side first).
function derItems(buf) {
  const tlv = (i) => {
    if (i + 2 > buf.length) throw new Rejected("truncated DER");
    let n = buf[i + 1];
    let j = i + 2;
    if (n & 0x80) {
      const k = n & 0x7f;
      if (k === 0 || k > 4 || j + k > buf.length) throw new Rejected("bad DER length");
      n = 0;
      for (let m = 0; m < k; m++) n = n * 256 + buf[j + m];
      j += k;
    }
    if (j + n > buf.length) throw new Rejected("truncated DER");
    return [i, j, j + n];
  };
  const [, start, end] = tlv(0);
  if (buf[0] !== 0x30 || end !== buf.length) throw new Rejected("PkiPath is not one DER SEQUENCE");
  const items = [];
  for (let i = start; i < end; ) {
    const [s, , e] = tlv(i);
    items.push(buf.subarray(s, e));
    i = e;
  }
  return items;
}

function tokenCertificates(security, signature) {
  const keyInfo = only(kids(signature, DS, "KeyInfo"), "ds:KeyInfo");
  const str = only(kids(keyInfo, WSSE, "SecurityTokenReference"), "wsse:SecurityTokenReference");
  const ref = only(kids(str, WSSE, "Reference"), "STR/wsse:Reference");
  const uri = ref.getAttribute("URI") || "";
  if (!uri.startsWith("#")) throw new Rejected(`the STR does not point at a token in the message: ${uri}`);
  const bst = only(
    kids(security, WSSE, "BinarySecurityToken").filter((b) => b.getAttributeNS(WSU, "Id") === uri.slice(1)),
    `BinarySecurityToken with wsu:Id ${uri.slice(1)}`,
  );
  const der = Buffer.from(bst.textContent.replace(/\s+/g, ""), "base64");
  const type = bst.getAttribute("ValueType");
  if (type === X509V3) return [new crypto.X509Certificate(der)];
  if (type === PKIPATH) return derItems(der).map((c) => new crypto.X509Certificate(c));
  throw new Rejected(`unsupported BinarySecurityToken ValueType ${type}`);
}

function checkChain(caPem, chain) {
  const anchors = caPem
    .split(/(?=-----BEGIN CERTIFICATE-----)/)
    .filter((p) => p.includes("BEGIN CERTIFICATE"))
    .map((p) => new crypto.X509Certificate(p));
  const now = Date.now();
  const valid = (c) => Date.parse(c.validFrom) <= now && now <= Date.parse(c.validTo);
  // Walk from the signer (last) towards an anchor through the token's other certificates.
  let cert = chain[chain.length - 1];
  const pool = chain.slice(0, -1);
  for (let depth = 0; depth < 8; depth++) {
    if (!valid(cert)) throw new Rejected(`certificate ${cert.subject} is not valid now`);
    if (anchors.some((a) => cert.checkIssued(a) && cert.verify(a.publicKey) && valid(a))) return;
    const next = pool.find((p) => p.ca && cert.checkIssued(p) && cert.verify(p.publicKey));
    if (!next) break;
    cert = next;
  }
  throw new Rejected("the signer does not chain to the trust anchors");
}

function verify(caPem, xml) {
  if (xml.includes("<!DOCTYPE")) throw new Rejected("DOCTYPE");
  const errors = [];
  const onError = (level, msg) => errors.push(`${level}: ${msg}`);
  const doc = new DOMParser({ onError, errorHandler: { warning: () => {}, error: onError, fatalError: onError } })
    .parseFromString(xml, "text/xml");
  if (errors.length) throw new Rejected(`not well-formed: ${errors[0]}`);
  const root = doc.documentElement;
  if (!is(root, SOAP11, "Envelope")) throw new Rejected("not a SOAP 1.1 Envelope");
  const header = only(kids(root, SOAP11, "Header"), "soap:Header");
  const body = only(kids(root, SOAP11, "Body"), "soap:Body");
  const security = only(kids(header, WSSE, "Security"), "wsse:Security");
  const all = [root, ...descendants(root)];
  const signature = only(all.filter((e) => is(e, DS, "Signature")), "ds:Signature");
  if (signature.parentNode !== security) throw new Rejected("the ds:Signature is not in the wsse:Security header");

  const ids = [];
  for (const e of all) {
    for (const a of Array.from(e.attributes)) {
      if ((a.localName === "Id" && (a.namespaceURI === null || a.namespaceURI === WSU)) ||
          (a.localName === "id" && a.namespaceURI === XML_NS)) ids.push(a.value);
    }
  }
  const dup = [...new Set(ids.filter((v, i) => ids.indexOf(v) !== i))];
  if (dup.length) throw new Rejected(`duplicate Id values ${dup.join(", ")}`);

  const chain = tokenCertificates(security, signature);
  checkChain(caPem, chain);
  const leaf = chain[chain.length - 1];

  const sig = new SignedXml({ publicCert: leaf.toString(), getCertFromKeyInfo: () => null });
  sig.loadSignature(signature);
  let ok;
  try {
    ok = sig.checkSignature(xml);
  } catch (e) {
    throw new Rejected(e.message);
  }
  if (ok !== true) {
    const why = sig.getReferences().map((r) => r.validationError && r.validationError.message).filter(Boolean);
    throw new Rejected(why[0] || "checkSignature returned false");
  }

  const signedIds = new Set();
  let bodyCovered = false;
  const bodyId = body.getAttributeNS(WSU, "Id");
  for (const canon of sig.getSignedReferences()) {
    const el = new DOMParser().parseFromString(canon, "text/xml").documentElement;
    const id = el.getAttributeNS(WSU, "Id");
    signedIds.add(id);
    if (is(el, SOAP11, "Body") && bodyId && id === bodyId) bodyCovered = true;
  }
  if (!bodyCovered) throw new Rejected("the signature does not cover the SOAP Body");
  for (const ts of kids(security, WSU, "Timestamp")) {
    if (!signedIds.has(ts.getAttributeNS(WSU, "Id"))) throw new Rejected("the Timestamp is not signed");
    const expires = kids(ts, WSU, "Expires")[0];
    if (expires && Date.parse(expires.textContent.trim()) <= Date.now()) {
      throw new Rejected(`the message has expired (${expires.textContent.trim()})`);
    }
  }
  return leaf.subject.split("\n").reverse().join(",");
}

function main(argv) {
  if (argv.length !== 2) {
    process.stderr.write("usage: node verify.js CA.pem IN.xml\n");
    return 2;
  }
  let ca, xml;
  try {
    ca = fs.readFileSync(argv[0], "latin1");
    xml = fs.readFileSync(argv[1], "utf8");
  } catch (e) {
    process.stderr.write(`xml-crypto-verify: ${e.message}\n`);
    return 2;
  }
  try {
    process.stdout.write(`OK ${verify(ca, xml)}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`xml-crypto-verify: ${e.constructor.name}: ${String(e.message).replace(/\s+/g, " ")}\n`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
