# The README's explain example is real output: every line it shows (the
# "..." lines stand for lines left out) is printed, in that order, by the
# command it shows. Fails when the pack or explain changes and the README
# is not regenerated.
. tests/e2e/lib.sh
python3 - "$GAPSCAN" <<'PY' || fail "README explain example differs from the output"
import os, re, shlex, subprocess, sys
text = open("README.md").read()
m = re.search(r"\n   \$ (gapscan explain --text .*?)\n(.*?)\n   ```", text, re.S)
assert m, "no explain example in README.md"
argv = shlex.split(m.group(1))
argv[0] = sys.argv[1]
out = subprocess.run(argv, capture_output=True, text=True,
                     env=dict(os.environ, NO_COLOR="1")).stdout.splitlines()
want = [l[3:] for l in m.group(2).splitlines() if l.strip() != "..."]
i = 0
for w in want:
    while i < len(out) and out[i] != w:
        i += 1
    if i == len(out):
        print("not in the output (in order): %r" % w)
        sys.exit(1)
    i += 1
PY
echo ok
