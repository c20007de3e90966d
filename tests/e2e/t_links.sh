# The POLE links file (--links) is read as carefully as the main exports:
# a header with a byte order mark, spaces and other letter case finds its
# columns and gives the same chains as a clean one; ids, types and refs are
# trimmed; every bad row (invalid UTF-8, NUL, empty values, an over-long
# type or field, a wrong field count, broken quoting, a type with a colon, a
# ref that normalises to nothing) is a reject with the file, its line and a
# reason, while the good rows around it still make their chains; the
# summary counts links read, rejected and citing an unknown intel id; a
# missing, doubled or absent header is a file error (exit 3) naming the
# column and the columns found.
. tests/e2e/lib.sh
G=$GAPSCAN
C=$CORPUS_GEN
ASOF=2026-11-01

$C --records 3000 --seed 9 --as-of $ASOF --out "$TMP/c" --links >/dev/null

scan() { # NAME LINKS: exit code in $rc; chains, rejects, stderr in $TMP/NAME.*
	rc=0
	$G scan --intel "$TMP/c/intel.csv" --actions "$TMP/c/actions.csv" \
		--as-of $ASOF --rules rules --profile profiles/default.json \
		--out "$TMP/$1.exc" --chains-out "$TMP/$1.chains" \
		--rejects "$TMP/$1.rej" --links "$2" 2>"$TMP/$1.err" || rc=$?
}
# summary COUNT_NAME FILE: the number on the summary line that starts so
summary() { sed -n "s/^$1  *\([0-9][0-9]*\)\$/\1/p" "$2"; }

scan clean "$TMP/c/links.csv"
[ $rc -eq 0 ] || { cat "$TMP/clean.err"; fail "clean links: exit $rc"; }
grep -q ',location:' "$TMP/clean.chains" || fail "clean links: no location chain"
expect_eq "clean links: rejects" "$(cat "$TMP/clean.rej")" "file,line,reason"
nlinks=$(($(wc -l <"$TMP/c/links.csv") - 1))
expect_eq "clean links: links read" "$(summary 'links read' "$TMP/clean.err")" $nlinks
# the generator writes one link to an id not in the export
expect_eq "clean links: unknown intel id" \
	"$(sed -n '/^links read/,/^chains/s/^  unknown intel id *//p' "$TMP/clean.err")" 1

# Builds, from the clean file: hdr.csv (BOM, spaced mixed-case header, rows
# as they are), messy.csv (the same header, every id and type padded with
# spaces, and after the first location link a block of bad rows, filler
# links to unknown ids to carry a NUL past the reader's first read of 512
# KiB, where a NUL means UTF-16, and an over-long field) and want.rej (line
# and reason of each bad row).
python3 - "$TMP/c/links.csv" "$TMP" <<'PY' || fail "cannot build the test links files"
import sys
src, tmp = sys.argv[1], sys.argv[2]
rows = open(src, "rb").read().decode("utf-8").splitlines()[1:]
head = b"\xef\xbb\xbf Intel_ID , ENTITY_TYPE ,Entity_Ref, Link_Reason \n"
with open(tmp + "/hdr.csv", "wb") as f:
    f.write(head + "".join(r + "\n" for r in rows).encode())
out, want = [head], []
def put(line, reason=None):
    out.append(line + b"\n")
    if reason is not None:
        want.append("%d\t%s" % (len(out), reason))
placed = False
for r in rows:
    i, t, ref, why = r.split(",")
    put((" %s  , %s ,%s,%s" % (i, t, ref, why)).encode())
    if placed or t.lower() != "location":
        continue
    placed = True
    x = i.encode()
    put(x + b",location,LOC-\xff,bad byte", 'invalid UTF-8 in column "entity_ref" at byte 5')
    put(b"INT-\xc3(,location,LOC-7000,bad id byte", 'invalid UTF-8 in column "intel_id" at byte 5')
    put(b"  ,location,LOC-7001,no id", "missing intel_id")
    put(x + b",  ,LOC-7002,no type", "missing entity_type")
    put(x + b",location, ,no ref", "missing entity_ref")
    put(x + b"," + b"t" * 33 + b",LOC-7003,long type", "entity_type over the size limit (32 bytes)")
    put(x + b",location", "wrong field count: expected 4, found 2")
    put(x + b",location,LOC-7004,reason,extra", "wrong field count: expected 4, found 5")
    put(x + b",phone,n/a,no digits", 'nothing left of entity_ref "n/a" once normalised as type "phone"')
    put(x + b",per:son,PER-7005,colon", 'colon in entity_type "per:son"')
    put(x + b',location,"LOC"9,bad quote', 'text after the closing quote (column "Entity_Ref")')
    put(x + b",location," + b"r" * 300 + b",long ref", "entity_ref over the size limit (256 bytes)")
    for k in range(16000):
        put(b"INT-9%05d,person,PER-9%05d,filler" % (k, k))
    put(x + b",location,LOC\x00-1,nul", 'NUL byte in column "entity_ref" at byte 4')
    put(x + b",location," + b"A" * (1100 * 1024) + b",huge",
        'field over the size limit (1048576 bytes) in column "Entity_Ref"')
assert placed
open(tmp + "/messy.csv", "wb").write(b"".join(out))
open(tmp + "/want.rej", "w").write("\n".join(want) + "\n")
PY

# the header alone: the same chains as the clean file
scan hdr "$TMP/hdr.csv"
[ $rc -eq 0 ] || { cat "$TMP/hdr.err"; fail "spaced upper-case header: exit $rc"; }
cmp -s "$TMP/clean.chains" "$TMP/hdr.chains" ||
	fail "spaced upper-case header: chains differ from the clean header's"
expect_eq "spaced upper-case header: rejects" "$(cat "$TMP/hdr.rej")" "file,line,reason"

# padded values and bad rows, under the messy header and under a clean one:
# the same chains (the padded ids link, the good rows around the bad ones
# count), each bad row a reject, the counts in the summary
{ head -1 "$TMP/c/links.csv"; tail -n +2 "$TMP/messy.csv"; } >"$TMP/rows.csv"
sed 's/"Entity_Ref"/"entity_ref"/' "$TMP/want.rej" >"$TMP/want_rows.rej"
mv "$TMP/want.rej" "$TMP/want_messy.rej"
nbad=$(wc -l <"$TMP/want_messy.rej")
for m in rows messy; do
	scan $m "$TMP/$m.csv"
	[ $rc -eq 0 ] || { cat "$TMP/$m.err"; fail "$m links: exit $rc"; }
	cmp -s "$TMP/clean.chains" "$TMP/$m.chains" || {
		diff "$TMP/clean.chains" "$TMP/$m.chains" | head -20
		fail "$m links: chains differ from the clean file's"
	}
	python3 - "$TMP/$m.rej" "$TMP/want_$m.rej" "$TMP/$m.csv" <<'PY' || fail "$m links: rejects differ"
import csv, sys
got = [(r["file"], r["line"], r["reason"]) for r in csv.DictReader(open(sys.argv[1], newline=""))]
want = [(sys.argv[3],) + tuple(l.split("\t", 1)) for l in open(sys.argv[2]).read().splitlines()]
for w in want:
    if w not in got: print("missing reject", w)
for g in got:
    if g not in want: print("unexpected reject", g)
sys.exit(0 if sorted(got) == sorted(want) else 1)
PY
	grep -qF "gapscan: $TMP/$m.csv:" "$TMP/$m.err" ||
		fail "$m links: the summary names no rejected link row"
	expect_eq "$m links: links read" "$(summary 'links read' "$TMP/$m.err")" \
		$((nlinks + nbad + 16000))
	expect_eq "$m links: links rejected" \
		"$(sed -n '/^links read/,/^chains/s/^  rejected *//p' "$TMP/$m.err")" $nbad
	expect_eq "$m links: unknown intel id" \
		"$(sed -n '/^links read/,/^chains/s/^  unknown intel id *//p' "$TMP/$m.err")" 16001
	# records are counted as before: link rejects are apart
	expect_eq "$m links: records rejected" \
		"$(sed -n '2s/^  rejected *//p' "$TMP/$m.err")" \
		"$(sed -n '2s/^  rejected *//p' "$TMP/clean.err")"
done

# file errors: exit 3, the file and the column named, the columns found
printf ' Intel_ID ,Entity_Kind,entity_ref\nINT-000008,person,P-1\n' >"$TMP/nocol.csv"
scan nocol "$TMP/nocol.csv"
expect_eq "missing column: exit" $rc 3
grep -qF "$TMP/nocol.csv" "$TMP/nocol.err" || fail "missing column: file not named: $(cat "$TMP/nocol.err")"
grep -qF 'missing required column "entity_type"; columns found: Intel_ID, Entity_Kind, entity_ref' "$TMP/nocol.err" ||
	fail "missing column: $(cat "$TMP/nocol.err")"
printf 'intel_id,entity_type,entity_ref,INTEL_ID\n' >"$TMP/twice.csv"
scan twice "$TMP/twice.csv"
expect_eq "doubled column: exit" $rc 3
grep -qF 'column "intel_id" appears twice (columns 1 and 4)' "$TMP/twice.err" ||
	fail "doubled column: $(cat "$TMP/twice.err")"
: >"$TMP/empty.csv"
scan empty "$TMP/empty.csv"
expect_eq "empty links file: exit" $rc 3
grep -qF "$TMP/empty.csv: file is empty: no header row" "$TMP/empty.err" ||
	fail "empty links file: $(cat "$TMP/empty.err")"
echo "t_links: ok"
