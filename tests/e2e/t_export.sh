# rules export --patterns gives the bench's peers a pattern file they can
# run: ripgrep (--no-unicode) and grep -E accept the shipped pack and select
# the same lines.
. tests/e2e/lib.sh
command -v rg >/dev/null || { echo "ripgrep missing: skipped"; exit 0; }
$GAPSCAN rules export --patterns > "$TMP/p.txt" 2>"$TMP/err" || fail "export"
grep -q 'patterns left out' "$TMP/err" || fail "left-out count not reported"
[ "$(wc -l < "$TMP/p.txt")" -gt 100 ] || fail "too few patterns exported"
set +e
rg -c -i --no-unicode -f "$TMP/p.txt" corpus/demo/intel.csv > "$TMP/rg" 2>"$TMP/rgerr"; rc=$?
set -e
[ "$rc" -le 1 ] || fail "ripgrep refused the export: $(head -c 300 "$TMP/rgerr")"
n=$(LC_ALL=C grep -c -E -i -f "$TMP/p.txt" corpus/demo/intel.csv || true)
expect_eq "rg and grep select the same lines" "$(cat "$TMP/rg")" "$n"
echo ok
