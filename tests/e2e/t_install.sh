# make install PREFIX=... DESTDIR=... puts the binary, rule pack and profile
# where the installed binary finds them without a checkout.
. tests/e2e/lib.sh
B=$(basename "$(dirname "$GAPSCAN")")
make -s install B="$B" PREFIX=/usr/local DESTDIR="$TMP/d" >/dev/null || fail "make install"
bin="$TMP/d/usr/local/bin/gapscan"
[ -x "$bin" ] || fail "binary not installed"
[ -f "$TMP/d/usr/local/share/gapscan/profiles/default.json" ] || fail "profile not installed"
n=$(ls "$TMP/d/usr/local/share/gapscan/rules"/*.json | wc -l)
expect_eq "rule files installed" "$n" "$(ls rules/*.json | wc -l)"
# run from elsewhere, with no checkout in sight
cp corpus/demo/intel.csv corpus/demo/actions.csv "$TMP/"
(cd "$TMP" && env -u GAPSCAN_DATA "$bin" scan --intel intel.csv --actions actions.csv --as-of 2026-11-01 \
	--quiet --out exc.csv) || fail "installed binary cannot scan"
$GAPSCAN scan --intel corpus/demo/intel.csv --actions corpus/demo/actions.csv --as-of 2026-11-01 --quiet \
	--out "$TMP/exc_checkout.csv"
cmp "$TMP/exc.csv" "$TMP/exc_checkout.csv" || fail "installed and checkout scans differ"
(cd "$TMP" && "$bin" rules lint >/dev/null) || fail "installed rules lint"
echo ok
