#!/usr/bin/env bash
# Regenerates the fixtures of tests/pki/trust_cache.rs into this folder (TEST ONLY; no keys are kept).
#
#   root.pem        self-signed root CA, 2025-01-01..2055-01-01
#   inter.pem       intermediate CA issued by root, 2025-01-01..2030-01-01 (expires before the leaf)
#   leaf.pem        signer certificate issued by inter, 2025-01-01..2055-01-01
#   root.crl.pem    empty CRL of root, lastUpdate 2025-01-01, nextUpdate 2027-01-01
#
# Usage: tests/trust_cache/make-fixtures.sh   (needs bash and openssl >= 3.0)
set -euo pipefail
export LC_ALL=C
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/new"
: > "$W/index.txt"
echo "unique_subject = no" > "$W/index.txt.attr"
echo 1000 > "$W/crlnumber"
cat > "$W/ca.cnf" <<CNF
[ ca ]
default_ca = the_ca
[ the_ca ]
dir = $W
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
crlnumber = \$dir/crlnumber
default_md = sha256
default_days = 3650
default_crl_days = 3650
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
organizationName = optional
organizationalUnitName = optional
commonName = supplied
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ crl_ext ]
authorityKeyIdentifier = keyid:always
CNF
key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }
# issue KEY SUBJ EXT SERIAL START END OUT [CAKEY CACERT]
issue() {
  echo "$4" > "$W/serial"
  openssl req -new -config "$W/ca.cnf" -key "$1" -subj "$2" -out "$W/req.csr"
  if [[ -z "${8:-}" ]]; then
    openssl ca -batch -notext -config "$W/ca.cnf" -selfsign -keyfile "$1" -in "$W/req.csr" -extensions "$3" \
      -startdate "$5" -enddate "$6" -preserveDN -out "$W/out.pem" 2>"$W/log" || { cat "$W/log" >&2; exit 1; }
  else
    openssl ca -batch -notext -config "$W/ca.cnf" -keyfile "$8" -cert "$9" -in "$W/req.csr" -extensions "$3" \
      -startdate "$5" -enddate "$6" -preserveDN -out "$W/out.pem" 2>"$W/log" || { cat "$W/log" >&2; exit 1; }
  fi
  openssl x509 -in "$W/out.pem" -out "$7"
}
OU="OU=TEST ONLY - NOT FOR PRODUCTION"
key "$W/root.key"; key "$W/inter.key"; key "$W/leaf.key"
issue "$W/root.key" "/O=dho-wss cache test/$OU/CN=Cache Test Root" v3_ca 01 20250101000000Z 20550101000000Z "$DIR/root.pem"
issue "$W/inter.key" "/O=dho-wss cache test/$OU/CN=Cache Test Intermediate" v3_ca 02 20250101000000Z 20300101000000Z \
  "$DIR/inter.pem" "$W/root.key" "$DIR/root.pem"
issue "$W/leaf.key" "/O=dho-wss cache test/$OU/CN=Cache Test Leaf" v3_leaf 1001 20250101000000Z 20550101000000Z \
  "$DIR/leaf.pem" "$W/inter.key" "$DIR/inter.pem"
: > "$W/index.txt"
openssl ca -batch -config "$W/ca.cnf" -keyfile "$W/root.key" -cert "$DIR/root.pem" -gencrl -crlexts crl_ext \
  -crl_lastupdate 20250101000000Z -crl_nextupdate 20270101000000Z -out "$DIR/root.crl.pem" 2>"$W/log" \
  || { cat "$W/log" >&2; exit 1; }
openssl verify -attime 1767225600 -CAfile "$DIR/root.pem" -untrusted "$DIR/inter.pem" "$DIR/leaf.pem" >/dev/null
echo "fixtures written to $DIR"
