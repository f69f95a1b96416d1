# keepalivedd: build, test and try it on a fresh Debian 12 machine (as root).
#
#   make demo    install what is needed, build, then in the IPVS lab VM: two directors running keepalivedd
#                in front of two real web servers, failing over while a client keeps asking (about 2 min)
#   make test    install what is needed, build, run the unit and integration tests
#
# Developer extras: make bench (keepalivedd -t vs keepalived -t on a 334k-line config),
# make fuzz FUZZ_SECONDS=60 (libFuzzer on the config parser), make clean.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Swift lives in /opt/swift on the project's machines; use it when no swift is on PATH.
ifeq ($(shell command -v swift 2>/dev/null),)
export PATH := /opt/swift/usr/bin:$(PATH)
endif

SWIFT ?= swift
SWIFTC ?= swiftc
PYTHON ?= python3
export PYTHON

DEBUG_BIN := .build/debug/keepalivedd
RELEASE_BIN := .build/release/keepalivedd
SAMPLE := etc/keepalived.conf.sample

FUZZ_SECONDS ?= 60
FUZZ_OPT ?= -O
FUZZ_BIN := .build-fuzz/conffuzz

.PHONY: help deps build build-debug test unit-test integration-test demo bench fuzz fuzz-build clean

help:
	@echo "make demo    install dependencies, build, run the two-director failover demo in the lab VM"
	@echo "make test    install dependencies, build, run unit tests (swift test) and integration tests (pytest)"
	@echo "make deps | build | build-debug | unit-test | integration-test | bench | fuzz [FUZZ_SECONDS=60] [FUZZ_OPT=-Onone] | clean"

## Debian packages (and pytest from PyPI only if the python3 on PATH lacks it); idempotent.
deps:
	@scripts/install-deps.sh

## Release build (the demo and the benchmark use it). The Swift libraries are linked in: the
## binary runs without a Swift runtime installed, and maps fewer pages (peak RSS of the checker
## process with 1,000 TCP_CHECKs in the lab: 22.3 MB with shared libraries, 17.9 MB linked in).
## Package.swift links it with lld, packed relative relocations and no exported symbols
## (`leanExecutable`: 14.3 -> 11.2 MB in the same lab run), and with the static libstdc++
## (link/libstdc++.so: 11.0 -> 10.4 MB).
build: deps
	$(SWIFT) build -c release --static-swift-stdlib

## Debug build (the integration tests use $(DEBUG_BIN) unless KEEPALIVEDD says otherwise).
build-debug: deps
	$(SWIFT) build

## All tests; runs the integration tests even when unit tests fail, and fails if either did.
test: build-debug
	@status=0; \
	echo "== unit tests (swift test)"; \
	$(SWIFT) test || status=1; \
	echo "== integration tests (pytest, needs root)"; \
	$(PYTHON) -m pytest -q -p no:cacheprovider Tests/Integration || status=1; \
	if [[ $$status -ne 0 ]]; then echo "make test: FAILED"; else echo "make test: all passed"; fi; \
	exit $$status

unit-test: build-debug
	$(SWIFT) test

integration-test: build-debug
	$(PYTHON) -m pytest -q -p no:cacheprovider Tests/Integration

## Two directors (configs derived from $(SAMPLE)) and two real servers in the lab VM: election, balancing,
## a real server removed and restored, failover on SIGTERM, preemption; exits non-zero if a step fails.
demo: build
	@scripts/demo.sh $(RELEASE_BIN) $(SAMPLE)

## keepalivedd -t vs keepalived -t on 2,000 virtual servers x 20 real servers; results in bench-out/.
bench: build
	@scripts/bench.sh $(RELEASE_BIN)

## libFuzzer + AddressSanitizer on the config parser (not part of test). ConfParser's sources are
## compiled straight into the fuzzer (one module), so no SwiftPM sanitizer build is needed.
fuzz-build: $(FUZZ_BIN)

# Rebuild when FUZZ_OPT changes (e.g. FUZZ_OPT=-Onone), not only when sources do.
.build-fuzz/flags: FORCE
	@mkdir -p $(dir $@)
	@echo '$(FUZZ_OPT)' | cmp -s - $@ || echo '$(FUZZ_OPT)' > $@

.PHONY: FORCE
FORCE:

$(FUZZ_BIN): Fuzz/ConfFuzz.swift $(wildcard Sources/ConfParser/*.swift) .build-fuzz/flags
	@mkdir -p $(dir $@)
	$(SWIFTC) -sanitize=fuzzer,address -parse-as-library $(FUZZ_OPT) -swift-version 6 \
		-enable-upcoming-feature ExistentialAny -use-ld=lld -module-name ConfParserFuzz \
		Fuzz/ConfFuzz.swift Sources/ConfParser/*.swift -o $@

fuzz: deps $(FUZZ_BIN)
	@scripts/fuzz.sh $(FUZZ_BIN) $(FUZZ_SECONDS)

clean:
	$(SWIFT) package clean
	rm -rf .build-fuzz bench-out fuzz-out
