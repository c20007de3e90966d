# Output and database contents are identical for any number of threads;
# progress is drawn only on a terminal; --rule-timings lists every rule.
. tests/e2e/lib.sh
G=$GAPSCAN
$CORPUS_GEN --records 6000 --seed 31 --as-of 2026-11-01 --out "$TMP/c" >/dev/null
for n in 1 4; do
	$G scan --intel "$TMP/c/intel.csv" --actions "$TMP/c/actions.csv" --as-of 2026-11-01 --threads $n \
		--out "$TMP/exc$n.csv" --status-out "$TMP/st$n.csv" --chains-out "$TMP/ch$n.csv" \
		--rejects "$TMP/rej$n.csv" --db "$TMP/db$n.sqlite" 2>"$TMP/sum$n" || fail "scan --threads $n"
	python3 - "$TMP/db$n.sqlite" > "$TMP/dump$n" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
skip = {"runs": {"started_at", "finished_at", "seconds"}, "inputs": {"path"}}
for (t,) in c.execute("select name from sqlite_master where type='table' order by name"):
    cols = [r[1] for r in c.execute(f"pragma table_info({t})") if r[1] not in skip.get(t, set())]
    for row in c.execute(f"select {','.join(cols)} from {t} order by {','.join(cols)}"):
        print(t, row)
PY
done
for f in exc st ch rej dump; do cmp "$TMP/${f}1"* "$TMP/${f}4"* >/dev/null 2>&1 || \
	cmp "$TMP/${f}1.csv" "$TMP/${f}4.csv" || fail "$f differs between 1 and 4 threads"; done
cmp "$TMP/dump1" "$TMP/dump4" || fail "database contents differ between 1 and 4 threads"
[ "$(wc -l < "$TMP/st1.csv")" -eq 6001 ] || fail "status rows"
grep -q "$(printf '\r')" "$TMP/sum1" && fail "progress drawn although stderr is not a terminal"
# on a terminal (script(1) gives one), progress is drawn
if command -v script >/dev/null; then
	script -qec "$G scan --intel $TMP/c/intel.csv --actions $TMP/c/actions.csv --as-of 2026-11-01 --out /dev/null" "$TMP/tty.txt" </dev/null >/dev/null 2>&1 || true
	grep -q 'scan: [0-9]* records, [0-9.]* MB/s' "$TMP/tty.txt" || fail "no progress on a terminal"
	script -qec "$G scan --quiet --intel $TMP/c/intel.csv --actions $TMP/c/actions.csv --as-of 2026-11-01 --out /dev/null" "$TMP/tty2.txt" </dev/null >/dev/null 2>&1 || true
	if grep -q "MB/s" "$TMP/tty2.txt"; then cat -A "$TMP/tty2.txt" | head -3; fail "progress drawn with --quiet"; fi
fi
# per-rule timings: a header and one line per rule of the pack
$G scan --intel "$TMP/c/intel.csv" --actions "$TMP/c/actions.csv" --as-of 2026-11-01 --quiet --rule-timings \
	--out /dev/null 2>"$TMP/timings"
grep -q '^rule  *prefilter  *pcre2 runs  *matches  *ms$' "$TMP/timings" || fail "timings header"
nrules=$($G rules export --json 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rules"]))')
expect_eq "timing lines" "$(($(wc -l < "$TMP/timings") - 2))" "$nrules"
grep -q "^(prefilter: text fields where" "$TMP/timings" || fail "timings legend"
echo ok
