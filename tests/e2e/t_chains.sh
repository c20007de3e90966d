# Repeat-intelligence chains, end to end: corpus-gen plants groups of CSE
# records citing one subject, registration (in spelling variants), phone
# number, place or (through links.csv only) location, some forming chains
# and some near misses; `gapscan scan --chains-out` must report exactly
# the chains listed in chains.csv, with exactly their members, and nothing
# else. Also: the links file changes no other output, a scan without it
# loses only the links chain, and the committed demo is up to date.
. tests/e2e/lib.sh
G=$GAPSCAN
C=$CORPUS_GEN
ASOF=2026-11-01

$C --records 3000 --seed 9 --as-of $ASOF --out "$TMP/c" --links
$C --records 3000 --seed 9 --as-of $ASOF --out "$TMP/n"
for f in intel.csv actions.csv labels.csv plants.csv; do
	if [ $f = plants.csv ]; then
		# without --links the plants are the same, less the links groups
		grep -v ',location,' "$TMP/c/$f" >"$TMP/c/$f.text"
		cmp -s "$TMP/c/$f.text" "$TMP/n/$f" || fail "--links changed $f beyond the links groups"
	else
		cmp -s "$TMP/c/$f" "$TMP/n/$f" || fail "--links changed $f"
	fi
done
[ ! -e "$TMP/n/links.csv" ] || fail "links.csv written without --links"

scan() { # DIR OUT [--links FILE]
	d=$1 o=$2
	shift 2
	$G scan --intel "$d/intel.csv" --actions "$d/actions.csv" --as-of $ASOF \
		--rules rules --profile profiles/default.json --quiet \
		--out "$d/exc.csv" --status-out "$d/status.csv" --chains-out "$o" "$@" \
		2>"$d/scan.err" || { cat "$d/scan.err"; fail "scan of $d failed"; }
}
scan "$TMP/c" "$TMP/c/got.csv" --links "$TMP/c/links.csv"
scan "$TMP/c" "$TMP/c/got_nolinks.csv"
scan "$TMP/n" "$TMP/n/got.csv"

python3 - "$TMP/c" "$TMP/n" $ASOF <<'PY' || fail "chains differ from chains.csv"
import collections, csv, datetime, re, sys
c, n, asof = sys.argv[1], sys.argv[2], sys.argv[3]
errs = []
def check(cond, msg):
    if not cond: errs.append(msg)

def chains(path, key="chain_id"):
    """Multiset of (entity, frozenset of intel ids), one per chain."""
    by = collections.OrderedDict()
    for r in csv.DictReader(open(path, newline="")):
        by.setdefault(r[key], (r["entity"], []))[1].append(r["intel_id"])
    out = collections.Counter()
    for cid, (ent, ids) in by.items():
        check(len(ids) == len(set(ids)), "%s: chain %s lists a member twice" % (path, cid))
        out[(ent, frozenset(ids))] += 1
    return out

def show(ms):
    return sorted((e, sorted(m)) for e, m in ms)

labels = {r["intel_id"]: r["expected_status"] for r in csv.DictReader(open(c + "/labels.csv"))}
intel = {}
with open(c + "/intel.csv", newline="", encoding="utf-8") as f:
    for r in csv.DictReader(f):
        intel[r["intel_id"]] = r
day = {i: datetime.date.fromisoformat(r["logged_at"][:10]) for i, r in intel.items()}
plants = list(csv.DictReader(open(c + "/plants.csv", newline="")))
groups = collections.defaultdict(list)
for p in plants:
    groups[p["group"]].append(p)

want = chains(c + "/chains.csv")
got = chains(c + "/got.csv", "chain")
if got != want:
    errs.append("with --links: want %d chains, got %d" % (sum(want.values()), sum(got.values())))
    for e, m in show(want - got): errs.append("  missing  %s %s" % (e, m))
    for e, m in show(got - want): errs.append("  extra    %s %s" % (e, m))

# the ground truth itself obeys the definition: >= 3 flagged records within
# 90 days, one a gap; every member is planted under that entity
planted = {(p["entity"], p["intel_id"]) for p in plants}
for ent, mem in want:
    ds = sorted(day[i] for i in mem)
    check(len(mem) >= 3, "%s: fewer than 3 members" % ent)
    check((ds[-1] - ds[0]).days <= 90, "%s: spans %d days" % (ent, (ds[-1] - ds[0]).days))
    check(any(labels[i] == "gap" for i in mem), "%s: no gap" % ent)
    check(all(labels[i] != "none" for i in mem), "%s: an unflagged member" % ent)
    check(all((ent, i) in planted for i in mem), "%s: a member not planted" % ent)

# the status and date gapscan gives each member are the labelled ones
for r in csv.DictReader(open(c + "/got.csv", newline="")):
    i = r["intel_id"]
    if i not in labels:
        errs.append("chain %s: %s is not in the export" % (r["chain"], i))
        continue
    check(r["status"] == labels[i], "%s in chain %s: status %s, labelled %s" % (i, r["chain"], r["status"], labels[i]))
    check(r["logged_at"] == str(day[i]), "%s: logged_at %s" % (i, r["logged_at"]))

# what was planted: chains of every kind, near misses of every design, none
# of them reported; the boundaries: a chain spanning exactly 90 days, a
# spread whose records are exactly 91 days apart
kinds = collections.Counter(p["kind"] for g in groups.values() for p in g[:1] if p["design"] in ("chain", "links"))
designs = collections.Counter(g[0]["design"] for g in groups.values())
for k in ("subject", "vrm", "phone", "place", "location"):
    check(kinds[k] >= 1, "no %s chain planted" % k)
for d in ("spread", "pair", "nogap", "links_pair", "unflagged"):
    check(designs[d] >= 1, "no %s near miss planted" % d)
reported = {e for e, _ in got}
for g in groups.values():
    if g[0]["design"] not in ("chain", "links"):
        check(g[0]["entity"] not in reported, "near miss %s (%s) reported as a chain" % (g[0]["entity"], g[0]["design"]))
spans = [(max(day[p["intel_id"]] for p in g) - min(day[p["intel_id"]] for p in g)).days
         for g in groups.values() if g[0]["design"] == "chain"]
check(90 in spans, "no chain spans exactly 90 days: %s" % spans)
steps = []
for g in groups.values():
    if g[0]["design"] == "spread":
        ds = sorted(day[p["intel_id"]] for p in g)
        steps += [(b - a).days for a, b in zip(ds, ds[1:])]
        check(min((b - a).days for a, b in zip(ds, ds[1:])) > 90, "spread %s has records within 90 days" % g[0]["entity"])
check(91 in steps, "no spread with records exactly 91 days apart: %s" % steps)
nogap = [p for g in groups.values() if g[0]["design"] == "nogap" for p in g]
check(all(labels[p["intel_id"]] in ("actioned", "late") for p in nogap), "a nogap member is a gap or open")

# spelling variants: each is in the narrative as planted, and every
# registration, number and place chain joins more than one spelling
for p in plants:
    if p["kind"] in ("vrm", "phone", "place"):
        check(p["written"].lower() in intel[p["intel_id"]]["narrative"].lower(),
              "%s: %r not in its narrative" % (p["intel_id"], p["written"]))
for g in groups.values():
    if g[0]["design"] == "chain" and g[0]["kind"] in ("vrm", "phone", "place"):
        check(len({p["written"] for p in g}) >= 2, "%s: one spelling only" % g[0]["entity"])
vrm_spellings = {p["written"] for p in plants if p["kind"] == "vrm"}
check(any(re.fullmatch(r"[a-z]{2}\d\d[a-z]{3}", s) for s in vrm_spellings) and
      any(re.fullmatch(r"[A-Z]{2}\d\d [A-Z]{3}", s) for s in vrm_spellings),
      "registrations not planted both as 'ab12cde' and 'AB12 CDE'")

# without the links file: the same chains less the links-only ones, both
# for the scan of the --links corpus and of the corpus made without it
loc = collections.Counter({k: v for k, v in want.items() if not k[0].startswith("location:")})
check(sum(loc.values()) < sum(want.values()), "no links-only chain in chains.csv")
for path in (c + "/got_nolinks.csv", n + "/got.csv"):
    g2 = chains(path, "chain")
    check(g2 == loc, "%s: %d chains differ from the %d wanted without links" % (path, sum(g2.values()), sum(loc.values())))
check(chains(n + "/chains.csv") == loc, "chains.csv without --links is not the text chains")

for e in errs[:30]: print(e)
print("chains: %d in chains.csv (%s), %d reported; near misses planted: %s" %
      (sum(want.values()), dict(kinds), sum(got.values()),
       {d: designs[d] for d in designs if d not in ("chain", "links")}))
sys.exit(1 if errs else 0)
PY

# the committed demo: its ground truth is current and the scan agrees
$C --records 5000 --seed 42 --as-of $ASOF --out "$TMP/demo"
for f in plants.csv chains.csv; do
	cmp -s "$TMP/demo/$f" "corpus/demo/$f" ||
		fail "corpus/demo/$f is stale: regenerate with corpus-gen --records 5000 --seed 42 --as-of $ASOF --out corpus/demo"
done
cp corpus/demo/intel.csv corpus/demo/actions.csv "$TMP/demo/"
scan "$TMP/demo" "$TMP/demo/got.csv"
# same_chains DIR MIN: DIR/got.csv holds exactly the chains of DIR/chains.csv,
# at least MIN of them
same_chains() {
	python3 - "$1" "$2" <<'PY'
import collections, csv, sys
d, least = sys.argv[1], int(sys.argv[2])
def chains(path, key):
    by = collections.defaultdict(lambda: [None, set()])
    for r in csv.DictReader(open(path, newline="")):
        by[r[key]][0] = r["entity"]
        by[r[key]][1].add(r["intel_id"])
    return collections.Counter((e, frozenset(m)) for e, m in by.values())
want, got = chains(d + "/chains.csv", "chain_id"), chains(d + "/got.csv", "chain")
for e, m in sorted(want - got): print("missing", e, sorted(m))
for e, m in sorted(got - want): print("extra  ", e, sorted(m))
print("%s: %d chains" % (d, sum(got.values())))
sys.exit(0 if want == got and sum(want.values()) >= least else 1)
PY
}
same_chains "$TMP/demo" 1 || fail "demo chains differ from corpus/demo/chains.csv"
# a larger export whose text says "Audi A3 VRM XK52 OTL": "A3 VRM" is a car
# model and a word, not a registration, and made two false vrm chains
$C --records 20000 --seed 7 --as-of $ASOF --out "$TMP/big" --links >/dev/null
scan "$TMP/big" "$TMP/big/got.csv" --links "$TMP/big/links.csv"
same_chains "$TMP/big" 50 || fail "chains of the 20k export differ from chains.csv"
echo "t_chains: ok"
