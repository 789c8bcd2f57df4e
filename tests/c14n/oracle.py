#!/usr/bin/python3
"""Reference Exclusive XML Canonicalization 1.0 oracle (lxml / libxml2).

Run with the system interpreter, which has lxml:  /usr/bin/python3 tests/c14n/oracle.py

stdin : JSON list of requests
        [{"doc": "<xml...>", "selector": "Body#1", "comments": false,
          "prefixes": ["soap", "#default"]}, ...]
stdout: JSON list, one answer per request, same order
        [{"ok": true, "c14n_b64": "..."} | {"ok": false, "kind": "...", "error": "..."}, ...]
        ok=false means "no reference answer", not "the document is wrong":
          kind "parse"     libxml2 rejected the document (not well-formed, or a
                           namespace name that is not a URI reference, ...)
          kind "doctype"   a DOCTYPE is present (not supported on purpose)
          kind "selector" / "prefixes" / "request"   bad request
          kind "c14n"      libxml2's c14n refused: a relative namespace URI
                           is declared on the selected subtree or on one of
                           its ancestors (see README)
          kind "libxml2-deviation"   a namespace URI contains '&': libxml2
                           writes it unescaped, the spec wants &amp;
          kind "internal"  unexpected exception

Selector (identical in cases.tsv and in requests):
  "/"             the whole document: the document element plus, with comments,
                  the comments outside it (each separated from the document
                  element by #xA, as the C14N spec says).  Nothing else outside
                  the document element (XML declaration, whitespace) is output.
  "NAME"          the first element, in document order, whose local name is NAME
                  (namespace and prefix are ignored); same as "NAME#1".
  "NAME#N"        the N-th (1-based) such element.  Document order is pre-order,
                  so an element counts before its own descendants.
  The selected element's subtree is canonicalized as a document subset whose
  apex is that element: ancestors are not output, their namespace
  declarations count as in scope, their xml:* attributes are NOT imported.

prefixes: InclusiveNamespaces PrefixList tokens; "#default" means the default
  namespace.  Tokens naming prefixes that are not in scope are ignored.

make-expected.py imports canonicalize() from this file, so the expected files
and the property-test oracle are the same code.
"""

import base64
import json
import re
import sys

try:
    from lxml import etree
except ImportError:  # the pyenv `python3` on PATH has no lxml
    sys.exit("oracle.py needs lxml: run it with /usr/bin/python3 (Debian python3-lxml)")

__all__ = ["OracleError", "new_parser", "parse", "select", "canonicalize"]


class OracleError(Exception):
    """No reference answer.  kind: parse | doctype | selector | prefixes |
    libxml2-deviation | c14n (libxml2's c14n refused, e.g. relative namespace URI)."""

    def __init__(self, kind, msg):
        Exception.__init__(self, msg)
        self.kind = kind


def new_parser(override_encoding=None):
    """Hardened parser that leaves the infoset untouched.

    ns_clean=False:        keep redundant namespace declarations (they matter
                           for what exc-c14n renders where).
    remove_blank_text=False, remove_comments=False, remove_pis=False,
    strip_cdata=False:     keep everything; libxml2's c14n prints a CDATA
                           section as escaped text, exactly as if it had been
                           merged into the surrounding text (checked by
                           make-expected.py).
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False:
                           no external fetches, no entity expansion, default
                           libxml2 size limits.  Documents with a DOCTYPE are
                           rejected in parse() anyway.
    """
    return etree.XMLParser(
        encoding=override_encoding,
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        remove_blank_text=False,
        strip_cdata=False,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        ns_clean=False,
        recover=False,
        remove_comments=False,
        remove_pis=False,
        collect_ids=False,
    )


_PRIMED = False


def _prime_default_token():
    """Make lxml pass "#default" through to libxml2.

    lxml's tostring(method="c14n", inclusive_ns_prefixes=...) silently DROPS
    every prefix string that is not already interned in libxml2's (thread
    shared) name dictionary (xmlDictExists in _convert_ns_prefixes).  "#default"
    is never a name, so it is dropped, and ["#default"] behaves like [].
    libxml2's xmlExcC14NProcessNamespacesAxis itself does understand
    "#default".  Parsing a throw-away document whose namespace URI is the
    string "#default" interns it in the shared dictionary (namespace URIs are
    interned by the parser), after which lxml hands it to libxml2 unchanged.
    A self-test proves the trick works in this process; if lxml ever stops
    sharing the dictionary we fail loudly instead of producing wrong bytes.
    """
    global _PRIMED
    if _PRIMED:
        return
    etree.fromstring(b'<x xmlns:d="#default" xmlns=""/>', new_parser())
    probe = etree.fromstring(b'<r xmlns="urn:d"><p:a xmlns:p="urn:p"/></r>', new_parser())
    got = etree.tostring(probe[0], method="c14n", exclusive=True,
                         with_comments=False, inclusive_ns_prefixes=["#default"])
    if got != b'<p:a xmlns="urn:d" xmlns:p="urn:p"></p:a>':
        raise RuntimeError("lxml ignores '#default' in inclusive_ns_prefixes (got %r)" % got)
    _PRIMED = True


def parse(doc):
    """Parse bytes (encoding from the XML declaration, UTF-8 by default) or
    str (always treated as UTF-8, whatever the declaration says)."""
    if isinstance(doc, str):
        data, parser = doc.encode("utf-8"), new_parser("utf-8")
    else:
        data, parser = bytes(doc), new_parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise OracleError("parse", "parse error: %s" % e)
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise OracleError("doctype", "DOCTYPE not supported")
    for el in tree.getroot().iter(etree.Element):
        for uri in el.nsmap.values():
            if "&" in uri:
                # libxml2 2.9.14 writes namespace URIs unescaped (xmlBufWriteQuotedString):
                # spec output is &amp;, libxml2 gives a raw '&' (or '&#38;' when the
                # parser did not substitute entities).  See README.
                raise OracleError("libxml2-deviation",
                                  "namespace URI containing '&' (libxml2 does not escape it)")
    return tree


_SELECTOR = re.compile(r"^([^#/\s]+)(?:#([1-9][0-9]*))?$")


def select(tree, selector):
    """Return the ElementTree for "/", else the selected element."""
    if selector == "/":
        return tree
    m = _SELECTOR.match(selector or "")
    if not m:
        raise OracleError("selector", "bad selector %r" % (selector,))
    local, n = m.group(1), int(m.group(2) or 1)
    seen = 0
    for el in tree.getroot().iter(etree.Element):
        if etree.QName(el).localname == local:
            seen += 1
            if seen == n:
                return el
    raise OracleError("selector", "selector %r: only %d element(s) named %r" % (selector, seen, local))


def _check_prefixes(prefixes):
    out = []
    for p in prefixes or []:
        if not isinstance(p, str) or not p or any(c.isspace() for c in p):
            raise OracleError("prefixes", "bad PrefixList token %r" % (p,))
        out.append(p)
    return out


def canonicalize(doc, selector, comments, prefixes):
    """Exclusive C14N 1.0 of `selector` in `doc` -> bytes (UTF-8)."""
    prefixes = _check_prefixes(prefixes)
    tree = parse(doc)
    node = select(tree, selector)
    if "#default" in prefixes:
        _prime_default_token()
    try:
        return etree.tostring(node, method="c14n", exclusive=True,
                              with_comments=bool(comments),
                              inclusive_ns_prefixes=prefixes or None)
    except etree.C14NError as e:
        raise OracleError("c14n", "libxml2 c14n failed (%s)" % e)


def _answer(req):
    try:
        if not isinstance(req, dict) or not isinstance(req.get("doc"), str):
            raise OracleError("request", "request must be an object with a string 'doc'")
        out = canonicalize(req["doc"], req.get("selector", "/"),
                           bool(req.get("comments", False)), req.get("prefixes") or [])
        return {"ok": True, "c14n_b64": base64.b64encode(out).decode("ascii")}
    except OracleError as e:
        return {"ok": False, "kind": e.kind, "error": str(e)}
    except Exception as e:  # anything unforeseen: still one answer per request
        return {"ok": False, "kind": "internal", "error": "%s: %s" % (type(e).__name__, e)}


def main():
    reqs = json.load(sys.stdin)
    if not isinstance(reqs, list):
        raise SystemExit("oracle.py: stdin must be a JSON list")
    json.dump([_answer(r) for r in reqs], sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
