# corpus-gen and the shipped rule pack, end to end: the generator is
# deterministic and self-consistent, the committed demo corpus is what it
# generates, and `gapscan scan` gives every generated record exactly the
# status labels.csv expects, lists exactly the gap and late records as
# exceptions and rejects exactly the bad rows the generator planted.
. tests/e2e/lib.sh
G=$GAPSCAN
C=$CORPUS_GEN
ASOF=2026-11-01

# usage errors exit 2
set +e
$C --records 10 --seed 1 --out "$TMP/x" 2>/dev/null; rc=$?
expect_eq "corpus-gen without --as-of" "$rc" 2
$C --records 10 --seed 1 --as-of 2026-02-31 --out "$TMP/x" 2>/dev/null; rc=$?
expect_eq "corpus-gen with a bad --as-of" "$rc" 2
$C --records ten --seed 1 --as-of $ASOF --out "$TMP/x" 2>/dev/null; rc=$?
expect_eq "corpus-gen with a bad --records" "$rc" 2
set -e

# deterministic for a seed, different for another
$C --records 3000 --seed 7 --as-of $ASOF --out "$TMP/c" --bad-rows 10
$C --records 3000 --seed 7 --as-of $ASOF --out "$TMP/c2" --bad-rows 10
$C --records 3000 --seed 8 --as-of $ASOF --out "$TMP/c3"
for f in intel.csv actions.csv labels.csv bad_rows.csv; do
	cmp -s "$TMP/c/$f" "$TMP/c2/$f" || fail "seed 7 twice: $f differs"
done
cmp -s "$TMP/c/labels.csv" "$TMP/c3/labels.csv" && fail "seeds 7 and 8 give the same labels"

# the committed demo corpus is exactly what the generator makes
$C --records 5000 --seed 42 --as-of $ASOF --out "$TMP/demo"
for f in intel.csv actions.csv labels.csv; do
	cmp -s "$TMP/demo/$f" "corpus/demo/$f" ||
		fail "corpus/demo/$f is stale: regenerate with corpus-gen --records 5000 --seed 42 --as-of $ASOF --out corpus/demo"
done

# the corpus itself: headers, shapes and labels recomputed from the actions
# with the shipped profile's rules (SLA 7, high 3, urgent 1, calendar days,
# nfa only with a rationale, nothing before the log day)
python3 - "$TMP/c" $ASOF <<'PY' || fail "generated corpus is inconsistent"
import csv, collections, datetime, sys
d, asof = sys.argv[1], datetime.date.fromisoformat(sys.argv[2])
errs = []
def check(cond, msg):
    if not cond: errs.append(msg)
raw = open(d + "/intel.csv", "rb").read()
check(raw.startswith(b"intel_id,logged_at,unit,district,grading,priority,subject_refs,narrative\n"), "intel header")
check(open(d + "/actions.csv").readline() == "action_id,intel_id,action_type,action_at,unit,rationale\n", "actions header")
check(open(d + "/labels.csv").readline() == "intel_id,is_cse,expected_status\n", "labels header")
labels = {r["intel_id"]: r for r in csv.DictReader(open(d + "/labels.csv"))}
check(len(labels) == 3000, "3000 labels, got %d" % len(labels))
intel = {}
with open(d + "/intel.csv", newline="", encoding="utf-8", errors="surrogateescape") as f:
    for r in csv.reader(f):
        if len(r) == 8 and r[0] in labels and r[0] not in intel:
            intel[r[0]] = r
check(set(intel) == set(labels), "every labelled id has one good intel row")
Q = {"tasking", "referral", "strategy_meeting", "crime_report", "arrest", "disruption", "safeguarding_visit"}
acts = collections.defaultdict(list)
multi = unknown = before = 0
for a in csv.DictReader(open(d + "/actions.csv", newline="")):
    ids = a["intel_id"].split(";")
    multi += len(ids) > 1
    q = a["action_type"] in Q or (a["action_type"] == "nfa" and a["rationale"].strip() != "")
    for i in ids:
        if i not in labels:
            unknown += 1
            continue
        day = datetime.date.fromisoformat(a["action_at"][:10])
        before += day < datetime.date.fromisoformat(intel[i][1][:10])
        acts[i].append((day, q))
count = collections.Counter()
for i, l in labels.items():
    r = intel[i]
    log = datetime.date.fromisoformat(r[1][:10])
    sla = {"urgent": 1, "high": 3}.get(r[5], 7)
    check(r[5] in ("routine", "high", "urgent", ""), "%s priority %r" % (i, r[5]))
    check(0 <= (asof - log).days <= 364, "%s logged outside the 12 months" % i)
    if l["is_cse"] == "1":
        qs = [x for x, ok in acts[i] if ok and x >= log]
        if any(x <= log + datetime.timedelta(days=sla) for x in qs): want = "actioned"
        elif qs: want = "late"
        elif (asof - log).days <= sla: want = "open"
        else: want = "gap"
    else:
        want = "none"
    check(l["expected_status"] == want, "%s labelled %s, actions say %s" % (i, l["expected_status"], want))
    count[l["expected_status"]] += 1
cse = sum(v for k, v in count.items() if k != "none")
check(200 <= cse <= 400, "about 10%% CSE, got %d" % cse)
for s in ("actioned", "late", "gap", "open"):
    check(count[s] > 0, "no %s records" % s)
texts = [r[7] for r in intel.values()]
check(sum("\n" in t for t in texts) > 10, "line breaks inside quoted narratives")
check(sum('"' in t for t in texts) > 10, "quotes inside narratives")
nonascii = sum(any(ord(c) > 127 for c in t) for t in texts)
check(0.03 * len(texts) <= nonascii <= 0.12 * len(texts), "about 5%% non-ASCII narratives, got %d" % nonascii)
check(multi > 0 and unknown > 0 and before > 0, "two-id, unknown-id and before-log actions: %d %d %d" % (multi, unknown, before))
for e in errs[:20]: print(e)
print("corpus:", dict(count), "two-id", multi, "unknown", unknown, "before-log", before)
sys.exit(1 if errs else 0)
PY

# the scan agrees with the labels, record by record
scan() { # DIR
	$G scan --intel "$1/intel.csv" --actions "$1/actions.csv" --as-of $ASOF \
		--rules rules --profile profiles/default.json \
		--out "$1/exc.csv" --status-out "$1/status.csv" --rejects "$1/rejects.csv" 2>"$1/scan.err" ||
		{ cat "$1/scan.err"; fail "scan of $1 failed"; }
}
scan "$TMP/c"
scan "$TMP/demo"
python3 - "$TMP/c" "$TMP/demo" <<'PY' || fail "scan disagrees with labels.csv"
import csv, os, sys
bad = 0
for d in sys.argv[1:]:
    labels = {r["intel_id"]: r for r in csv.DictReader(open(d + "/labels.csv"))}
    status = {}
    for r in csv.DictReader(open(d + "/status.csv")):
        if r["intel_id"] in status:
            print("%s: %s twice in status.csv" % (d, r["intel_id"])); bad += 1
        status[r["intel_id"]] = r
    if set(status) != set(labels):
        print("%s: status.csv ids differ from labels.csv: %d extra, %d missing" %
              (d, len(set(status) - set(labels)), len(set(labels) - set(status)))); bad += 1
    wrong = [(i, l["expected_status"], status[i]["status"], status[i]["score"], status[i]["rules"])
             for i, l in labels.items() if i in status and status[i]["status"] != l["expected_status"]]
    for w in wrong[:15]:
        print("%s: %s expected %s, got %s (score %s, rules %s)" % ((d,) + w))
    bad += len(wrong)
    cse = [l for l in labels.values() if l["is_cse"] == "1"]
    hit = sum(1 for i, l in labels.items() if l["is_cse"] == "1" and status.get(i, {}).get("status", "none") != "none")
    fp = sum(1 for i, l in labels.items() if l["is_cse"] == "0" and status.get(i, {}).get("status", "none") != "none")
    print("%s: CSE %d/%d flagged, benign %d/%d flagged, %d status mismatches" %
          (os.path.basename(d), hit, len(cse), fp, len(labels) - len(cse), len(wrong)))
    want = {i for i, l in labels.items() if l["expected_status"] in ("gap", "late")}
    got = [r["intel_id"] for r in csv.DictReader(open(d + "/exc.csv"))]
    if len(got) != len(set(got)) or set(got) != want:
        print("%s: exceptions differ: %d listed, %d gap+late labelled, %d missing, %d extra" %
              (d, len(got), len(want), len(want - set(got)), len(set(got) - want))); bad += 1
sys.exit(1 if bad else 0)
PY

# rejects: exactly the planted bad rows, by physical line and reason
python3 - "$TMP/c" <<'PY' || fail "rejects differ from bad_rows.csv"
import csv, os, sys
d = sys.argv[1]
want = sorted((int(r["line"]), r["reason_prefix"]) for r in csv.DictReader(open(d + "/bad_rows.csv")))
got, other = [], []
for r in csv.DictReader(open(d + "/rejects.csv", newline="")):
    if os.path.basename(r["file"]) == "intel.csv":
        got.append((int(r["line"]), r["reason"]))
    else:
        other.append(r)
got.sort()
ok = len(want) == 10 and len(got) == len(want) and all(
    gl == wl and gr.startswith(wr) for (gl, gr), (wl, wr) in zip(got, want))
if not ok or other:
    print("want", want); print("got ", got); print("rejects from other files:", other[:5])
    sys.exit(1)
PY
echo "t_corpus: ok"
