#!/usr/bin/env bash
# Run every message fixture through tests/schema/validate.sh and check the outcome.
#
#   tests/schema/check-fixtures.sh
#
#   tests/fixtures/messages/*.xml          must be valid
#   tests/fixtures/messages/invalid/*.xml  must be invalid, and validate.sh's messages must contain the
#                                          substring listed for the file in invalid/expected-errors.txt
#                                          (so that each fails for the rule it was made to break)
# Schema version: files whose name starts with "generiek-01.02-" use 01.02, all others 02.00.
# Also runs plain `xmllint --schema schemas/dho-envelope-VERSION.xsd` (no driver) on every fixture: valid ones
# must pass, and invalid ones must fail with the same message, except the few whose rule only validate.sh
# checks (expected message starting with "structure: "), which must PASS plain xmllint. This keeps the claim
# "libxml2 validates the Verzoek/Repliek below a lax-matched operation element strictly" under test.
# First checks that the generated fixtures are in step with tests/schema/make-fixtures.py.
# Prints one line per failure and "N passed, M failed"; exit status 0 only if nothing failed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fixtures=$(cd "$here/../fixtures/messages" && pwd)
schemas=$(cd "$here/../../schemas" && pwd)
validate="$here/validate.sh"
expected_file="$fixtures/invalid/expected-errors.txt"

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

version_of() {
    case "$(basename "$1")" in
        generiek-01.02-*) echo 01.02 ;;
        *) echo 02.00 ;;
    esac
}

# 0. generated fixtures up to date
if /usr/bin/python3 "$here/make-fixtures.py" --check; then pass; else fail "generated fixtures out of date"; fi

# 1. valid fixtures
for f in "$fixtures"/*.xml; do
    name=${f#"$fixtures"/}
    if out=$("$validate" "$(version_of "$f")" "$f" 2>&1); then
        pass
    else
        fail "$name should be valid:"
        printf '%s\n' "$out" | sed 's/^/    /'
    fi
done

# 2. invalid fixtures
declare -A expected=()
while IFS= read -r line; do
    [ -n "$line" ] || continue
    expected["${line%% *}"]="${line#* }"
done <"$expected_file"

for f in "$fixtures"/invalid/*.xml; do
    name=$(basename "$f")
    want=${expected[$name]:-}
    if [ -z "$want" ]; then
        fail "invalid/$name has no line in invalid/expected-errors.txt"
        continue
    fi
    unset "expected[$name]"
    if out=$("$validate" "$(version_of "$f")" "$f" 2>&1); then
        fail "invalid/$name should be invalid, but validates"
    elif [[ "$out" != *"$want"* ]]; then
        fail "invalid/$name is invalid, but not for the expected reason"
        echo "    expected: $want"
        printf '%s\n' "$out" | sed 's/^/    got: /'
    else
        pass
    fi
done
# 3. the one-schema path alone (lax wildcard, no driver)
plain() { xmllint --noout --nonet --schema "$schemas/dho-envelope-$1.xsd" "$2" 2>&1; }
for f in "$fixtures"/*.xml; do
    name=${f#"$fixtures"/}
    if out=$(plain "$(version_of "$f")" "$f"); then
        pass
    else
        fail "$name should pass plain xmllint with dho-envelope-$(version_of "$f").xsd:"
        printf '%s\n' "$out" | sed 's/^/    /'
    fi
done
while IFS= read -r line; do
    [ -n "$line" ] || continue
    name=${line%% *}
    want=${line#* }
    f="$fixtures/invalid/$name"
    [ -f "$f" ] || continue
    if [[ "$want" == "structure: "* ]]; then
        # rule outside XSD reach: plain xmllint accepts it, validate.sh must not
        if out=$(plain "$(version_of "$f")" "$f"); then pass; else
            fail "invalid/$name: expected plain xmllint to accept it (only validate.sh checks this rule)"
            printf '%s\n' "$out" | sed 's/^/    got: /'
        fi
    elif out=$(plain "$(version_of "$f")" "$f"); then
        fail "invalid/$name passes plain xmllint with dho-envelope-$(version_of "$f").xsd"
    elif [[ "$out" != *"$want"* ]]; then
        fail "invalid/$name fails plain xmllint, but not for the expected reason"
        printf '%s\n' "$out" | sed 's/^/    got: /'
    else
        pass
    fi
done <"$expected_file"

for name in "${!expected[@]}"; do
    fail "invalid/expected-errors.txt lists $name, which does not exist"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
