# Cross build for 64-bit Arm Linux with Debian's gcc-aarch64-linux-gnu, tests
# run under qemu-user (no binfmt needed):
#
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake
#   cmake --build build-arm64 && (cd build-arm64 && ctest)      # or: make test-arm64
#
# apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
# ctest runs each C test through CMAKE_CROSSCOMPILING_EMULATOR; the shell tests
# get WICK_BIN = a wrapper script that runs the CLI under the same emulator
# (CMakeLists.txt) and WICK_CROSS=1, which host-only tests skip on.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(WICK_AARCH64_PREFIX "aarch64-linux-gnu" CACHE STRING "cross tool prefix")
set(WICK_AARCH64_SYSROOT "/usr/${WICK_AARCH64_PREFIX}" CACHE PATH "target libraries for qemu -L")
set(CMAKE_C_COMPILER ${WICK_AARCH64_PREFIX}-gcc)

# Look for libraries and headers in the target tree only; programs on the host.
set(CMAKE_FIND_ROOT_PATH ${WICK_AARCH64_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

find_program(WICK_QEMU_AARCH64 qemu-aarch64)
if(NOT WICK_QEMU_AARCH64)
  set(WICK_QEMU_AARCH64 qemu-aarch64)
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR "${WICK_QEMU_AARCH64};-L;${WICK_AARCH64_SYSROOT}")

# Workarounds for Debian's aarch64-linux-gnu-gcc 12.2 (the native x86-64 build
# keeps the plain flags, so nothing goes unchecked there):
#  - an internal compiler error in vect_transform_reduction when -O3 vectorizes
#    a double fmax/fmin reduction (src/compiler/quantize.c quant_weights,
#    tests/unit/test_gguf.c); with the builtins off those loops call libm's
#    fmax/fmin and are not vectorized. Only converter and test code uses the
#    double versions; kernels are unaffected.
#  - -Wstringop-overflow false positives (src/compiler/ir.c make_tensor
#    inlined into wc_run_node: a rank loop not seen as bounded by
#    WICK_MAX_DIM) stay visible as warnings instead of failing -Werror.
set(CMAKE_C_FLAGS_INIT "-fno-builtin-fmax -fno-builtin-fmin -Wno-error=stringop-overflow")
