# A rule that backtracks catastrophically is stopped by the PCRE2 limits,
# named with the record it was stopped on, and the scan goes on: the record
# is indeterminate, never a silent "no match".
. tests/e2e/lib.sh
G=$GAPSCAN
mkdir -p "$TMP/pack"
cp rules/*.json "$TMP/pack/"
cat > "$TMP/pack/zz_slow.json" <<'JSON'
{"rules": [{"id": "test.catastrophic", "title": "catastrophic backtracking", "category": "missing",
  "weight": 3, "context": false, "patterns": ["(\\w+\\s?)+$"],
  "tests": {"match": ["abc"], "no_match": ["!"]}}]}
JSON
python3 - "$TMP/intel.csv" <<'PY'
import sys
long = "a " * 30000 + "! b"  # a match exists, so the prefilter fires and PCRE2 backtracks
rows = ["intel_id,logged_at,unit,district,grading,priority,subject_refs,narrative",
        "L1,2026-10-01,CID,North,1B P,,S-1,\"%s\"" % long,
        "L2,2026-10-01,CID,North,1B P,,S-2,Burglary at shop premises.",
        "L3,2026-10-01,CID,North,1B P,,S-3,\"Concerns of CSE: Child A being groomed. %s\"" % long,
        "L4\x1b[2J,2026-10-01,CID,North,1B P,,S-4,\"%s\"" % long]
open(sys.argv[1], "w").write("\n".join(rows) + "\n")
PY
printf 'action_id,intel_id,action_type,action_at,unit,rationale\n' > "$TMP/actions.csv"
start=$(date +%s)
$G scan --rules "$TMP/pack" --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --as-of 2026-11-01 \
	--out "$TMP/exc.csv" --status-out "$TMP/st.csv" 2>"$TMP/err" || fail "scan exit $?"
[ $(( $(date +%s) - start )) -lt 20 ] || fail "limits did not stop the rule quickly"
expect_eq "L1 status" "$(grep '^L1,' "$TMP/st.csv" | cut -d, -f2)" indeterminate
expect_eq "L2 status" "$(grep '^L2,' "$TMP/st.csv" | cut -d, -f2)" none
# L3 is flagged by other rules whatever the slow rule says: its status is known
expect_eq "L3 status" "$(grep '^L3,' "$TMP/st.csv" | cut -d, -f2)" gap
grep -q 'rule "test.catastrophic" hit a PCRE2 resource limit (error -[0-9]*) on record "L1"' "$TMP/err" || \
	fail "summary does not name the rule and record: $(cat "$TMP/err")"
grep -q '^    indeterminate  2$' "$TMP/err" || fail "indeterminate count"
# each limit line says what the record's status is, and why
grep -q 'on record "L1"; status indeterminate (the rule could have flagged it)$' "$TMP/err" || \
	fail "L1 limit line: $(grep L1 "$TMP/err")"
grep -q 'on record "L3"; status gap whatever the rule found' "$TMP/err" || \
	fail "L3 limit line (flagged by other rules) says: $(grep '"L3"' "$TMP/err")"
# an id from the data never sends control characters to the terminal
grep -q 'on record "L4?\[2J"; status indeterminate' "$TMP/err" || fail "L4 limit line: $(grep L4 "$TMP/err")"
if LC_ALL=C grep -q "$(printf '\033')" "$TMP/err"; then fail "an escape character reached stderr"; fi
# explain decides as scan does: a rule whose literal is absent is skipped
# by the prefilter in both, even when explain looks for unguarded hits
# without the prefilter and that rule would hit a PCRE2 limit there
mkdir -p "$TMP/pack2"
cp rules/*.json "$TMP/pack2/"
cat > "$TMP/pack2/zz_fish.json" <<'JSON'
{"rules": [{"id": "test.fish", "title": "backtracks without its literal", "category": "missing",
  "weight": 3, "context": false, "patterns": ["(?:a|aa)+zebrafish"],
  "tests": {"match": ["aazebrafish"], "no_match": ["fish"]}}]}
JSON
text="$(printf 'a%.0s' $(seq 40)) b h child missing"
$G explain --rules "$TMP/pack2" --text "$text" > "$TMP/x" 2>&1 || fail "explain exit $?"
grep -q '^score: [0-9]*, threshold 3: not flagged$' "$TMP/x" || fail "explain flags what scan does not: $(tail -4 "$TMP/x")"
grep -q 'resource limit' "$TMP/x" && fail "explain reports a limit the scan never meets: $(cat "$TMP/x")"
echo ok
