# Every command that takes a run id (trend --run, report --run, explain
# --run, diff A B) parses it the same way: digits only, from 1 up to the
# largest 64-bit integer. Anything else is a usage error (exit 2) that
# names the value as given.
. tests/e2e/lib.sh
G=$GAPSCAN
DB=$TMP/r.db
$G scan --intel corpus/demo/intel.csv --actions corpus/demo/actions.csv \
	--as-of 2026-11-01 --db "$DB" --out /dev/null --quiet || fail "scan exit $?"
$G scan --intel corpus/demo/intel.csv --actions corpus/demo/actions.csv \
	--as-of 2026-12-01 --db "$DB" --out /dev/null --quiet || fail "scan exit $?"
ID=$(sed -n 2p corpus/demo/intel.csv | cut -d, -f1)

# run CMD... -> "exit|stderr"
run() {
	set +e; "$@" >/dev/null 2>"$TMP/err"; rc=$?; set -e
	printf '%s|%s' "$rc" "$(cat "$TMP/err")"
}

# good ids (leading zeros are digits too)
for cmd in "trend --run 2" "report --run 02 --format csv" "explain --id $ID --run 1" "diff 1 002"; do
	expect_eq "$cmd" "$(run $G $cmd --db "$DB")" "0|"
done

# 9223372036854775808 is one past the largest: refused, not clamped
for bad in abc -1 0 -0 +1 ' 1' '1 ' 1x 1.5 0x1 '' 9223372036854775808 99999999999999999999; do
	want="2|gapscan: --run: \"$bad\" is not a run id"
	expect_eq "trend --run '$bad'" "$(run $G trend --db "$DB" --run "$bad")" "$want"
	expect_eq "report --run '$bad'" "$(run $G report --db "$DB" --run "$bad")" "$want"
	expect_eq "explain --run '$bad'" "$(run $G explain --db "$DB" --id "$ID" --run "$bad")" "$want"
	# diff's ids are operands: one starting with '-' reads as an option
	case $bad in
	-*) want="2|gapscan: unknown option \"$bad\"; see gapscan diff --help" ;;
	*) want="2|gapscan: diff: \"$bad\" is not a run id" ;;
	esac
	expect_eq "diff 1 '$bad'" "$(run $G diff --db "$DB" 1 "$bad")" "$want"
	expect_eq "diff '$bad' 1" "$(run $G diff --db "$DB" "$bad" 1)" "$want"
done
# the largest id parses: it is simply not in the database
expect_eq "trend --run LLONG_MAX" "$(run $G trend --db "$DB" --run 9223372036854775807)" \
	"2|gapscan: $DB: no run 9223372036854775807 in this database"
echo ok
