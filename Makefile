# vitrine's front door. `make run` and `make test` set everything up first
# (missing Debian packages included), so on a fresh Debian 12 machine they
# are the only two commands you need.

MAKEFLAGS  += --no-print-directory

BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
PREFIX     ?= $(HOME)/.local
# Extra flags for `make run`, e.g. make run ARGS='--listen tcp:127.0.0.1:9090'
ARGS       ?=
# Seconds each fuzz target runs under `make fuzz`.
FUZZ_SECONDS ?= 60
# Extra flags for `make load`, e.g. make load LOAD_ARGS='--only 1,2'
LOAD_ARGS  ?=

.PHONY: all deps configure build gen run test sanitize fuzz bench load install clean

all: build

deps:
	@scripts/install-deps.sh

# The CMake preset `default` (CMakePresets.json; `asan` and `fuzz` are
# make sanitize's and make fuzz's), in $(BUILD).
$(BUILD)/CMakeCache.txt: | deps
	cmake --preset default -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: $(BUILD)/CMakeCache.txt

build: deps configure
	cmake --build $(BUILD) -j $(JOBS)

# Rewrites gen/ from idl/vitrine.thrift. Commit the result.
gen: deps
	scripts/gen.sh

# Starts the server with a welcome page on its stage. Without a display
# (no DISPLAY or WAYLAND_DISPLAY) it runs offscreen: look at it with
# `build/bin/vitrine screenshot --output stage.png`.
run: build
	@if [ -z "$$DISPLAY$$WAYLAND_DISPLAY$$QT_QPA_PLATFORM" ]; then \
	  echo "vitrine: no display found, running offscreen (see it with: $(BUILD)/bin/vitrine screenshot --output stage.png)"; \
	  export QT_QPA_PLATFORM=offscreen; \
	fi; \
	exec $(BUILD)/bin/vitrine-server --welcome $(ARGS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j 2 --timeout 300

# Every test again with ASan, LeakSanitizer and UBSan, in build-asan/; fails on
# any report from a test or from a server a test started (see scripts/sanitize.sh).
sanitize:
	JOBS=$(JOBS) scripts/sanitize.sh

# libFuzzer targets (tests/fuzz), built with clang in build-fuzz/, each run for
# FUZZ_SECONDS; fails if one crashes and names the input (see scripts/fuzz.sh).
fuzz:
	JOBS=$(JOBS) scripts/fuzz.sh $(FUZZ_SECONDS)

# The benchmark suite (bench/, docs/performance.md): vitrine against raw
# Thrift, Twisted and a raw socket in the same run. Prints a table and writes
# bench/results.json; `make bench QUICK=1` is a short run (about a minute)
# that writes bench/results-partial.json instead.
bench: build
	bench/run.py --build $(BUILD) $(if $(QUICK),--quick)

# The load tool (bench/load.py, docs/performance.md#load): 500 connections at
# once, misbehaving peers, clients killed mid-question, the open-files limit.
# Prints a table; exits 1 when a correctness condition fails. Not a test.
load: build
	bench/load.py --build $(BUILD) $(LOAD_ARGS)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD)
