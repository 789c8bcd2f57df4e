#!/usr/bin/env bash
# Builds the libxmlsec1 reference driver for the WS-Security benchmarks (benches/wss.rs).
# Usage: benches/xmlsec1/build.sh OUTDIR      -> OUTDIR/xmlsec1-driver
# Needs gcc, pkg-config and Debian's libxmlsec1-dev (which brings libxml2-dev and libssl-dev):
#   apt-get install gcc pkg-config libxmlsec1-dev
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:?usage: $0 OUTDIR}"
mkdir -p "$OUT"
command -v gcc >/dev/null || { echo "build.sh: gcc not found" >&2; exit 1; }
pkg-config --exists xmlsec1-openssl || { echo "build.sh: pkg-config cannot find xmlsec1-openssl (apt-get install libxmlsec1-dev)" >&2; exit 1; }
# shellcheck disable=SC2046
gcc -O2 -Wall -Wextra -Werror -o "$OUT/xmlsec1-driver" "$HERE/driver.c" $(pkg-config --cflags --libs xmlsec1-openssl)
echo "$OUT/xmlsec1-driver"
