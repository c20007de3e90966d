#!/usr/bin/env python3
"""Checks for tests/browser/run.sh (the HTML report in headless Chromium).

  check.py append DIR AS_OF         add hostile and restricted records
  check.py listen PORTFILE LOG      a loopback "proxy" that records and drops
                                    every connection (never forwards)
  check.py proxylog LOG EXPECT PAGE...
                                    EXPECT=none: no request of the pages
                                    in LOG; some: at least one
  check.py static HTML              no fetchable URL, no script element
  check.py dom DOM DB RUN           rendered DOM against the database
  check.py public DB RUN N FILE...  no record ids, excerpts or counts 1..N-1
  check.py csv CSV DB RUN           the exception list CSV against the db
  check.py leak DB RUN FILE...      restricted records appear nowhere

Exits 1 with a message on the first failure.
"""
import csv
import datetime
import html
import html.parser
import io
import json
import os
import re
import socket
import sqlite3
import sys

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
EVIL_UNIT = '=HYPERLINK("http://example.invalid/","click")'
INDICATORS = ("reported missing again. Returned in a car driven by an older "
              "male who gave her cash and a new phone; she smelt of alcohol.")
# the payloads sit either side of the first indicator, so both fall in the
# excerpt the report shows (60 bytes either side of the hit)
HOSTILE = ("Child A (14) " + SCRIPT + " reported missing again " + IMG +
           " Returned in a car driven by an older male who gave her cash "
           "and a new phone; she smelt of alcohol.")


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def append(directory, as_of):
    """Appends XSS-1 (hostile text, hostile unit, a gap) and RESTRICTED-1
    (handling code C, a gap) to DIR/intel.csv."""
    day = datetime.date.fromisoformat(as_of) - datetime.timedelta(days=40)
    path = os.path.join(directory, "intel.csv")
    with open(path, newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    rows = [
        {"intel_id": "XSS-1", "logged_at": day.isoformat() + "T10:00:00",
         "unit": EVIL_UNIT, "district": "North", "grading": "1/A/P",
         "priority": "routine", "subject_refs": "SUBJ-XSS-1",
         "narrative": HOSTILE},
        {"intel_id": "RESTRICTED-1", "logged_at": day.isoformat() + "T11:00:00",
         "unit": "Covert Unit", "district": "South", "grading": "1/A/C",
         "priority": "routine", "subject_refs": "SUBJ-RES-1",
         "narrative": "Child B (13) " + INDICATORS + " Source is sensitive."},
    ]
    with open(path, "a", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        for r in rows:
            w.writerow({k: r.get(k, "") for k in header})


def listen(portfile, log):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    s.settimeout(120)  # stops by itself
    try:
        while True:
            c, _ = s.accept()
            c.settimeout(2)
            try:
                first = c.recv(4096).split(b"\r\n", 1)[0]
            except OSError:
                first = b"?"
            with open(log, "a") as f:
                f.write(first.decode("latin-1") + "\n")
            c.close()
    except (socket.timeout, OSError):
        pass


# Chromium's own housekeeping (component updater, sign-in) still calls
# these hosts despite --disable-background-networking; it is no request of
# the page unless the page names the host.
HOUSEKEEPING = (".google.com", ".googleapis.com", ".gstatic.com",
                ".gvt1.com", ".googleusercontent.com")


def request_host(line):
    parts = line.split()
    if len(parts) < 2:
        return ""
    target = parts[1]
    if parts[0] == "CONNECT":
        return target.rsplit(":", 1)[0].lower()
    m = re.match(r"[a-z]+://([^/:]+)", target, re.I)
    return m.group(1).lower() if m else ""


def proxylog(log, expect, pages):
    lines = []
    if os.path.exists(log):
        lines = [l for l in open(log).read().splitlines() if l.strip()]
    text = "".join(open(p, encoding="utf-8").read() for p in pages)
    page = []
    for l in lines:
        host = request_host(l)
        if host and host.endswith(HOUSEKEEPING) and host not in text:
            continue
        page.append(l)
    if expect == "none" and page:
        fail("the page tried to fetch: " + "; ".join(page[:5]))
    if expect == "some" and not page:
        fail("control page fetched nothing: the proxy check is blind")
    print("proxy: %d page request(s), %d browser housekeeping ignored"
          % (len(page), len(lines) - len(page)))


URL_ATTRS = ("src", "href", "srcset", "action", "data", "poster",
             "xlink:href", "formaction", "background")


class Tags(html.parser.HTMLParser):
    """Every element with its attributes, and the text of <style>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.css = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self.in_style = tag == "style"
        for k, v in attrs:
            if k == "style" and v:
                self.css.append(v)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.in_style = False

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.css.append(data)


def static(path):
    """Elements and attributes only: text that merely reads like a tag is
    checked in the rendered DOM instead."""
    t = Tags()
    t.feed(open(path, encoding="utf-8").read())
    t.close()
    csp = False
    for tag, attrs in t.tags:
        if tag in ("script", "link", "img", "iframe", "object", "embed",
                   "base", "audio", "video", "source", "frame"):
            fail("%s has a <%s> element" % (path, tag))
        for k, v in attrs:
            if k.startswith("on"):
                fail("%s: <%s> has an event handler %s=" % (path, tag, k))
            if k in URL_ATTRS and v and not v.startswith("#"):
                fail("%s: <%s %s=%r> is not a fragment" % (path, tag, k, v))
            if k == "content" and v and "default-src 'none'" in v:
                csp = True
    for css in t.css:
        for m in re.finditer(r"url\(\s*['\"]?([^)'\"]*)", css, re.I):
            if not m.group(1).startswith("#"):
                fail("%s: url(%s) is not a fragment" % (path, m.group(1)))
        if re.search(r"@import", css, re.I):
            fail(path + " has an @import")
    if not csp:
        fail(path + " has no Content-Security-Policy")


class Dom(html.parser.HTMLParser):
    """Element ids -> text, every start tag, every text node."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.by_id = {}
        self.tags = []
        self.texts = []
        self.rows = []  # table rows as lists of cell texts, with table id
        self.table = [None]
        self.cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "table":
            self.table.append(a.get("id"))
        if tag == "tr":
            self.rows.append((self.table[-1], []))
        if tag in ("td", "th") and self.rows:
            self.cell = []
            self.rows[-1][1].append(self.cell)
        self.stack.append((tag, a.get("id"), len(self.texts)))

    def handle_endtag(self, tag):
        while self.stack:
            t, i, start = self.stack.pop()
            if i:
                self.by_id[i] = "".join(self.texts[start:]).strip()
            if t == tag:
                break
        if tag == "table" and len(self.table) > 1:
            self.table.pop()
        if tag in ("td", "th"):
            self.cell = None

    def handle_data(self, data):
        self.texts.append(data)
        if self.cell is not None:
            self.cell.append(data)


def parse(path):
    d = Dom()
    d.feed(open(path, encoding="utf-8").read())
    d.close()
    return d


def run_counts(db, run):
    con = sqlite3.connect(db)
    row = con.execute("SELECT flagged, actioned, late, gap, open FROM runs "
                      "WHERE id = ?", (run,)).fetchone()
    by = dict(con.execute("SELECT status, count(*) FROM assessments WHERE "
                          "run_id = ? GROUP BY status", (run,)).fetchall())
    con.close()
    names = ("flagged", "actioned", "late", "gap", "open")
    counts = dict(zip(names, row))
    # the manifest and the assessments agree
    if counts["flagged"] != sum(by.values()):
        fail("runs.flagged %d != assessments %d" % (counts["flagged"],
                                                    sum(by.values())))
    for s in names[1:]:
        if counts[s] != by.get(s, 0):
            fail("runs.%s %d != assessments %d" % (s, counts[s], by.get(s, 0)))
    return counts


def dom(path, db, run):
    d = parse(path)
    counts = run_counts(db, run)
    for name, want in counts.items():
        got = d.by_id.get("head-" + name)
        if got != str(want):
            fail("headline %s: DOM shows %r, database has %d" % (name, got, want))
    for tag, attrs in d.tags:
        if tag in ("script", "img", "iframe", "object", "embed"):
            fail("rendered DOM has a <%s> element" % tag)
        for k in attrs:
            if k.startswith("on"):
                fail("rendered DOM has an %s= attribute on <%s>" % (k, tag))
    text = "".join(d.texts)
    for payload in (SCRIPT, IMG, EVIL_UNIT):
        if payload not in text:
            fail("payload %r is not shown as text" % payload)
    row = [cells for table, cells in d.rows
           if table == "exception-table" and cells
           and "".join(cells[0]).strip() == "XSS-1"]
    if not row:
        fail("XSS-1 is not in the exception list")
    excerpt = "".join(row[0][-1])
    for payload in (SCRIPT, IMG):
        if payload not in excerpt:
            fail("XSS-1 excerpt %r does not show %r as text"
                 % (excerpt, payload))
    # repeat intelligence comes straight after the headline figures
    sections = [a.get("id") for tag, a in d.tags if tag == "section"]
    if "headline" not in sections or "chains" not in sections or \
            sections.index("chains") != sections.index("headline") + 1:
        fail("section#chains does not follow section#headline: %r" % sections)
    if "Repeat intelligence" not in d.by_id.get("chains", ""):
        fail("section#chains has no 'Repeat intelligence' heading")
    if d.by_id.get("marking-top") != d.by_id.get("marking-bottom") or \
            not d.by_id.get("marking-top"):
        fail("security marking missing at top or bottom")
    print("dom: headline %s equals the database; payloads inert"
          % ", ".join("%s=%d" % kv for kv in counts.items()))


def visible_counts(path):
    """Numbers a reader sees as counts: table cells and headline values."""
    d = parse(path)
    out = []
    for table, cells in d.rows:
        for c in cells[1:]:
            out.append((table, "".join(c).strip()))
    for k, v in d.by_id.items():
        if k.startswith("head-"):
            out.append((k, v))
    return out


def public(db, run, n, files):
    con = sqlite3.connect(db)
    ids = [r[0] for r in con.execute(
        "SELECT record_id FROM assessments WHERE run_id = ?", (run,))]
    excerpts = [r[0] for r in con.execute(
        "SELECT excerpt FROM assessments WHERE run_id = ? AND "
        "length(excerpt) > 12", (run,))]
    units = [r[0] for r in con.execute(
        "SELECT DISTINCT unit FROM assessments WHERE run_id = ? AND "
        "length(unit) > 3", (run,))]
    con.close()
    if not ids or not excerpts:
        fail("the fixture has no flagged records with excerpts")
    for f in files:
        text = open(f, encoding="utf-8-sig").read()
        plain = html.unescape(text)
        for i in ids:
            if re.search(r"(?<![\w-])" + re.escape(i) + r"(?![\w-])", plain):
                fail("%s shows record id %s" % (f, i))
        for e in excerpts:
            for part in (e[:24], e[-24:]):
                if part in plain:
                    fail("%s shows excerpt text %r" % (f, part))
        for u in units:
            if u in plain:
                fail("%s names unit %r" % (f, u))
        if f.endswith(".html"):
            for where, v in visible_counts(f):
                if re.fullmatch(r"\d+", v) and 1 <= int(v) < n:
                    fail("%s shows count %s in %s" % (f, v, where))
        if f.endswith(".csv"):
            for row in csv.DictReader(io.StringIO(text)):
                v = row["value"]
                if re.fullmatch(r"\d+", v) and 1 <= int(v) < n:
                    fail("%s shows count %s at %s" % (f, v, row))
        if f.endswith(".json"):
            def walk(x, key=""):
                if isinstance(x, dict):
                    for k, v in x.items():
                        walk(v, k)
                elif isinstance(x, list):
                    for v in x:
                        walk(v, key)
                elif isinstance(x, int) and not isinstance(x, bool) and \
                        key not in ("min_cell", "run_id", "sla_days",
                                    "threshold", "depth", "format_version",
                                    "change", "intel_bytes") \
                        and 1 <= x < n:
                    fail("%s shows count %d at key %s" % (f, x, key))
            walk(json.loads(text))
    print("public: %d files, no record id, excerpt, unit or count 1..%d"
          % (len(files), n - 1))


def csv_check(path, db, run):
    raw = open(path, "rb").read()
    if not raw.startswith(b"\xef\xbb\xbf"):
        fail("CSV has no UTF-8 byte order mark")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"),
                                           newline="")))
    if not raw.split(b"\n", 1)[0].endswith(b"\r") or \
            not raw.endswith(b"\r\n") or raw.count(b"\r\n") < len(rows) + 1:
        fail("CSV records do not end in CRLF")
    con = sqlite3.connect(db)
    want = con.execute(
        "SELECT record_id, status, grading FROM assessments WHERE run_id = ? "
        "AND status IN ('gap', 'late')", (run,)).fetchall()
    con.close()

    def restricted(g):
        c = re.sub(r"[^0-9A-Za-z]", "", g or "").upper()
        return len(c) == 3 and (c[2] == "C" or
                                (c[0] in "ABCDE" and c[2] in "45"))

    want = sorted((i, s) for i, s, g in want if not restricted(g))
    got = sorted((r["intel_id"], r["status"]) for r in rows)
    if got != want:
        fail("CSV rows %d differ from the database's gap+late %d: %s"
             % (len(got), len(want), sorted(set(got) ^ set(want))[:5]))
    xss = [r for r in rows if r["intel_id"] == "XSS-1"]
    if not xss:
        fail("XSS-1 not in the CSV")
    if xss[0]["unit"] != "'" + EVIL_UNIT:
        fail("unit formula not neutralised: %r" % xss[0]["unit"])
    for r in rows:
        for k, v in r.items():
            if v and v[0] in "=+-@\t\r":
                fail("CSV cell %s=%r of %s would run as a formula"
                     % (k, v, r["intel_id"]))
        if not re.fullmatch(r"-?\d+", r["days"]):
            fail("days is not a number: %r" % r["days"])
    print("csv: %d rows equal the database's gap+late; formulas neutralised"
          % len(rows))


def leak(db, run, files):
    con = sqlite3.connect(db)
    ids = [r[0] for r in con.execute(
        "SELECT record_id FROM assessments WHERE run_id = ? AND grading IN "
        "('1/A/C')", (run,))]
    con.close()
    if "RESTRICTED-1" not in ids:
        fail("RESTRICTED-1 was not flagged: the fixture does not test")
    for f in files:
        if "RESTRICTED-1" in open(f, encoding="utf-8-sig").read():
            fail("%s lists a record with handling code C" % f)
    print("leak: restricted records listed in none of %d files" % len(files))


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "append":
        append(argv[2], argv[3])
    elif cmd == "listen":
        listen(argv[2], argv[3])
    elif cmd == "proxylog":
        proxylog(argv[2], argv[3], argv[4:])
    elif cmd == "static":
        for p in argv[2:]:
            static(p)
    elif cmd == "dom":
        dom(argv[2], argv[3], int(argv[4]))
    elif cmd == "public":
        public(argv[2], int(argv[3]), int(argv[4]), argv[5:])
    elif cmd == "csv":
        csv_check(argv[2], argv[3], int(argv[4]))
    elif cmd == "leak":
        leak(argv[2], int(argv[3]), argv[4:])
    else:
        fail("unknown command %r" % cmd)


if __name__ == "__main__":
    main(sys.argv)
