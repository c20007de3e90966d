#!/bin/sh
# Runs the whole suite against one build directory: every Criterion binary,
# the end-to-end scripts and (unless NO_BROWSER=1) the browser check.
# Usage: tests/run.sh BUILD_DIR. The last line is "total: N passed, N failed".
set -u
B=${1:-build}
cd "$(dirname "$0")/.." || exit 2
export GAPSCAN_ROOT="$PWD" GAPSCAN="$PWD/$B/gapscan" CORPUS_GEN="$PWD/$B/corpus-gen"
pass=0 fail=0
for t in "$B"/tests/test_*; do
	case "$t" in *.d) continue ;; esac
	[ -x "$t" ] || continue
	out=$("$t" --jobs 2 2>&1); rc=$?
	line=$(printf '%s\n' "$out" | grep 'Synthesis:' | tail -1)
	n=$(printf '%s\n' "$line" | sed -n 's/.*Tested: \([0-9]*\).*/\1/p')
	p=$(printf '%s\n' "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
	n=${n:-0}; p=${p:-0}
	if [ "$rc" -ne 0 ] || [ "$n" -ne "$p" ]; then
		printf '%s\n' "$out" | grep -v '^\[----\]' | tail -40
		echo "FAIL $t ($p of $n passed, exit $rc)"
		[ "$n" -eq "$p" ] && fail=$((fail + 1))
	else
		echo "ok   $t ($n tests)"
	fi
	pass=$((pass + p)); fail=$((fail + n - p))
done
e2e=$(sh tests/e2e/run.sh); rc=$?
printf '%s\n' "$e2e"
ep=$(printf '%s\n' "$e2e" | sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
ef=$(printf '%s\n' "$e2e" | sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
pass=$((pass + ${ep:-0})); fail=$((fail + ${ef:-1}))
if [ "${NO_BROWSER:-0}" != 1 ] && [ -f tests/browser/run.sh ]; then
	if sh tests/browser/run.sh; then pass=$((pass + 1)); echo "ok   browser"
	else fail=$((fail + 1)); echo "FAIL browser"; fi
fi
# outputs named /dev/null or /dev/full are written in place: a suite that
# renamed a file over a device would break the machine it runs on
for dev in /dev/null /dev/full; do
	if [ -e "$dev" ] && [ ! -c "$dev" ]; then
		echo "FAIL $dev is no longer a character device"; fail=$((fail + 1))
	fi
done
echo "total: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
