# wick — top-level entry points. CMake + ctest do the work underneath.
BUILD ?= build
MAKEFLAGS += --no-print-directory
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE ?= cmake
FUZZ_SECONDS ?= 30

.PHONY: all test demo asan fuzz size clean format help install
PREFIX ?= /usr/local

all: $(BUILD)/Makefile
	@$(CMAKE) --build $(BUILD) -j$(JOBS)

$(BUILD)/Makefile:
	@$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null

test: all
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

demo: all
	@./examples/demo.sh $(BUILD)/wick

asan:
	@$(CMAKE) -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DWICK_SANITIZE=ON >/dev/null
	@$(CMAKE) --build build-asan -j$(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j$(JOBS)

fuzz:
	@CC=clang $(CMAKE) -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DWICK_FUZZ=ON -DCMAKE_C_COMPILER=clang >/dev/null
	@$(CMAKE) --build build-fuzz -j$(JOBS) --target $(notdir $(basename $(wildcard tests/fuzz/fuzz_*.c)))
	@./tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

size:
	@./scripts/size.sh

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

# Installs headers, libwick.a, libwick.so, the wick CLI, wick.pc and the CMake
# package into $(PREFIX) (DESTDIR is honoured for staged installs).
install: all
	@$(CMAKE) --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) build-asan build-fuzz

help:
	@echo "make          build build/wick and build/libwick.a"
	@echo "make test     run every test (ctest)"
	@echo "make demo     build and run wick on its embedded demo model"
	@echo "make asan     ASan+UBSan build running the tests"
	@echo "make fuzz     bounded libFuzzer runs (FUZZ_SECONDS each, clang)"
	@echo "make size     runtime-core footprint for x86-64 and Cortex-M33"
	@echo "make install  install into PREFIX (default /usr/local)"
