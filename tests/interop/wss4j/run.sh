#!/usr/bin/env bash
# Runs the WSS4J driver. Usage: tests/interop/wss4j/run.sh OUTDIR sign|verify ARGS...
# OUTDIR is the build.sh output dir; it is (re)built first when the class is missing or older than the source.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[[ $# -ge 1 ]] || { echo "usage: $0 OUTDIR sign|verify ARGS..." >&2; exit 2; }
OUT="$1"; shift
if [[ ! -f "$OUT/Wss4jDriver.class" || "$HERE/Wss4jDriver.java" -nt "$OUT/Wss4jDriver.class" ]]; then
  "$HERE/build.sh" "$OUT" >&2
fi
source "$HERE/classpath.sh"
exec java -Xshare:auto -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$OUT:$WSS4J_CP" Wss4jDriver "$@"
