#!/usr/bin/python3
"""Regenerate tests/c14n/expected/*.out from cases.tsv and cross-check them.

    /usr/bin/python3 tests/c14n/make-expected.py            # write expected/
    /usr/bin/python3 tests/c14n/make-expected.py --check    # only verify expected/

Primary output: oracle.canonicalize() (lxml, etree.tostring(method="c14n",
exclusive=True, ...)).  Every case is then recomputed by independent paths and
any difference is fatal (exit status 1, nothing is written):

  lxml-variants  the same case via the str-input path of oracle.py and via a
                 default lxml parser (CDATA merged into text): same bytes.
  xmllint        `xmllint --exc-c14n` (whole document, always WITH comments,
                 no PrefixList): "/" cases without a PrefixList.  For
                 comments=0 the input is first re-serialised without its
                 comments (C14N-without-comments(D) == C14N-with-comments(D
                 minus comments)).
  xmlsec1        every case: a throw-away enveloped signature template is
                 appended to the document element; its Reference uses
                 URI="#xpointer((//*[local-name()='L'])[N])" (or
                 "#xpointer(/)"), the enveloped-signature transform and then
                 xml-exc-c14n# / xml-exc-c14n#WithComments with
                 <InclusiveNamespaces PrefixList=...>; the pre-digest bytes
                 come from `xmlsec1 sign --store-references --print-debug`.
                 This canonicalizes the subtree as a node-set INSIDE the
                 original document, so it checks that lxml's detached
                 "fake root" subtree c14n agrees with the node-set semantics.
  santuario      every case, with the Apache Santuario exc-c14n bundled in the
                 JDK (java/SantuarioExcC14n.java), on a JDK-parsed DOM: the
                 only check that shares no code with libxml2.  Skipped with a
                 warning if java/javac are missing.

xmllint, xmlsec1, lxml all use libxml2's c14n.c, so they catch API/selection
mistakes; Santuario catches libxml2 c14n bugs.
"""

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep tests/c14n/ free of __pycache__
sys.path.insert(0, HERE)
import oracle  # noqa: E402
from lxml import etree  # noqa: E402

CORPUS = os.path.join(HERE, "corpus")
EXPECTED = os.path.join(HERE, "expected")
CASES = os.path.join(HERE, "cases.tsv")
JAVA_SRC = os.path.join(HERE, "java", "SantuarioExcC14n.java")
JAVA_EXPORTS = [
    "--add-exports", "java.xml.crypto/com.sun.org.apache.xml.internal.security=ALL-UNNAMED",
    "--add-exports", "java.xml.crypto/com.sun.org.apache.xml.internal.security.c14n=ALL-UNNAMED",
]

DSIG = "http://www.w3.org/2000/09/xmldsig#"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
XCHECK_ID = "c14n-xcheck-signature"


class Case:
    def __init__(self, lineno, name, inp, selector, comments, prefixes):
        self.lineno, self.name, self.input, self.selector = lineno, name, inp, selector
        self.comments = comments == "1"
        self.prefix_str = prefixes
        self.prefixes = [] if prefixes == "-" else prefixes.split(" ")
        self.path = os.path.join(CORPUS, inp)
        with open(self.path, "rb") as f:
            self.data = f.read()


def read_cases():
    cases, names = [], set()
    with open(CASES, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 5:
                sys.exit("cases.tsv:%d: want 5 tab-separated columns, got %d" % (lineno, len(cols)))
            name, inp, sel, com, pre = cols
            if not re.fullmatch(r"[A-Za-z0-9._-]+", name) or name in names:
                sys.exit("cases.tsv:%d: bad or duplicate name %r" % (lineno, name))
            if com not in ("0", "1"):
                sys.exit("cases.tsv:%d: comments must be 0 or 1" % lineno)
            if pre != "-" and (pre != pre.strip() or "  " in pre or "\t" in pre):
                sys.exit("cases.tsv:%d: prefixes must be '-' or single-space separated tokens" % lineno)
            if not os.path.isfile(os.path.join(CORPUS, inp)):
                sys.exit("cases.tsv:%d: no corpus file %s" % (lineno, inp))
            names.add(name)
            cases.append(Case(lineno, name, inp, sel, com, pre))
    return cases


def show(b):
    return b.decode("utf-8", "backslashreplace")


class Checker:
    def __init__(self):
        self.counts = {}
        self.disagreements = []

    def compare(self, tool, case, expected, got):
        self.counts[tool] = self.counts.get(tool, 0) + 1
        if got != expected:
            self.disagreements.append((tool, case.name))
            diff = difflib.unified_diff(show(expected).splitlines(True), show(got).splitlines(True),
                                        "lxml", tool)
            print("DISAGREEMENT %s vs lxml on %s (cases.tsv:%d):\n  lxml: %r\n  %s: %r\n%s"
                  % (tool, case.name, case.lineno, expected, tool, got, "".join(diff)),
                  file=sys.stderr)


# ---------------------------------------------------------------- lxml variants

def lxml_variants(case):
    """Same case through oracle's str path and through a default lxml parser."""
    out = []
    out.append(("lxml-str-input", oracle.canonicalize(case.data.decode("utf-8"), case.selector,
                                                        case.comments, case.prefixes)))
    tree = etree.fromstring(case.data, etree.XMLParser()).getroottree()  # strip_cdata=True
    node = oracle.select(tree, case.selector)
    out.append(("lxml-default-parser", etree.tostring(
        node, method="c14n", exclusive=True, with_comments=case.comments,
        inclusive_ns_prefixes=case.prefixes or None)))
    return out


# ---------------------------------------------------------------- xmllint

def xmllint(case, tmp):
    path = case.path
    if not case.comments:
        tree = etree.fromstring(case.data, etree.XMLParser(remove_comments=True, strip_cdata=False,
                                                           resolve_entities=False)).getroottree()
        path = os.path.join(tmp, "nocomments.xml")
        with open(path, "wb") as f:
            f.write(etree.tostring(tree, encoding="UTF-8", xml_declaration=True))
    r = subprocess.run(["xmllint", "--exc-c14n", path], capture_output=True)
    if r.returncode != 0:
        raise RuntimeError("xmllint failed on %s: %s" % (case.name, show(r.stderr)))
    return r.stdout


# ---------------------------------------------------------------- xmlsec1

def xmlsec_template(case):
    if case.selector == "/":
        uri = "#xpointer(/)"
    else:
        m = re.fullmatch(r"([^#]+)(?:#(\d+))?", case.selector)
        uri = "#xpointer((//*[local-name()='%s'])[%d])" % (m.group(1), int(m.group(2) or 1))
    alg = EXC + ("WithComments" if case.comments else "")
    ns = {"ds": DSIG}
    sig = etree.Element("{%s}Signature" % DSIG, nsmap=ns, Id=XCHECK_ID)
    si = etree.SubElement(sig, "{%s}SignedInfo" % DSIG)
    etree.SubElement(si, "{%s}CanonicalizationMethod" % DSIG, Algorithm=EXC)
    etree.SubElement(si, "{%s}SignatureMethod" % DSIG, Algorithm=DSIG + "hmac-sha1")
    ref = etree.SubElement(si, "{%s}Reference" % DSIG, URI=uri)
    trs = etree.SubElement(ref, "{%s}Transforms" % DSIG)
    etree.SubElement(trs, "{%s}Transform" % DSIG, Algorithm=DSIG + "enveloped-signature")
    tr = etree.SubElement(trs, "{%s}Transform" % DSIG, Algorithm=alg)
    if case.prefixes:
        etree.SubElement(tr, "{%s}InclusiveNamespaces" % EXC, nsmap={"xcec": EXC},
                         PrefixList=" ".join(case.prefixes))
    etree.SubElement(ref, "{%s}DigestMethod" % DSIG, Algorithm=DSIG + "sha1")
    etree.SubElement(ref, "{%s}DigestValue" % DSIG)
    etree.SubElement(sig, "{%s}SignatureValue" % DSIG)
    return sig


def xmlsec(case, tmp, keyfile):
    tree = oracle.parse(case.data)
    tree.getroot().append(xmlsec_template(case))  # last in document order, outside the subtree
    path = os.path.join(tmp, "xmlsec-in.xml")
    with open(path, "wb") as f:
        f.write(etree.tostring(tree, encoding="UTF-8", xml_declaration=True))
    r = subprocess.run(["xmlsec1", "sign", "--hmackey", keyfile, "--store-references",
                        "--print-debug", "--node-xpath",
                        "//*[local-name()='Signature'][@Id='%s']" % XCHECK_ID,
                        "--output", os.path.join(tmp, "xmlsec-out.xml"), path],
                       capture_output=True)
    if r.returncode != 0:
        raise RuntimeError("xmlsec1 failed on %s: %s" % (case.name, show(r.stderr)))
    start = b"== PreDigest data - start buffer:\n"
    end = b"\n== PreDigest data - end buffer\n"
    if r.stdout.count(start) != 1:
        raise RuntimeError("xmlsec1: expected one pre-digest buffer for %s" % case.name)
    i = r.stdout.index(start) + len(start)
    return r.stdout[i:r.stdout.index(end, i)]


# ---------------------------------------------------------------- Santuario (JDK)

def santuario(cases, tmp):
    """Return {case.name: bytes} or None if no JDK."""
    if not (shutil.which("java") and shutil.which("javac")):
        print("WARNING: java/javac not found: Santuario cross-check skipped", file=sys.stderr)
        return None
    classes = os.path.join(tmp, "classes")
    os.makedirs(classes)
    subprocess.run(["javac", "-nowarn", *JAVA_EXPORTS, "-d", classes, JAVA_SRC], check=True,
                   capture_output=True)
    manifest = os.path.join(tmp, "santuario.tsv")
    outdir = os.path.join(tmp, "santuario")
    os.makedirs(outdir)
    with open(manifest, "w", encoding="utf-8") as f:
        for c in cases:
            f.write("\t".join([c.path, c.selector, "1" if c.comments else "0", c.prefix_str,
                               os.path.join(outdir, c.name + ".out")]) + "\n")
    r = subprocess.run(["java", *JAVA_EXPORTS, "-cp", classes, "SantuarioExcC14n", manifest],
                       capture_output=True)
    if r.returncode != 0:
        raise RuntimeError("Santuario run failed: %s" % show(r.stderr))
    res = {}
    for c in cases:
        with open(os.path.join(outdir, c.name + ".out"), "rb") as f:
            res[c.name] = f.read()
    return res


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="do not write; fail if expected/ differs from the regenerated bytes")
    args = ap.parse_args()
    for tool in ("xmllint", "xmlsec1"):
        if not shutil.which(tool):
            sys.exit("make-expected.py: %s not found (apt-get install libxml2-utils xmlsec1)" % tool)

    cases = read_cases()
    chk = Checker()
    results = {}
    with tempfile.TemporaryDirectory(prefix="c14n-xcheck-") as tmp:
        keyfile = os.path.join(tmp, "hmac.key")
        with open(keyfile, "wb") as f:
            f.write(b"0123456789abcdef0123456789abcdef")
        for c in cases:
            out = oracle.canonicalize(c.data, c.selector, c.comments, c.prefixes)
            results[c.name] = out
            for tool, got in lxml_variants(c):
                chk.compare(tool, c, out, got)
            if c.selector == "/" and not c.prefixes:
                chk.compare("xmllint", c, out, xmllint(c, tmp))
            chk.compare("xmlsec1", c, out, xmlsec(c, tmp, keyfile))
        jres = santuario(cases, tmp)
        if jres is not None:
            for c in cases:
                chk.compare("santuario", c, results[c.name], jres[c.name])

    stale = []
    if args.check:
        for c in cases:
            p = os.path.join(EXPECTED, c.name + ".out")
            if not os.path.exists(p) or open(p, "rb").read() != results[c.name]:
                stale.append(c.name)
    elif not chk.disagreements:
        os.makedirs(EXPECTED, exist_ok=True)
        wanted = {c.name + ".out" for c in cases}
        for fn in os.listdir(EXPECTED):
            if fn.endswith(".out") and fn not in wanted:
                os.remove(os.path.join(EXPECTED, fn))
        for c in cases:
            with open(os.path.join(EXPECTED, c.name + ".out"), "wb") as f:
                f.write(results[c.name])

    n = chk.counts
    print("%d cases, %d cross-checked with xmllint, %d with xmlsec1, %d with Santuario (JDK), "
          "%d lxml-variant checks, %d disagreements"
          % (len(cases), n.get("xmllint", 0), n.get("xmlsec1", 0), n.get("santuario", 0),
             n.get("lxml-str-input", 0) + n.get("lxml-default-parser", 0),
             len(chk.disagreements)))
    if chk.disagreements:
        print("disagreeing cases: %s" % ", ".join("%s(%s)" % (c, t) for t, c in chk.disagreements),
              file=sys.stderr)
        if not args.check:
            print("expected/ NOT written", file=sys.stderr)
        return 1
    if stale:
        print("expected/ out of date for: %s" % ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
