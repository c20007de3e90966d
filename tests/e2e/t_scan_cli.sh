# gapscan scan: usage errors, exit codes, located input errors, the exact
# exception header, output modes and a hand-checked small export.
. tests/e2e/lib.sh
G=$GAPSCAN

# usage and version
$G --version | grep -q '^gapscan [0-9]' || fail "--version"
$G scan --help | grep -q -- '--intel FILE' || fail "scan --help"
set +e
$G scan --intel x.csv >/dev/null 2>"$TMP/err"; rc=$?
set -e
expect_eq "missing --actions exit" "$rc" 2
grep -q 'scan needs --intel FILE and --actions FILE' "$TMP/err" || fail "usage message"
set +e; $G frobnicate 2>/dev/null; rc=$?; set -e
expect_eq "unknown command exit" "$rc" 2
set +e; $G scan --intel a --actions b --sla-days x 2>/dev/null; rc=$?; set -e
expect_eq "bad --sla-days exit" "$rc" 2

# a small export whose statuses are worked out by hand (as of 2026-11-01, SLA 7)
cat > "$TMP/intel.csv" <<'CSV'
intel_id,logged_at,unit,district,grading,priority,subject_refs,narrative
I1,2026-10-01,CID North,North,1B P,,S-1,"Concerns of CSE: Child A (14) MFH, seen getting into a car with an older male"
I2,2026-10-01,CID North,North,1B P,,S-2,"Concerns of CSE for Child B, being groomed by adult male"
I3,2026-10-28,Response 3,South,2C P,,S-3,"Concerns of CSE: Child C (13) is being groomed online"
I4,2026-09-01,=HYPERLINK(x),South,2C P,,S-4,"Concerns of CSE: Child D (15) being groomed by older male"
I5,2026-10-01,MASH,East,1A P,,S-5,"Burglary at dwelling, side gate insecure, no suspects"
CSV
cat > "$TMP/actions.csv" <<'CSV'
action_id,intel_id,action_type,action_at,unit,rationale
A1,I1,referral,2026-10-08,MASH,
A2,I2,referral,2026-10-09,MASH,
A3,I4,noted,2026-09-02,MASH,
A4,I4,nfa,2026-09-03,MASH,
A5,I999,tasking,2026-10-02,MASH,
CSV
$G scan --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --as-of 2026-11-01 \
	--out "$TMP/exc.csv" --status-out "$TMP/st.csv" 2>"$TMP/summary" || fail "scan exit $?"
expect_eq "header" "$(head -1 "$TMP/exc.csv")" "intel_id,logged_at,district,unit,status,days,score,rules,categories"
expect_eq "exception ids in order" "$(tail -n +2 "$TMP/exc.csv" | cut -d, -f1,5,6 | tr '\n' ' ')" "I4,gap,61 I2,late,8 "
# a unit that is a spreadsheet formula is neutralised, not executed
expect_eq "formula unit" "$(grep '^I4,' "$TMP/exc.csv" | cut -d, -f4)" "\"'=HYPERLINK(x)\""
expect_eq "I1 actioned" "$(grep '^I1,' "$TMP/st.csv" | cut -d, -f2)" actioned
expect_eq "I3 open" "$(grep '^I3,' "$TMP/st.csv" | cut -d, -f2)" open
expect_eq "I5 none" "$(grep '^I5,' "$TMP/st.csv" | cut -d, -f2)" none
grep -q '^records read *5$' "$TMP/summary" || fail "records read"
grep -q '^  flagged *4$' "$TMP/summary" || fail "flagged"
grep -q '^  unknown intel id 1$' "$TMP/summary" || fail "unknown intel id"
# --sla-days N replaces the profile's SLA of 7 for every record. I2 was
# actioned 8 days after logging (A2): late at 7, actioned at exactly 8.
# At 3, I1 (actioned after 7 days, A1) is late too, and I3, 4 days old on
# 2026-11-01 with no action, turns from open to a gap.
sla() { # N -> "actioned late open gap|exceptions"
	$G scan --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --as-of 2026-11-01 \
		--sla-days "$1" --out "$TMP/sla.csv" 2>"$TMP/sla.sum" || fail "--sla-days $1 exit $?"
	for k in actioned late open gap; do
		printf '%s ' "$(sed -n "s/^    $k  *//p" "$TMP/sla.sum")"
	done
	printf '|%s' "$(tail -n +2 "$TMP/sla.csv" | cut -d, -f1,5,6 | tr '\n' ' ')"
}
expect_eq "--sla-days 7 (the default)" "$(sla 7)" "1 1 1 1 |I4,gap,61 I2,late,8 "
expect_eq "--sla-days 8: I2 late -> actioned" "$(sla 8)" "2 0 1 1 |I4,gap,61 "
expect_eq "--sla-days 3: I1 -> late, I3 open -> gap" "$(sla 3)" "0 2 0 2 |I4,gap,61 I2,late,8 I1,late,7 I3,gap,4 "
# outputs are owner-only
expect_eq "mode" "$(stat -c %a "$TMP/exc.csv")" 600
# missing required column: input error naming the column
sed '1s/narrative/notes/' "$TMP/intel.csv" > "$TMP/nocol.csv"
set +e; $G scan --intel "$TMP/nocol.csv" --actions "$TMP/actions.csv" --as-of 2026-11-01 --out "$TMP/x.csv" 2>"$TMP/err"; rc=$?; set -e
expect_eq "missing column exit" "$rc" 3
grep -q 'narrative' "$TMP/err" || fail "missing column message: $(cat "$TMP/err")"
[ ! -e "$TMP/x.csv" ] || fail "no output on input error"
# as of an earlier date: actions taken after it do not count (I1 and I2 are
# open, not actioned), and a record logged after it is a reject naming both
# dates (I3), whose id still counts as in the export for actions citing it
cp "$TMP/actions.csv" "$TMP/actions_asof.csv"
echo "A6,I3,referral,2026-10-29,MASH," >> "$TMP/actions_asof.csv"
$G scan --intel "$TMP/intel.csv" --actions "$TMP/actions_asof.csv" --as-of 2026-10-05 \
	--out "$TMP/asof.csv" --status-out "$TMP/asof_st.csv" --rejects "$TMP/asof_rej.csv" 2>"$TMP/err" ||
	fail "--as-of 2026-10-05 exit $?"
expect_eq "statuses as of 2026-10-05" "$(tail -n +2 "$TMP/asof_st.csv" | cut -d, -f1,2 | tr '\n' ' ')" \
	"I1,open I2,open I4,gap I5,none "
expect_eq "exceptions as of 2026-10-05" "$(tail -n +2 "$TMP/asof.csv" | cut -d, -f1,5,6 | tr '\n' ' ')" "I4,gap,34 "
expect_eq "record logged after the as-of date" "$(tail -n +2 "$TMP/asof_rej.csv")" \
	"$TMP/intel.csv,4,\"logged on 2026-10-28, after the as-of date 2026-10-05: not assessed\""
expect_eq "read, rejected, assessed" "$(sed -n 's/^records read *//p;s/^  rejected *//p;s/^  assessed *//p' "$TMP/err" | head -3 | tr '\n' ' ')" "5 1 4 "
expect_eq "its action is not 'unknown'" "$(sed -n 's/^  unknown intel id *//p' "$TMP/err")" 1
# an output naming an input, or another output, is refused before any work
# (the export would have been replaced by the exception list)
sum_before=$(sha256sum < "$TMP/intel.csv")
set +e; $G scan --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --out "$TMP/intel.csv" 2>"$TMP/err"; rc=$?; set -e
expect_eq "--out over --intel exit" "$rc" 2
expect_eq "--out over --intel message" "$(cat "$TMP/err")" \
	"gapscan: --out and --intel name the same file ($TMP/intel.csv): one would be written over the other"
expect_eq "the export is untouched" "$(sha256sum < "$TMP/intel.csv")" "$sum_before"
mkdir -p "$TMP/o"
set +e; (cd "$TMP/o" && $G scan --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --out x.csv \
	--rejects "$TMP/o/../o/x.csv" 2>"$TMP/err"); rc=$?; set -e
expect_eq "two outputs, one file (not yet written) exit" "$rc" 2
grep -q -- '--out and --rejects name the same file' "$TMP/err" || fail "two outputs message: $(cat "$TMP/err")"
[ ! -e "$TMP/o/x.csv" ] || fail "an output was written"
set +e; $G scan --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --db "$TMP/actions.csv" 2>"$TMP/err"; rc=$?; set -e
expect_eq "--db over --actions exit" "$rc" 2
# a database file someone else made open to others is used, with a warning
# (even with --quiet); one gapscan creates is 0600 and draws none
: > "$TMP/loose.db"; chmod 644 "$TMP/loose.db"
$G scan --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --as-of 2026-11-01 --out /dev/null \
	--db "$TMP/loose.db" --quiet 2>"$TMP/err" || fail "loose db exit $?"
expect_eq "loose database warning" "$(cat "$TMP/err")" \
	"gapscan: warning: $TMP/loose.db is open to other users (mode 0644) and will hold sensitive data: chmod 600 $TMP/loose.db"
$G scan --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --as-of 2026-11-01 --out /dev/null \
	--db "$TMP/own.db" --quiet 2>"$TMP/err" || fail "new db exit $?"
expect_eq "own database: no warning" "$(cat "$TMP/err")" ""
expect_eq "own database mode" "$(stat -c %a "$TMP/own.db")" 600
# explain --id for a record that was rejected says which rows were, and why
printf 'intel_id,logged_at,unit,district,grading,priority,subject_refs,narrative\nI-1,2026-10-01,CID,North,,,,x\nI-2,2026-13-01,CID,North,,,,y\n' > "$TMP/ex_rej.csv"
set +e; $G explain --intel "$TMP/ex_rej.csv" --id I-2 2>"$TMP/err"; rc=$?; set -e
expect_eq "explain of a rejected id exit" "$rc" 3
expect_eq "explain of a rejected id" "$(cat "$TMP/err")" \
	"gapscan: $TMP/ex_rej.csv: id 'I-2' not found among the records read; 1 row was rejected, which it may be (line 3: unparseable date \"2026-13-01\" in column \"logged_at\")"
set +e; $G explain --intel "$TMP/intel.csv" --id NOPE 2>"$TMP/err"; rc=$?; set -e
expect_eq "explain of an absent id" "$rc:$(cat "$TMP/err")" "3:gapscan: $TMP/intel.csv: id 'NOPE' not found"
# -h is --help for every command
for c in scan report explain eval runs diff trend "rules lint" "rules test" "rules export"; do
	$G $c -h > "$TMP/h" 2>&1 || fail "$c -h exit $?"
	head -1 "$TMP/h" | grep -q "^usage: gapscan $c" || fail "$c -h: $(head -1 "$TMP/h")"
done
# an output path that is a link to /proc/self/fd/1 (what /dev/stdout is)
# with stdout redirected to a file: written through, the link kept (a
# rename over it would have replaced /dev/stdout itself when run as root)
ln -s /proc/self/fd/1 "$TMP/so"
$G scan --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --as-of 2026-11-01 --out "$TMP/so" --quiet > "$TMP/through.csv" ||
	fail "--out link to fd 1 exit $?"
[ -L "$TMP/so" ] || fail "the link to fd 1 was replaced by a file"
expect_eq "written through the link" "$(tail -n +2 "$TMP/through.csv" | cut -d, -f1 | tr '\n' ' ')" "I4 I2 "
# standard output takes one output; the overrides in force, the profile and
# the pack's folder are no output's to replace either
set +e; $G scan --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --rejects - 2>"$TMP/err" >/dev/null; rc=$?; set -e
expect_eq "two outputs to stdout" "$rc:$(cat "$TMP/err")" \
	"2:gapscan: --out and --rejects both write to standard output (--out FILE names a file)"
mkdir -p "$TMP/pk/rules" && cp rules/*.json "$TMP/pk/rules/"
printf '{"overrides": []}\n' > "$TMP/pk/overrides.json"
cp "$TMP/pk/overrides.json" "$TMP/pk/overrides.before"
for bad in "--out $TMP/pk/overrides.json:--out names the pack's overrides file ($TMP/pk/overrides.json), which every scan with the pack reads" \
	"--status-out $TMP/pk/rules/new.json:--status-out would put a .json file into the rule pack's folder ($TMP/pk/rules), which loads them all" \
	"--out profiles/default.json:--out names the profile in use ("; do
	set +e; $G scan --rules "$TMP/pk/rules" --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" ${bad%%:*} 2>"$TMP/err" >/dev/null; rc=$?; set -e
	expect_eq "${bad%%:*} exit" "$rc" 2
	case "$(cat "$TMP/err")" in "gapscan: ${bad#*:}"*) ;; *) fail "${bad%%:*}: $(cat "$TMP/err")" ;; esac
done
cmp -s "$TMP/pk/overrides.json" "$TMP/pk/overrides.before" || fail "the overrides file was written over"
# ... also before the overrides file exists (a CSV there would break every
# later scan); a CSV in the pack's folder is harmless (it loads .json only)
rm "$TMP/pk/overrides.json"
set +e; $G scan --rules "$TMP/pk/rules/" --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --out "$TMP/pk/overrides.json" 2>"$TMP/err"; rc=$?; set -e
expect_eq "--out where the overrides would be" "$rc" 2
[ ! -e "$TMP/pk/overrides.json" ] || fail "an overrides file was created"
(cd "$TMP/pk/rules" && $G scan --rules . --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --as-of 2026-11-01 \
	--out report.csv --quiet) || fail "a CSV beside the pack's rules was refused"
rm -f "$TMP/pk/rules/report.csv"
set +e; $G scan --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --out "$TMP/x.csv" --db - 2>"$TMP/err"; rc=$?; set -e
expect_eq "--db -" "$rc:$(cat "$TMP/err")" "2:gapscan: --db needs a file: a database cannot go to standard output"
# a link to stdout counts as stdout, and an append (>>) appends
set +e; $G scan --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --rejects "$TMP/so" > "$TMP/y.csv" 2>"$TMP/err"; rc=$?; set -e
expect_eq "default --out and --rejects to a link to stdout" "$rc" 2
echo "earlier line" > "$TMP/app.csv"
$G scan --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --as-of 2026-11-01 --out "$TMP/so" --quiet >> "$TMP/app.csv" ||
	fail "append through a link exit $?"
expect_eq "append through a link" "$(head -1 "$TMP/app.csv"):$(wc -l < "$TMP/app.csv")" "earlier line:4"
[ ! -e "$TMP/pk/rules/new.json" ] || fail "an output was written into the pack"
# explain applies the as-of date as scan does
$G explain --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --as-of 2026-10-05 --id I1 > "$TMP/ex1" || fail "explain I1"
grep -qx 'status as of 2026-10-05: open (4 days)' "$TMP/ex1" || fail "explain I1 status: $(cat "$TMP/ex1")"
grep -qx '  A1  referral  2026-10-08  qualifies (after the as-of date: not counted)' "$TMP/ex1" || fail "explain I1 action: $(cat "$TMP/ex1")"
$G explain --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --as-of 2026-10-05 --id I3 > "$TMP/ex3" || fail "explain I3"
grep -qx 'status as of 2026-10-05: none: logged after the as-of date, so a scan rejects it (not assessed)' "$TMP/ex3" ||
	fail "explain I3 status: $(cat "$TMP/ex3")"
expect_eq "explain --json of a record after the as-of date" "$($G explain --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" \
	--as-of 2026-10-05 --id I3 --json | python3 -c 'import json,sys; d = json.load(sys.stdin); print(d["assessed"], d["status"], d["days"])')" \
	"False None None"
expect_eq "explain --json: actions after the as-of date" "$($G explain --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" \
	--as-of 2026-10-05 --id I1 --json | python3 -c 'import json,sys; d = json.load(sys.stdin); print(d["assessed"], d["status"], [a["after_as_of"] for a in d["actions"]])')" \
	"True open [True]"
# an export that is missing or a directory: exit 3 naming it, no output
for bad in "$TMP/none.csv" "$TMP"; do
	for role in intel actions; do
		if [ $role = intel ]; then i=$bad; a=$TMP/actions.csv; what="intelligence export"
		else i=$TMP/intel.csv; a=$bad; what="actions export"; fi
		set +e; $G scan --intel "$i" --actions "$a" --as-of 2026-11-01 --out "$TMP/x.csv" 2>"$TMP/err"; rc=$?; set -e
		expect_eq "unreadable $role ($bad) exit" "$rc" 3
		case $bad in *none.csv) why="No such file or directory" ;; *) why="Is a directory" ;; esac
		expect_eq "unreadable $role message" "$(cat "$TMP/err")" "gapscan: $bad: cannot read $what: $why"
		[ ! -e "$TMP/x.csv" ] || fail "no output when an export cannot be read"
	done
done
# unwritable output: I/O error
set +e; $G scan --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --out /nonexistent/dir/x.csv 2>/dev/null; rc=$?; set -e
expect_eq "unwritable output exit" "$rc" 5
# /dev/full as stdout
if [ -w /dev/full ]; then
	set +e; $G scan --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --as-of 2026-11-01 --quiet > /dev/full 2>/dev/null; rc=$?; set -e
	expect_eq "/dev/full exit" "$rc" 5
fi
# rejected rows are explained on stderr with file and line (the first 10)
$CORPUS_GEN --records 2000 --seed 3 --as-of 2026-11-01 --out "$TMP/bad" --bad-rows 12 >/dev/null
$G scan --intel "$TMP/bad/intel.csv" --actions "$TMP/bad/actions.csv" --as-of 2026-11-01 --out /dev/null 2>"$TMP/err"
expect_eq "reject lines on stderr" "$(grep -c "^gapscan: $TMP/bad/intel.csv:[0-9]*: rejected: " "$TMP/err")" 10
grep -q '^gapscan: ... and 2 more rejected rows (--rejects FILE lists them all)$' "$TMP/err" || fail "reject tail"
first=$(tail -n +2 "$TMP/bad/bad_rows.csv" | head -1 | cut -d, -f1)
grep -q "intel.csv:$first: rejected: " "$TMP/err" || fail "first reject line $first"
# Ctrl-C part-way leaves no temporary or half-written output behind
$CORPUS_GEN --records 200000 --seed 4 --as-of 2026-11-01 --out "$TMP/big" >/dev/null
mkdir "$TMP/sig"
$G scan --intel "$TMP/big/intel.csv" --actions "$TMP/big/actions.csv" --as-of 2026-11-01 --quiet \
	--status-out "$TMP/sig/st.csv" --out "$TMP/sig/exc.csv" & pid=$!
i=0
while [ $i -lt 200 ] && ! ls "$TMP/sig" | grep -q tmp; do sleep 0.05; i=$((i + 1)); done
if ls "$TMP/sig" | grep -q tmp; then
	kill -INT $pid
	set +e; wait $pid; rc=$?; set -e
	expect_eq "interrupted scan exit" "$rc" 130
	expect_eq "files left after Ctrl-C" "$(ls "$TMP/sig" | wc -l)" 0
else
	wait $pid
fi
# --out naming a device writes to it in place: never renames a file over it
$G scan --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --as-of 2026-11-01 --quiet --out /dev/null \
	--status-out /dev/null || fail "scan to /dev/null"
[ -c /dev/null ] || fail "/dev/null was replaced by a regular file"
if [ -c /dev/full ]; then
	set +e; $G scan --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --as-of 2026-11-01 --quiet --out /dev/full 2>"$TMP/err"; rc=$?; set -e
	expect_eq "--out /dev/full exit" "$rc" 5
	[ -c /dev/full ] || fail "/dev/full was replaced by a regular file"
	expect_eq "one error line" "$(wc -l < "$TMP/err")" 1
fi

# the summary counts actions: one action dated before the logs of the two
# records it cites (and citing an unknown id) is one action before the log
printf 'intel_id,logged_at,unit,district,grading,priority,subject_refs,narrative\nI1,2026-10-05,CID,N,1B P,,S-1,x\nI2,2026-10-06,CID,N,1B P,,S-2,y\n' > "$TMP/bi.csv"
printf 'action_id,intel_id,action_type,action_at,unit,rationale\nA1,I1;I2;I404,referral,2026-10-01,MASH,\n' > "$TMP/ba.csv"
$GAPSCAN scan --intel "$TMP/bi.csv" --actions "$TMP/ba.csv" --as-of 2026-11-01 --out /dev/null 2>"$TMP/err" --threads 2 ||
	fail "before-log scan exit $?"
expect_eq "actions before the log" "$(sed -n 's/^  before the log *//p' "$TMP/err")" 1
expect_eq "actions citing an unknown id" "$(sed -n 's/^  unknown intel id *//p' "$TMP/err")" 1
# an export read from a pipe: read once, the same results as from the file,
# and the stored SHA-256 is of the bytes read
cat "$TMP/intel.csv" | $G scan --intel /dev/stdin --actions "$TMP/actions.csv" --as-of 2026-11-01 \
	--out "$TMP/pipe.csv" --db "$TMP/pipe.db" 2>"$TMP/err" || fail "scan from a pipe exit $?: $(cat "$TMP/err")"
$G scan --intel "$TMP/intel.csv" --actions "$TMP/actions.csv" --as-of 2026-11-01 --out "$TMP/file.csv" 2>/dev/null
cmp -s "$TMP/pipe.csv" "$TMP/file.csv" || fail "a pipe gives other exceptions than the file"
expect_eq "piped intel SHA-256" "$(sqlite3 "$TMP/pipe.db" "select sha256 || ' ' || size from inputs where role = 'intel'")" \
	"$(sha256sum < "$TMP/intel.csv" | cut -d' ' -f1) $(wc -c < "$TMP/intel.csv")"
# an unterminated quote makes the reader go back and re-read: each byte is
# still hashed once
printf 'intel_id,logged_at,unit,district,grading,priority,subject_refs,narrative\nU0,2026-10-01,CID,North,,,,plain\nU1,2026-10-01,CID,North,,,,"never closed\nU2,2026-10-02,CID,North,,,,plain\nU3,2026-10-03,CID,North,,,,plain\n' > "$TMP/unterm.csv"
$G scan --intel "$TMP/unterm.csv" --actions "$TMP/actions.csv" --as-of 2026-11-01 --out "$TMP/x.csv" \
	--db "$TMP/unterm.db" 2>"$TMP/err" || fail "unterminated scan exit $?"
grep -q 'unterminated quoted field' "$TMP/err" || fail "no unterminated-quote reject: $(cat "$TMP/err")"
expect_eq "SHA-256 after a re-read" "$(sqlite3 "$TMP/unterm.db" "select sha256 || ' ' || size from inputs where role = 'intel'")" \
	"$(sha256sum < "$TMP/unterm.csv" | cut -d' ' -f1) $(wc -c < "$TMP/unterm.csv")"
expect_eq "records around the unterminated quote still read" \
	"$(sed -n 's/^records read *//p;s/^  assessed *//p' "$TMP/err" | tr '\n' ' ')" "4 3 "
# a reject reason quoting a value from the data (here a duplicate id with
# an escape sequence in it) shows its control characters as '?', on the
# terminal and in --rejects
printf 'intel_id,logged_at,unit,district,grading,priority,subject_refs,narrative\nE\033[2J1,2026-10-01,CID,North,,,,x\nE\033[2J1,2026-10-02,CID,North,,,,y\n' > "$TMP/esc.csv"
$G scan --intel "$TMP/esc.csv" --actions "$TMP/actions.csv" --as-of 2026-11-01 --out "$TMP/x.csv" \
	--rejects "$TMP/esc_rej.csv" 2>"$TMP/err" || fail "escape scan exit $?"
grep -q 'esc.csv:3: rejected: duplicate id "E?\[2J1" (first seen on line 2)$' "$TMP/err" || fail "escaped reject: $(cat "$TMP/err")"
if LC_ALL=C grep -q "$(printf '\033')" "$TMP/err" "$TMP/esc_rej.csv"; then fail "an escape character reached stderr or --rejects"; fi
echo ok
