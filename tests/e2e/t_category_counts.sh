# A record that hits two rules of one category counts once in that
# category (trend --by category and the report's category table), and once
# in each of two categories it hits. Language rules are not an indicator
# category: no language row, though C2 has a language finding.
. tests/e2e/lib.sh
G=$GAPSCAN
mkdir -p "$TMP/pack"
cat > "$TMP/pack/a.json" <<'JSON'
{"rules": [
 {"id": "m.missing", "title": "missing", "category": "missing", "weight": 3, "context": false,
  "patterns": ["\\bmissing\\b"], "references": ["test"], "tests": {"match": ["missing"], "no_match": ["found"]}},
 {"id": "m.absent", "title": "absent", "category": "missing", "weight": 3, "context": false,
  "patterns": ["\\babsent\\b"], "references": ["test"], "tests": {"match": ["absent"], "no_match": ["found"]}},
 {"id": "v.car", "title": "car", "category": "vehicles_taxis", "weight": 3, "context": false,
  "patterns": ["\\bcar\\b"], "references": ["test"], "tests": {"match": ["car"], "no_match": ["bus"]}},
 {"id": "l.lang", "title": "language", "category": "language", "weight": 0, "context": false,
  "patterns": ["\\blifestyle choice\\b"], "references": ["test"], "tests": {"match": ["lifestyle choice"], "no_match": ["choice"]}}]}
JSON
cat > "$TMP/intel.csv" <<'CSV'
intel_id,logged_at,unit,district,grading,priority,subject_refs,narrative
C1,2026-10-01,CID,North,1B P,,S-1,Missing and absent again; seen in a car.
C2,2026-10-02,CID,North,1B P,,S-2,Missing overnight; a lifestyle choice.
CSV
printf 'action_id,intel_id,action_type,action_at,unit,rationale\n' > "$TMP/actions.csv"
$G scan --rules "$TMP/pack" --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --as-of 2026-11-01 \
	--db "$TMP/c.db" --out /dev/null --quiet || fail "scan exit $?"
$G trend --db "$TMP/c.db" --by category --format csv | tr -d '\r' | cut -d, -f1,2,4,7 > "$TMP/got"
cat > "$TMP/want" <<'CSV'
month,category,flagged,gap
2026-10,missing,2,2
2026-10,vehicles_taxis,1,1
CSV
diff "$TMP/want" "$TMP/got" || fail "trend by category"
$G report --db "$TMP/c.db" --format json --out "$TMP/r.json" || fail "report exit $?"
python3 - "$TMP/r.json" <<'PY' || fail "report category table"
import json, sys
r = json.load(open(sys.argv[1]))
def find(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ("categories", "by_category"):
                return v
            x = find(v)
            if x is not None:
                return x
    if isinstance(o, list):
        for v in o:
            x = find(v)
            if x is not None:
                return x
got = {row["category"]: (row["flagged"], row["gap"]) for row in find(r)["rows"]}
assert got == {"missing": (2, 2), "vehicles_taxis": (1, 1)}, got
PY
echo "category counts ok"
