# Databases as old gapscan versions wrote them (tests/data/store: schema
# frozen from git history, one stored run) open with today's gapscan: the
# old run reads back through runs and report, a new scan goes in after it,
# and the file ends at the current schema version.
. tests/e2e/lib.sh
G=$GAPSCAN
D=tests/data/store
py_sql() { python3 -c 'import sqlite3,sys
c = sqlite3.connect(sys.argv[1])
for r in c.execute(sys.argv[2]): print("|".join("" if v is None else str(v) for v in r))
c.commit()' "$@"; }
# frozen DB FILE...: a database from the schema files and the v1 run
frozen() {
	db=$1; shift
	cat "$@" "$D/rows-v1.sql" | python3 -c 'import sqlite3,sys
c = sqlite3.connect(sys.argv[1]); c.executescript(sys.stdin.read()); c.commit()' "$db"
}

for shape in v1 v2-f8be504 v2-fb25e8d; do
	db=$TMP/$shape.db
	if [ $shape = v1 ]; then frozen "$db" "$D/v1.sql"; else frozen "$db" "$D/v1.sql" "$D/$shape.sql"; fi

	# the old run, as runs and report show it
	$G runs --db "$db" --format csv | tr -d '\r' > "$TMP/runs.csv" || fail "$shape: runs exit $?"
	cat > "$TMP/want" <<'CSV'
run,finished,as_of,intel,records,flagged,gap,late,open,actioned,rules
1,2026-10-01T08:00:02Z,2026-10-01,intel-2026-09.csv,4,2,1,0,0,1,2026.09+old-rule
CSV
	diff "$TMP/runs.csv" "$TMP/want" || fail "$shape: runs"
	expect_eq "$shape: user_version after open" "$(py_sql "$db" "PRAGMA user_version")" 4
	$G report --db "$db" --run 1 --format csv --no-bom > "$TMP/rep.csv" || fail "$shape: report exit $?"
	cat > "$TMP/want" <<'CSV'
intel_id,logged_date,district,unit,status,days,sla,categories,rules,first_action_date,excerpt,hit
I-1,2026-08-03,North,CID North,gap,59,7,grooming; older_associates,cse.grooming.gifts;cse.older.partner,,,
CSV
	tr -d '\r' < "$TMP/rep.csv" | diff - "$TMP/want" || fail "$shape: report csv"

	# a new run goes in after it, with chains and excerpts
	$G scan --intel corpus/demo/intel.csv --actions corpus/demo/actions.csv \
		--as-of 2026-11-01 --db "$db" --out /dev/null --quiet 2>"$TMP/err" \
		|| fail "$shape: scan into the old database: exit $?: $(cat "$TMP/err")"
	expect_eq "$shape: run ids" "$(py_sql "$db" "SELECT group_concat(id) FROM (SELECT id FROM runs ORDER BY id)")" "1,2"
	expect_eq "$shape: old assessments kept" \
		"$(py_sql "$db" "SELECT group_concat(record_id || ' ' || status || ' ' || days, ', ') FROM assessments WHERE run_id = 1")" \
		"I-1 gap 59, I-2 actioned 5"
	[ "$(py_sql "$db" "SELECT count(*) FROM chains WHERE run_id = 2 AND nmembers > 0")" -gt 0 ] || fail "$shape: no chains stored"
	[ "$(py_sql "$db" "SELECT count(*) FROM assessments WHERE run_id = 2 AND excerpt IS NOT NULL")" -gt 0 ] || fail "$shape: no excerpts stored"
	$G report --db "$db" --format json > /dev/null || fail "$shape: report of the new run: exit $?"
	$G diff 1 2 --db "$db" --format csv > /dev/null || fail "$shape: diff 1 2: exit $?"
	$G trend --db "$db" --run 1 --format csv > /dev/null || fail "$shape: trend of the old run: exit $?"
done
echo "ok: frozen v1 and both historical v2 databases migrate"
