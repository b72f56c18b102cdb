# utstack — one non-recursive Makefile. Each folder adds its sources in a
# module.mk fragment; this file holds the toolchain, the flags and the
# top-level targets. See README.md for the targets a user runs.
#
#   make            build every program into build/
#   make check      unit tests (plain and under valgrind) and the other suites
#   make check SAN=1   the same tests built with ASan+UBSan into build-san/
#   make bench      benchmarks (needs scripts/install-deps --bench)
#   make demo       the whole stack on loopback, one UE scenario
#   make fuzz       libFuzzer binaries (clang) into build/fuzz/; fuzz-run runs them
#   make clean

.DEFAULT_GOAL := all
SHELL := /bin/bash

SAN ?= 0
WERROR ?= 0
VALGRIND ?= 1

ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD ?= build
SANFLAGS :=
endif

CC ?= cc
PKG_CONFIG ?= pkg-config
# Every third-party library the project links; pkg-config names.
PKGS := gnutls nettle libnghttp2 libxml-2.0 sqlite3 libevent
TEST_PKGS := check

WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith -Wcast-qual \
	-Wstrict-prototypes -Wmissing-prototypes -Wvla -Wundef
ifeq ($(WERROR),1)
WARN += -Werror
endif

# Recursive (=) so pkg-config runs only when a recipe needs it: the deps
# check in `make check` may install the libraries first.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS))
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS))
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS))

CPPFLAGS += -D_GNU_SOURCE -Icommon -DUTSTACK_VERSION='"$(VERSION)"'
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 $(WARN) $(SANFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

# Filled by the module.mk fragments.
PROGRAMS :=
TEST_BINS :=
UNIT_EXTRA_BINS :=
DEPFILES :=

include common/module.mk
include ue/module.mk
include hss-stub/module.mk
include bsf/module.mk
include presence/module.mk
include ap/module.mk
include tests/unit/module.mk
include tests/e2e/module.mk
include tests/fuzz/module.mk
include bench/module.mk

all: $(PROGRAMS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

# --- dependencies: install when root, else print the one apt-get line ---
.PHONY: deps
deps:
	@scripts/install-deps --if-missing

# --- tests ---------------------------------------------------------------
# `check` first makes sure the libraries are there, then re-enters make so
# that pkg-config flags are read after any install.
.PHONY: check check-run check-unit check-valgrind check-fuzz
check: deps
	@$(MAKE) --no-print-directory check-run

check-run: check-unit check-fuzz check-e2e check-interop check-netns
ifneq ($(SAN),1)
ifeq ($(VALGRIND),1)
check-run: check-valgrind
endif
endif

check-unit: $(BUILD)/tests/unit-tests $(UNIT_EXTRA_BINS) $(PROGRAMS)
	UTSTACK_BUILD=$(BUILD) UTSTACK_VECTORS=tests/vectors $(BUILD)/tests/unit-tests
	@set -e; for t in $(UNIT_EXTRA_BINS); do echo $$t; UTSTACK_BUILD=$(BUILD) $$t; done

# The whole programs on loopback (scripts/stack with UTSTACK_BUILD): the
# Check suites, then the declarative cases of tests/e2e/cases/ (two at a
# time, each on its own stack).
.PHONY: check-e2e
check-e2e: $(BUILD)/tests/e2e-tests $(BUILD)/tests/dia-probe $(PROGRAMS)
	UTSTACK_BUILD=$(BUILD) $(BUILD)/tests/e2e-tests
	UTSTACK_BUILD=$(BUILD) tests/e2e/run-cases.sh

# Scripts against independent peers (tshark, ...): exit 77 means the tool
# is missing here and the script was skipped (it says why).
.PHONY: check-interop
check-interop: $(PROGRAMS)
	@set -e; for t in tests/interop/*.sh; do \
	  echo "$$t"; rc=0; UTSTACK_BUILD=$(BUILD) bash $$t || rc=$$?; \
	  if [ $$rc = 77 ]; then echo "$$t: skipped"; \
	  elif [ $$rc != 0 ]; then echo "$$t: FAILED ($$rc)"; exit 1; fi; \
	done

# The docker-compose topology on network namespaces (tests/netns/run.sh):
# it needs root and a working `ip netns`; exit 77 means it could not run
# here, after a line "tests/netns/run.sh: skipped: <reason>".
.PHONY: check-netns
check-netns: $(PROGRAMS)
	@rc=0; UTSTACK_BUILD=$(BUILD) bash tests/netns/run.sh || rc=$$?; \
	if [ $$rc != 0 ] && [ $$rc != 77 ]; then \
	  echo "tests/netns/run.sh: FAILED ($$rc)"; exit 1; fi

# Check forks each test by default; under valgrind run them in-process so
# leaks are attributed and counted.
VALGRIND_CMD := valgrind -q --error-exitcode=1 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect
check-valgrind: $(BUILD)/tests/unit-tests $(UNIT_EXTRA_BINS)
	CK_FORK=no UTSTACK_BUILD=$(BUILD) UTSTACK_VECTORS=tests/vectors \
	  $(VALGRIND_CMD) $(BUILD)/tests/unit-tests
	@set -e; for t in $(UNIT_EXTRA_BINS); do echo "valgrind $$t"; \
	  CK_FORK=no UTSTACK_BUILD=$(BUILD) $(VALGRIND_CMD) $$t; done

# Replay every fuzz corpus with the normal build (tests/fuzz/module.mk);
# `make fuzz` builds the libFuzzer binaries themselves.
check-fuzz: check-fuzz-replay

# --- bench / demo ---------------------------------------------------------
.PHONY: bench demo
bench:
	@scripts/install-deps --if-missing --bench
	@$(MAKE) --no-print-directory bench-run

demo: deps
	@scripts/demo

.PHONY: clean
clean:
	rm -rf build build-san demo-out

-include $(DEPFILES)
