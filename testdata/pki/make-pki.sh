#!/usr/bin/env bash
# Regenerates the dho-wss TEST PKI into this folder (testdata/pki/).
#
#   TEST ONLY - NOT FOR PRODUCTION. Every private key generated here is published in the
#   repository. Never trust ca.pem anywhere outside the dho-wss test suite.
#
# Usage: testdata/pki/make-pki.sh          (from anywhere; needs only openssl >= 3.0 and bash)
#        testdata/pki/make-pki.sh tls      only the TLS server identities (tls-*), issued by
#                                          ca.pem and rogue-ca.pem; every other file stays
#        testdata/pki/make-pki.sh extra    only the "extra" part (intermediate CAs, ambiguous and
#                                          escaped subject names), issued by the existing
#                                          ca.pem/ca.key.pem; every other file stays as it is
#
# Idempotent: deletes the previous outputs (only the file names this script writes; with `extra`
# only those of the extra part) and makes them again from scratch. File names and certificate
# contents (subjects, serials, dates, extensions) are fixed; keys, signatures and fingerprints
# change on every run.
set -euo pipefail
export LC_ALL=C

PART="${1:-all}"
case "$PART" in
  all | extra | tls) ;;
  *) echo "usage: $0 [extra|tls]" >&2; exit 2 ;;
esac

DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PASS="test-only"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$DIR"

# --- the fixed validity windows (GeneralizedTime; openssl stores UTCTime up to 2049) --------------
GOOD_START=20250101000000Z
GOOD_END=20550101000000Z

# --- subjects -------------------------------------------------------------------------------------
# Convention (see README.md): C=BE, O=<organisation>, OU=TEST ONLY - NOT FOR PRODUCTION,
# serialNumber=<Instellingsnummer, 6 digits zero padded> (X.520 attribute 2.5.4.5, the machine
# readable binding), CN=<application>.instelling-<nr>.<organisation slug>, i.e. the VO-DCBaaS style
# "one certificate per organisation/application/environment with a CN the service assigns".
TEST_OU="TEST ONLY - NOT FOR PRODUCTION"
CA_SUBJ="/C=BE/O=dho-wss Test PKI/OU=${TEST_OU}/CN=dho-wss Test Root CA"
ROGUE_CA_SUBJ="/C=BE/O=dho-wss Rogue PKI/OU=${TEST_OU}/CN=dho-wss Rogue Root CA"
INST_SUBJ="/C=BE/O=Hogeschool Test/OU=${TEST_OU}/serialNumber=001234/CN=dho-wss-test.instelling-001234.hogeschool-test"
OTHER_SUBJ="/C=BE/O=Universiteit Test/OU=${TEST_OU}/serialNumber=005678/CN=dho-wss-test.instelling-005678.universiteit-test"
PROVIDER_SUBJ="/C=BE/O=Onderwijs en Vorming Test/OU=${TEST_OU}/CN=dho-wss-test.dho-provider"
neg_subj() { # the negative leaves speak for the same institution 001234, only one property is wrong
  echo "/C=BE/O=Hogeschool Test/OU=${TEST_OU}/serialNumber=001234/CN=dho-wss-test-$1.instelling-001234.hogeschool-test"
}

BASE_OUTPUTS=(
  ca.pem ca.key.pem ca.crl.pem
  institution.crt.pem institution.key.pem institution.pkcs1.pem institution.key.enc.pem
  institution.chain.pem institution.p12 institution-legacy.p12 institution.der
  other.crt.pem other.key.pem
  provider.crt.pem provider.key.pem provider.p12
  rogue-ca.pem rogue-ca.key.pem rogue.crt.pem rogue.key.pem
  expired.crt.pem expired.key.pem notyet.crt.pem notyet.key.pem
  ca-signer.crt.pem ca-signer.key.pem no-digsig.crt.pem no-digsig.key.pem
  weak1024.crt.pem weak1024.key.pem ec.crt.pem ec.key.pem
  revoked.crt.pem revoked.key.pem
)
EXTRA_OUTPUTS=(
  int-good.pem int-good.key.pem int-good.crl.pem
  int-good-leaf.crt.pem int-good-leaf.key.pem int-good-leaf.chain.pem
  int-nocertsign.pem int-nocertsign.key.pem int-nocertsign-reissued.pem
  int-nocertsign-leaf.crt.pem int-nocertsign-leaf.key.pem int-nocertsign-leaf.chain.pem
  int-nocrlsign.pem int-nocrlsign.key.pem int-nocrlsign.crl.pem
  int-nocrlsign-leaf.crt.pem int-nocrlsign-leaf.key.pem
  two-cn.crt.pem two-cn.key.pem two-serial.crt.pem two-serial.key.pem
  multi-valued-rdn.crt.pem multi-valued-rdn.key.pem dn-escapes.crt.pem dn-escapes.key.pem
  dn-strings.crt.pem dn-strings.key.pem
)
if [[ "$PART" == all ]]; then
  rm -f -- "${BASE_OUTPUTS[@]}" "${EXTRA_OUTPUTS[@]}" README.md
elif [[ "$PART" == tls ]]; then
  [[ -f ca.key.pem && -f rogue-ca.key.pem ]] || { echo "tls needs ca.pem and rogue-ca.pem; run $0 first" >&2; exit 1; }
else
  [[ -f ca.pem && -f ca.key.pem ]] || { echo "extra needs ca.pem and ca.key.pem; run $0 first" >&2; exit 1; }
  rm -f -- "${EXTRA_OUTPUTS[@]}" README.md
fi

# --- helpers --------------------------------------------------------------------------------------
# ca_conf NAME: an ad hoc `openssl ca` database + config in $WORK/NAME
ca_conf() {
  local d="$WORK/$1"
  mkdir -p "$d/new"
  : > "$d/index.txt"
  echo "unique_subject = no" > "$d/index.txt.attr"
  echo 1000 > "$d/crlnumber"
  cat > "$d/ca.cnf" <<EOF
[ ca ]
default_ca = the_ca
[ the_ca ]
dir              = $d
database         = \$dir/index.txt
new_certs_dir    = \$dir/new
serial           = \$dir/serial
crlnumber        = \$dir/crlnumber
default_md       = sha256
default_days     = 3650
default_crl_days = 3650
policy           = policy_any
unique_subject   = no
copy_extensions  = none
email_in_dn      = no
name_opt         = ca_default
cert_opt         = ca_default
[ policy_any ]
countryName            = optional
organizationName       = optional
organizationalUnitName = optional
serialNumber           = optional
commonName             = supplied
[ req ]
distinguished_name = req_dn
string_mask        = utf8only
utf8               = yes
prompt             = no
[ req_dn ]
CN = unused
[ v3_ca ]
basicConstraints       = critical,CA:TRUE
keyUsage               = critical,keyCertSign,cRLSign
subjectKeyIdentifier   = hash
[ v3_leaf ]
basicConstraints       = critical,CA:FALSE
keyUsage               = critical,digitalSignature,nonRepudiation,keyEncipherment
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ v3_provider ]
basicConstraints       = critical,CA:FALSE
keyUsage               = critical,digitalSignature,nonRepudiation,keyEncipherment
extendedKeyUsage       = serverAuth,clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ v3_ca_signer ]
basicConstraints       = critical,CA:TRUE
keyUsage               = critical,keyCertSign,digitalSignature
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ v3_no_digsig ]
basicConstraints       = critical,CA:FALSE
keyUsage               = critical,keyEncipherment
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ v3_int_good ]
basicConstraints       = critical,CA:TRUE
keyUsage               = critical,keyCertSign,cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ v3_int_nocertsign ]
basicConstraints       = critical,CA:TRUE
keyUsage               = critical,digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ v3_int_nocrlsign ]
basicConstraints       = critical,CA:TRUE
keyUsage               = critical,keyCertSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ v3_tls_server ]
basicConstraints       = critical,CA:FALSE
keyUsage               = critical,digitalSignature,keyEncipherment
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:localhost,IP:127.0.0.1,IP:::1
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ v3_tls_wronghost ]
basicConstraints       = critical,CA:FALSE
keyUsage               = critical,digitalSignature,keyEncipherment
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:wrong-host.invalid
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ crl_ext ]
authorityKeyIdentifier = keyid:always
EOF
}

rsa_key() { # rsa_key OUT BITS  -> unencrypted PKCS#8 PEM
  openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" -out "$1" 2>/dev/null
}
ec_key() { # ec_key OUT -> P-256, named curve, PKCS#8 PEM
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out "$1"
}

# issue CA KEYFILE SUBJ EXT SERIALHEX START END OUT [CAKEY CACERT]
# CA is the $WORK name of the issuing database; with no CAKEY/CACERT the cert is self-signed.
# REQ_CONF (default: the database's ca.cnf) and REQ_OPTS (default: none) change how the
# request's subject is encoded; the certificate keeps that subject as it is (-preserveDN).
REQ_CONF=""
REQ_OPTS=()
issue() {
  local ca="$1" key="$2" subj="$3" ext="$4" serial="$5" start="$6" end="$7" out="$8"
  local cakey="${9:-}" cacert="${10:-}" d="$WORK/$1"
  echo "$serial" > "$d/serial"
  openssl req -new -config "${REQ_CONF:-$d/ca.cnf}" -key "$key" -subj "$subj" -utf8 ${REQ_OPTS[@]+"${REQ_OPTS[@]}"} \
    -out "$WORK/req.csr"
  if [[ -z "$cakey" ]]; then
    openssl ca -batch -notext -config "$d/ca.cnf" -selfsign -keyfile "$key" -in "$WORK/req.csr" \
      -extensions "$ext" -startdate "$start" -enddate "$end" -preserveDN -utf8 -out "$WORK/out.pem" 2>"$WORK/ca.log" \
      || { cat "$WORK/ca.log" >&2; exit 1; }
  else
    openssl ca -batch -notext -config "$d/ca.cnf" -keyfile "$cakey" -cert "$cacert" -in "$WORK/req.csr" \
      -extensions "$ext" -startdate "$start" -enddate "$end" -preserveDN -utf8 -out "$WORK/out.pem" 2>"$WORK/ca.log" \
      || { cat "$WORK/ca.log" >&2; exit 1; }
  fi
  # keep only the PEM block (no text dump)
  openssl x509 -in "$WORK/out.pem" -out "$out"
}

# --- TLS server identities (issues 12, 13, 15: HTTPS client, gateway, FTPS) -----------------------
# tls-server.*: the test CA's TLS server certificate for the loopback servers the tests start
# (SAN DNS:localhost, IP:127.0.0.1, IP:::1; EKU serverAuth). tls-wronghost.*: the same CA, but the
# name is wrong-host.invalid (hostname-mismatch tests). tls-rogue.*: the right names from the rogue
# CA (untrusted-server tests). Self-contained: needs ca.pem/ca.key.pem and rogue-ca.pem/rogue-ca.key.pem.
make_tls() {
  rm -f tls-server.crt.pem tls-server.key.pem tls-server.chain.pem tls-wronghost.crt.pem tls-wronghost.key.pem \
    tls-rogue.crt.pem tls-rogue.key.pem
  ca_conf tlsca
  ca_conf tlsrogue
  TLS_SUBJ="/C=BE/O=dho-wss Test PKI/OU=${TEST_OU}/CN=localhost"
  rsa_key tls-server.key.pem 2048
  issue tlsca tls-server.key.pem "$TLS_SUBJ" v3_tls_server 4001 "$GOOD_START" "$GOOD_END" tls-server.crt.pem ca.key.pem ca.pem
  cat tls-server.crt.pem ca.pem > tls-server.chain.pem
  rsa_key tls-wronghost.key.pem 2048
  issue tlsca tls-wronghost.key.pem "/C=BE/O=dho-wss Test PKI/OU=${TEST_OU}/CN=wrong-host.invalid" v3_tls_wronghost 4002 \
    "$GOOD_START" "$GOOD_END" tls-wronghost.crt.pem ca.key.pem ca.pem
  rsa_key tls-rogue.key.pem 2048
  issue tlsrogue tls-rogue.key.pem "$TLS_SUBJ" v3_tls_server 4003 "$GOOD_START" "$GOOD_END" tls-rogue.crt.pem rogue-ca.key.pem rogue-ca.pem
  for c in tls-server tls-wronghost; do
    openssl verify -attime 1767225600 -purpose sslserver -CAfile ca.pem "$c.crt.pem" >/dev/null \
      || { echo "self-check failed: $c" >&2; exit 1; }
  done
  openssl verify -attime 1767225600 -purpose sslserver -CAfile rogue-ca.pem tls-rogue.crt.pem >/dev/null \
    || { echo "self-check failed: tls-rogue" >&2; exit 1; }
  if openssl verify -attime 1767225600 -CAfile ca.pem tls-rogue.crt.pem >/dev/null 2>&1; then
    echo "tls-rogue chains to ca.pem?!" >&2; exit 1
  fi
  echo "TLS server identities (tls-server, tls-wronghost, tls-rogue) written to $DIR"
}
if [[ "$PART" == tls ]]; then make_tls; exit 0; fi

# ==================================================================================================
# Base part (`make-pki.sh` without argument): everything up to ca.crl.pem.
if [[ "$PART" == all ]]; then

# --- test root CA ---------------------------------------------------------------------------------
ca_conf testca
rsa_key ca.key.pem 2048
issue testca ca.key.pem "$CA_SUBJ" v3_ca 01 "$GOOD_START" "$GOOD_END" ca.pem

# --- institution 001234 (the good signer) ---------------------------------------------------------
rsa_key institution.key.pem 2048
issue testca institution.key.pem "$INST_SUBJ" v3_leaf 1001 "$GOOD_START" "$GOOD_END" institution.crt.pem ca.key.pem ca.pem
openssl rsa -in institution.key.pem -traditional -out institution.pkcs1.pem 2>/dev/null
openssl pkcs8 -topk8 -in institution.key.pem -v2 aes-256-cbc -v2prf hmacWithSHA256 \
  -passout "pass:$PASS" -out institution.key.enc.pem
cat institution.crt.pem ca.pem > institution.chain.pem
openssl x509 -in institution.crt.pem -outform DER -out institution.der
openssl pkcs12 -export -in institution.crt.pem -inkey institution.key.pem -certfile ca.pem \
  -name institution -passout "pass:$PASS" -out institution.p12
openssl pkcs12 -export -legacy -provider legacy -provider default \
  -in institution.crt.pem -inkey institution.key.pem -certfile ca.pem \
  -name institution -passout "pass:$PASS" -out institution-legacy.p12

# --- another institution 005678, same CA ----------------------------------------------------------
rsa_key other.key.pem 2048
issue testca other.key.pem "$OTHER_SUBJ" v3_leaf 1002 "$GOOD_START" "$GOOD_END" other.crt.pem ca.key.pem ca.pem

# --- the DHO service (provider) identity, for signed replies --------------------------------------
rsa_key provider.key.pem 2048
issue testca provider.key.pem "$PROVIDER_SUBJ" v3_provider 1003 "$GOOD_START" "$GOOD_END" provider.crt.pem ca.key.pem ca.pem
openssl pkcs12 -export -in provider.crt.pem -inkey provider.key.pem -certfile ca.pem \
  -name provider -passout "pass:$PASS" -out provider.p12

# --- rogue CA + a leaf with exactly the institution's subject -------------------------------------
ca_conf rogueca
rsa_key rogue-ca.key.pem 2048
issue rogueca rogue-ca.key.pem "$ROGUE_CA_SUBJ" v3_ca 01 "$GOOD_START" "$GOOD_END" rogue-ca.pem
rsa_key rogue.key.pem 2048
issue rogueca rogue.key.pem "$INST_SUBJ" v3_leaf 1001 "$GOOD_START" "$GOOD_END" rogue.crt.pem rogue-ca.key.pem rogue-ca.pem

# --- negative leaves, all issued by the test CA, all for institution 001234 -----------------------
rsa_key expired.key.pem 2048
issue testca expired.key.pem "$(neg_subj expired)" v3_leaf 2001 20150101000000Z 20200101000000Z expired.crt.pem ca.key.pem ca.pem
rsa_key notyet.key.pem 2048
issue testca notyet.key.pem "$(neg_subj notyet)" v3_leaf 2002 20500101000000Z 20550101000000Z notyet.crt.pem ca.key.pem ca.pem
rsa_key ca-signer.key.pem 2048
issue testca ca-signer.key.pem "$(neg_subj ca-signer)" v3_ca_signer 2003 "$GOOD_START" "$GOOD_END" ca-signer.crt.pem ca.key.pem ca.pem
rsa_key no-digsig.key.pem 2048
issue testca no-digsig.key.pem "$(neg_subj no-digsig)" v3_no_digsig 2004 "$GOOD_START" "$GOOD_END" no-digsig.crt.pem ca.key.pem ca.pem
rsa_key weak1024.key.pem 1024
issue testca weak1024.key.pem "$(neg_subj weak1024)" v3_leaf 2005 "$GOOD_START" "$GOOD_END" weak1024.crt.pem ca.key.pem ca.pem
ec_key ec.key.pem
issue testca ec.key.pem "$(neg_subj ec)" v3_leaf 2006 "$GOOD_START" "$GOOD_END" ec.crt.pem ca.key.pem ca.pem
# extra (A22 "revoked-by-CRL"): a good-looking leaf that ca.crl.pem lists as revoked
rsa_key revoked.key.pem 2048
issue testca revoked.key.pem "$(neg_subj revoked)" v3_leaf 2007 "$GOOD_START" "$GOOD_END" revoked.crt.pem ca.key.pem ca.pem
openssl ca -batch -config "$WORK/testca/ca.cnf" -keyfile ca.key.pem -cert ca.pem \
  -revoke revoked.crt.pem -crl_reason keyCompromise 2>"$WORK/ca.log" || { cat "$WORK/ca.log" >&2; exit 1; }
# pin the revocation date (openssl ca records "now") so the CRL content is fixed: 2025-01-01T00:00:00Z
sed -i -E 's/^R\t([0-9]+Z)\t[0-9]+Z,/R\t\1\t250101000000Z,/' "$WORK/testca/index.txt"
openssl ca -batch -config "$WORK/testca/ca.cnf" -keyfile ca.key.pem -cert ca.pem -gencrl \
  -crlexts crl_ext -crl_lastupdate "$GOOD_START" -crl_nextupdate "$GOOD_END" -out "$WORK/crl.pem" 2>"$WORK/ca.log" \
  || { cat "$WORK/ca.log" >&2; exit 1; }
openssl crl -in "$WORK/crl.pem" -out ca.crl.pem

fi # end of the base part

# ==================================================================================================
# Extra part (also `make-pki.sh extra` on its own): intermediate CAs of the test CA and subject
# names that are ambiguous or need escaping. Issued by ca.pem/ca.key.pem; touches no base file.
if [[ ! -d "$WORK/testca" ]]; then ca_conf testca; fi

# --- intermediates (attack catalogue F3) ----------------------------------------------------------
# Each intermediate is CA:TRUE and issued by the test CA; each issues a leaf with the institution's
# exact subject and its own key (v3_leaf). RFC 5280 6.1.4(n): an issuer whose keyUsage is present
# must assert keyCertSign; 6.3.3(f): a CRL issuer's keyUsage must assert cRLSign.
INT_SUBJ="/C=BE/O=dho-wss Test PKI/OU=${TEST_OU}/CN=dho-wss Test Intermediate"
ca_conf intgood
rsa_key int-good.key.pem 2048
issue testca int-good.key.pem "$INT_SUBJ with keyCertSign and cRLSign" v3_int_good 3001 "$GOOD_START" "$GOOD_END" int-good.pem ca.key.pem ca.pem
rsa_key int-good-leaf.key.pem 2048
issue intgood int-good-leaf.key.pem "$INST_SUBJ" v3_leaf 3101 "$GOOD_START" "$GOOD_END" int-good-leaf.crt.pem int-good.key.pem int-good.pem
cat int-good-leaf.crt.pem int-good.pem > int-good-leaf.chain.pem

ca_conf intnocertsign
rsa_key int-nocertsign.key.pem 2048
issue testca int-nocertsign.key.pem "$INT_SUBJ with digitalSignature only" v3_int_nocertsign 3002 "$GOOD_START" "$GOOD_END" int-nocertsign.pem ca.key.pem ca.pem
rsa_key int-nocertsign-leaf.key.pem 2048
issue intnocertsign int-nocertsign-leaf.key.pem "$INST_SUBJ" v3_leaf 3102 "$GOOD_START" "$GOOD_END" int-nocertsign-leaf.crt.pem int-nocertsign.key.pem int-nocertsign.pem
cat int-nocertsign-leaf.crt.pem int-nocertsign.pem > int-nocertsign-leaf.chain.pem
# the same subject and key with keyCertSign+cRLSign: a second path for int-nocertsign-leaf that is valid
issue testca int-nocertsign.key.pem "$INT_SUBJ with digitalSignature only" v3_int_good 3003 "$GOOD_START" "$GOOD_END" int-nocertsign-reissued.pem ca.key.pem ca.pem

ca_conf intnocrlsign
rsa_key int-nocrlsign.key.pem 2048
issue testca int-nocrlsign.key.pem "$INT_SUBJ with keyCertSign only" v3_int_nocrlsign 3004 "$GOOD_START" "$GOOD_END" int-nocrlsign.pem ca.key.pem ca.pem
rsa_key int-nocrlsign-leaf.key.pem 2048
issue intnocrlsign int-nocrlsign-leaf.key.pem "$INST_SUBJ" v3_leaf 3104 "$GOOD_START" "$GOOD_END" int-nocrlsign-leaf.crt.pem int-nocrlsign.key.pem int-nocrlsign.pem

# empty CRLs (2025-01-01..2055-01-01) of int-good and int-nocrlsign
for int in good nocrlsign; do
  openssl ca -batch -config "$WORK/int$int/ca.cnf" -keyfile "int-$int.key.pem" -cert "int-$int.pem" -gencrl \
    -crlexts crl_ext -crl_lastupdate "$GOOD_START" -crl_nextupdate "$GOOD_END" -out "$WORK/crl.pem" 2>"$WORK/ca.log" \
    || { cat "$WORK/ca.log" >&2; exit 1; }
  openssl crl -in "$WORK/crl.pem" -out "int-$int.crl.pem"
done

# --- subjects that are ambiguous or need escaping (issued by the test CA, v3_leaf) ----------------
# Two CNs: the institution's first in DER order (what a "first CN" rule would read), another last
# (what RFC 4514 prints first).
rsa_key two-cn.key.pem 2048
issue testca two-cn.key.pem "/C=BE/O=Hogeschool Test/OU=${TEST_OU}/serialNumber=001234/CN=dho-wss-test.instelling-001234.hogeschool-test/CN=dho-wss-test-two-cn.instelling-005678.universiteit-test" \
  v3_leaf 2008 "$GOOD_START" "$GOOD_END" two-cn.crt.pem ca.key.pem ca.pem
# Two serialNumbers: 001234 first in DER order, 005678 last.
rsa_key two-serial.key.pem 2048
issue testca two-serial.key.pem "/C=BE/O=Hogeschool Test/OU=${TEST_OU}/serialNumber=001234/serialNumber=005678/CN=dho-wss-test-two-serial.instelling-001234.hogeschool-test" \
  v3_leaf 2009 "$GOOD_START" "$GOOD_END" two-serial.crt.pem ca.key.pem ca.pem
# A multi-valued RDN CN+serialNumber (DER sorts the SET: serialNumber first).
rsa_key multi-valued-rdn.key.pem 2048
REQ_OPTS=(-multivalue-rdn)
issue testca multi-valued-rdn.key.pem "/C=BE/O=Hogeschool Test/OU=${TEST_OU}/CN=dho-wss-test-mv.instelling-001234.hogeschool-test+serialNumber=001234" \
  v3_leaf 200A "$GOOD_START" "$GOOD_END" multi-valued-rdn.crt.pem ca.key.pem ca.pem
REQ_OPTS=()
# Values that need RFC 4514 escaping, and non-ASCII text (UTF8String).
rsa_key dn-escapes.key.pem 2048
issue testca dn-escapes.key.pem \
  "$(printf '/C=BE/O=#Hogeschool, "Test" <a\\+b> ;\\\\ =x/OU=%s/L=#/ST= /street= lead and trail /title=Universit\xc3\xa9 \xe2\x82\xac/description=ctl\x01\x7f/serialNumber=001234/CN=dho-wss-test-dn-escapes.instelling-001234.hogeschool-test' "$TEST_OU")" \
  v3_leaf 200B "$GOOD_START" "$GOOD_END" dn-escapes.crt.pem ca.key.pem ca.pem
# Other string types (string_mask default picks the smallest: PrintableString, T61String for
# Latin-1, BMPString beyond) and an attribute OpenSSL has no name for.
cat > "$WORK/strings.cnf" <<'EOF'
oid_section = dho_oids
[ dho_oids ]
dhoTestAttribute = 1.3.6.1.4.1.55555.1.1
[ req ]
distinguished_name = req_dn
string_mask        = default
utf8               = yes
prompt             = no
[ req_dn ]
CN = unused
EOF
rsa_key dn-strings.key.pem 2048
REQ_CONF="$WORK/strings.cnf"
issue testca dn-strings.key.pem \
  "$(printf '/C=BE/O=Universit\xc3\xa9 Test/OU=%s/L=\xe2\x82\xacuro/dhoTestAttribute=x/serialNumber=001234/CN=dho-wss-test-dn-strings.instelling-001234.hogeschool-test' "$TEST_OU")" \
  v3_leaf 200C "$GOOD_START" "$GOOD_END" dn-strings.crt.pem ca.key.pem ca.pem
REQ_CONF=""

# --- self checks ----------------------------------------------------------------------------------
check() { openssl verify -attime 1767225600 "$@" >/dev/null; } # 2026-01-01
for c in institution other provider ca-signer no-digsig weak1024 ec revoked; do
  check -CAfile ca.pem "$c.crt.pem" || { echo "self-check failed: $c" >&2; exit 1; }
done
check -CAfile rogue-ca.pem rogue.crt.pem
if check -CAfile ca.pem rogue.crt.pem 2>/dev/null; then echo "rogue chains to ca.pem?!" >&2; exit 1; fi
if check -CAfile ca.pem expired.crt.pem 2>/dev/null; then echo "expired verifies?!" >&2; exit 1; fi
if check -CAfile ca.pem notyet.crt.pem 2>/dev/null; then echo "notyet verifies?!" >&2; exit 1; fi
if check -crl_check -CRLfile ca.crl.pem -CAfile ca.pem revoked.crt.pem 2>/dev/null; then echo "revoked verifies?!" >&2; exit 1; fi
for k in institution.key.pem institution.pkcs1.pem; do
  [[ "$(openssl pkey -in "$k" -pubout)" == "$(openssl x509 -in institution.crt.pem -noout -pubkey)" ]] || { echo "key mismatch $k" >&2; exit 1; }
done
[[ "$(openssl pkey -in institution.key.enc.pem -passin "pass:$PASS" -pubout)" == "$(openssl x509 -in institution.crt.pem -noout -pubkey)" ]]
openssl pkcs12 -in institution.p12 -passin "pass:$PASS" -noout
openssl pkcs12 -in institution-legacy.p12 -legacy -passin "pass:$PASS" -noout
openssl pkcs12 -in provider.p12 -passin "pass:$PASS" -noout
# extra part
check -CAfile ca.pem -untrusted int-good.pem int-good-leaf.crt.pem
check -crl_check -CRLfile int-good.crl.pem -CAfile ca.pem -untrusted int-good.pem int-good-leaf.crt.pem
check -CAfile ca.pem -untrusted int-nocertsign-reissued.pem int-nocertsign-leaf.crt.pem
check -CAfile ca.pem -untrusted int-nocrlsign.pem int-nocrlsign-leaf.crt.pem
if check -CAfile ca.pem -untrusted int-nocertsign.pem int-nocertsign-leaf.crt.pem 2>/dev/null; then
  echo "an issuer without keyCertSign verifies?!" >&2; exit 1
fi
if check -crl_check -CRLfile int-nocrlsign.crl.pem -CAfile ca.pem -untrusted int-nocrlsign.pem int-nocrlsign-leaf.crt.pem 2>/dev/null; then
  echo "a CRL from an issuer without cRLSign is used?!" >&2; exit 1
fi
for c in two-cn two-serial multi-valued-rdn dn-escapes dn-strings; do
  check -CAfile ca.pem "$c.crt.pem" || { echo "self-check failed: $c" >&2; exit 1; }
done

# --- README ---------------------------------------------------------------------------------------
summary() {
  local f
  for f in "$@"; do
    echo "$f"
    openssl x509 -in "$f" -noout -subject -issuer -serial -dates -fingerprint -sha256 -nameopt RFC2253 | sed 's/^/    /'
    echo
  done
}
{
cat <<'EOF'
# testdata/pki — dho-wss TEST PKI

**TEST ONLY - NOT FOR PRODUCTION.** Every private key in this folder is public (it is checked into
the repository). The CA is a throw-away test root made by `make-pki.sh`; never add `ca.pem` (or
`rogue-ca.pem`) to a real trust store, and never use these identities against a real DHO/MAGDA
endpoint. The real certificates come from the Flemish government CA through VO-DCBaaS.

Password of every encrypted file (`institution.key.enc.pem`, `institution.p12`,
`institution-legacy.p12`, `provider.p12`): **`test-only`**.

Regenerate (needs only bash + OpenSSL 3.x; deletes and rewrites every file below):

    testdata/pki/make-pki.sh

or only the extra part (the `int-*`, `two-*`, `multi-valued-rdn.*` and `dn-*` files, issued by the
existing `ca.pem`; every other file keeps its bytes):

    testdata/pki/make-pki.sh extra

Keys, signatures and fingerprints change on every run; names, subjects, serials, dates and extensions do not.
Commit the regenerated files together with anything that pins a fingerprint.

## Subject convention (VO-DCBaaS style)

One certificate per organisation / application / environment, with a CN the service assigns:

    C=BE, O=<organisation>, OU=TEST ONLY - NOT FOR PRODUCTION, serialNumber=<Instellingsnummer>, CN=<app-env>.instelling-<Instellingsnummer>.<organisation-slug>

* The **Instellingsnummer** is in the X.520 `serialNumber` attribute (OID 2.5.4.5, PrintableString) of the
  subject, zero-padded to 6 digits (`001234`, `005678`), and also inside the CN (`instelling-001234`).
  A PEP binding should use `serialNumber` (compare numerically or after zero-padding the message's
  `Afzender/Identificatie`, which is 1..6 digits), or pin the full subject / CN.
* Java prints `serialNumber` as `2.5.4.5=#1306...` in RFC 2253 form unless given an OID map; OpenSSL prints `serialNumber=001234`.
* The negative leaves all carry `serialNumber=001234` and `O=Hogeschool Test` (with CN `dho-wss-test-<kind>.instelling-001234...`),
  so that a test using them fails on the certificate property alone, never on the authorization binding.
* `rogue.crt.pem` has byte-for-byte the same subject as `institution.crt.pem` but is issued by `rogue-ca.pem`.

## Files

| File | What |
|---|---|
| `ca.pem`, `ca.key.pem` | test root CA, RSA 2048, basicConstraints critical CA:TRUE, keyUsage critical keyCertSign+cRLSign, SKI; 2025-01-01..2055-01-01 |
| `ca.crl.pem` | CRL of the test CA (2025-01-01..2055-01-01) listing `revoked.crt.pem` (serial 0x2007, keyCompromise) |
| `institution.crt.pem` | the good signer, institution 001234; CA:FALSE (critical), keyUsage critical digitalSignature+nonRepudiation+keyEncipherment, EKU clientAuth, SKI/AKI |
| `institution.key.pem` | its key, unencrypted PKCS#8 (`BEGIN PRIVATE KEY`) |
| `institution.pkcs1.pem` | same key, PKCS#1 (`BEGIN RSA PRIVATE KEY`) |
| `institution.key.enc.pem` | same key, encrypted PKCS#8 (PBES2, AES-256-CBC, PBKDF2 hmacWithSHA256), password `test-only` |
| `institution.chain.pem` | leaf then CA |
| `institution.der` | leaf certificate, DER |
| `institution.p12` | PKCS#12 from `openssl pkcs12 -export` (OpenSSL 3 default: AES-256-CBC/PBKDF2, SHA-256 MAC), alias `institution`, contains key, leaf and CA |
| `institution-legacy.p12` | same content made with `-legacy` (RC2-40 certs / 3DES key, SHA-1 MAC), alias `institution` |
| `other.crt.pem`, `other.key.pem` | another institution, 005678, same CA (fails a binding/pin to 001234) |
| `provider.crt.pem`, `provider.key.pem`, `provider.p12` | the DHO service's own identity (signed replies; EKU serverAuth+clientAuth), alias `provider` |
| `rogue-ca.pem`, `rogue-ca.key.pem` | unrelated root CA |
| `rogue.crt.pem`, `rogue.key.pem` | leaf from the rogue CA with the institution's exact subject |
| `expired.*` | test CA, 2015-01-01..2020-01-01 |
| `notyet.*` | test CA, 2050-01-01..2055-01-01 |
| `ca-signer.*` | CA:TRUE with keyUsage keyCertSign+digitalSignature, used as a signer |
| `no-digsig.*` | keyUsage keyEncipherment only |
| `weak1024.*` | RSA 1024 |
| `ec.*` | EC P-256 key (named curve), certificate signed by the RSA test CA |
| `revoked.*` | otherwise good leaf, listed in `ca.crl.pem` |

Extra part (`make-pki.sh extra`): intermediate CAs (attack catalogue F3) and subject names.

| File | What |
|---|---|
| `int-good.pem`, `.key.pem` | intermediate CA of the test CA: CA:TRUE, keyUsage critical keyCertSign+cRLSign |
| `int-good.crl.pem` | empty CRL of `int-good` (2025-01-01..2055-01-01) |
| `int-good-leaf.*` | leaf of `int-good` with the institution's exact subject and its own key (v3 as `institution`); `.chain.pem` is leaf then intermediate |
| `int-nocertsign.pem`, `.key.pem` | intermediate CA:TRUE whose keyUsage is digitalSignature only (no keyCertSign): must not issue |
| `int-nocertsign-leaf.*` | leaf of `int-nocertsign` with the institution's exact subject; `.chain.pem` is leaf then intermediate |
| `int-nocertsign-reissued.pem` | same subject and key as `int-nocertsign`, keyUsage keyCertSign+cRLSign: a second, valid path for `int-nocertsign-leaf` |
| `int-nocrlsign.pem`, `.key.pem` | intermediate CA:TRUE with keyUsage keyCertSign only (no cRLSign) |
| `int-nocrlsign.crl.pem` | empty CRL signed by `int-nocrlsign` (must not be used) |
| `int-nocrlsign-leaf.*` | leaf of `int-nocrlsign` with the institution's exact subject |
| `two-cn.*` | test CA leaf with two CNs: the institution's first in DER order, `...instelling-005678...` last |
| `two-serial.*` | test CA leaf with two serialNumber attributes: 001234 first in DER order, 005678 last |
| `multi-valued-rdn.*` | test CA leaf whose most specific RDN is `CN=...+serialNumber=001234` (one RDN, two attributes) |
| `dn-escapes.*` | test CA leaf with values that need RFC 4514 escaping, non-ASCII UTF8String and control characters |
| `dn-strings.*` | test CA leaf with a T61String, a BMPString and an attribute OpenSSL has no name for (1.3.6.1.4.1.55555.1.1) |
| `tls-server.*` | TLS server certificate of the test CA for loopback servers (CN=localhost; SAN DNS:localhost, IP:127.0.0.1, IP:::1; EKU serverAuth); `tls-server.chain.pem` = leaf then CA. Made by `make-pki.sh tls` |
| `tls-wronghost.*` | the same CA and EKU, SAN DNS:wrong-host.invalid (hostname-mismatch tests) |
| `tls-rogue.*` | the names of `tls-server` from the rogue CA (untrusted-server tests) |

All `*.key.pem` files are unencrypted PKCS#8 unless said otherwise. All certificates are v3, signed with
sha256WithRSAEncryption. Serials: CA 0x01, institution 0x1001, other 0x1002, provider 0x1003,
negative leaves 0x2001..0x2007 (rogue CA 0x01, rogue leaf 0x1001); extra part: name leaves 0x2008..0x200C,
intermediates 0x3001..0x3004, their leaves 0x3101, 0x3102, 0x3104; TLS servers 0x4001..0x4003.

## Summary (`openssl x509 -noout -subject -issuer -serial -dates -fingerprint -sha256 -nameopt RFC2253`)

```
EOF
summary ca.pem institution.crt.pem other.crt.pem provider.crt.pem rogue-ca.pem rogue.crt.pem \
  expired.crt.pem notyet.crt.pem ca-signer.crt.pem no-digsig.crt.pem weak1024.crt.pem ec.crt.pem revoked.crt.pem \
  int-good.pem int-good-leaf.crt.pem int-nocertsign.pem int-nocertsign-reissued.pem int-nocertsign-leaf.crt.pem \
  int-nocrlsign.pem int-nocrlsign-leaf.crt.pem two-cn.crt.pem two-serial.crt.pem multi-valued-rdn.crt.pem \
  dn-escapes.crt.pem dn-strings.crt.pem
echo '```'
} > README.md

echo "dho-wss test PKI written to $DIR"

# --- a second application of institution 001234 (issue 10, finding F6) ----------------------------
# institution-app2.crt.pem / institution-app2.key.pem: another application certificate of the same
# institution (same test CA, serialNumber=001234, its own CN), for the tests in which two
# certificates are bound to one Instellingsnummer (the answer store must not hand one application's
# stored answer to the other). Self-contained: needs only ca.pem / ca.key.pem and the helpers above.
APP2_SUBJ="/C=BE/O=Hogeschool Test/OU=${TEST_OU}/serialNumber=001234/CN=dho-wss-test-app2.instelling-001234.hogeschool-test"
rm -f institution-app2.crt.pem institution-app2.key.pem
ca_conf app2ca
rsa_key institution-app2.key.pem 2048
issue app2ca institution-app2.key.pem "$APP2_SUBJ" v3_leaf 1100 "$GOOD_START" "$GOOD_END" \
  institution-app2.crt.pem ca.key.pem ca.pem
openssl verify -attime 1767225600 -CAfile ca.pem institution-app2.crt.pem >/dev/null \
  || { echo "self-check failed: institution-app2" >&2; exit 1; }
echo "institution-app2 (second application of 001234) written to $DIR"


if [[ "$PART" == all ]]; then make_tls; fi
