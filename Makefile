# briefpress: a thin Makefile over CMake (as neovim does).
#   make samples   install what is missing, build, render every sample into out/
#   make test      install what is missing, build, run the whole test suite:
#                  unit, end-to-end, valgrind and fuzz-corpus replay tests,
#                  then the unit, end-to-end and replay tests again built with
#                  AddressSanitizer + UBSan, and the threaded ones with
#                  ThreadSanitizer; the release build also runs the batch
#                  stress test (10,000 distinct records at -j 8)
#   make install   cmake --install into PREFIX (default /usr/local); DESTDIR honoured
#   make quick     the unit, end-to-end and replay tests only (no valgrind,
#                  ASan, TSan or stress test)
#   make asan      only the AddressSanitizer + UBSan run (build-asan/)
#   make tsan      the threaded tests (batch, font set) under ThreadSanitizer
#                  (build-tsan/); third-party reports in tests/tsan/third-party.supp
#   make fuzz      build the libFuzzer targets with clang (build-fuzz/) and run
#                  each for FUZZ_SECONDS (FUZZ_TARGETS="fuzz_csv ..." picks some)
#   make fuzz-long each target for FUZZ_LONG_SECONDS, executions appended to
#                  tests/fuzz/executions.tsv
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 60
FUZZ_LONG_SECONDS ?= 600
FUZZ_TARGETS ?=

PREFIX ?= /usr/local

.PHONY: all bootstrap build samples test quick asan tsan fuzz fuzz-long clean install

all: build

bootstrap:
	@bash scripts/bootstrap

build: bootstrap
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

install: build
	@cmake --install $(BUILD) --prefix $(PREFIX)

samples: build
	@bash scripts/samples $(BUILD)/briefpress

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory tsan

quick: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE 'valgrind|stress'

asan: bootstrap
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBP_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/valgrind/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

tsan: bootstrap
	@cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBP_TSAN=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-tsan -j $(JOBS) --target briefpress test_batch test_fonts
	@# G_SLICE=always-malloc: glib's slice allocator hands blocks between threads
	@# through its own atomics, which TSan cannot see; malloc it can
	@cd build-tsan && \
	  G_SLICE=always-malloc \
	  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan/third-party.supp" \
	  ctest --output-on-failure -j $(JOBS) -L tsan

fuzz: bootstrap
	@# -O2 (RelWithDebInfo) with the sanitizers: 1.6x the executions per CPU
	@# second of -O0, the coverage instrumentation being most of the rest
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBP_SANITIZE=ON -DBP_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzzers
	@FUZZ_LOG=$(FUZZ_LOG) bash scripts/fuzz build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-long:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_LONG_SECONDS) \
	  FUZZ_LOG=$(CURDIR)/tests/fuzz/executions.tsv

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz
