#!/usr/bin/python3
"""XML surgery for the xmlsec1 interop scripts (needs /usr/bin/python3 with lxml, Debian python3-lxml).

  wsse.py template CERT.pem IN.xml OUT.xml [--sha256]
      Adds a DHO-profile WS-Security header with an *unsigned* ds:Signature template to IN.xml:
      wsse:Security (soap:mustUnderstand="1") / BST (X509v3, base64 DER of CERT) / ds:Signature with
      exc-c14n + rsa-sha1, one Reference "#id-..." to soap:Body (exc-c14n transform, sha1), KeyInfo /
      wsse:SecurityTokenReference / wsse:Reference to the BST. The Body gets wsu:Id (and xmlns:wsu).
      InclusiveNamespaces PrefixLists are computed the way WSS4J 1.6 does it.
  wsse.py extract CERTDIR IN.xml
      Checks the WS-Security structure (one wsse:Security, one ds:Signature, its KeyInfo STR points at
      a BST, one Reference covers soap:Body by its Id) and writes the BST certificate(s) as PEM:
      CERTDIR/leaf.pem and CERTDIR/chain.pem (other certificates of an X509PKIPathv1 token, may be empty).
      Prints the namespace:local-name list of the Id-carrying elements the References point at,
      for xmlsec1 --id-attr.
Exit status 0 on success; 1 with a one-line message on stderr otherwise.
"""
import base64
import os
import sys
import uuid

from lxml import etree

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
EC = "http://www.w3.org/2001/10/xml-exc-c14n#"
X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
PKIPATH = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509PKIPathv1"
B64BIN = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


def die(msg):
    sys.stderr.write("wsse.py: %s\n" % msg)
    sys.exit(1)


def parse(path):
    parser = etree.XMLParser(remove_blank_text=False, strip_cdata=False, resolve_entities=False,
                             no_network=True, load_dtd=False, huge_tree=False, remove_comments=False)
    try:
        tree = etree.parse(path, parser)
    except etree.XMLSyntaxError as e:
        die("%s: not well-formed: %s" % (path, e))
    if tree.docinfo.doctype:
        die("%s: DOCTYPE not allowed" % path)
    return tree


def envelope_parts(tree):
    env = tree.getroot()
    if env.tag != "{%s}Envelope" % SOAP11:
        die("document element is not a SOAP 1.1 Envelope")
    kids = [c for c in env if isinstance(c.tag, str)]
    headers = [c for c in kids if c.tag == "{%s}Header" % SOAP11]
    bodies = [c for c in kids if c.tag == "{%s}Body" % SOAP11]
    if len(bodies) != 1 or len(headers) > 1:
        die("expected one soap:Body and at most one soap:Header under the Envelope")
    return env, (headers[0] if headers else None), bodies[0]


def own_declarations(el):
    """Namespace declarations made on this element itself (prefix None = default namespace)."""
    parent = el.getparent()
    pmap = parent.nsmap if parent is not None else {}
    return {p: u for p, u in el.nsmap.items() if pmap.get(p, object()) != u}


def inclusive_prefixes(target, exclude_visible):
    """WSS4J 1.6 WSSecSignatureBase.getInclusivePrefixes, reproduced literally: every prefix declared
    on an ancestor of target, nearest ancestor first, each element's declarations in Xerces attribute
    order (sorted by name), "#default" for xmlns=, duplicates kept; with exclude_visible, remove (first
    occurrence of) target's own declarations, its attributes' prefixes and its own prefix."""
    def decls(el):
        return sorted(own_declarations(el), key=lambda p: "xmlns" if p is None else "xmlns:" + p)
    result = []
    anc = target.getparent()
    while anc is not None:
        result.extend("#default" if p is None else p for p in decls(anc))
        anc = anc.getparent()

    def remove(name):
        if name in result:
            result.remove(name)
    if exclude_visible:
        for p in decls(target):
            remove("#default" if p is None else p)
        for a in target.attrib:
            ns = etree.QName(a).namespace
            if ns:
                remove(next((p for p, u in target.nsmap.items() if p is not None and u == ns), None))
        remove("#default" if target.prefix is None else target.prefix)
    return " ".join(result)


def new_id(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex.upper())


def cmd_template(cert_path, in_path, out_path, sha256=False):
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    with open(cert_path, "rb") as f:
        cert_der = x509.load_pem_x509_certificate(f.read()).public_bytes(Encoding.DER)

    tree = parse(in_path)
    env, header, body = envelope_parts(tree)
    if header is None:
        header = etree.SubElement(env, "{%s}Header" % SOAP11)  # reuses the Envelope's prefix
        env.insert(list(env).index(body), header)              # moves it before the Body
        header.tail = None
    for old in header.findall("{%s}Security" % WSSE):
        die("the message already has a wsse:Security header")

    # Body: wsu:Id with xmlns:wsu declared on the Body itself (what WSS4J does). lxml cannot add a
    # declaration to an existing element, so build a new Body in place and move the content over.
    body_id = new_id("id")
    nsmap = dict(own_declarations(body))
    nsmap["wsu"] = WSU
    new_body = etree.SubElement(env, body.tag, nsmap=nsmap)  # SubElement reuses the soap prefix in scope
    for k, v in body.attrib.items():
        new_body.set(k, v)
    new_body.set("{%s}Id" % WSU, body_id)
    new_body.text = body.text
    for child in list(body):
        new_body.append(child)
    new_body.tail = body.tail
    env.replace(body, new_body)
    body = new_body

    sec = etree.SubElement(header, "{%s}Security" % WSSE, nsmap={"wsse": WSSE, "wsu": WSU})
    sec.set("{%s}mustUnderstand" % SOAP11, "1")
    bst_id = new_id("X509")
    bst = etree.SubElement(sec, "{%s}BinarySecurityToken" % WSSE)
    bst.set("EncodingType", B64BIN)
    bst.set("ValueType", X509V3)
    bst.set("{%s}Id" % WSU, bst_id)
    bst.text = base64.b64encode(cert_der).decode("ascii")

    sig = etree.SubElement(sec, "{%s}Signature" % DS, nsmap={"ds": DS})
    sig.set("Id", new_id("SIG"))
    si = etree.SubElement(sig, "{%s}SignedInfo" % DS)
    cm = etree.SubElement(si, "{%s}CanonicalizationMethod" % DS, Algorithm=EC)
    etree.SubElement(cm, "{%s}InclusiveNamespaces" % EC, nsmap={"ec": EC},
                     PrefixList=inclusive_prefixes(sec, False))
    etree.SubElement(si, "{%s}SignatureMethod" % DS, Algorithm=RSA_SHA256 if sha256 else RSA_SHA1)
    ref = etree.SubElement(si, "{%s}Reference" % DS, URI="#" + body_id)
    tr = etree.SubElement(etree.SubElement(ref, "{%s}Transforms" % DS), "{%s}Transform" % DS, Algorithm=EC)
    etree.SubElement(tr, "{%s}InclusiveNamespaces" % EC, nsmap={"ec": EC},
                     PrefixList=inclusive_prefixes(body, True))
    etree.SubElement(ref, "{%s}DigestMethod" % DS, Algorithm=SHA256 if sha256 else SHA1)
    etree.SubElement(ref, "{%s}DigestValue" % DS)
    etree.SubElement(sig, "{%s}SignatureValue" % DS)
    ki = etree.SubElement(sig, "{%s}KeyInfo" % DS, Id=new_id("KI"))
    strf = etree.SubElement(ki, "{%s}SecurityTokenReference" % WSSE)
    strf.set("{%s}Id" % WSU, new_id("STR"))
    etree.SubElement(strf, "{%s}Reference" % WSSE, URI="#" + bst_id, ValueType=X509V3)

    decl = tree.docinfo.xml_version is not None and open(in_path, "rb").read(5) == b"<?xml"
    data = etree.tostring(tree, encoding="UTF-8", xml_declaration=decl)
    with open(out_path, "wb") as f:
        f.write(data)


def split_pkipath(der):
    """PkiPath ::= SEQUENCE OF Certificate -> list of DER certificates (first = closest to the anchor)."""
    def tlv(buf, i):
        tag = buf[i]
        ln = buf[i + 1]
        j = i + 2
        if ln & 0x80:
            n = ln & 0x7F
            ln = int.from_bytes(buf[j:j + n], "big")
            j += n
        return tag, j, j + ln
    tag, start, end = tlv(der, 0)
    if tag != 0x30 or end != len(der):
        die("X509PKIPathv1 token is not a DER SEQUENCE")
    certs, i = [], start
    while i < end:
        t, s, e = tlv(der, i)
        if t != 0x30:
            die("X509PKIPathv1 element is not a SEQUENCE")
        certs.append(der[i:e])
        i = e
    if not certs:
        die("empty X509PKIPathv1 token")
    return certs


def pem(der):
    b = base64.encodebytes(der).decode("ascii").replace("\n", "")
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(b[i:i + 64] for i in range(0, len(b), 64)) + \
        "\n-----END CERTIFICATE-----\n"


def cmd_extract(certdir, in_path):
    tree = parse(in_path)
    env, header, body = envelope_parts(tree)
    if header is None:
        die("no soap:Header")
    secs = header.findall("{%s}Security" % WSSE)
    if len(secs) != 1:
        die("expected exactly one wsse:Security header, found %d" % len(secs))
    sec = secs[0]
    sigs = list(tree.iter("{%s}Signature" % DS))
    if len(sigs) != 1 or sigs[0].getparent() is not sec:
        die("expected exactly one ds:Signature, inside wsse:Security")
    sig = sigs[0]

    ids = {}
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        for a in ("{%s}Id" % WSU, "Id", "{http://www.w3.org/XML/1998/namespace}id"):
            v = el.get(a)
            if v is not None:
                if v in ids:
                    die("duplicate Id %r" % v)
                ids[v] = el

    refs = sig.findall("{%s}SignedInfo/{%s}Reference" % (DS, DS))
    targets = []
    for r in refs:
        uri = r.get("URI", "")
        if not uri.startswith("#") or uri[1:] not in ids:
            die("Reference URI %r does not point at an element of this message" % uri)
        targets.append(ids[uri[1:]])
    if sum(1 for t in targets if t is body) != 1:
        die("no Reference covers the soap:Body")

    strs = sig.findall("{%s}KeyInfo/{%s}SecurityTokenReference/{%s}Reference" % (DS, WSSE, WSSE))
    if len(strs) != 1:
        die("KeyInfo must hold exactly one wsse:SecurityTokenReference/wsse:Reference")
    uri = strs[0].get("URI", "")
    bst = ids.get(uri[1:]) if uri.startswith("#") else None
    if bst is None or bst.tag != "{%s}BinarySecurityToken" % WSSE or bst.getparent() is not sec:
        die("the STR does not point at a wsse:BinarySecurityToken in the security header")
    der = base64.b64decode("".join((bst.text or "").split()), validate=True)
    vt = bst.get("ValueType")
    if vt == X509V3:
        certs = [der]
    elif vt == PKIPATH:
        certs = split_pkipath(der)
    else:
        die("unsupported BST ValueType %r" % vt)
    os.makedirs(certdir, exist_ok=True)
    with open(os.path.join(certdir, "leaf.pem"), "w") as f:
        f.write(pem(certs[-1]))  # X509v3: the only cert; PkiPath: the last one is the signer
    with open(os.path.join(certdir, "chain.pem"), "w") as f:
        f.write("".join(pem(c) for c in certs[:-1]))
    for t in targets:
        q = etree.QName(t)
        print("%s:%s" % (q.namespace, q.localname) if q.namespace else q.localname)


def main(argv):
    if len(argv) >= 4 and argv[0] == "template":
        cmd_template(argv[1], argv[2], argv[3], sha256="--sha256" in argv[4:])
    elif len(argv) == 3 and argv[0] == "extract":
        cmd_extract(argv[1], argv[2])
    else:
        die("usage: wsse.py template CERT.pem IN.xml OUT.xml [--sha256] | extract CERTDIR IN.xml")


if __name__ == "__main__":
    main(sys.argv[1:])
