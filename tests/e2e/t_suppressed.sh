# "suppressed only" (summary, runs.suppressed_only, the report's funnel)
# counts records whose indicator hits were all suppressed by context cues:
# not a record that kept an active hit beside a suppressed one.
. tests/e2e/lib.sh
G=$GAPSCAN
mkdir -p "$TMP/pack"
cat > "$TMP/pack/a.json" <<'JSON'
{"rules": [
 {"id": "m.missing", "title": "missing", "category": "missing", "weight": 1,
  "patterns": ["\\bmissing\\b"], "references": ["test"], "tests": {"match": ["missing"], "no_match": ["found"]}},
 {"id": "e.groomed", "title": "groomed", "category": "explicit_concern", "weight": 3,
  "patterns": ["\\bgroomed\\b"], "references": ["test"], "tests": {"match": ["groomed"], "no_match": ["found"]}}],
 "context": [{"id": "neg.no_concerns", "pattern": "\\bno concerns\\b", "type": "negated", "direction": "forward", "scope": 6}]}
JSON
cat > "$TMP/intel.csv" <<'CSV'
intel_id,logged_at,unit,district,grading,priority,subject_refs,narrative
S1,2026-10-01,CID,North,1B P,,S-1,Went missing overnight. No concerns she was groomed.
S2,2026-10-01,CID,North,1B P,,S-2,No concerns she was groomed.
S3,2026-10-01,CID,North,1B P,,S-3,Went missing overnight.
CSV
printf 'action_id,intel_id,action_type,action_at,unit,rationale\n' > "$TMP/actions.csv"
$G scan --rules "$TMP/pack" --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --as-of 2026-11-01 \
	--db "$TMP/s.db" --out /dev/null 2>"$TMP/err" || fail "scan exit $?"
# S1 keeps an active (weak) hit, S3 has no suppressed hit: only S2 counts
expect_eq "summary" "$(sed -n 's/^  suppressed only *//p' "$TMP/err")" 1
expect_eq "runs row" "$(python3 -c 'import sqlite3,sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT suppressed_only FROM runs").fetchone()[0])' "$TMP/s.db")" 1
echo "suppressed ok"
