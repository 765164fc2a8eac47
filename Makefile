# briefpress: a thin Makefile over CMake (as neovim does).
#   make samples   install what is missing, build, render every sample into out/
#   make test      install what is missing, build, run the whole test suite
#   make asan      the same suite under AddressSanitizer + UBSan (build-asan/)
#   make fuzz      build the libFuzzer targets with clang and run each for FUZZ_SECONDS
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 60

.PHONY: all bootstrap build samples test asan fuzz clean

all: build

bootstrap:
	@bash scripts/bootstrap

build: bootstrap
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

samples: build
	@bash scripts/samples $(BUILD)/briefpress

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

asan: bootstrap
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBP_SANITIZE=ON -DBP_WERROR=ON >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS) -LE slow

fuzz: bootstrap
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DBP_SANITIZE=ON -DBP_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@bash scripts/fuzz build-fuzz $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) build-asan build-fuzz
