#!/usr/bin/env bash
# `wick convert --quantize int8` end to end: wick's own fixtures quantized with
# random and file calibration data, run with `wick run`, the --report table,
# --min-sqnr mixed precision, and the calibration-data / flag errors (exit 1,
# one "wick: " line naming the file and the expected shape).
#
# Environment (set by ctest): WICK_BIN, WICK_SOURCE_DIR.
set -u

here=$(cd "$(dirname "$0")" && pwd)
wick=${WICK_BIN:-}
if [ -z "$wick" ] || [ ! -x "$wick" ]; then
  echo "test_quantize: WICK_BIN does not name the wick binary ('$wick')" >&2
  exit 1
fi
src=${WICK_SOURCE_DIR:-$here/../..}
fx=$src/tests/models/fixtures

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wick_quant_cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

failures=0
checks=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

expect_ok() {
  local name=$1
  shift
  checks=$((checks + 1))
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ne 0 ]; then
    fail "$name: exit status $rc (want 0): $*"
    sed 's/^/    /' "$tmp/err" | head -20 >&2
    return 1
  fi
  if grep -q -E 'Sanitizer|runtime error' "$tmp/err"; then
    fail "$name: sanitizer report"
    return 1
  fi
  return 0
}

# expect_error NAME PATTERN -- CMD...: exit 1, one stderr line matching PATTERN.
expect_error() {
  local name=$1 pattern=$2
  shift 3
  checks=$((checks + 1))
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  local lines
  lines=$(wc -l <"$tmp/err")
  if [ $rc -ne 1 ]; then
    fail "$name: exit status $rc (want 1): $*"
    sed 's/^/    /' "$tmp/err" | head -20 >&2
  elif [ "$lines" -ne 1 ]; then
    fail "$name: $lines lines on stderr (want 1)"
    sed 's/^/    /' "$tmp/err" | head -20 >&2
  elif ! grep -q -E -- "^wick: .*$pattern" "$tmp/err"; then
    fail "$name: stderr does not match /$pattern/: $(cat "$tmp/err")"
  fi
}

# ---- every fixture, random calibration, runs ------------------------------------
for m in tiny_cnn mlp transformer; do
  if expect_ok "$m int8" "$wick" convert "$fx/$m/model.onnx" -o "$tmp/$m.pte" --quantize int8 \
    --calib-random 4 --report; then
    grep -q 'model output SQNR' "$tmp/out" || fail "$m: --report prints no model SQNR"
    grep -q 'quantized_' "$tmp/out" || fail "$m: --report lists no int8 layer"
    grep -q 'quantized [1-9][0-9]* layer' "$tmp/err" || fail "$m: no quantization summary"
    db=$(sed -n 's/^model output SQNR.*: \([0-9.]*\) dB$/\1/p' "$tmp/out")
    awk -v d="$db" 'BEGIN { exit !(d + 0 >= 20) }' || fail "$m: model output SQNR '$db' < 20 dB"
  fi
  expect_ok "$m int8 runs" "$wick" run "$tmp/$m.pte" --input "$fx/$m/input_0.npy"
  grep -q 'output 0: float32' "$tmp/out" || fail "$m: int8 program prints no float32 output"
  expect_ok "$m inspect" "$wick" inspect "$tmp/$m.pte"
  grep -q 'cortex_m::quantized_' "$tmp/out" || fail "$m: no cortex_m int8 operator"
done

# ---- int8-dynamic: linears -> wick::linear_dq8, no calibration data ---------------
for m in mlp transformer; do
  expect_ok "$m int8-dynamic" "$wick" convert "$fx/$m/model.onnx" -o "$tmp/d_$m.pte" \
    --quantize int8-dynamic
  grep -q 'int8-dynamic (wick::linear_dq8); their weights [0-9]* -> [0-9]* bytes' "$tmp/err" ||
    fail "$m: no int8-dynamic summary"
  expect_ok "$m int8-dynamic runs" "$wick" run "$tmp/d_$m.pte" --input "$fx/$m/input_0.npy"
  grep -q 'output 0: float32' "$tmp/out" || fail "$m: int8-dynamic program prints no float32 output"
  expect_ok "$m int8-dynamic inspect" "$wick" inspect "$tmp/d_$m.pte"
  grep -q 'wick::linear_dq8' "$tmp/out" || fail "$m: no wick::linear_dq8 operator"
done
if expect_ok "int8-dynamic report" "$wick" convert "$fx/transformer/model.onnx" -o "$tmp/d.pte" \
  --quantize int8-dynamic --calib-random 2 --report -v; then
  grep -q 'linear_dq8' "$tmp/out" || fail "int8-dynamic --report lists no layer"
  db=$(sed -n 's/^model output SQNR.*: \([0-9.]*\) dB$/\1/p' "$tmp/out")
  awk -v d="$db" 'BEGIN { exit !(d + 0 >= 30) }' || fail "int8-dynamic: model output SQNR '$db' < 30 dB"
  grep -q '^wick:   .* int8 [0-9]* -> [0-9]* bytes' "$tmp/err" || fail "int8-dynamic -v: no per-layer bytes"
fi
expect_ok "int8-dynamic min-sqnr" "$wick" convert "$fx/transformer/model.onnx" -o "$tmp/d.pte" \
  --quantize int8-dynamic --min-sqnr 200
grep -q 'quantized 0 of [1-9][0-9]* linear' "$tmp/err" || fail "int8-dynamic --min-sqnr 200 kept nothing fp32"

# ---- observers, calibration directory, mixed precision ----------------------------
for o in minmax ema percentile kl; do
  expect_ok "observer $o" "$wick" convert "$fx/tiny_cnn/model.onnx" -o "$tmp/o.pte" \
    --quantize int8 --calib-random 3 --observer "$o"
  grep -q "observer $o" "$tmp/err" || fail "observer $o not reported"
done

mkdir -p "$tmp/cal"
cp "$fx/tiny_cnn/input_0.npy" "$tmp/cal/a.npy"
cp "$fx/tiny_cnn/input_0.npy" "$tmp/cal/b.npy"
if expect_ok "calib dir" "$wick" convert "$fx/tiny_cnn/model.onnx" -o "$tmp/c.pte" \
  --quantize int8 --calib "$tmp/cal" -v; then
  [ "$(grep -c '^wick: calibration' "$tmp/err")" -ge 2 ] || fail "calib dir: no per-set progress lines"
fi
expect_ok "calib dir runs" "$wick" run "$tmp/c.pte" --input "$fx/tiny_cnn/input_0.npy"

if expect_ok "min-sqnr all fp32" "$wick" convert "$fx/tiny_cnn/model.onnx" -o "$tmp/m.pte" \
  --quantize int8 --calib-random 3 --min-sqnr 200 --report; then
  grep -q 'kept in fp32' "$tmp/err" || fail "--min-sqnr: kept layers not listed"
  grep -q 'fp32 (kept)' "$tmp/out" || fail "--min-sqnr: report shows no kept layer"
  grep -q 'model output SQNR.*: inf dB' "$tmp/out" || fail "--min-sqnr 200: output not exact"
fi

# ---- errors ------------------------------------------------------------------------------
on="$fx/tiny_cnn/model.onnx"
expect_error "no calibration" "needs calibration data" -- "$wick" convert "$on" -o "$tmp/x.pte" --quantize int8
expect_error "calib without quantize" "need --quantize int8" -- "$wick" convert "$on" -o "$tmp/x.pte" --calib-random 2
expect_error "bad mode" "--quantize wants" -- "$wick" convert "$on" -o "$tmp/x.pte" --quantize int4
expect_error "bad observer" "--observer wants" -- "$wick" convert "$on" -o "$tmp/x.pte" --quantize int8 --calib-random 2 --observer mse
expect_error "bad count" "--calib-random wants" -- "$wick" convert "$on" -o "$tmp/x.pte" --quantize int8 --calib-random 0
expect_error "dynamic observer" "--observer applies to --quantize int8 only" -- "$wick" convert "$fx/transformer/model.onnx" -o "$tmp/x.pte" --quantize int8-dynamic --observer kl
expect_error "missing dir" "$tmp/nope" -- "$wick" convert "$on" -o "$tmp/x.pte" --quantize int8 --calib "$tmp/nope"
mkdir -p "$tmp/empty"
expect_error "empty dir" "no calibration sets" -- "$wick" convert "$on" -o "$tmp/x.pte" --quantize int8 --calib "$tmp/empty"

# wrong shape: the tiny_cnn output [1,10] as a calibration input
mkdir -p "$tmp/shape"
cp "$fx/tiny_cnn/input_0.npy" "$tmp/shape/a.npy"
cp "$fx/tiny_cnn/expected_0.npy" "$tmp/shape/b_wrong.npy"
expect_error "wrong shape" "b_wrong.npy is float32\[1,10\].*expects float32\[1,3,32,32\]" -- \
  "$wick" convert "$on" -o "$tmp/x.pte" --quantize int8 --calib "$tmp/shape"

# NaN: a float32 [1,3,32,32] .npy written by hand, NaN first
mkdir -p "$tmp/nan"
hdr="{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 32, 32), }"
pad=$(( (64 - (10 + ${#hdr} + 1) % 64) % 64 ))
hlen=$(( ${#hdr} + pad + 1 ))
{
  printf '\x93NUMPY\x01\x00'
  printf "\\x$(printf %02x $((hlen & 255)))\\x$(printf %02x $((hlen >> 8)))"
  printf '%s' "$hdr"
  printf '%*s' "$pad" ''
  printf '\n'
  printf '\x00\x00\xc0\x7f'
  head -c $((3072 * 4 - 4)) /dev/zero
} >"$tmp/nan/n.npy"
expect_error "NaN data" "n.npy holds NaN at flat index 0" -- \
  "$wick" convert "$on" -o "$tmp/x.pte" --quantize int8 --calib "$tmp/nan"

# ---- LLMs: --quantize q8 (int8 weights in the program) --------------------------
llm=${WICK_SHARED_DATA:-$src/../shared/data}/llm
if [ -f "$llm/stories260K.bin" ] && [ -f "$llm/tok512.bin" ]; then
  if expect_ok "llm convert q8" "$wick" convert "$llm/stories260K.bin" -o "$tmp/s8.pte" --quantize q8; then
    grep -q 'int8 weights' "$tmp/err" || fail "llm convert q8: no 'int8 weights' in: $(cat "$tmp/err")"
  fi
  if expect_ok "llm generate q8" "$wick" generate "$tmp/s8.pte" --tokenizer "$llm/tok512.bin" -n 20 --temperature 0; then
    grep -q '^Once upon a time, there was a little girl' "$tmp/out" ||
      fail "llm generate q8: '$(cat "$tmp/out")'"
  fi
  expect_ok "llm convert int8-dynamic" "$wick" convert "$llm/stories260K.bin" -o "$tmp/s8b.pte" --quantize int8-dynamic
  cmp -s "$tmp/s8.pte" "$tmp/s8b.pte" || fail "llm: q8 and int8-dynamic programs differ"
  expect_error "llm q4" "not implemented yet" -- \
    "$wick" convert "$llm/stories260K.bin" -o "$tmp/s4.pte" --quantize q4
  expect_error "llm static int8" "does not apply to LLMs" -- \
    "$wick" convert "$llm/stories260K.bin" -o "$tmp/s4.pte" --quantize int8 --calib-random 2
  rm -f "$tmp"/s8.pte "$tmp"/s8b.pte
else
  echo "test_quantize: $llm/stories260K.bin absent; skipping the LLM q8 checks" >&2
fi

if [ $failures -ne 0 ]; then
  echo "test_quantize: $failures of $checks checks failed" >&2
  exit 1
fi
echo "test_quantize: $checks checks ok"
