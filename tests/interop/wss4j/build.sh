#!/usr/bin/env bash
# Compiles Wss4jDriver.java against the Debian jars (libwss4j-java 1.6.19, libxml-security-java 2.1.7,
# commons-logging, slf4j). Usage: tests/interop/wss4j/build.sh [OUTDIR]   (default: <repo>/target/interop/wss4j)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
OUT="${1:-$REPO/target/interop/wss4j}"
source "$HERE/classpath.sh"
mkdir -p "$OUT"
javac -nowarn -encoding UTF-8 --release 17 -cp "$WSS4J_CP" -d "$OUT" "$HERE/Wss4jDriver.java"
echo "$WSS4J_CP" > "$OUT/classpath"
echo "built $OUT/Wss4jDriver.class"
