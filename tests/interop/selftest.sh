#!/usr/bin/env bash
# Self-test of the interop peers (no Rust involved): WSS4J driver and xmlsec1 scripts sign the sample
# envelopes, each verifies the other's output, and tampered / wrapped / untrusted variants fail.
# Usage: tests/interop/selftest.sh [WORKDIR]   (default: <repo>/target/interop/selftest)
# Prints one line per check; exit 0 when every check gave the expected result.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
WORK="${1:-$REPO/target/interop/selftest}"
W4J_OUT="$REPO/target/interop/wss4j"
mkdir -p "$WORK"
P="$REPO/testdata/pki"
S="$HERE/samples"
W="$HERE/wss4j/run.sh $W4J_OUT"
X="$HERE/xmlsec1"
"$HERE/wss4j/build.sh" "$W4J_OUT" >/dev/null || exit 2

FAILED=0
expect() { # expect ok|fail LABEL CMD...
  local want="$1" label="$2"; shift 2
  local out rc
  out="$("$@" 2>&1)"; rc=$?
  if { [[ $want == ok && $rc -eq 0 ]] || [[ $want == fail && $rc -ne 0 ]]; }; then
    printf 'PASS  %-58s %s\n' "$label" "$(head -n1 <<<"$out" | cut -c1-110)"
  else
    printf 'FAIL  %-58s (wanted %s, rc=%s) %s\n' "$label" "$want" "$rc" "$(head -n1 <<<"$out")"
    FAILED=1
  fi
}
both() { # both ok|fail FILE LABEL   -> verify FILE with WSS4J and with xmlsec1
  expect "$1" "wss4j  verify $3" $W verify --ca "$P/ca.pem" "$2"
  expect "$1" "xmlsec1 verify $3" "$X/verify.sh" "$P/ca.pem" "$2"
}
tamper() { sed -e "$1" "$2" > "$3"; cmp -s "$2" "$3" && { echo "FAIL  tamper '$1' changed nothing in $2"; FAILED=1; }; }

for s in geef-historiek-inschrijving default-namespace qname-cdata-nonascii; do
  f="$S/$s.xml"
  expect ok "wss4j  sign $s (X509v3, rsa-sha1)" $W sign --p12 "$P/institution.p12" --password test-only "$f" "$WORK/wss4j-$s.xml"
  both ok "$WORK/wss4j-$s.xml" "wss4j-$s"
  expect ok "wss4j  sign $s (PKIPath, Timestamp, legacy p12)" $W sign --p12 "$P/institution-legacy.p12" --password test-only \
    --token pkipath --timestamp --ttl 3600 "$f" "$WORK/wss4j-pkipath-ts-$s.xml"
  both ok "$WORK/wss4j-pkipath-ts-$s.xml" "wss4j-pkipath-ts-$s"
  expect ok "wss4j  sign $s (rsa-sha256)" $W sign --key "$P/institution.key.pem" --cert "$P/institution.crt.pem" --sha256 "$f" "$WORK/wss4j-sha256-$s.xml"
  both ok "$WORK/wss4j-sha256-$s.xml" "wss4j-sha256-$s"
  expect ok "xmlsec1 sign $s" "$X/sign.sh" "$P/institution.key.pem" "$P/institution.crt.pem" "$f" "$WORK/xmlsec1-$s.xml"
  both ok "$WORK/xmlsec1-$s.xml" "xmlsec1-$s"
  expect ok "xmlsec1 sign $s (rsa-sha256, PKCS#1 key)" "$X/sign.sh" "$P/institution.pkcs1.pem" "$P/institution.crt.pem" "$f" "$WORK/xmlsec1-sha256-$s.xml" --sha256
  both ok "$WORK/xmlsec1-sha256-$s.xml" "xmlsec1-sha256-$s"
  for src in wss4j xmlsec1; do
    tamper 's#<Referte>#<Referte>x#' "$WORK/$src-$s.xml" "$WORK/$src-$s.tampered.xml"
    both fail "$WORK/$src-$s.tampered.xml" "$src-$s one char changed in Body"
  done
done

# QName-in-content: the xsd prefix is only used in xsi:type="xsd:string"; rebinding it must break the digest
for src in wss4j xmlsec1; do
  tamper 's#xmlns:xsd="http://www.w3.org/2001/XMLSchema"#xmlns:xsd="urn:x"#' "$WORK/$src-qname-cdata-nonascii.xml" "$WORK/$src-qname.rebound.xml"
  both fail "$WORK/$src-qname.rebound.xml" "$src xsd prefix rebound on Envelope"
done
# signed Timestamp changed
tamper 's#<wsu:Expires>\([0-9-]*\)T..#<wsu:Expires>\1T23#' "$WORK/wss4j-pkipath-ts-default-namespace.xml" "$WORK/ts.tampered.xml"
both fail "$WORK/ts.tampered.xml" "Timestamp Expires changed"
# signature wrapping: signed Body moved into the Header, new unsigned Body
/usr/bin/python3 - "$WORK/wss4j-geef-historiek-inschrijving.xml" "$WORK/wrapped.xml" <<'EOF'
import sys
from lxml import etree
S = "http://schemas.xmlsoap.org/soap/envelope/"
t = etree.parse(sys.argv[1]); env = t.getroot()
hdr, body = env.find("{%s}Header" % S), env.find("{%s}Body" % S)
i = list(env).index(body); env.remove(body)
etree.SubElement(hdr, "{urn:evil}Wrapper", nsmap={"evil": "urn:evil"}).append(body)
nb = etree.Element("{%s}Body" % S); env.insert(i, nb)
etree.SubElement(nb, "{urn:evil}Evil").text = "unsigned"
t.write(sys.argv[2])
EOF
both fail "$WORK/wrapped.xml" "Body wrapped into Header, new Body"
# untrusted / invalid signer certificates
expect ok "wss4j  sign with rogue (same subject, other CA)" $W sign --key "$P/rogue.key.pem" --cert "$P/rogue.crt.pem" "$S/default-namespace.xml" "$WORK/rogue.xml"
both fail "$WORK/rogue.xml" "rogue signer"
expect ok "wss4j  verify rogue with --ca rogue-ca.pem" $W verify --ca "$P/rogue-ca.pem" "$WORK/rogue.xml"
for k in expired notyet; do
  expect ok "xmlsec1 sign with $k" "$X/sign.sh" "$P/$k.key.pem" "$P/$k.crt.pem" "$S/default-namespace.xml" "$WORK/$k.xml"
  both fail "$WORK/$k.xml" "$k signer"
done
expect ok "wss4j  sign with provider.p12" $W sign --p12 "$P/provider.p12" --password test-only "$S/geef-historiek-inschrijving.xml" "$WORK/provider.xml"
both ok "$WORK/provider.xml" "provider-signed"
expect fail "wss4j  verify unsigned sample" $W verify --ca "$P/ca.pem" "$S/geef-historiek-inschrijving.xml"
expect fail "xmlsec1 verify unsigned sample" "$X/verify.sh" "$P/ca.pem" "$S/geef-historiek-inschrijving.xml"

if [[ $FAILED -ne 0 ]]; then echo "selftest: FAILED"; exit 1; fi
echo "selftest: all checks passed (outputs in $WORK)"
