#!/bin/sh
# Seeds fuzz/corpus/<target> from the test documents and runs each target.
# Usage: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]   (default 480 s; parse c14n roundtrip verify)
# Needs cargo-fuzz (`cargo install cargo-fuzz`); RUSTC_BOOTSTRAP=1 lets the stable
# toolchain accept the -Z flags cargo-fuzz passes (-Zsanitizer=address).
set -eu
cd "$(dirname "$0")"
secs=${1:-480}
[ $# -gt 0 ] && shift
targets=${*:-parse c14n roundtrip verify}
for t in $targets; do
    mkdir -p corpus/$t logs
    if [ "$t" = verify ]; then
        cp ../tests/fixtures/attacks/*.xml corpus/$t/
    else
        cp ../tests/c14n/corpus/*.xml ../tests/fixtures/messages/*.xml \
           ../tests/fixtures/messages/invalid/*.xml corpus/$t/
    fi
    RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" "corpus/$t" -- \
        -dict=xml.dict -max_total_time="$secs" -print_final_stats=1 \
        >"logs/$t.log" 2>&1 || { echo "$t: FAILED, see fuzz/logs/$t.log"; exit 1; }
    printf '%s: ' "$t"
    grep -E '^#[0-9]+.*DONE' "logs/$t.log" | tail -1
done
