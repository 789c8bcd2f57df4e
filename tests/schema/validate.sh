#!/usr/bin/env bash
# Validate one DHO message against the project's XSDs (schemas/).
#
#   tests/schema/validate.sh {02.00|01.02} FILE.xml
#
# FILE may be
#   - a whole SOAP 1.1 envelope (signed or not), whose Body holds one operation element in any service
#     namespace (e.g. web:GeefHistoriekInschrijving) with an unqualified Verzoek/Repliek inside, or a Fault;
#   - just the operation element (e.g. ns3:RaadpleegLeerkredietsaldoResponse, as the MAGDA mock stores replies);
#   - just an unqualified Verzoek or Repliek.
#
# Steps (all validation is done by xmllint, libxml2 2.9.14; python3 + lxml only inspect and cut the tree):
#   1. xmllint: well-formed.
#   2. envelope: xmllint --schema schemas/dho-envelope-VERSION.xsd. That schema imports
#      soap-envelope-1.1.xsd and includes generiek-VERSION.xsd: the operation element matches a lax
#      wildcard, is assessed as xs:anyType, and its Verzoek/Repliek child is validated strictly against the
#      global declaration (libxml2 does this; see invalid/ fixtures such as afzender-zonder-referte.xml).
#   3. structure checks a lax wildcard cannot express: Body holds a Fault, or one namespace-qualified
#      operation element (not in the SOAP namespace) with exactly one element child and no text; that child
#      is an UNQUALIFIED Verzoek, or Repliek; Repliek if and only if the operation name ends in "Response";
#      no xsi:* attribute on the operation element or in Verzoek/Repliek outside Inhoud (libxml2 honours
#      xsi:type on the lax-matched operation element, and xsi:type="InhoudType" there would make step 2
#      skip the Verzoek). These messages read "FILE:LINE: structure: ...".
#   4. the Verzoek/Repliek is cut out (with its in-scope namespace declarations, preceded by blank lines so
#      that line numbers stay those of FILE) and validated again with xmllint --schema
#      schemas/generiek-VERSION.xsd, so the result does not depend on lax-wildcard semantics alone.
#
# Exit status: 0 valid; 1 not well-formed; 2 usage error; 3 invalid (xmllint's message, or a structure
# message in the same "FILE:LINE: ..." form, on stderr).
set -euo pipefail

usage() { echo "usage: $0 {02.00|01.02} FILE.xml" >&2; exit 2; }
[ $# -eq 2 ] || usage
version=$1
file=$2
case "$version" in 02.00|01.02) ;; *) echo "$0: unknown schema version '$version' (02.00 or 01.02)" >&2; usage;; esac
[ -f "$file" ] || { echo "$0: no such file: $file" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
schemas=$(cd "$here/../../schemas" && pwd)
envelope_xsd="$schemas/dho-envelope-$version.xsd"
generiek_xsd="$schemas/generiek-$version.xsd"
PY=/usr/bin/python3

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run_xmllint XSD INPUT [SHOWN_NAME]: validate, print xmllint's messages only on failure (with INPUT's
# temporary name replaced by SHOWN_NAME), return xmllint's status.
run_xmllint() {
    local xsd=$1 input=$2 shown=${3:-$2} rc=0
    xmllint --noout --nonet --schema "$xsd" "$input" 2>"$tmp/xmllint.err" || rc=$?
    if [ $rc -ne 0 ]; then
        if [ "$input" != "$shown" ]; then
            local line
            while IFS= read -r line; do printf '%s\n' "${line//"$input"/"$shown"}"; done <"$tmp/xmllint.err" >&2
        else
            cat "$tmp/xmllint.err" >&2
        fi
    fi
    return $rc
}

# 1. well-formed
if ! xmllint --noout --nonet "$file" 2>"$tmp/wf.err"; then
    cat "$tmp/wf.err" >&2
    echo "$file fails to validate (not well-formed)" >&2
    exit 1
fi

# Inspect the tree. "classify" prints envelope|operation|bare; "extract" checks the structure around the
# Verzoek/Repliek, writes it to OUT and prints verzoek|repliek|fault.
inspect() {
    "$PY" - "$@" <<'PY'
import sys
from lxml import etree

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
mode, path = sys.argv[1], sys.argv[2]
out = sys.argv[3] if len(sys.argv) > 3 else None

parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=False)
root = etree.parse(path, parser).getroot()

def fail(node, msg):
    line = node.sourceline if node is not None and node.sourceline else 0
    sys.stderr.write(f"{path}:{line}: structure: {msg}\n{path} fails to validate\n")
    sys.exit(3)

def name(el):
    q = etree.QName(el)
    return f"{{{q.namespace}}}{q.localname}" if q.namespace else q.localname

def element_children(el):
    return [c for c in el if isinstance(c.tag, str)]

def significant_text(el):
    parts = [el.text] + [c.tail for c in el]
    return any(p and p.strip() for p in parts)

def check_no_xsi(el):
    # xsi:type on the lax-matched operation element is honoured by libxml2 and can point at a type that
    # skips its content (e.g. xsi:type="InhoudType"), so no xsi:* attribute is accepted on the operation
    # element or inside Verzoek/Repliek (Inhoud content excepted, it is operation-specific).
    for a in el.attrib:
        if etree.QName(a).namespace == XSI:
            fail(el, f"attribute '{a}' is not allowed on '{name(el)}' (xsi:* outside Inhoud)")

def check_operation(op):
    check_no_xsi(op)
    q = etree.QName(op)
    if q.namespace is None:
        fail(op, f"operation element '{q.localname}' must be in a service namespace")
    if q.namespace == SOAP11:
        fail(op, f"operation element '{name(op)}' must not be in the SOAP envelope namespace")
    kids = element_children(op)
    if len(kids) != 1:
        fail(op, f"operation element '{name(op)}' must hold exactly one element (Verzoek or Repliek), found {len(kids)}")
    if significant_text(op):
        fail(op, f"operation element '{name(op)}' must not hold text")
    child = kids[0]
    cq = etree.QName(child)
    if cq.localname not in ("Verzoek", "Repliek") or cq.namespace is not None:
        fail(child, f"operation element '{name(op)}' must hold an unqualified Verzoek or Repliek, found '{name(child)}'")
    for el in child.iter():
        if not isinstance(el.tag, str):
            continue
        if any(etree.QName(a).localname == "Inhoud" and etree.QName(a).namespace is None for a in el.iterancestors()):
            continue
        check_no_xsi(el)
    wants = "Repliek" if q.localname.endswith("Response") else "Verzoek"
    if cq.localname != wants:
        fail(child, f"operation element '{name(op)}' must hold a {wants} (Repliek if and only if the name ends in 'Response'), found '{cq.localname}'")
    return child

def write_child(child):
    # Blank lines first: no XML declaration is written, so leading whitespace is allowed, and the line
    # numbers in xmllint's messages are those of the original file.
    text = etree.tostring(child, encoding="unicode", with_tail=False)
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n" * (max(child.sourceline or 1, 1) - 1) + text + "\n")
    return etree.QName(child).localname.lower()

if mode == "classify":
    q = etree.QName(root)
    if q.namespace is None and q.localname in ("Verzoek", "Repliek"):
        print("bare")
    elif q.localname != "Envelope" and q.namespace not in (None, SOAP11):
        print("operation")
    else:
        print("envelope")
elif mode == "extract-envelope":
    # The schema has already checked Envelope/Header?/Body and that Body holds one element.
    body = [c for c in element_children(root) if etree.QName(c).localname == "Body"][0]
    entry = element_children(body)[0]
    if name(entry) == f"{{{SOAP11}}}Fault":
        print("fault")
    else:
        print(write_child(check_operation(entry)))
elif mode == "extract-operation":
    print(write_child(check_operation(root)))
else:
    sys.exit(f"internal: unknown mode {mode}")
PY
}

kind=$(inspect classify "$file")
case "$kind" in
    bare)
        run_xmllint "$generiek_xsd" "$file" || exit $?
        echo "$file validates (generiek-$version, bare message)"
        ;;
    operation)
        part=$(inspect extract-operation "$file" "$tmp/part.xml") || exit $?
        run_xmllint "$generiek_xsd" "$tmp/part.xml" "$file" || exit $?
        echo "$file validates (generiek-$version, operation element with $part)"
        ;;
    envelope)
        run_xmllint "$envelope_xsd" "$file" || exit $?
        part=$(inspect extract-envelope "$file" "$tmp/part.xml") || exit $?
        if [ "$part" != fault ]; then
            run_xmllint "$generiek_xsd" "$tmp/part.xml" "$file" || {
                rc=$?
                echo "$file fails to validate (the envelope passed dho-envelope-$version.xsd but its $part did not pass generiek-$version.xsd: lax wildcard not applied?)" >&2
                exit $rc
            }
        fi
        echo "$file validates (generiek-$version, SOAP envelope with $part)"
        ;;
    *) echo "$0: internal error: $kind" >&2; exit 2;;
esac
