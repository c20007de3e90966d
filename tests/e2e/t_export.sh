# rules export --patterns gives the bench's peers a pattern file they can
# run: every pattern of the shipped pack is either exported or counted as
# left out, grep -E accepts the file, and ripgrep (--no-unicode), when
# installed, accepts it too and selects the same lines.
. tests/e2e/lib.sh
$GAPSCAN rules export --patterns > "$TMP/p.txt" 2>"$TMP/err" || fail "export"
left=$(sed -n 's/.*: \([0-9]*\) patterns left out.*/\1/p' "$TMP/err")
[ -n "$left" ] || fail "left-out count not reported: $(cat "$TMP/err")"
total=$(python3 -c 'import glob, json
print(sum(len(r.get("patterns", [])) for f in glob.glob("rules/*.json")
          for r in json.load(open(f)).get("rules", [])))')
expect_eq "exported + left out = the pack's patterns" "$(( $(wc -l < "$TMP/p.txt") + left ))" "$total"
set +e
n=$(LC_ALL=C grep -c -E -i -f "$TMP/p.txt" corpus/demo/intel.csv); grc=$?
set -e
[ "$grc" -le 1 ] || fail "grep -E refused the export"
[ "$n" -gt 0 ] || fail "grep selected no line of the demo export"
if command -v rg >/dev/null; then
	set +e
	rg -c -i --no-unicode -f "$TMP/p.txt" corpus/demo/intel.csv > "$TMP/rg" 2>"$TMP/rgerr"; rc=$?
	set -e
	[ "$rc" -le 1 ] || fail "ripgrep refused the export: $(head -c 300 "$TMP/rgerr")"
	expect_eq "rg and grep select the same lines" "$(cat "$TMP/rg")" "$n"
else
	echo "ripgrep missing: the rg comparison skipped"
fi
# --json names every cue's type and direction, and every rule's accepted
# cue types, as the rule files spell them
$GAPSCAN rules export --json > "$TMP/pack.json" || fail "export --json"
python3 - "$TMP/pack.json" <<'PY' || fail "export --json disagrees with the rule files"
import glob, json, sys
out = json.load(open(sys.argv[1]))
cues, accepts = {}, {}
for f in glob.glob("rules/*.json"):
    d = json.load(open(f))
    for c in d.get("context", []):
        cues[c["id"]] = (c["type"], c["direction"], c["scope"])
    for r in d.get("rules", []):
        ctx = r.get("context", True)
        accepts[r["id"]] = sorted(ctx) if isinstance(ctx, list) else (
            [] if ctx else sorted(["negated", "hypothetical", "historical",
                                   "other_person", "uncertain"]))
got = {c["id"]: (c["type"], c["direction"], c["scope"]) for c in out["context"]}
assert got == cues, (set(got.items()) ^ set(cues.items()))
assert len({t for t, _, _ in got.values()}) >= 3 and len({d for _, d, _ in got.values()}) >= 3
ga = {r["id"]: sorted(r["accepts"]) for r in out["rules"]}
assert ga == accepts, [k for k in ga if ga[k] != accepts.get(k)]
assert any(ga.values())
PY
echo ok
