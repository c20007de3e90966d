#!/usr/bin/env python3
"""make bench: gapscan against its peers on the same generated exports.

Generates (never commits) 100k- and 1M-record corpora with corpus-gen, then
runs, several times each, on the same intel.csv:
  cat                                   the floor: reading the file
  gapscan scan (full pack, actions, db)  the real job, end to end
  rg -c -i --no-unicode -f P            the best tuned matcher
  LC_ALL=C grep -c -E -i -f P           what an analyst would try
with P = `gapscan rules export --patterns`. Prints medians of seconds, MB/s,
records/s and peak RSS, and gapscan's throughput ratio to each peer.
"""
import os, resource, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B = os.environ.get("B", "build")
GAPSCAN = os.path.join(ROOT, B, "gapscan")
GEN = os.path.join(ROOT, B, "corpus-gen")
WORK = os.path.join(ROOT, "bench")
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "100000,1000000").split(",")]
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "60"))


def run_once(argv, env=None):
    """Runs argv with its output to a scratch file (GNU grep treats an
    output of /dev/null as -q and stops at the first match, so /dev/null
    would flatter it); returns (seconds, peak RSS in KiB, exit code)."""
    out = open(os.path.join(WORK, "out.tmp"), "wb")
    pid_start = time.perf_counter()
    p = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL, env=env)
    try:
        _, status, ru = os.wait4(p.pid, 0)
    except KeyboardInterrupt:
        p.kill()
        raise
    secs = time.perf_counter() - pid_start
    out.close()
    return secs, ru.ru_maxrss, os.waitstatus_to_exitcode(status)


def bench(name, argv, size_bytes, records, env=None, ok_codes=(0,), prep=None):
    """prep, when given, runs before every timed run (not timed)."""
    times, rss = [], []
    for _ in range(RUNS):
        if prep:
            prep()
        s, r, rc = run_once(argv, env=env)
        if rc not in ok_codes:
            print(f"  {name}: exit {rc}; left out", flush=True)
            return None
        times.append(s)
        rss.append(r)
        if s > TIMEOUT:
            break
    med = statistics.median(times)
    row = {"name": name, "seconds": med, "mbs": size_bytes / 1e6 / med,
           "recs": records / med, "rss_mb": max(rss) / 1024, "runs": len(times)}
    print(f"  {name:<28} {med:8.2f} s {row['mbs']:9.1f} MB/s {row['recs']:12.0f} rec/s "
          f"{row['rss_mb']:8.1f} MB peak  (median of {len(times)})", flush=True)
    return row


def main():
    for tool in (GAPSCAN, GEN):
        if not os.access(tool, os.X_OK):
            sys.exit(f"bench: {tool} missing; run make first")
    os.makedirs(WORK, exist_ok=True)
    pats = os.path.join(WORK, "patterns.txt")
    with open(pats, "w") as f:
        r = subprocess.run([GAPSCAN, "rules", "export", "--patterns"], stdout=f,
                           stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("bench: rules export failed: " + r.stderr)
    npat = sum(1 for _ in open(pats))
    print(f"patterns exported for the peers: {npat}; {r.stderr.strip()}")
    rg = shutil.which("rg")
    results = {}
    for n in SIZES:
        d = os.path.join(WORK, f"c{n}")
        intel = os.path.join(d, "intel.csv")
        if not os.path.exists(intel):
            print(f"generating {n} records ...", flush=True)
            subprocess.run([GEN, "--records", str(n), "--seed", "2026", "--as-of",
                            "2026-11-01", "--out", d], check=True)
        size = os.path.getsize(intel)
        print(f"\n{n} records, {size / 1e6:.1f} MB, {os.cpu_count()} cores")
        rows = []
        rows.append(bench("cat (floor)", ["cat", intel], size, n))
        db = os.path.join(d, "bench.db")

        def fresh_db():
            """every timed scan writes into a new database, not one holding
            the previous runs"""
            for p in (db, db + "-journal"):
                if os.path.exists(p):
                    os.unlink(p)

        def scan_argv(extra):
            return [GAPSCAN, "scan", "--intel", intel, "--actions",
                    os.path.join(d, "actions.csv"), "--as-of", "2026-11-01",
                    "--quiet", "--out", os.path.join(WORK, "exceptions.tmp"),
                    "--db", db] + extra
        g = bench("gapscan scan (db, actions)", scan_argv([]), size, n, prep=fresh_db)
        rows.append(g)
        rows.append(bench("gapscan --threads 1", scan_argv(["--threads", "1"]), size, n,
                          prep=fresh_db))
        if rg:
            rows.append(bench("rg -c -i --no-unicode", [rg, "-c", "-i", "--no-unicode", "-f",
                                                        pats, intel], size, n, ok_codes=(0, 1)))
        env = dict(os.environ, LC_ALL="C")
        rows.append(bench("LC_ALL=C grep -c -E -i", ["grep", "-c", "-E", "-i", "-f", pats, intel],
                          size, n, env=env, ok_codes=(0, 1)))
        # one more (unmeasured) run for what the summary says: chains cost
        fresh_db()
        r = subprocess.run([a for a in scan_argv([]) if a != "--quiet"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for line in r.stderr.splitlines():
            if line.startswith(("  flagged", "chains", "isolated pairs")):
                print("  summary:", line.strip())
        if g:
            for r in rows:
                if r and r is not g and not r["name"].startswith("gapscan"):
                    print(f"  gapscan / {r['name']:<24} {g['mbs'] / r['mbs']:6.2f}x throughput")
        results[n] = rows
    return 0


if __name__ == "__main__":
    sys.exit(main())
