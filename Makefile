# gapscan - see README.md. Objects in build/, header dependencies via -MMD.
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKGS    := libpcre2-8 sqlite3 jansson libhs
WARN    := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wvla -Werror
OPT     ?= -O2 -g
CFLAGS  += $(OPT) $(WARN) -D_GNU_SOURCE -DGS_DATADIR=\"$(PREFIX)/share/gapscan\" -Iinclude $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
B       ?= build
DEB_PKGS := libpcre2-dev libsqlite3-dev libjansson-dev libcriterion-dev libvectorscan-dev pkg-config python3

LIB_SRC  := $(filter-out analyser/main.c,$(wildcard analyser/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
TEST_SRC := $(wildcard tests/test_*.c)
TESTS    := $(TEST_SRC:tests/%.c=$(B)/tests/%)

.PHONY: all tests deps check test unit asan demo bench eval fuzz install clean format test-browser
all: $(B)/gapscan $(B)/corpus-gen

deps:
	@missing=; for p in $(PKGS) criterion; do pkg-config --exists $$p 2>/dev/null || missing="$$missing $$p"; done; \
	command -v python3 >/dev/null || missing="$$missing python3"; \
	if [ -n "$$missing" ] || ! command -v pkg-config >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then echo "deps: installing$$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(DEB_PKGS); \
	  else echo "deps: missing$$missing; run: sudo apt-get update && sudo apt-get install -y $(DEB_PKGS)"; exit 1; fi; fi

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(B)/libgapscan.a: $(LIB_OBJ)
	ar rcs $@ $^

$(B)/gapscan: $(B)/analyser/main.o $(B)/libgapscan.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/corpus-gen: $(B)/corpus/gen.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lm

$(B)/tests/%: tests/%.c $(B)/libgapscan.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(B)/libgapscan.a $(shell pkg-config --libs criterion 2>/dev/null) $(LDLIBS)

# The whole suite against one build: Criterion binaries, end-to-end scripts,
# the browser check. Last line: "total: N passed, N failed".
check: all $(TESTS)
	sh tests/run.sh $(B)

tests: $(TESTS)

unit: all $(TESTS)
	NO_BROWSER=1 sh tests/run.sh $(B)

test: deps
	$(MAKE) check

test-browser: deps all
	GAPSCAN=$(CURDIR)/$(B)/gapscan CORPUS_GEN=$(CURDIR)/$(B)/corpus-gen sh tests/browser/run.sh

# The same suite under AddressSanitizer and UBSan (no browser: it adds
# nothing the sanitizers can see).
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan: deps
	$(MAKE) B=build-asan OPT="$(ASAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" all tests
	ASAN_OPTIONS=detect_leaks=1 NO_BROWSER=1 sh tests/run.sh build-asan

demo: deps all
	@mkdir -p out && chmod 700 out && rm -f out/demo.db
	./$(B)/gapscan scan --intel corpus/demo/intel.csv --actions corpus/demo/actions.csv \
	  --as-of 2026-11-01 --out out/exceptions.csv --db out/demo.db
	./$(B)/gapscan report --db out/demo.db --format html --out out/report.html
	@echo "demo: exception list out/exceptions.csv, report out/report.html, run history out/demo.db"

# Throughput, peak memory and ratios against cat, ripgrep and grep on
# generated 100k and 1M record exports (bench/, never committed).
bench: deps all
	@command -v rg >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q ripgrep; } || echo "bench: ripgrep missing; rg left out"
	python3 tests/bench.py

# Precision and recall on corpus/hard and on a generated corpus.
eval: deps all
	sh tests/eval.sh

# libFuzzer harnesses (tests/fuzz/), FUZZ_SECS seconds each; a crash is
# saved under build-fuzz/crash/NAME/.
FUZZ_SECS ?= 60
fuzz:
	@command -v clang >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q clang; }
	sh tests/fuzz/run.sh $(FUZZ_SECS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/gapscan/rules $(DESTDIR)$(PREFIX)/share/gapscan/profiles
	install -m 755 $(B)/gapscan $(DESTDIR)$(PREFIX)/bin/gapscan
	install -m 644 rules/*.json $(DESTDIR)$(PREFIX)/share/gapscan/rules/
	install -m 644 profiles/*.json $(DESTDIR)$(PREFIX)/share/gapscan/profiles/

format:
	clang-format -i analyser/*.c include/*.h tests/*.c corpus/*.c

clean:
	rm -rf build build-asan

-include $(shell find $(B) -name '*.d' 2>/dev/null)
