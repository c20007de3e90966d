#!/bin/sh
# Runs every end-to-end script tests/e2e/t_*.sh with GAPSCAN and CORPUS_GEN
# set, from the repository root. Prints "N passed, N failed" last.
set -u
cd "$(dirname "$0")/../.." || exit 2
: "${GAPSCAN:=$PWD/build/gapscan}" "${CORPUS_GEN:=$PWD/build/corpus-gen}"
export GAPSCAN CORPUS_GEN
pass=0 fail=0 failed=""
for t in tests/e2e/t_*.sh; do
	[ -f "$t" ] || continue
	log=$(mktemp)
	if sh "$t" >"$log" 2>&1; then
		pass=$((pass + 1)); echo "ok   $t"
		# a check a script could not run here is said, not hidden
		grep -h 'skipped' "$log" | sed 's/^/     /' || true
	else
		fail=$((fail + 1)); failed="$failed $t"; echo "FAIL $t"; sed 's/^/     /' "$log" | tail -40
	fi
	rm -f "$log"
done
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
