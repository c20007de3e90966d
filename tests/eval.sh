#!/bin/sh
# make eval: precision and recall of the shipped rule pack on the
# hand-written corpus (corpus/hard, the tuning set), on a generated corpus
# and on the held-out hand-written set (corpus/holdout).
# Env: GAPSCAN (default build/gapscan), CORPUS_GEN (default build/corpus-gen),
# EVAL_SHOW (false positives/negatives listed per corpus, default 10).
set -eu
cd "$(dirname "$0")/.." || exit 2
: "${GAPSCAN:=$PWD/build/gapscan}" "${CORPUS_GEN:=$PWD/build/corpus-gen}"
: "${EVAL_SHOW:=10}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== corpus/hard (hand-written, 325 records)"
"$GAPSCAN" eval --intel corpus/hard/intel.csv --labels corpus/hard/labels.csv \
	--show "$EVAL_SHOW" --show-text

echo
echo "== generated (corpus-gen --records 20000 --seed 11 --as-of 2026-11-01)"
"$CORPUS_GEN" --records 20000 --seed 11 --as-of 2026-11-01 --out "$tmp" >/dev/null
"$GAPSCAN" eval --intel "$tmp/intel.csv" --labels "$tmp/labels.csv" \
	--show "$EVAL_SHOW"

echo
echo "== corpus/holdout (hand-written after the pack was tuned, never tuned on; 174 records)"
"$GAPSCAN" eval --intel corpus/holdout/intel.csv --labels corpus/holdout/labels.csv \
	--show "$EVAL_SHOW"
