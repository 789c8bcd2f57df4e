"""Verifies a WS-Security (DHO profile) message with signxml, independently of dho-wss.

Usage: verify.py CA.pem IN.xml
  prints "OK <signer subject, RFC 4514>" and exits 0 when the message verifies; exit 1 with one line
  on stderr when it does not; exit 2 on a usage error.

signxml has no WS-Security support (XML-Security/signxml#98), so this does what a user of signxml has
to do around it, and nothing more:
  1. Structure: one soap:Envelope with one Header and one Body, one wsse:Security in the Header,
     exactly one ds:Signature in the document and it is a child of that wsse:Security; no DOCTYPE;
     no Id value (wsu:Id, Id, xml:id) used twice.
  2. Key: KeyInfo/wsse:SecurityTokenReference/wsse:Reference points at a wsse:BinarySecurityToken in
     that header (X509v3, or X509PKIPathv1 whose last certificate is the signer); the chain is checked
     against CA.pem with signxml's own X509CertChainVerifier (validity now, digitalSignature).
  3. signxml: XMLVerifier().verify(..., x509_cert=<the BST certificate>, id_attribute="Id") with the
     signature location pinned to Header/wsse:Security, every Reference required to verify, the
     legacy SHA-1 algorithms allowed (the DHO profile is RSA-SHA1), and signxml's XML Signature schema
     check off: the W3C schema signxml bundles has a *strict* wildcard in CanonicalizationMethod and
     signxml does not load the exc-c14n schema, so every ec:InclusiveNamespaces there (WSS4J puts one
     in every message) is "No matching global element declaration". signxml resolves "#id" by an
     attribute whose local name is "Id", which finds wsu:Id (and fails on an ambiguous Id).
  4. Coverage: one of the verified References is "#<Id of *the* Envelope/Body>" and what signxml
     returns as its signed content is a soap:Body; a Timestamp in the header must be referenced too
     and must not have expired.
"""

import base64
import sys
from datetime import datetime, timezone

from cryptography import x509
from lxml import etree
from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLVerifier
from signxml.exceptions import InvalidInput, SignXMLException
from signxml.util import X509CertChainVerifier

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
XML_NS = "http://www.w3.org/XML/1998/namespace"
X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
PKIPATH = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509PKIPathv1"


class Rejected(Exception):
    pass


def q(ns, local):
    return "{%s}%s" % (ns, local)


def children(el, ns, local):
    return [c for c in el if c.tag == q(ns, local)]


def only(items, what):
    if len(items) != 1:
        raise Rejected("expected exactly one %s, found %d" % (what, len(items)))
    return items[0]


def der_items(data):
    """The DER TLVs of a SEQUENCE's content (PkiPath: SEQUENCE OF Certificate)."""
    def tlv(buf, i):
        if i + 2 > len(buf):
            raise Rejected("truncated DER")
        n = buf[i + 1]
        j = i + 2
        if n & 0x80:
            k = n & 0x7F
            if k == 0 or k > 4 or j + k > len(buf):
                raise Rejected("bad DER length")
            n = int.from_bytes(buf[j:j + k], "big")
            j += k
        if j + n > len(buf):
            raise Rejected("truncated DER")
        return buf[i:j + n], j, j + n

    whole, start, end = tlv(data, 0)
    if data[0] != 0x30 or end != len(data):
        raise Rejected("PkiPath is not one DER SEQUENCE")
    items, i = [], start
    while i < end:
        item, _, i = tlv(data, i)
        items.append(item)
    return items


def token_certificates(security, signature):
    ref = only(signature.findall("%s/%s/%s" % (q(DS, "KeyInfo"), q(WSSE, "SecurityTokenReference"),
                                               q(WSSE, "Reference"))), "KeyInfo/STR/Reference")
    uri = ref.get("URI") or ""
    if not uri.startswith("#"):
        raise Rejected("the STR does not point at a token in the message: %r" % uri)
    bst = only([b for b in children(security, WSSE, "BinarySecurityToken") if b.get(q(WSU, "Id")) == uri[1:]],
               "BinarySecurityToken with wsu:Id %s" % uri[1:])
    der = base64.b64decode("".join((bst.text or "").split()), validate=True)
    value_type = bst.get("ValueType")
    if value_type == X509V3:
        return [x509.load_der_x509_certificate(der)]
    if value_type == PKIPATH:
        # PkiPath lists the certificate nearest the trust anchor first; the signer is last.
        return [x509.load_der_x509_certificate(c) for c in der_items(der)]
    raise Rejected("unsupported BinarySecurityToken ValueType %r" % value_type)


def verify(ca_pem, data):
    if b"<!DOCTYPE" in data:
        raise Rejected("DOCTYPE")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    root = etree.fromstring(data, parser)
    if root.tag != q(SOAP11, "Envelope"):
        raise Rejected("not a SOAP 1.1 Envelope: %s" % root.tag)
    header = only(children(root, SOAP11, "Header"), "soap:Header")
    body = only(children(root, SOAP11, "Body"), "soap:Body")
    security = only(children(header, WSSE, "Security"), "wsse:Security")
    signature = only(root.findall(".//" + q(DS, "Signature")), "ds:Signature")
    if signature.getparent() is not security:
        raise Rejected("the ds:Signature is not in the wsse:Security header")

    ids = []
    for el in root.iter(etree.Element):
        for name, value in el.attrib.items():
            if name in ("Id", q(WSU, "Id"), q(XML_NS, "id")):
                ids.append(value)
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise Rejected("duplicate Id values %s" % ", ".join(dup))

    chain = token_certificates(security, signature)
    # signxml's own chain verifier (the one XMLVerifier uses for X509Data), fed with the BST's
    # certificates, signer first; it returns the signer.
    leaf = X509CertChainVerifier(ca_pem_file=ca_pem).verify(list(reversed(chain)))

    references = signature.findall("%s/%s" % (q(DS, "SignedInfo"), q(DS, "Reference")))
    config = SignatureConfiguration(
        location="./%s/%s/" % (q(SOAP11, "Header"), q(WSSE, "Security")),
        expect_references=len(references),
        signature_methods=frozenset(SignatureMethod),
        digest_algorithms=frozenset(DigestAlgorithm),
    )
    results = XMLVerifier().verify(data, x509_cert=leaf, id_attribute="Id", expect_config=config,
                                   validate_schema=False)
    if not isinstance(results, list):
        results = [results]
    by_uri = {r.get("URI"): res for r, res in zip(references, results)}

    body_id = body.get(q(WSU, "Id"))
    signed_body = by_uri.get("#%s" % body_id) if body_id else None
    if signed_body is None or signed_body.signed_xml is None or signed_body.signed_xml.tag != q(SOAP11, "Body"):
        raise Rejected("the signature does not cover the SOAP Body")
    for ts in children(security, WSU, "Timestamp"):
        ts_id = ts.get(q(WSU, "Id"))
        if not ts_id or "#%s" % ts_id not in by_uri:
            raise Rejected("the Timestamp is not signed")
        expires = ts.findtext(q(WSU, "Expires"))
        if expires is not None:
            when = datetime.fromisoformat(expires.strip().replace("Z", "+00:00"))
            if when <= datetime.now(timezone.utc):
                raise Rejected("the message has expired (%s)" % expires)
    return leaf.subject.rfc4514_string()


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: verify.py CA.pem IN.xml\n")
        return 2
    try:
        with open(argv[2], "rb") as f:
            data = f.read()
    except OSError as e:
        sys.stderr.write("signxml-verify: %s\n" % e)
        return 2
    try:
        subject = verify(argv[1], data)
    except (Rejected, SignXMLException, InvalidInput, etree.LxmlError, ValueError) as e:
        sys.stderr.write("signxml-verify: %s: %s\n" % (type(e).__name__, " ".join(str(e).split())))
        return 1
    print("OK %s" % subject)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
