# chiso — the front door. `make run` and `make test` work on a fresh Debian 12
# machine as root: they install what is missing first.

JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
RELEASE := build/release
TEST    := build/test
CMAKE_COMMON := -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
# Seconds each fuzz target runs for in `make fuzz` (`make test` runs each for 20).
FUZZ_SECONDS ?= 300

.PHONY: all setup build build-test test fuzz run run-plaintext demo bench fmt lint clean help

all: build

help:
	@echo "make run     install, build (Release) and start the suite on its default ports,"
	@echo "             with TLS, mutual TLS and API keys made once under var/secrets/"
	@echo "make run-plaintext"
	@echo "             the same without TLS and without authentication (local development"
	@echo "             only; also CHISO_PLAINTEXT=1 make run)"
	@echo "make test    install, build (Test: ASan+UBSan) and run every test with ctest,"
	@echo "             then each fuzz target for 20 s"
	@echo "make fuzz    build the fuzz targets (clang, libFuzzer) and run each for"
	@echo "             FUZZ_SECONDS (default 300); crashes are kept in build/fuzz/artifacts"
	@echo "make demo    walk a plan through its life against a running suite (after make run)"
	@echo "make build   build the Release configuration only"
	@echo "make bench   build and run the benchmarks (results: docs/PERFORMANCE.md)"
	@echo "make fmt     clang-format the sources;  make lint  check formatting"
	@echo "make clean   remove build/ (var/ keeps your data)"

setup:
	@bash scripts/setup.sh

build: setup
	@cmake -S . -B $(RELEASE) -DCMAKE_BUILD_TYPE=Release -DCHISO_BUILD_TESTS=OFF \
	  -DCHISO_BUILD_BENCH=OFF $(CMAKE_COMMON) >/dev/null
	@cmake --build $(RELEASE) -j $(JOBS)

build-test: setup
	@cmake -S . -B $(TEST) -DCMAKE_BUILD_TYPE=Test -DCHISO_SANITIZE=ON $(CMAKE_COMMON) >/dev/null
	@cmake --build $(TEST) -j $(JOBS)

test: build-test
	@cd $(TEST) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 300
	@bash scripts/fuzz.sh 20

fuzz: setup
	@bash scripts/fuzz.sh $(FUZZ_SECONDS)

run: build
	@bash scripts/run.sh

run-plaintext: build
	@CHISO_PLAINTEXT=1 bash scripts/run.sh

demo:
	@bash scripts/demo.sh

bench: setup
	@cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DCHISO_BUILD_TESTS=OFF $(CMAKE_COMMON) >/dev/null
	@cmake --build build/bench -j $(JOBS)
	@bash scripts/bench.sh build/bench

fmt:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

lint:
	@git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror

clean:
	rm -rf build
