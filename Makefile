# qgate: make builds ./qgate; make check runs every test.
PKGS    := yaml-0.1 libcjson libgit2 libpcre2-8 libcurl libxml-2.0 libcrypto
WARN    := -std=c11 -Wall -Wextra -Wpedantic -Wstrict-prototypes -Wmissing-prototypes \
           -Wshadow -Wformat=2 -Wwrite-strings -Wcast-qual -Wundef -Wvla \
           -Wno-format-nonliteral
WERROR  ?= 1
CFLAGS  ?= -O2 -g
SAN     ?=
BUILD   ?= build
# The libraries' flags, asked of pkg-config once, on first use (not when the Makefile is
# read: make deps, make demo, make clean and make format-check need no library); a
# missing library stops the build with one message. static/build.sh sets both itself.
PKG_CFLAGS = $(eval PKG_CFLAGS := $(call pkg_query,--cflags))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $(call pkg_query,--libs))$(PKG_LIBS)
pkg_query  = $(call pkg_check,$(shell pkg-config $1 $(PKGS) 2>/dev/null && echo qg-pkg-ok))
pkg_check  = $(if $(filter qg-pkg-ok,$1),$(filter-out qg-pkg-ok,$1),$(error pkg-config does not \
               find the libraries qgate needs ($(PKGS)): run 'sh .ci/deps.sh' or 'make deps', \
               which install the missing Debian packages))
ALL_CFLAGS  = $(WARN) $(if $(filter 1,$(WERROR)),-Werror) -D_POSIX_C_SOURCE=200809L \
              -D_DEFAULT_SOURCE -I. -MMD -MP $(PKG_CFLAGS) $(CFLAGS) $(SAN)
LDLIBS_ALL  = $(PKG_LIBS) -lm -pthread $(SAN)
# The allocator of ./qgate: mimalloc (Debian's libmimalloc), first on the link line so that
# it serves libyaml's many small allocations too (a --jobs 1 k8s scan ~12% faster than with
# glibc's malloc). Only the default build: the sanitizer and valgrind builds keep glibc's,
# which their tools intercept. `make MALLOC_LIBS=` builds with glibc's.
MALLOC_LIBS ?= -lmimalloc

# libqgate.a is the library (it never prints); libqgate-cli.a is the command line
# (cli/ but main.c), linked by ./qgate and by the tests that run qg_cli_run.
LIB_SRCS  := $(wildcard core/*.c config/*.c rules/*.c scoring/*.c reporters/*.c scanners/*.c \
                       scanners/*/*.c review/*.c hosts/*.c pipeline/*.c)
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_SRCS  := $(filter-out cli/main.c,$(wildcard cli/*.c))
CLI_OBJS  := $(CLI_SRCS:%.c=$(BUILD)/%.o)
CLI_LIB   := $(BUILD)/libqgate-cli.a
UNIT_SRCS := $(wildcard tests/unit_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/%.c=$(BUILD)/tests/%)

MAKEFLAGS += --no-print-directory
.SECONDARY:

.PHONY: all check unit fixtures conformance sarif-check asan ubsan tsan valgrind docs docs-check \
        demo bench clean format format-check deps check-symbols install uninstall FORCE

all: qgate

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# qgate --version's commit (ci/commit.sh: QGATE_COMMIT, else git's HEAD, else "unknown"),
# for cli/cli.c and cli/gen.c alone; the header is replaced only when its text changes, so a make with
# nothing new recompiles nothing
$(BUILD)/gen/commit.h: FORCE
	@mkdir -p $(dir $@)
	@QGATE_COMMIT="$(QGATE_COMMIT)" QGATE_COMMIT_DATE="$(QGATE_COMMIT_DATE)" sh ci/commit.sh >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

$(BUILD)/cli/cli.o $(BUILD)/cli/gen.o: $(BUILD)/gen/commit.h
$(BUILD)/cli/cli.o $(BUILD)/cli/gen.o: ALL_CFLAGS += -I$(BUILD)/gen

FORCE:

$(BUILD)/libqgate.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(CLI_LIB): $(CLI_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

ifeq ($(BUILD),build)
qgate: $(BUILD)/cli/main.o $(CLI_LIB) $(BUILD)/libqgate.a
	$(CC) -o $@ $^ $(MALLOC_LIBS) $(LDLIBS_ALL)
else
qgate: $(BUILD)/qgate
endif

$(BUILD)/qgate: $(BUILD)/cli/main.o $(CLI_LIB) $(BUILD)/libqgate.a
	$(CC) -o $@ $^ $(LDLIBS_ALL)

# tests only: the scripted HTTP server on 127.0.0.1 (its SigV4 check uses libcrypto)
MOCK_OBJ  := $(if $(wildcard tests/mockhttp.c),$(BUILD)/tests/mockhttp.o)
TEST_LIBS = $(if $(MOCK_OBJ),$(filter-out $(PKG_LIBS),-lcrypto))

$(BUILD)/qgate-test: $(BUILD)/tests/runner.o $(MOCK_OBJ) $(CLI_LIB) $(BUILD)/libqgate.a
	$(CC) -o $@ $^ $(LDLIBS_ALL) $(TEST_LIBS)

$(BUILD)/tests/yamlcanon: $(BUILD)/tests/yamlcanon.o $(BUILD)/libqgate.a
	$(CC) -o $@ $^ $(LDLIBS_ALL)

# the library's tables of formats and providers, for tests/readme.sh
$(BUILD)/tests/lists: $(BUILD)/tests/lists.o $(BUILD)/libqgate.a
	$(CC) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/unit_%: $(BUILD)/tests/unit_%.o $(MOCK_OBJ) $(CLI_LIB) $(BUILD)/libqgate.a
	$(CC) -o $@ $^ $(LDLIBS_ALL) -lcmocka $(TEST_LIBS)

# The fuzz harnesses without libFuzzer: fuzz/replay.c's main() runs fuzz_TARGET.c once on each
# input given (tests/fuzz-replay.sh: the crashers kept in fuzz/regressions/TARGET/), built with
# $(CC) and this build's flags, so make check needs no clang.
REPLAY_BINS := $(patsubst fuzz/fuzz_%.c,$(BUILD)/fuzz/replay_%,$(wildcard fuzz/fuzz_*.c))

$(BUILD)/fuzz/replay_%: $(BUILD)/fuzz/fuzz_%.o $(BUILD)/fuzz/replay.o $(BUILD)/libqgate.a
	$(CC) -o $@ $(filter-out %.a,$^) $(filter %.a,$^) $(LDLIBS_ALL) $(TEST_LIBS)

# fuzz_sigv4 checks each signature with the test server's own verifier
$(BUILD)/fuzz/replay_sigv4: $(MOCK_OBJ)

# The qgate binary this build tests (./qgate for the default build).
QGATE_BIN = $(if $(filter build,$(BUILD)),./qgate,$(BUILD)/qgate)

QGATE_DEP = $(if $(filter build,$(BUILD)),qgate,$(BUILD)/qgate)
CHECK_SH  = QGATE=$(QGATE_BIN) BUILD=$(BUILD) VALGRIND="$(VALGRIND)" sh tests/check.sh

check: $(QGATE_DEP) $(BUILD)/qgate-test $(UNIT_BINS) \
       $(BUILD)/tests/yamlcanon $(BUILD)/tests/lists $(REPLAY_BINS)
	@$(CHECK_SH)

# one part of make check, with the same lines and totals (tests/check.sh SUITE)
unit: $(UNIT_BINS)
	@$(CHECK_SH) unit

fixtures: $(QGATE_DEP) $(BUILD)/qgate-test
	@$(CHECK_SH) fixtures

conformance: $(QGATE_DEP)
	@$(CHECK_SH) conformance

sarif-check: $(QGATE_DEP)
	@$(CHECK_SH) sarif

asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" check

ubsan:
	$(MAKE) BUILD=build-ubsan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=undefined -fno-sanitize-recover=all" check

# ThreadSanitizer: the scan's worker pool (every fixture runs on as many threads as CPUs)
tsan:
	$(MAKE) BUILD=build-tsan CFLAGS="-O1 -g" SAN="-fsanitize=thread" check

valgrind:
	QGATE_NO_JIT=1 $(MAKE) BUILD=build-valgrind CFLAGS="-O1 -g" \
	  VALGRIND="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --suppressions=tests/valgrind.supp" check

docs: qgate
	./qgate rules --format markdown > docs/rules.md

docs-check: qgate
	@./qgate rules --format markdown | diff -u docs/rules.md - >/dev/null || \
	  { echo "docs/rules.md is stale: run 'make docs'"; exit 1; }

# A first run: installs what is missing, builds (a new make, which asks pkg-config only
# now that the libraries are there) and runs the gate on examples/. The gate rejecting
# the example (qgate's exit status 1) is the demo; a usage, input or runtime error (2, 3)
# or a crash fails it.
demo:
	@sh .ci/deps.sh
	@$(MAKE) $(QGATE_DEP)
	@echo '$$ $(QGATE_BIN) scan examples/'
	@$(QGATE_BIN) scan examples/; st=$$?; \
	  if [ $$st -eq 1 ]; then echo "(exit status 1: the gate rejects examples/payments.yaml, as the demo means it to)"; \
	  elif [ $$st -ne 0 ]; then echo "make demo: qgate exited with status $$st" >&2; exit 1; fi

bench: qgate
	sh bench/run.sh

# make install [PREFIX=/usr/local] [DESTDIR=] [BINDIR=] [MANDIR=] [QGATE_BIN=./qgate-static]:
# the binary, its man page and its bash, zsh and fish completions, the last three
# generated by the binary from its option table (qgate man, qgate completion SHELL)
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR  ?= $(DATADIR)/man
INSTALL_FILES = $(BINDIR)/qgate $(MANDIR)/man1/qgate.1 \
                $(DATADIR)/bash-completion/completions/qgate \
                $(DATADIR)/zsh/site-functions/_qgate $(DATADIR)/fish/vendor_completions.d/qgate.fish

install: $(if $(filter $(origin QGATE_BIN),command line environment),,$(QGATE_DEP))
	@set -e; d="$(DESTDIR)"; b="$(QGATE_BIN)"; t=$$(mktemp -d); trap 'rm -rf "$$t"' EXIT; \
	  "$$b" man >"$$t/qgate.1"; \
	  for s in bash zsh fish; do "$$b" completion $$s >"$$t/$$s"; done; \
	  install -d "$$d$(BINDIR)" "$$d$(MANDIR)/man1" "$$d$(DATADIR)/bash-completion/completions" \
	    "$$d$(DATADIR)/zsh/site-functions" "$$d$(DATADIR)/fish/vendor_completions.d"; \
	  install -m 755 "$$b" "$$d$(BINDIR)/qgate"; \
	  install -m 644 "$$t/qgate.1" "$$d$(MANDIR)/man1/qgate.1"; \
	  install -m 644 "$$t/bash" "$$d$(DATADIR)/bash-completion/completions/qgate"; \
	  install -m 644 "$$t/zsh" "$$d$(DATADIR)/zsh/site-functions/_qgate"; \
	  install -m 644 "$$t/fish" "$$d$(DATADIR)/fish/vendor_completions.d/qgate.fish"; \
	  for f in $(INSTALL_FILES); do echo "installed $$d$$f"; done

uninstall:
	@for f in $(INSTALL_FILES); do \
	  if [ -e "$(DESTDIR)$$f" ]; then rm -f "$(DESTDIR)$$f" && echo "removed $(DESTDIR)$$f"; fi; done

check-symbols: $(BUILD)/libqgate.a $(CLI_LIB)
	@bad=$$(nm -g --defined-only $^ | awk 'NF==3 && $$2 ~ /[TDRB]/ {print $$3}' | grep -v '^qg_' || true); \
	  if [ -n "$$bad" ]; then echo "global symbols without the qg_ prefix:"; echo "$$bad"; exit 1; fi

# every C source and header of the project, in whatever folder (not the build trees, nor
# the test data in fixtures/ and examples/); the style is .clang-format
FORMAT_SRCS = $(shell find . \( -path './build*' -o -path ./.git -o -path ./fixtures \
                -o -path ./examples \) -prune -o \( -name '*.c' -o -name '*.h' \) -print | LC_ALL=C sort)

format:
	clang-format -i $(FORMAT_SRCS)

format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRCS) || \
	  { echo "make format-check: not laid out as .clang-format says: run 'make format'"; exit 1; }

deps:
	sh .ci/deps.sh

clean:
	rm -rf build build-asan build-ubsan build-tsan build-valgrind build-fuzz qgate

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- fuzzing: libFuzzer harnesses in fuzz/ (clang), built in build-fuzz/ ----------------
# make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="yaml secrets"]: builds the library with
# ASan+UBSan and fuzzer coverage, builds every harness, seeds the corpora from fixtures/
# (fuzz/seeds.sh), then runs each harness for FUZZ_SECONDS (fuzz/run.sh). Fails when one
# crashes, leaks, hangs or passes 2 GB; its input is left in build-fuzz/crashes/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_CC      ?= clang
FUZZ_BINS    := $(FUZZ_TARGETS:%=build-fuzz/fuzz/fuzz_%)

.PHONY: fuzz fuzz-build

fuzz: fuzz-build
	@sh fuzz/seeds.sh build-fuzz/corpus
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh fuzz/run.sh $(FUZZ_TARGETS)

fuzz-build:
	@$(MAKE) BUILD=build-fuzz CC=$(FUZZ_CC) CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fsanitize=fuzzer-no-link" \
	  $(FUZZ_BINS)

$(FUZZ_BINS): build-fuzz/fuzz/%: build-fuzz/fuzz/%.o build-fuzz/libqgate.a
	$(CC) -fsanitize=fuzzer -o $@ $(filter-out %.a,$^) $(filter %.a,$^) $(LDLIBS_ALL) $(TEST_LIBS)

build-fuzz/fuzz/fuzz_sigv4: build-fuzz/tests/mockhttp.o

# ---- static: ./qgate-static, statically linked with musl and every library
# built from pinned Debian sources (static/versions); the libraries are cached
# in build-static/deps, so a second run only rebuilds qgate. See static/build.sh.
.PHONY: static static-check static-clean
static:
	MAKE="$(MAKE)" sh static/build.sh

static-check: static
	sh tests/static.sh ./qgate-static

static-clean:
	rm -rf build-static qgate-static
