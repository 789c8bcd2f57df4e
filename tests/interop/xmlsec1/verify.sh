#!/usr/bin/env bash
# Verifies a WS-Security (DHO profile) message with openssl + xmlsec1, independently of WSS4J and dho-wss.
# Usage: tests/interop/xmlsec1/verify.sh CA.pem IN.xml        prints "OK <signer subject>", exit 0; else exit 1
#  1. wsse.py extract: one wsse:Security, one ds:Signature, no duplicate Ids, every Reference is a
#     same-document "#id" and one of them covers soap:Body; KeyInfo/STR/Reference -> a BST in the
#     header; writes the BST certificate (X509v3, or the last cert of an X509PKIPathv1) as PEM.
#  2. openssl verify -x509_strict: that certificate chains to CA.pem (PkiPath certs as untrusted
#     intermediates) and is within its validity period now.
#  3. xmlsec1 --verify with that certificate's public key (--pubkey-cert-pem; xmlsec1 cannot follow
#     the STR itself) and --id-attr:Id for each referenced element (Body, Timestamp, ...).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[[ $# -eq 2 ]] || { echo "usage: $0 CA.pem IN.xml" >&2; exit 2; }
CA="$1" IN="$2"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
fail() { echo "xmlsec1-verify: $*" >&2; exit 1; }

TARGETS="$(/usr/bin/python3 "$HERE/wsse.py" extract "$TMP" "$IN")" || exit 1
UNTRUSTED=()
[[ -s "$TMP/chain.pem" ]] && UNTRUSTED=(-untrusted "$TMP/chain.pem")
openssl verify -x509_strict -CAfile "$CA" "${UNTRUSTED[@]}" "$TMP/leaf.pem" >"$TMP/ov" 2>&1 \
  || fail "certificate does not verify against $CA: $(grep -m1 -E '^error|error' "$TMP/ov" | tr '\n' ' ')"

IDARGS=()
while read -r t; do
  [[ -n "$t" ]] && IDARGS+=(--id-attr:Id "$t")
done <<<"$TARGETS"
xmlsec1 --verify --enabled-reference-uris same-doc --pubkey-cert-pem "$TMP/leaf.pem" \
  "${IDARGS[@]}" "$IN" >"$TMP/xv" 2>&1 || fail "xmlsec1: $(grep -m1 -E 'error=|Error' "$TMP/xv" | tr '\n' ' ')"
grep -q '^OK$' "$TMP/xv" || fail "xmlsec1 did not report OK"
echo "OK $(openssl x509 -in "$TMP/leaf.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')"
