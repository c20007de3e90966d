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
echo "overrides cli ok"
