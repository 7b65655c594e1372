#!/usr/bin/env bash
# Installation check: `cmake --install` of the build tree into a temporary
# prefix, then a tiny C program built against the installed copy only:
#   1. with pkg-config (wick.pc, dynamic libwick.so via rpath, or libwick.a)
#   2. with CMake find_package(wick) and the imported target wick::wick
#      (and wick::wick_shared when the shared library is installed)
# Each program loads a .pte (the shared add.pte, else the demo model made by
# make_demo_model), runs it on ones and prints the outputs; both must agree,
# and for add.pte give 2.
#
# Environment (set by ctest): WICK_BIN (build/wick: its folder is the build
# tree), WICK_SHARED_DATA, WICK_SOURCE_DIR. Skips (exit 77) when the build
# tree has no install rules (cmake/WickPackage.cmake not included) or
# cmake / a C compiler / pkg-config is missing.
set -u
if [ "${WICK_SANITIZED:-0}" = 1 ]; then
  echo "skipped: an installed copy built against sanitizer-instrumented libraries is not tested in sanitizer builds"
  exit 77
fi
if [ "${WICK_CROSS:-0}" = 1 ]; then
  echo "skipped: cross build: the install check compiles and runs programs with the host compiler"
  exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
build=${WICK_BUILD_DIR:-}
[ -z "$build" ] && [ -n "${WICK_BIN:-}" ] && build=$(dirname "$WICK_BIN")
[ -z "$build" ] && build=$here/../../build
data=${WICK_SHARED_DATA:-$here/../../../shared/data}
cc=${CC:-cc}
skip() { echo "test_install: skipped: $*"; exit 77; }
command -v cmake >/dev/null || skip "cmake not found"
command -v "$cc" >/dev/null || skip "no C compiler ($cc)"
[ -f "$build/cmake_install.cmake" ] || skip "no build tree at $build"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wick_install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

if ! cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
  sed 's/^/    /' "$tmp/install.log" | tail -20 >&2
  echo "FAIL: cmake --install $build --prefix $prefix" >&2
  exit 1
fi
[ -f "$prefix/include/wick/runtime.h" ] ||
  skip "the build has no install rules (add include(cmake/WickPackage.cmake) to CMakeLists.txt)"

pc=$(find "$prefix" -name wick.pc -path '*pkgconfig*' | head -1)
config=$(find "$prefix" -name wickConfig.cmake | head -1)
liba=$(find "$prefix" -name libwick.a | head -1)
[ -n "$pc" ] || fail "wick.pc not installed"
[ -n "$config" ] || fail "wickConfig.cmake not installed"
[ -n "$liba" ] || fail "libwick.a not installed"
[ -x "$prefix/bin/wick" ] || fail "bin/wick not installed"
for h in wick.h runtime.h util.h compiler.h profile.h; do
  [ -f "$prefix/include/wick/$h" ] || fail "include/wick/$h not installed"
done
if [ -x "$prefix/bin/wick" ]; then
  "$prefix/bin/wick" --version >/dev/null || fail "installed wick --version"
fi

# A model to run.
model=""
if [ -f "$data/pte/add.pte" ]; then
  model=$data/pte/add.pte
elif [ -x "$build/make_demo_model" ] && "$build/make_demo_model" "$tmp" >/dev/null; then
  model=$tmp/demo.pte
fi

cat >"$tmp/app.c" <<'C'
/* Loads a .pte with the installed wick, feeds ones, prints every output. */
#include <stdio.h>
#include <string.h>
#include <wick/util.h>
#include <wick/wick.h>

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  wick_diag d;
  wick_diag_clear(&d);
  wick_file f;
  wick_program prog;
  wick_loaded_method lm;
  if (wick_file_open(&f, argv[1], &d) != WICK_OK ||
      wick_program_load(&prog, f.data, f.size, &d) != WICK_OK ||
      wick_method_load_alloc(&prog, "forward", &lm, &d) != WICK_OK) {
    fprintf(stderr, "app: %s\n", d.msg);
    return 1;
  }
  for (uint32_t i = 0; i < wick_method_num_inputs(lm.method); i++) {
    wick_tensor *t = wick_method_input(lm.method, i);
    if (t == NULL || t->dtype != WICK_F32 || t->data == NULL) continue;
    for (size_t k = 0; k < wick_tensor_numel(t); k++) ((float *)t->data)[k] = 1.0f;
  }
  if (wick_method_execute(lm.method, &d) != WICK_OK) {
    fprintf(stderr, "app: %s\n", d.msg);
    return 1;
  }
  for (uint32_t o = 0; o < wick_method_num_outputs(lm.method); o++) {
    const wick_tensor *y = wick_method_output(lm.method, o);
    printf("output %u:", o);
    for (size_t k = 0; y && y->dtype == WICK_F32 && k < wick_tensor_numel(y); k++)
      printf(" %.7g", (double)((const float *)y->data)[k]);
    printf("\n");
  }
  wick_method_free(&lm);
  wick_file_close(&f);
  printf("wick %s ok\n", WICK_VERSION_STRING);
  return 0;
}
C

run_app() { # NAME BINARY
  if [ -z "$model" ]; then
    echo "note: no model to run ($1 built only)"
    return 0
  fi
  if ! "$2" "$model" >"$tmp/$1.out" 2>"$tmp/$1.err"; then
    fail "$1: running the app on $model"
    sed 's/^/    /' "$tmp/$1.err" >&2
    return 1
  fi
  echo "$1: $(head -1 "$tmp/$1.out")"
}

# 1. pkg-config
if command -v pkg-config >/dev/null && [ -n "$pc" ]; then
  export PKG_CONFIG_PATH=$(dirname "$pc")
  libdir=$(pkg-config --variable=libdir wick)
  if $cc -std=c11 -Wall -Werror "$tmp/app.c" -o "$tmp/app_pc" $(pkg-config --cflags --libs wick) \
       -Wl,-rpath,"$libdir" 2>"$tmp/pc.err"; then
    run_app pkg-config "$tmp/app_pc"
  else
    fail "build with pkg-config ($(pkg-config --cflags --libs wick))"
    sed 's/^/    /' "$tmp/pc.err" | head -20 >&2
  fi
  if $cc -std=c11 -Wall -Werror "$tmp/app.c" -o "$tmp/app_pc_static" $(pkg-config --cflags wick) \
       "$libdir/libwick.a" $(pkg-config --libs-only-other --static wick) -lm 2>"$tmp/pcs.err"; then
    run_app pkg-config-static "$tmp/app_pc_static"
  else
    fail "static build with pkg-config"
    sed 's/^/    /' "$tmp/pcs.err" | head -20 >&2
  fi
else
  echo "note: pkg-config not found: pkg-config check skipped"
fi

# 2. find_package
mkdir -p "$tmp/proj"
cp "$tmp/app.c" "$tmp/proj/app.c"
cat >"$tmp/proj/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.16)
project(wick_consumer C)
find_package(wick 0.1 REQUIRED)
add_executable(app_static app.c)
target_link_libraries(app_static PRIVATE wick::wick)
if(TARGET wick::wick_shared)
  add_executable(app_shared app.c)
  target_link_libraries(app_shared PRIVATE wick::wick_shared)
endif()
CM
if cmake -S "$tmp/proj" -B "$tmp/proj/build" -DCMAKE_PREFIX_PATH="$prefix" \
     -DCMAKE_BUILD_TYPE=Release >"$tmp/cm.log" 2>&1 &&
   cmake --build "$tmp/proj/build" >>"$tmp/cm.log" 2>&1; then
  run_app find_package-static "$tmp/proj/build/app_static"
  if [ -x "$tmp/proj/build/app_shared" ]; then
    run_app find_package-shared "$tmp/proj/build/app_shared"
  fi
else
  fail "build with find_package(wick)"
  sed 's/^/    /' "$tmp/cm.log" | tail -20 >&2
fi

# Every variant printed the same outputs.
if [ -n "$model" ]; then
  ref=""
  for out in "$tmp"/*.out; do
    [ -f "$out" ] || continue
    if [ -z "$ref" ]; then ref=$out; continue; fi
    cmp -s "$ref" "$out" || fail "$(basename "$out") differs from $(basename "$ref")"
  done
  if [ "$model" = "$data/pte/add.pte" ] && [ -n "$ref" ]; then
    grep -qx "output 0: 2" "$ref" || fail "add.pte on ones: want 'output 0: 2', got '$(head -1 "$ref")'"
  fi
fi

if [ $failures -ne 0 ]; then
  echo "test_install: $failures failed"
  exit 1
fi
echo "test_install: ok"
