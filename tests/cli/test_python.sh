#!/usr/bin/env bash
# The Python bindings (python/wick): tests/python/test_wick.py against the
# source tree, then an offline `pip install` of ./python into a throwaway
# virtual environment and the same tests against the installed package.
#
# Skips (exit 77) when /usr/bin/python3 (or python3) lacks numpy, or when the
# shared library was not built: $WICK_LIB, else libwick.so next to $WICK_BIN
# (the wick_shared CMake target), else build/libwick.so.
set -u
if [ "${WICK_SANITIZED:-0}" = 1 ]; then
  echo "skipped: Python loading a sanitizer-instrumented libwick.so is not tested in sanitizer builds"
  exit 77
fi
if [ "${WICK_CROSS:-0}" = 1 ]; then
  echo "skipped: cross build: the host Python cannot load the target libwick.so"
  exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
root=${WICK_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3 || true)
if [ -z "$py" ] || ! "$py" -c 'import numpy' 2>/dev/null; then
  echo "test_python: skipped: python3 with numpy not found"
  exit 77
fi
lib=${WICK_LIB:-}
if [ -z "$lib" ] && [ -n "${WICK_BIN:-}" ] && [ -f "$(dirname "$WICK_BIN")/libwick.so" ]; then
  lib=$(dirname "$WICK_BIN")/libwick.so
fi
[ -z "$lib" ] && [ -f "$root/build/libwick.so" ] && lib=$root/build/libwick.so
if [ -z "$lib" ] || [ ! -f "$lib" ]; then
  echo "test_python: skipped: libwick.so not built (cmake target wick_shared, or set WICK_LIB)"
  exit 77
fi
lib=$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wick_py.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0

echo "== source tree (PYTHONPATH=python, WICK_LIB=$lib)"
if ! WICK_LIB=$lib WICK_SOURCE_DIR=$root "$py" "$root/tests/python/test_wick.py"; then
  failures=$((failures + 1))
fi

echo "== pip install ./python (offline) into a virtual environment"
if "$py" -m venv --system-site-packages "$tmp/venv" >/dev/null 2>&1 &&
   "$tmp/venv/bin/python" -m pip --version >/dev/null 2>&1; then
  cp -r "$root/python" "$tmp/src"            # keep build files out of the source tree
  cp "$lib" "$tmp/src/wick/libwick.so"       # ship the library inside the package
  if "$tmp/venv/bin/python" -m pip install --quiet --no-build-isolation --no-index \
       "$tmp/src" >"$tmp/pip.log" 2>&1; then
    # No PYTHONPATH and no WICK_LIB: the package must find its own copy.
    if ! (cd "$tmp" && env -u WICK_LIB WICK_PY_INSTALLED=1 WICK_SOURCE_DIR=$root \
            "$tmp/venv/bin/python" -c 'import wick, os, sys
p = wick.library_path()
assert os.path.dirname(p) == os.path.dirname(wick.__file__), p
print("installed package uses", p)' &&
          env -u WICK_LIB WICK_PY_INSTALLED=1 WICK_SOURCE_DIR=$root \
            "$tmp/venv/bin/python" "$root/tests/python/test_wick.py"); then
      failures=$((failures + 1))
    fi
  else
    echo "FAIL: pip install --no-build-isolation --no-index ./python" >&2
    sed 's/^/    /' "$tmp/pip.log" | tail -20 >&2
    failures=$((failures + 1))
  fi
else
  echo "note: python3 -m venv (with pip) unavailable: install check skipped"
fi

if [ $failures -ne 0 ]; then
  echo "test_python: $failures failed"
  exit 1
fi
echo "test_python: ok"
