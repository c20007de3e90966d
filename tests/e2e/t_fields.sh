# A rule limited to `fields`: `rules test` runs its examples in that field,
# scan reads only that column, and a field the profile has no text column
# for is refused (the rule would never fire) instead of silently ignored.
. tests/e2e/lib.sh
G=$GAPSCAN
mkdir -p "$TMP/pack"
cat > "$TMP/pack/a.json" <<'JSON'
{"rules": [{"id": "summary.car", "title": "car in the summary", "category": "vehicles_taxis",
  "weight": 3, "context": false, "fields": ["summary"], "patterns": ["\\bcar\\b"],
  "references": ["test"],
  "tests": {"match": ["seen in a car"], "no_match": ["seen on a bus"]}}]}
JSON
python3 - "$TMP/default.json" "$TMP/profile.json" <<'PY'
import json, sys, re
src = open("profiles/default.json").read()
src = re.sub(r"^\s*//.*$", "", src, flags=re.M)
p = json.loads(src)
p["name"] = "two-text"
p["intel"]["columns"]["text"] = ["narrative", "summary"]
json.dump(p, open(sys.argv[2], "w"))
PY
$G rules test "$TMP/pack" --profile "$TMP/profile.json" > "$TMP/out" || fail "rules test exit $?: $(cat "$TMP/out")"
expect_eq "rules test summary" "$(tail -n 1 "$TMP/out")" "2 passed, 0 failed"

cat > "$TMP/intel.csv" <<'CSV'
intel_id,logged_at,unit,district,grading,priority,subject_refs,narrative,summary
F1,2026-10-01,CID,North,1B P,,S-1,Nothing here.,Seen in a car.
F2,2026-10-01,CID,North,1B P,,S-2,Seen in a car.,Nothing here.
CSV
printf 'action_id,intel_id,action_type,action_at,unit,rationale\n' > "$TMP/actions.csv"
$G scan --rules "$TMP/pack" --profile "$TMP/profile.json" --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" \
	--as-of 2026-11-01 --out /dev/null --status-out "$TMP/st.csv" --quiet || fail "scan exit $?"
expect_eq "F1 (car in summary)" "$(grep '^F1,' "$TMP/st.csv" | cut -d, -f2,4)" gap,summary.car
expect_eq "F2 (car in narrative only)" "$(grep '^F2,' "$TMP/st.csv" | cut -d, -f2)" none

# the same rule under the default profile (narrative only): refused, exit 4
for cmd in "rules test $TMP/pack" "scan --rules $TMP/pack --intel $TMP/intel.csv --actions $TMP/actions.csv --out /dev/null"; do
	set +e; $G $cmd 2>"$TMP/err" >/dev/null; rc=$?; set -e
	expect_eq "$cmd: exit" "$rc" 4
	grep -q 'rule summary.car: field "summary" is not a text column of the profile' "$TMP/err" ||
		fail "$cmd: message: $(cat "$TMP/err")"
done
echo "fields ok"
