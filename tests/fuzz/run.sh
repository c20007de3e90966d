#!/bin/sh
# tests/fuzz/run.sh - builds the libFuzzer harnesses with clang and runs them.
#
#   sh tests/fuzz/run.sh build             build only (build-fuzz/fuzz_*)
#   sh tests/fuzz/run.sh [SECS] [NAME...]  build, then run each harness for
#                                          SECS seconds (default 60), one
#                                          after another
#
# NAME is csv, ingest, date, profile or rules (default: all). Corpora grow in
# build-fuzz/corpus/NAME, seeded from tests/fuzz/seeds/NAME and tests/data.
# Crashes land in build-fuzz/crash/NAME/. Exits 1 when any harness failed.
# Environment: CLANG (default clang), FUZZ_ARGS (extra libFuzzer flags).
# Flag lists are split on purpose; GS_DATADIR's quotes reach the compiler.
# shellcheck disable=SC2086,SC2089,SC2090,SC2012
set -eu
cd "$(dirname "$0")/../.."
CLANG=${CLANG:-clang}
B=build-fuzz
ALL="csv ingest date profile rules"
PKGS="libpcre2-8 sqlite3 jansson libhs"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
CFLAGS="-std=c11 -O1 -g -fno-omit-frame-pointer -D_GNU_SOURCE -DGS_DATADIR=\"/nonexistent\" -Iinclude -Ianalyser $(pkg-config --cflags $PKGS)"
LIBS="$(pkg-config --libs $PKGS) -lpthread -lm"

command -v "$CLANG" >/dev/null || { echo "fuzz: $CLANG not found (apt-get install clang)" >&2; exit 2; }

build() {
	mkdir -p $B/obj
	objs=
	for src in analyser/*.c; do
		case $src in analyser/main.c) continue ;; esac
		o=$B/obj/$(basename "$src" .c).o
		if [ ! -e "$o" ] || [ -n "$(find "$src" analyser/*.h include/*.h -newer "$o" 2>/dev/null | head -n1)" ]; then
			$CLANG $CFLAGS $SAN -fsanitize=fuzzer-no-link -c "$src" -o "$o" ||
				{ echo "fuzz: $src does not build" >&2; exit 2; }
		fi
		objs="$objs $o"
	done
	rm -f $B/libgapscan.a
	ar rcs $B/libgapscan.a $objs
	for n in $ALL; do
		$CLANG $CFLAGS $SAN -fsanitize=fuzzer tests/fuzz/fuzz_$n.c \
			$B/libgapscan.a $LIBS -o $B/fuzz_$n
	done
}

seeds() { # extra read-only seed directories per harness
	case $1 in
	csv | ingest) echo tests/data/ingest tests/data/match ;;
	profile) echo tests/data/profile ;;
	rules) find tests/data/rules -name '*.json' -size -8k -exec dirname {} \; | sort -u ;;
	*) ;;
	esac
}

build
[ "${1:-}" = build ] && exit 0
secs=60
case ${1:-} in [0-9]*) secs=$1; shift ;; esac
[ $# -gt 0 ] || set -- $ALL
fail=0
# the rules harness writes its pack files here (fast: /dev/shm when there)
GSFUZZ_TMP=$(mktemp -d "$( [ -d /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")/gsfuzz-run-XXXXXX")
export GSFUZZ_TMP
trap 'rm -rf "$GSFUZZ_TMP"' EXIT
for n in "$@"; do
	mkdir -p $B/corpus/$n $B/crash/$n
	case $n in date) len=64 ;; rules) len=4096 ;; profile) len=16384 ;; *) len=65536 ;; esac
	echo "fuzz: $n for ${secs}s"
	# shellcheck disable=SC2046
	if ! $B/fuzz_$n -max_total_time="$secs" -rss_limit_mb=2048 -timeout=5 \
		-max_len=$len -print_final_stats=1 \
		-artifact_prefix=$B/crash/$n/ ${FUZZ_ARGS:-} \
		$B/corpus/$n tests/fuzz/seeds/$n $(seeds $n) \
		>$B/$n.log 2>&1; then
		echo "fuzz: $n FAILED, see $B/$n.log and $B/crash/$n/" >&2
		tail -n 40 $B/$n.log >&2
		fail=1
	else
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' $B/$n.log || true
		echo "fuzz: $n corpus $(ls $B/corpus/$n | wc -l) files"
	fi
done
exit $fail
