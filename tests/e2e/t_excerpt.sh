# Excerpts stored for exception reports stay short whatever the hit: a
# rule whose match spans 10,000 bytes stores at most 60 + 200 + 60 bytes
# (plus a UTF-8 sequence at each cut), marked inside it.
. tests/e2e/lib.sh
G=$GAPSCAN
mkdir -p "$TMP/pack"
cat > "$TMP/pack/a.json" <<'JSON'
{"rules": [{"id": "wide.span", "title": "wide", "category": "missing", "weight": 3, "context": false,
  "patterns": ["start[^!]*end"], "references": ["test"],
  "tests": {"match": ["start x end"], "no_match": ["start !"]}}]}
JSON
python3 - "$TMP/intel.csv" <<'PY'
import sys
body = "start " + "é" * 5000 + " end"
open(sys.argv[1], "w").write("intel_id,logged_at,unit,district,grading,priority,subject_refs,narrative\n"
                             'W1,2026-10-01,CID,North,1B P,,S-1,"%s %s %s"\n' % ("x" * 100, body, "y" * 100))
PY
printf 'action_id,intel_id,action_type,action_at,unit,rationale\n' > "$TMP/actions.csv"
$G scan --rules "$TMP/pack" --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --as-of 2026-11-01 \
	--db "$TMP/e.db" --out /dev/null --quiet || fail "scan exit $?"
python3 - "$TMP/e.db" <<'PY' || fail "excerpt"
import sqlite3, sys
ex, ms, me = sqlite3.connect(sys.argv[1]).execute(
    "SELECT excerpt, mark_start, mark_end FROM assessments WHERE record_id = 'W1'").fetchone()
b = ex.encode()
assert len(b) <= 60 + 200 + 60, len(b)
assert (ms, me) == (60, 260), (ms, me)  # 6 + 97 two-byte chars: no cut inside one
assert b[ms:ms + 6] == b"start ", b[ms:ms + 6]
PY
echo "excerpt ok"
