# gapscan runs / diff / trend over a database filled by two scans of a
# hand-checked export; database errors and exit codes; same inputs twice;
# a scan killed with SIGKILL while it writes leaves the earlier runs intact.
. tests/e2e/lib.sh
G=$GAPSCAN
DB=$TMP/h.db
py_sql() { python3 -c 'import sqlite3,sys
c = sqlite3.connect(sys.argv[1])
for r in c.execute(sys.argv[2]): print("|".join("" if v is None else str(v) for v in r))
c.commit()' "$@"; }

# as of 2026-10-30 (SLA 7): I1 actioned 7, I2 gap 29, I3 open 2, I4 gap 59.
# as of 2026-11-15 with A6: I1 actioned 7, I2 late 35, I3 gap 18, I4 gap 75.
cat > "$TMP/intel.csv" <<'CSV'
intel_id,logged_at,unit,district,grading,priority,subject_refs,narrative
I1,2026-10-01,CID North,North,1B P,,S-1,"Concerns of CSE: Child A (14) MFH, seen getting into a car with an older male"
I2,2026-10-01,CID North,North,1B P,,S-2,"Concerns of CSE for Child B, being groomed by adult male"
I3,2026-10-28,Response 3,South,2C P,,S-3,"Concerns of CSE: Child C (13) is being groomed online"
I4,2026-09-01,Response 3,South,2C P,,S-4,"Concerns of CSE: Child D (15) being groomed by older male"
I5,2026-10-01,MASH,East,1A P,,S-5,"Burglary at dwelling, side gate insecure, no suspects"
CSV
cat > "$TMP/actions1.csv" <<'CSV'
action_id,intel_id,action_type,action_at,unit,rationale
A1,I1,referral,2026-10-08,MASH,
A3,I4,noted,2026-09-02,MASH,
CSV
{ cat "$TMP/actions1.csv"; echo "A6,I2,referral,2026-11-05,MASH,"; } > "$TMP/actions2.csv"

scan() { # AS_OF ACTIONS
	$G scan --intel "$TMP/intel.csv" --actions "$2" --as-of "$1" \
		--db "$DB" --out "$TMP/exc.csv" --quiet || fail "scan as of $1: exit $?"
}

# no database yet: I/O error naming the file
set +e; $G runs --db "$DB" 2>"$TMP/err"; rc=$?; set -e
expect_eq "missing db exit" "$rc" 5
grep -q "^gapscan: $DB: cannot open database" "$TMP/err" || fail "missing db message: $(cat "$TMP/err")"

scan 2026-10-30 "$TMP/actions1.csv"
expect_eq "db mode" "$(stat -c %a "$DB")" 600
set +e; $G diff --db "$DB" 2>"$TMP/err"; rc=$?; set -e
expect_eq "diff with one run exit" "$rc" 3
grep -q 'diff needs two runs; this database holds one' "$TMP/err" || fail "one-run diff message"
scan 2026-11-15 "$TMP/actions2.csv"

# runs: newest first (the finished time varies: cut it out)
$G runs --db "$DB" --format csv | cut -d, -f1,3-10 > "$TMP/runs.csv"
cat > "$TMP/want" <<'EOF'
run,as_of,intel,records,flagged,gap,late,open,actioned
2,2026-11-15,intel.csv,5,4,2,1,0,1
1,2026-10-30,intel.csv,5,4,2,0,1,1
EOF
tr -d '\r' < "$TMP/runs.csv" | diff - "$TMP/want" || fail "runs csv"
# GAPSCAN_DB is the default database; the table names the rule pack
GAPSCAN_DB=$DB $G runs | grep -Eq '^ +2 .*intel\.csv .*\+[0-9a-f]{8}$' || fail "runs table via GAPSCAN_DB"
GAPSCAN_DB=$DB $G runs --format json | python3 -c 'import json,sys
d = json.load(sys.stdin); assert [r["run"] for r in d["runs"]] == [2, 1], d' || fail "runs json"

# diff: the last two runs by default
$G diff --db "$DB" --format csv | tr -d '\r' | cut -d, -f1-9,12,13 > "$TMP/diff.csv"
cat > "$TMP/want" <<'EOF'
kind,record_id,district,logged,status_a,status_b,days_a,days_b,older_by,action_id,action_type
new,I3,South,2026-10-28,open,gap,2,18,,,
still_open,I4,South,2026-09-01,gap,gap,59,75,16,,
resolved,I2,North,2026-10-01,gap,late,29,35,,A6,referral
EOF
diff "$TMP/diff.csv" "$TMP/want" || fail "diff csv"
$G diff 1 2 --db "$DB" > "$TMP/diff.txt"
grep -q '^run 1 (as of 2026-10-30) -> run 2 (as of 2026-11-15): 1 new, 1 still open, 1 resolved' "$TMP/diff.txt" || fail "diff table summary"
$G diff 1 2 --db "$DB" --format json | python3 -c 'import json,sys
d = json.load(sys.stdin)
assert d["run_a"] == 1 and d["run_b"] == 2 and d["rules_changed"] is False, d
assert [c["kind"] for c in d["changes"]] == ["new", "still_open", "resolved"], d' || fail "diff json"

# trend of the latest run: records per month, median/p90 over {7, 35}
$G trend --db "$DB" --format csv | tr -d '\r' > "$TMP/trend.csv"
cat > "$TMP/want" <<'EOF'
month,records,flagged,actioned,late,gap,open,indeterminate,median_days,p90_days
2026-09,1,1,0,0,1,0,0,,
2026-10,4,3,1,1,1,0,0,21.0,35.0
EOF
diff "$TMP/trend.csv" "$TMP/want" || fail "trend csv"
$G trend --db "$DB" --run 1 --by district --format csv | tr -d '\r' | cut -d, -f1-4,11 > "$TMP/trend.csv"
cat > "$TMP/want" <<'EOF'
month,district,records,flagged,p90_days
2026-09,South,1,1,
2026-10,East,1,0,
2026-10,North,2,2,7.0
2026-10,South,1,1,
EOF
diff "$TMP/trend.csv" "$TMP/want" || fail "trend by district"

# usage errors exit 2, --help exits 0
for cmd in runs diff trend; do
	$G $cmd --help | grep -q "^usage: gapscan $cmd" || fail "$cmd --help"
	set +e; $G $cmd --db "$DB" --format xml 2>/dev/null; rc=$?; set -e
	expect_eq "$cmd bad format exit" "$rc" 2
done
set +e; $G diff 1 9 --db "$DB" 2>"$TMP/err"; rc=$?; set -e
expect_eq "diff unknown run exit" "$rc" 2
grep -q "^gapscan: $DB: no run 9 in this database$" "$TMP/err" || fail "unknown run message"

# same inputs and as-of again: identical assessments, no changes but the
# still-open gaps
scan 2026-11-15 "$TMP/actions2.csv"
a=$(py_sql "$DB" "SELECT record_id,status,days,score,rules,first_action_id FROM assessments WHERE run_id=2 ORDER BY record_id")
b=$(py_sql "$DB" "SELECT record_id,status,days,score,rules,first_action_id FROM assessments WHERE run_id=3 ORDER BY record_id")
[ -n "$a" ] && [ "$a" = "$b" ] || fail "same inputs, different assessments"
expect_eq "same inputs diff" "$($G diff --db "$DB" --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1,2 | tr '\n' ' ')" \
	"still_open,I4 still_open,I3 "

# not a SQLite file; a newer schema is refused with the exact message
set +e; $G runs --db "$TMP/intel.csv" 2>"$TMP/err"; rc=$?; set -e
expect_eq "not sqlite exit" "$rc" 5
expect_eq "not sqlite message" "$(cat "$TMP/err")" "gapscan: $TMP/intel.csv: not a SQLite database"
cp "$DB" "$TMP/new.db"
py_sql "$TMP/new.db" "PRAGMA user_version=99" >/dev/null
set +e; $G runs --db "$TMP/new.db" 2>"$TMP/err"; rc=$?; set -e
expect_eq "newer schema exit" "$rc" 5
expect_eq "newer schema message" "$(cat "$TMP/err")" \
	"gapscan: database \"$TMP/new.db\" has schema version 99, newer than this gapscan supports (4); upgrade gapscan"

# scan --db writes the run while it scans, so the database is opened
# first: one that cannot take the run fails the command before the scan,
# with no exception list or status file left behind, and the database
# unchanged
cp "$TMP/new.db" "$TMP/new-before.db"
set +e; $G scan --intel "$TMP/intel.csv" --actions "$TMP/actions1.csv" --as-of 2026-11-15 \
	--db "$TMP/new.db" --out "$TMP/never.csv" --status-out "$TMP/never-status.csv" 2>"$TMP/err"; rc=$?; set -e
expect_eq "scan into newer schema exit" "$rc" 5
grep -q "has schema version 99" "$TMP/err" || fail "scan into newer schema message"
grep -q "^records read" "$TMP/err" && fail "scanned before the database was checked"
[ ! -e "$TMP/never.csv" ] && [ ! -e "$TMP/never-status.csv" ] || fail "outputs written by a failed scan"
cmp -s "$TMP/new.db" "$TMP/new-before.db" || fail "refused database changed"
# a scan that fails on its inputs leaves no empty database behind it
set +e; $G scan --intel "$TMP/intel.csv" --actions "$TMP/no-such.csv" --as-of 2026-11-15 \
	--db "$TMP/fresh.db" --out /dev/null --quiet 2>/dev/null; rc=$?; set -e
expect_eq "scan with a missing export exit" "$rc" 3
[ ! -e "$TMP/fresh.db" ] || fail "a failed scan created $TMP/fresh.db"

# SIGKILL during the write of a large run: only complete runs remain
awk 'BEGIN { print "intel_id,logged_at,unit,district,grading,priority,subject_refs,narrative"
	for (i = 1; i <= 50000; i++)
		printf "K%07d,2026-%02d-%02d,CSE,D%d,B2,,S-%d,\"%s\"\n", i, 1 + i % 10, 1 + i % 28, i % 5, i % 1000,
			(i % 4 == 0) ? "Routine patrol, nothing of note." : \
			"Child missing from care, found in a flat with older men, given alcohol, a new phone and cash." }' > "$TMP/big.csv"
$G scan --intel "$TMP/big.csv" --actions "$TMP/actions1.csv" --as-of 2026-11-15 \
	--db "$DB" --out /dev/null --quiet &
pid=$!
killed=0
while kill -0 $pid 2>/dev/null; do
	if [ -e "$DB-journal" ]; then
		sleep 0.2
		kill -9 $pid 2>/dev/null && killed=1
		break
	fi
	sleep 0.02
done
set +e; wait $pid; rc=$?; set -e
expect_eq "scan killed mid-write" "$killed/$rc" "1/137"
[ -e "$DB-journal" ] || fail "no hot journal after the kill"
expect_eq "journal mode" "$(stat -c %a "$DB-journal")" 600
expect_eq "runs after kill" "$($G runs --db "$DB" --format csv | tail -n +2 | cut -d, -f1 | tr -d '\r' | tr '\n' ' ')" "3 2 1 "
expect_eq "integrity" "$(py_sql "$DB" "PRAGMA integrity_check")" ok
expect_eq "no partial rows" "$(py_sql "$DB" "SELECT count(*) FROM assessments WHERE run_id > 3")" 0
# the disk fills while a run is written during the scan: exit 5 naming the
# database, the earlier run intact, no exception list (needs a small tmpfs;
# skipped where mount is not allowed)
mkdir "$TMP/small"
if mount -t tmpfs -o size=400k tmpfs "$TMP/small" 2>/dev/null; then
	trap 'umount "$TMP/small" 2>/dev/null || true; rm -rf "$TMP"' EXIT
	$G scan --intel "$TMP/intel.csv" --actions "$TMP/actions1.csv" --as-of 2026-10-30 \
		--db "$TMP/small/s.db" --out /dev/null --quiet || fail "small first run"
	set +e; $G scan --intel "$TMP/big.csv" --actions "$TMP/actions1.csv" --as-of 2026-11-15 \
		--db "$TMP/small/s.db" --out "$TMP/small/exc.csv" --quiet 2>"$TMP/err"; rc=$?; set -e
	expect_eq "disk full exit" "$rc" 5
	grep -q "^gapscan: $TMP/small/s.db: .*disk is full" "$TMP/err" || fail "disk full message: $(cat "$TMP/err")"
	[ ! -e "$TMP/small/exc.csv" ] || fail "exception list written by a failed scan"
	expect_eq "runs after disk full" "$($G runs --db "$TMP/small/s.db" --format csv | tail -n +2 | cut -d, -f1 | tr -d '\r')" 1
	expect_eq "integrity after disk full" "$(py_sql "$TMP/small/s.db" "PRAGMA integrity_check")" ok
	umount "$TMP/small"
	trap 'rm -rf "$TMP"' EXIT
else
	echo "history: disk-full check skipped (mount not allowed)"
fi

# the database still takes runs
scan 2026-11-16 "$TMP/actions2.csv"
expect_eq "next run id" "$($G runs --db "$DB" --format csv | sed -n 2p | cut -d, -f1)" 4
# a report compared with a run made under another SLA says so, in every
# format a reader sees; one under the same settings does not
C=$TMP/caveat.db
$G scan --intel corpus/demo/intel.csv --actions corpus/demo/actions.csv --as-of 2026-11-01 --db "$C" --out /dev/null --quiet
$G scan --intel corpus/demo/intel.csv --actions corpus/demo/actions.csv --as-of 2026-11-01 --sla-days 3 --db "$C" --out /dev/null --quiet
want="Run 1 used an SLA of 7 days (this run: 3): changes against it may come from the settings, not from what was done."
$G report --db "$C" --format md | grep -qF "**Read the changes with care.** $want" || fail "md caveat"
$G report --db "$C" --format html | grep -qF "<p class=\"caveat\" id=\"head-caveat\"><b>Read the changes with care.</b> $want</p>" || fail "html caveat"
expect_eq "json caveat" "$($G report --db "$C" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["previous_run"]["caveat"])')" "$want"
$G scan --intel corpus/demo/intel.csv --actions corpus/demo/actions.csv --as-of 2026-11-02 --sla-days 3 --db "$C" --out /dev/null --quiet
expect_eq "same settings, same exports" "$($G report --db "$C" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["previous_run"]["caveat"])')" \
	"Run 2 scanned the same exports as of 2026-11-01: changes against it come from the as-of date only."
# a report carries the marking of the profile its run was scanned with,
# unless --profile says otherwise
python3 -c 'import json; p = json.load(open("profiles/default.json")); p["marking"] = "OFFICIAL [TEST MARKING]"; json.dump(p, open("'"$TMP"'/marked.json", "w"))'
M=$TMP/marked.db
$G scan --profile "$TMP/marked.json" --intel corpus/demo/intel.csv --actions corpus/demo/actions.csv \
	--as-of 2026-11-01 --db "$M" --out /dev/null --quiet
expect_eq "stored marking" "$(sqlite3 "$M" "select marking from runs")" "OFFICIAL [TEST MARKING]"
$G report --db "$M" --format html | grep -q 'id="marking-top"[^>]*>OFFICIAL \[TEST MARKING\]<' || fail "html marking from the run's profile"
$G report --db "$M" --format md | head -1 | grep -qF '**OFFICIAL \[TEST MARKING\]**' || fail "md marking from the run's profile"
$G report --db "$M" --format html --profile profiles/default.json | grep -q 'id="marking-top"[^>]*>OFFICIAL-SENSITIVE<' ||
	fail "--profile overrides the stored marking"
# a version-3 database a user may only read is read as it is (the next scan
# with write access migrates it); a scan without write access says so
RO=$TMP/ro
mkdir -p "$RO" && chmod 755 "$TMP" "$RO"
$G scan --intel corpus/demo/intel.csv --actions corpus/demo/actions.csv --as-of 2026-11-01 --db "$RO/v3.db" --out /dev/null --quiet
sqlite3 "$RO/v3.db" "ALTER TABLE runs DROP COLUMN marking; PRAGMA user_version = 3"
chmod 444 "$RO/v3.db"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
if nobody true 2>/dev/null; then
	nobody $G runs --db "$RO/v3.db" --format csv > "$TMP/ro_runs.csv" 2>"$TMP/err" || fail "read-only v3 runs: $(cat "$TMP/err")"
	expect_eq "read-only v3: runs" "$(sed -n 2p "$TMP/ro_runs.csv" | cut -d, -f1,5)" "1,5000"
	nobody $G report --db "$RO/v3.db" --format html > "$TMP/ro.html" 2>"$TMP/err" || fail "read-only v3 report: $(cat "$TMP/err")"
	grep -q 'id="marking-top"[^>]*>OFFICIAL-SENSITIVE<' "$TMP/ro.html" || fail "read-only v3: shipped marking"
	expect_eq "still version 3" "$(sqlite3 "$RO/v3.db" "PRAGMA user_version")" 3
	# a file the user may write in a folder where no journal can be made
	mkdir -p "$RO/d" && cp "$RO/v3.db" "$RO/d/v3.db" && chmod 666 "$RO/d/v3.db"
	nobody $G runs --db "$RO/d/v3.db" --format csv > "$TMP/ro_runs.csv" 2>"$TMP/err" || fail "v3 without a journal: $(cat "$TMP/err")"
	expect_eq "v3 without a journal: runs" "$(sed -n 2p "$TMP/ro_runs.csv" | cut -d, -f1,5)" "1,5000"
	set +e; nobody $G scan --intel corpus/demo/intel.csv --actions corpus/demo/actions.csv --db "$RO/v3.db" --out /dev/null 2>"$TMP/err"; rc=$?; set -e
	expect_eq "scan into a read-only database" "$rc:$(cat "$TMP/err")" "5:gapscan: $RO/v3.db: cannot write database: Permission denied"
else
	echo "cannot run as another user here: the read-only database checks skipped"
fi
chmod 644 "$RO/v3.db"
$G runs --db "$RO/v3.db" > /dev/null
expect_eq "migrated by the first command that can write it" "$(sqlite3 "$RO/v3.db" "PRAGMA user_version")" 4
echo "history ok"
