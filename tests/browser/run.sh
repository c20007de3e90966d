#!/bin/sh
# tests/browser/run.sh - `make test-browser`: the HTML report opened for real
# in headless Chromium with networking off. Checks the rendered headline
# against the database, that hostile record text stays inert text, that no
# request leaves the page (every request is sent to a loopback listener
# that records and drops it; a control page proves the listener sees
# requests), the --public outputs, the CSV in Python's csv module, and that
# restricted records are never listed. Saves out/report.png and
# out/report.pdf (A4).
#
# env: GAPSCAN (binary, required), CORPUS_GEN (generator; without it the
# hand-written corpus/hard is used), OUT (default: out/ in the checkout).
set -eu
: "${GAPSCAN:?set GAPSCAN to the gapscan binary}"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${OUT:-$ROOT/out}
CHECK="python3 $HERE/check.py"
AS_OF=2026-11-01
PREV_AS_OF=2026-10-04
N=5
TMP=$(mktemp -d)
LISTENER=
cleanup() {
	if [ -n "$LISTENER" ]; then kill "$LISTENER" 2>/dev/null || :; fi
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
pass=0
ok() { pass=$((pass + 1)); echo "ok $pass - $*"; }

# ---- Chromium ----
CHROMIUM=
for c in chromium chromium-browser; do
	if command -v "$c" >/dev/null 2>&1; then CHROMIUM=$(command -v "$c"); break; fi
done
if [ -z "$CHROMIUM" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "test-browser: installing Debian's chromium"
		apt-get update -q >/dev/null &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
		CHROMIUM=$(command -v chromium)
	else
		echo "test-browser: chromium is missing; run: sudo apt-get install chromium" >&2
		exit 1
	fi
fi
# networking off: no background services, no QUIC, and every request
# (loopback included) sent to a proxy that only records it
chrome() {
	"$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update \
		--disable-sync --disable-quic --disable-default-apps \
		--disable-extensions --no-default-browser-check \
		--disable-client-side-phishing-detection --disable-domain-reliability \
		--disable-breakpad --metrics-recording-only \
		--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate \
		--proxy-server="http://127.0.0.1:$PORT" \
		--proxy-bypass-list='<-loopback>' \
		--user-data-dir="$(mktemp -d "$TMP/profile.XXXXXX")" "$@" \
		2>>"$TMP/chromium.log"
}

# ---- corpus, two runs, every report ----
mkdir -p "$TMP/corpus"
if [ -n "${CORPUS_GEN:-}" ] && [ -x "$CORPUS_GEN" ]; then
	"$CORPUS_GEN" --records 600 --seed 11 --as-of "$AS_OF" --out "$TMP/corpus" >/dev/null
else
	echo "test-browser: no CORPUS_GEN; using corpus/hard"
	cp "$ROOT/corpus/hard/intel.csv" "$TMP/corpus/intel.csv"
	printf 'action_id,intel_id,action_type,action_at,unit,rationale\n' >"$TMP/corpus/actions.csv"
fi
$CHECK append "$TMP/corpus" "$AS_OF"
DB=$TMP/runs.db
"$GAPSCAN" scan --quiet --intel "$TMP/corpus/intel.csv" --actions "$TMP/corpus/actions.csv" \
	--as-of "$PREV_AS_OF" --db "$DB" --out /dev/null
"$GAPSCAN" scan --quiet --intel "$TMP/corpus/intel.csv" --actions "$TMP/corpus/actions.csv" \
	--as-of "$AS_OF" --db "$DB" --out /dev/null
RUN=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select max(id) from runs').fetchone()[0])" "$DB")
R=$TMP/report
for f in html csv json md; do
	"$GAPSCAN" report --db "$DB" --format $f --out "$R.$f"
	"$GAPSCAN" report --db "$DB" --format $f --public --min-cell $N --out "$R.public.$f"
done
mode=$(stat -c %a "$R.html")
[ "$mode" = 600 ] || { echo "FAIL: report mode $mode, want 600" >&2; exit 1; }
ok "reports written, mode 0600"

# ---- nothing to fetch, even before a browser sees it ----
$CHECK static "$R.html" "$R.public.html"
ok "no fetchable URL, script or external style in the HTML"

# ---- the browser ----
$CHECK listen "$TMP/port" "$TMP/requests.log" &
LISTENER=$!
i=0
while [ ! -s "$TMP/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(cat "$TMP/port")
printf '<!DOCTYPE html><title>control</title><img src="http://example.invalid/x.png">\n' \
	>"$TMP/control.html"
chrome --dump-dom "file://$TMP/control.html" >/dev/null
sleep 0.5
$CHECK proxylog "$TMP/requests.log" some "$TMP/control.html"
ok "control page: a fetch reaches the recording proxy"
rm -f "$TMP/requests.log"

chrome --dump-dom "file://$R.html" >"$TMP/dom.html"
chrome --dump-dom "file://$R.public.html" >"$TMP/dom.public.html"
mkdir -p "$OUT"
chmod 700 "$OUT"
# images of a report are as sensitive as the report: owner-only, like it
(umask 077
 chrome --window-size=1240,1754 --hide-scrollbars --screenshot="$OUT/report.png" "file://$R.html" >/dev/null
 chrome --no-pdf-header-footer --print-to-pdf="$OUT/report.pdf" "file://$R.html" >/dev/null)
chmod 600 "$OUT/report.png" "$OUT/report.pdf" 2>/dev/null || true
sleep 0.5
$CHECK proxylog "$TMP/requests.log" none "$R.html" "$R.public.html"
ok "no request left the report pages"

$CHECK dom "$TMP/dom.html" "$DB" "$RUN"
ok "rendered headline equals the database; hostile text inert"
$CHECK public "$DB" "$RUN" $N "$TMP/dom.public.html" "$R.public.html" \
	"$R.public.json" "$R.public.csv" "$R.public.md"
ok "--public: no record id, excerpt, unit or count 1..$((N - 1))"
$CHECK csv "$R.csv" "$DB" "$RUN"
ok "CSV opens in Python's csv module with the database's exceptions"
$CHECK leak "$DB" "$RUN" "$R.html" "$R.csv" "$R.json" "$R.md"
ok "restricted handling code never listed"
[ -s "$OUT/report.png" ] && [ "$(head -c 4 "$OUT/report.png" | od -An -c | tr -d ' ')" = "211PNG" ] ||
	{ echo "FAIL: no PNG screenshot" >&2; exit 1; }
[ "$(head -c 5 "$OUT/report.pdf")" = "%PDF-" ] || { echo "FAIL: no PDF" >&2; exit 1; }
[ "$(stat -c %a "$OUT/report.png" "$OUT/report.pdf" | sort -u)" = 600 ] || { echo "FAIL: screenshot or PDF not owner-only" >&2; exit 1; }
ok "screenshot $OUT/report.png and A4 print $OUT/report.pdf"
echo "test-browser: $pass passed, 0 failed"
