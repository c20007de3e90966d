# The compiled prefilter database is cached; a cached, a fresh and a
# corrupt cache give the same scan, and the cache is owner-only.
. tests/e2e/lib.sh
G=$GAPSCAN
export GAPSCAN_CACHE="$TMP/cache"
run() { $G scan --intel corpus/demo/intel.csv --actions corpus/demo/actions.csv --as-of 2026-11-01 \
	--quiet --out "$TMP/$1.csv" --status-out "$TMP/$1.st"; }
run first
n=$(ls "$TMP/cache"/*.hsdb | wc -l)
expect_eq "one cache file" "$n" 1
expect_eq "cache dir mode" "$(stat -c %a "$TMP/cache")" 700
run cached
cmp "$TMP/first.st" "$TMP/cached.st" || fail "cached database changed the statuses"
f=$(ls "$TMP/cache"/*.hsdb)
head -c 100 "$f" > "$f.x" && mv "$f.x" "$f"
run corrupt
cmp "$TMP/first.st" "$TMP/corrupt.st" || fail "corrupt cache changed the statuses"
[ "$(stat -c %s "$f")" -gt 1000 ] || fail "corrupt cache was not rebuilt"
GAPSCAN_CACHE=off run nocache
cmp "$TMP/first.st" "$TMP/nocache.st" || fail "uncached scan differs"
GAPSCAN_NO_PREFILTER=1 run pcre2only
cmp "$TMP/first.st" "$TMP/pcre2only.st" || fail "PCRE2-only path differs from the prefilter path"
echo ok
