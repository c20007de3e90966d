# explain and rules test take --overrides like scan, so a run tuned with
# local overrides can be explained and tested with the same tuning.
. tests/e2e/lib.sh
G=$GAPSCAN
mkdir -p "$TMP/pack"
cp tests/data/rules/good/pack/*.json "$TMP/pack/"
sed -i '/"fields": \["text"\],/d' "$TMP/pack/10-vehicles.json" # default profile: narrative
O=tests/data/rules/good/overrides.json
$G explain --rules "$TMP/pack" --text "seen in a white van" > "$TMP/plain" || fail "explain exit $?"
$G explain --rules "$TMP/pack" --overrides "$O" --text "seen in a white van" > "$TMP/over" || fail "explain --overrides exit $?"
grep -q '^  vehicles.van ' "$TMP/plain" || fail "van hit without overrides: $(cat "$TMP/plain")"
grep -q '^  vehicles.van ' "$TMP/over" && fail "disabled van still hits with --overrides"
grep -qx '  vehicles.van: disabled (reason: white vans are everywhere in this force)' "$TMP/over" ||
	fail "override not listed: $(tail -5 "$TMP/over")"
tail -n 1 "$TMP/plain" | grep -q '^  none$' || fail "overrides listed without --overrides"
$G rules test "$TMP/pack" --overrides "$O" > "$TMP/t" || fail "rules test --overrides exit $?: $(tail -3 "$TMP/t")"
set +e; $G rules test "$TMP/pack" --overrides "$TMP/none.json" 2>"$TMP/err" >/dev/null; rc=$?; set -e
expect_eq "rules test with a missing overrides file" "$rc" 4
# scan says which overrides are in force, and that a GAPSCAN_DB in the
# environment did not store the run (only --db does)
GAPSCAN_DB="$TMP/env.db" $G scan --rules "$TMP/pack" --overrides "$O" --intel corpus/demo/intel.csv \
	--actions corpus/demo/actions.csv --as-of 2026-11-01 --out /dev/null 2>"$TMP/err" || fail "scan exit $?"
grep -qx 'overrides in force 3: vehicles.van (disabled); vehicles.car (weight 3 -> 1, +1 exclude); vehicles.taxi (+2 patterns)' "$TMP/err" || fail "scan overrides line: $(tail -4 "$TMP/err")"
grep -qx "run not stored: scan stores only with --db (GAPSCAN_DB=$TMP/env.db is where the history commands read)" "$TMP/err" ||
	fail "GAPSCAN_DB notice: $(tail -3 "$TMP/err")"
[ ! -e "$TMP/env.db" ] || fail "GAPSCAN_DB created a database"
$G scan --rules "$TMP/pack" --intel corpus/demo/intel.csv --actions corpus/demo/actions.csv --as-of 2026-11-01 \
	--out /dev/null 2>"$TMP/err" || fail "scan exit $?"
grep -q 'overrides in force\|run not stored' "$TMP/err" && fail "settings lines without overrides or GAPSCAN_DB"
# a description that is not a string, in each place one may stand, is a
# rule error (exit 4) naming the file, line and key, as for any other key
R=tests/data/rules
for c in "description_top/a.json:2: top level: \"description\" must be a string, not an array" \
	"description_pack/a.json:4: \"pack\": \"description\" must be a string, not an integer" \
	"description_cue/a.json:17: cue neg.no: \"description\" must be a string, not a boolean" \
	"override_description/overrides.json:2: overrides file: \"description\" must be a string, not an object"; do
	pack=${c%%/*}
	[ "$pack" = override_description ] && pack=$pack/pack
	set +e; $G scan --rules "$R/$pack" --intel corpus/demo/intel.csv --actions corpus/demo/actions.csv \
		--out "$TMP/never.csv" 2>"$TMP/err"; rc=$?; set -e
	expect_eq "$pack: exit" "$rc" 4
	expect_eq "$pack: message" "$(cat "$TMP/err")" "gapscan: $R/$c"
	[ ! -e "$TMP/never.csv" ] || fail "$pack: exception list written"
done
echo "overrides cli ok"
