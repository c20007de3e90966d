# The published report (--public) in all four formats, end to end: the CSV
# carries the repeat-intelligence figures (chains by entity type, isolated
# entries) equal to the database's, every figure any format shows is the
# same in the others (same number, same "<N"), a count from 1 to N-1 shows
# only as "<N", and no record id, entity value or unit appears anywhere.
# Two runs in one database, so the headline has a previous run too.
. tests/e2e/lib.sh
G=$GAPSCAN
C=$CORPUS_GEN

$C --records 3000 --seed 11 --as-of 2026-11-01 --out "$TMP/c" --links
DB=$TMP/h.db
for asof in 2026-10-01 2026-11-01; do
	$G scan --intel "$TMP/c/intel.csv" --actions "$TMP/c/actions.csv" \
		--links "$TMP/c/links.csv" --as-of $asof --rules rules \
		--profile profiles/default.json --quiet --out "$TMP/exc.csv" \
		--db "$DB" 2>"$TMP/scan.err" || { cat "$TMP/scan.err"; fail "scan as of $asof"; }
done
for n in 5 12; do
	for f in csv json md html; do
		$G report --db "$DB" --public --min-cell $n --format $f \
			--out "$TMP/p$n.$f" || fail "report --public --min-cell $n --format $f"
	done
done

python3 - "$DB" "$TMP" <<'PY' || fail "public outputs disagree"
import csv, html, html.parser, io, json, re, sqlite3, sys

db, tmp = sys.argv[1], sys.argv[2]
errs = []
def check(cond, msg):
    if not cond:
        errs.append(msg)

con = sqlite3.connect(db)
run = con.execute("SELECT max(id) FROM runs").fetchone()[0]
LABEL = {"vrm": "vehicle", "phone": "phone", "place": "place", "subject": "subject"}

# ---- what the database says ----
truth = {}
for t, chains, recs, gaps in con.execute(
        "SELECT key_type, count(DISTINCT chain_id), count(DISTINCT record_id),"
        " count(DISTINCT CASE WHEN status = 'gap' THEN record_id END)"
        " FROM chains WHERE run_id = ? GROUP BY key_type", (run,)):
    t = LABEL.get(t, t)
    truth[("chain", t, "chains")] = chains
    truth[("chain", t, "records")] = recs
    truth[("chain", t, "gaps")] = gaps
chains, recs, gaps = con.execute(
    "SELECT count(DISTINCT chain_id), count(DISTINCT record_id),"
    " count(DISTINCT CASE WHEN status = 'gap' THEN record_id END)"
    " FROM chains WHERE run_id = ?", (run,)).fetchone()
truth.update({("chain", "All", "chains"): chains, ("chain", "All", "records"): recs,
              ("chain", "All", "gaps"): gaps})
truth[("isolated", "All", "records")] = con.execute(
    "SELECT count(*) FROM isolated_records WHERE run_id = ?", (run,)).fetchone()[0]
truth[("isolated", "All", "pairs")] = con.execute(
    "SELECT isolated_pairs FROM runs WHERE id = ?", (run,)).fetchone()[0]
row = con.execute("SELECT flagged, actioned, late, gap, open, indeterminate,"
                  " records_read FROM runs WHERE id = ?", (run,)).fetchone()
for name, v in zip(("flagged", "actioned", "late", "gap", "open", "indeterminate"), row):
    truth[("headline", "this run", name)] = v
truth[("funnel", "read", "records")] = row[6]
check(len({k[1] for k in truth if k[0] == "chain"}) >= 4, "fewer than 3 chain types in the corpus")
check(any(1 <= v < 5 for k, v in truth.items() if k[0] == "chain"),
      "no chain figure below 5: the suppression of chain counts goes untested")

# never in a public output: record ids, entity values, unit names
secret = set()
for q in ("SELECT record_id FROM assessments WHERE run_id = ?",
          "SELECT record_id FROM chains WHERE run_id = ?",
          "SELECT record_id FROM isolated_records WHERE run_id = ?",
          "SELECT key_value FROM chains WHERE run_id = ? AND length(key_value) > 3",
          "SELECT unit FROM assessments WHERE run_id = ? AND length(unit) > 3"):
    secret |= {r[0] for r in con.execute(q, (run,))}
check(len(secret) > 100, "too few ids to look for")

# ---- each format as {(table, row, column): value text} ----
def read_csv(path):
    out = {}
    text = open(path, encoding="utf-8-sig", newline="").read()
    for r in csv.DictReader(io.StringIO(text)):
        key = (r["table"], r["row"], r["column"])
        check(key not in out, "%s: %s twice" % (path, key))
        out[key] = r["value"]
    return out

def read_json(path):
    d = json.load(open(path, encoding="utf-8"))
    out = {}
    def v(x):
        return "n/a" if x is None else "%.1f" % x if isinstance(x, float) else str(x)
    for h, o in d["headline"].items():
        out[("headline", "this run", h)] = v(o["value"])
        if d["previous_run"]:
            out[("headline", "previous run", h)] = v(o["previous"])
    for r in d["chain_types"]["rows"] + [d["chain_types"]["total"]]:
        for c in ("chains", "records", "gaps"):
            out[("chain", LABEL.get(r["entity_type"], r["entity_type"]), c)] = v(r[c])
    out[("isolated", "All", "records")] = v(d["isolated"]["record_count"])
    out[("isolated", "All", "pairs")] = v(d["isolated"]["pairs"])
    for f in d["funnel"]:
        out[("funnel", f["stage"], "records")] = v(f["records"])
    for table, key in (("month", "months"), ("district", "districts"), ("category", "categories")):
        for r in d[key]["rows"] + [dict(d[key]["total"], **{table: "All"})]:
            for c, x in r.items():
                if c != table:
                    out[(table, r[table], c)] = v(x)
    for b, x in d["ageing"].items():
        out[("ageing", b, "gaps")] = v(x)
    for r in d["language"]["rows"] + [dict(d["language"]["total"], district="All")]:
        for c in ("records", "findings"):
            out[("language", r["district"], c)] = v(r[c])
    check(d["chains"] == [] and d["isolated"]["records"] == [] and d["exceptions"] is None,
          "%s: record-level lists in a public report" % path)
    check(d["isolated"]["restricted"] is None and d["exceptions_withheld"] is None,
          "%s: counts restricted records" % path)
    return out

HEAD = {"Flagged": "flagged", "Actioned in time": "actioned", "Actioned late": "late",
        "Gap (no action)": "gap", "Open (within SLA)": "open", "Indeterminate": "indeterminate"}
COLS = {"Records": "records", "Flagged": "flagged", "Actioned": "actioned", "In time": "actioned",
        "Late": "late", "Open": "open", "Gap": "gap", "Indet.": "indeterminate",
        "Chains": "chains", "Records in chains": "records", "Of which gaps": "gaps",
        "Findings": "findings", "Gaps": "gaps"}
STAGES = ["read", "rejected", "assessed", "not_flagged", "suppressed_by_context",
          "below_threshold", "flagged", "actioned", "late", "open", "indeterminate", "gap"]

def plain(s):
    s = re.sub(r"<[^>]*>", "", s)
    s = html.unescape(s).replace("\\", "").replace("**", "").strip()
    return re.sub(r"\s+days$", "", s)

def read_md(path):
    out = {}
    text = open(path, encoding="utf-8").read()
    tables = {"Headline figures": "headline", "Repeat intelligence": "chain",
              "How the measure is counted": "funnel", "By month logged": "month",
              "By district": "district", "By indicator category": "category",
              "Ageing of gaps": "ageing", "Victim-blaming language by district": "language"}
    for sec in re.split(r"^## ", text, flags=re.M)[1:]:
        title, body = sec.split("\n", 1)
        table = tables.get(title)
        lines = [l for l in body.split("\n") if l.startswith("|")]
        if not table or not lines:
            continue
        head = [plain(c) for c in lines[0].strip("|").split(" | ")]
        for i, l in enumerate(lines[2:]):
            cells = [plain(c) for c in l.strip().strip("|").split(" | ")]
            label = cells[0]
            if table == "headline":
                if label not in HEAD:
                    continue
                out[(table, "this run", HEAD[label])] = cells[1]
                if len(head) > 2:
                    out[(table, "previous run", HEAD[label])] = cells[2]
                continue
            if table == "funnel":
                out[(table, STAGES[i], "records")] = cells[1]
                continue
            if table == "ageing":
                label = "all" if label == "All gaps" else label
                out[(table, label, "gaps")] = cells[1]
                continue
            for h, c in zip(head[1:], cells[1:]):
                if h in COLS:
                    out[(table, label, COLS[h])] = c
        m = re.search(r"Isolated entries: (\S+) records in (\S+) pairs", body)
        if table == "chain" and m:
            out[("isolated", "All", "records")] = plain(m.group(1))
            out[("isolated", "All", "pairs")] = plain(m.group(2))
    return out

class Tables(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self.ids, self.stack = {}, {}, []
        self.table = self.row = self.cell = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.table = self.tables.setdefault(a.get("id", "?"), [])
        elif tag == "tr" and self.table is not None:
            self.row = [a.get("id", "")]
            self.table.append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        if "id" in a and tag == "p":
            self.stack.append((a["id"], []))
            self.ids[a["id"]] = a
    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "table":
            self.table = None
        elif tag == "p" and self.stack:
            i, t = self.stack.pop()
            self.ids[i]["text"] = "".join(t)
    def handle_data(self, d):
        if self.cell is not None:
            self.cell.append(d)
        for _, t in self.stack:
            t.append(d)

def read_html(path):
    out = {}
    text = open(path, encoding="utf-8").read()
    p = Tables()
    p.feed(text)
    for i, a in p.ids.items():
        if i.startswith("head-") and "data-value" in a:
            out[("headline", "this run", i[5:])] = a["data-value"]
    for m in re.finditer(r'id="head-(?!median)(\w+)".*?Previous run: (.*?)(?: &middot;|</p>)', text):
        out[("headline", "previous run", m.group(1))] = plain(m.group(2))
    m = re.search(r"Isolated entries: (\S+) records in (\S+) pairs", p.ids["isolated"]["text"])
    out[("isolated", "All", "records")], out[("isolated", "All", "pairs")] = m.group(1), m.group(2)
    for rows in p.tables.values():
        for rid, *cells in rows:
            if rid.startswith("funnel-"):
                out[("funnel", rid[7:], "records")] = cells[1]
    for tid, table in (("chain-kinds", "chain"), ("month-table", "month"),
                       ("district-table", "district"), ("category-table", "category"),
                       ("ageing-table", "ageing"), ("language-table", "language")):
        rows = p.tables[tid]
        head = rows[0][1:]
        for _, *cells in rows[1:]:
            label = cells[0]
            if table == "ageing":
                label = "all" if label == "All gaps" else re.sub(r" days$", "", label)
                out[(table, label, "gaps")] = cells[1]
                continue
            for h, c in zip(head[1:], cells[1:]):
                if h in COLS:
                    out[(table, label, COLS[h])] = c
    return out

for n in (5, 12):
    got = {f: r("%s/p%d.%s" % (tmp, n, f)) for f, r in
           (("csv", read_csv), ("json", read_json), ("md", read_md), ("html", read_html))}
    ref = got["csv"]
    # the CSV carries the chain figures, equal to the database or hidden
    for key, want in truth.items():
        have = ref.get(key)
        if have is None:
            errs.append("n=%d: the public CSV has no %s" % (n, ",".join(key)))
        elif 1 <= want < n:
            check(have == "<%d" % n, "n=%d: CSV %s is %s, database %d: want <%d" % (n, key, have, want, n))
        else:
            check(have in (str(want), "<%d" % n), "n=%d: CSV %s is %s, database %d" % (n, key, have, want))
    for f, vals in got.items():
        check(len(vals) > 150, "n=%d: only %d figures read from %s" % (n, len(vals), f))
        for key, v in vals.items():
            if f != "csv":
                check(key in ref, "n=%d: %s shows %s, the CSV does not" % (n, f, key))
                check(ref.get(key, v) == v, "n=%d: %s %s is %s, CSV %s" % (n, f, key, v, ref.get(key)))
            if re.fullmatch(r"\d+", v):
                check(not 1 <= int(v) < n, "n=%d: %s shows %s = %s" % (n, f, key, v))
    for key in ref:
        for f in ("json", "md", "html"):
            # the HTML headline names indeterminate records only when
            # there are some, in words
            if f == "html" and key[0] == "headline" and key[2] == "indeterminate":
                continue
            # medians: the CSV's equal the JSON's (checked above); the md
            # and html readers here read counts only
            if f in ("md", "html") and key[2].startswith("median"):
                continue
            check(key in got[f], "n=%d: %s has no %s, the CSV has" % (n, f, key))
    for f in ("csv", "json", "md", "html"):
        text = html.unescape(open("%s/p%d.%s" % (tmp, n, f), encoding="utf-8-sig").read())
        words = set(re.findall(r"[\w:-]+", text))
        for s in secret:
            if s in words or (" " in s and s in text):
                errs.append("n=%d: %s shows %r" % (n, f, s))
        # nothing to say about restricted records either: it is a count
        # from the record level, unsuppressed
        check(not re.search(r"restricted (records? )?(are |is )?not listed", text),
              "n=%d: %s counts restricted records" % (n, f))

for e in errs[:40]:
    print(e)
print("public: %d figures agree across csv, json, md and html" % len(got["csv"]))
sys.exit(1 if errs else 0)
PY
# A public report's "previous run" figures are those the previous run's own
# public report shows: one hidden there by secondary suppression (71 late
# as of 2026-09-15 here) must not be printed as run 3's previous figure.
$CORPUS_GEN --records 5000 --seed 1 --as-of 2026-11-01 --out "$TMP/pp" --links --bad-rows 20 >/dev/null
for a in "--as-of 2026-11-01" "--as-of 2026-09-15" "--as-of 2026-11-01 --sla-days 3"; do
	$GAPSCAN scan --intel "$TMP/pp/intel.csv" --actions "$TMP/pp/actions.csv" $a --db "$TMP/pp/run.db" --out /dev/null --quiet
done
$GAPSCAN report --db "$TMP/pp/run.db" --run 2 --public --format json > "$TMP/pp/r2.json"
$GAPSCAN report --db "$TMP/pp/run.db" --run 3 --public --format json > "$TMP/pp/r3.json"
python3 - "$TMP/pp/r2.json" "$TMP/pp/r3.json" <<'PY' || fail "a public report shows a previous-run figure its own report hides"
import json, sys
r2, r3 = (json.load(open(f))["headline"] for f in sys.argv[1:3])
hidden = [k for k, v in r2.items() if v["value"] is None or str(v["value"]).startswith("<")]
assert hidden, "run 2's public headline hides nothing: the check would prove nothing"
for k, v in r2.items():
    assert r3[k]["previous"] == v["value"], (k, v["value"], r3[k]["previous"])
print("previous-run figures as published: %s hidden" % ", ".join(hidden))
PY
echo "t_public_report: ok"
