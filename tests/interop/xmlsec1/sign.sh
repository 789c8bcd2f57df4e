#!/usr/bin/env bash
# Signs a SOAP 1.1 envelope in the DHO profile with xmlsec1 (independent of WSS4J and of dho-wss).
# Usage: tests/interop/xmlsec1/sign.sh KEY.pem CERT.pem IN.xml OUT.xml [--sha256]
#   KEY.pem: unencrypted private key (PKCS#8 or PKCS#1); CERT.pem: its certificate (goes into the BST).
# wsse.py builds the template (wsse:Security/BST X509v3/ds:Signature exc-c14n+rsa-sha1, one Reference
# to the Body's wsu:Id, KeyInfo/STR/Reference to the BST), then xmlsec1 computes digest and signature.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[[ $# -ge 4 ]] || { echo "usage: $0 KEY.pem CERT.pem IN.xml OUT.xml [--sha256]" >&2; exit 2; }
KEY="$1" CERT="$2" IN="$3" OUT="$4"; shift 4
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
/usr/bin/python3 "$HERE/wsse.py" template "$CERT" "$IN" "$TMP/template.xml" "$@"
xmlsec1 --sign --privkey-pem "$KEY,$CERT" \
  --id-attr:Id http://schemas.xmlsoap.org/soap/envelope/:Body \
  --output "$OUT" "$TMP/template.xml" 2>"$TMP/err" || { echo "xmlsec1 sign failed: $(tr '\n' ' ' <"$TMP/err")" >&2; exit 1; }
