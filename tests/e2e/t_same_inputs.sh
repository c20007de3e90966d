# scan --db says when both exports are byte-for-byte those of an earlier
# run ("inputs match run N", by SHA-256, whatever the paths), and says
# nothing when either export differs.
. tests/e2e/lib.sh
G=$GAPSCAN
DB=$TMP/s.db
cp corpus/demo/intel.csv "$TMP/intel.csv"
cp corpus/demo/actions.csv "$TMP/actions.csv"
head -n 100 corpus/demo/actions.csv > "$TMP/actions-short.csv"
cp corpus/demo/intel.csv "$TMP/intel-copy.csv"
# one changed byte: the last line's trailing newline dropped
head -c -1 corpus/demo/intel.csv > "$TMP/intel-changed.csv"

scan() { # INTEL ACTIONS AS_OF -> stderr lines about the store
	$G scan --intel "$1" --actions "$2" --as-of "$3" --db "$DB" \
		--out /dev/null 2>"$TMP/err" || fail "scan $*: exit $?"
	grep -E '^(stored run|inputs match)' "$TMP/err" | tr '\n' ';'
}
M='(same SHA-256 of both exports)'
expect_eq "first run" "$(scan "$TMP/intel.csv" "$TMP/actions.csv" 2026-11-01)" \
	"stored run 1 in $DB;"
expect_eq "same files again" "$(scan "$TMP/intel.csv" "$TMP/actions.csv" 2026-11-01)" \
	"stored run 2 in $DB;inputs match run 1 $M;"
expect_eq "other actions" "$(scan "$TMP/intel.csv" "$TMP/actions-short.csv" 2026-11-01)" \
	"stored run 3 in $DB;"
expect_eq "changed intel" "$(scan "$TMP/intel-changed.csv" "$TMP/actions.csv" 2026-11-01)" \
	"stored run 4 in $DB;"
# same bytes under another path and another as-of: still the same inputs,
# and the earliest such run is named
expect_eq "copy, other date" "$(scan "$TMP/intel-copy.csv" "$TMP/actions.csv" 2026-12-01)" \
	"stored run 5 in $DB;inputs match run 1 $M;"
expect_eq "other actions again" "$(scan "$TMP/intel.csv" "$TMP/actions-short.csv" 2026-11-01)" \
	"stored run 6 in $DB;inputs match run 3 $M;"
echo ok
