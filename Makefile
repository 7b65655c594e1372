# wick — top-level entry points. CMake + ctest do the work underneath.
BUILD ?= build
MAKEFLAGS += --no-print-directory
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE ?= cmake
FUZZ_SECONDS ?= 30

.PHONY: all test demo demo-runtime asan fuzz size clean format help install test-arm64 test-cortex-m
PREFIX ?= /usr/local

all: $(BUILD)/Makefile
	@$(CMAKE) --build $(BUILD) -j$(JOBS)

$(BUILD)/Makefile:
	@$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null

test: all
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

demo: all
	@./examples/demo.sh $(BUILD)/wick

demo-runtime: all
	@./examples/demo_runtime.sh $(BUILD)/wick

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

# Cross build for aarch64 Linux, every test run under qemu-aarch64
# (cmake/toolchain-aarch64.cmake; apt-get install gcc-aarch64-linux-gnu
# libc6-dev-arm64-cross qemu-user).
test-arm64:
	@$(CMAKE) -S . -B build-arm64 -DCMAKE_BUILD_TYPE=Release -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake >/dev/null
	@$(CMAKE) --build build-arm64 -j$(JOBS)
	@cd build-arm64 && ctest --output-on-failure -j$(JOBS)

# The demo model on a bare-metal Cortex-M33 (MPS2+ AN505 under qemu-system-arm),
# checked against the host (scripts/test-cortex-m.sh; apt-get install
# gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm xxd).
test-cortex-m: all
	@./scripts/test-cortex-m.sh $(BUILD) build-cortex-m

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

# Installs headers, libwick.a, libwick.so, the wick CLI, wick.pc and the CMake
# package into $(PREFIX) (DESTDIR is honoured for staged installs).
install: all
	@$(CMAKE) --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) build-asan build-fuzz build-arm64 build-cortex-m

help:
	@echo "make          build build/wick and build/libwick.a"
	@echo "make test     run every test (ctest)"
	@echo "make demo     build wick and translate German -> English with the embedded model"
	@echo "make demo-runtime  inspect / run / verify / bench the tiny runtime demo model"
	@echo "make asan     ASan+UBSan build running the tests"
	@echo "make fuzz     bounded libFuzzer runs (FUZZ_SECONDS each, clang)"
	@echo "make size     runtime-core footprint for x86-64 and Cortex-M33"
	@echo "make test-arm64     cross build for aarch64, tests under qemu-aarch64"
	@echo "make test-cortex-m  demo model on a bare-metal Cortex-M33 (qemu mps2-an505)"
	@echo "make install  install into PREFIX (default /usr/local)"
