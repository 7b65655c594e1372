#!/usr/bin/env bash
# wick convert end to end: ONNX fixtures -> .pte -> run; --bundle-inputs ->
# .bpte -> verify; and clean one-line errors for bad input.
set -u
wick=${WICK_BIN:?}
src=${WICK_SOURCE_DIR:?}
fx="$src/tests/models/fixtures"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, command...
  local what=$1
  shift
  if ! "$@" >"$tmp/out" 2>"$tmp/err"; then
    echo "FAIL: $what"; cat "$tmp/err"; fail=1
  fi
}
check_error() { # description, expected-substring, command...
  local what=$1 want=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  local lines
  lines=$(wc -l <"$tmp/err")
  if [ "$rc" != 1 ] || [ "$lines" != 1 ] || ! grep -q -- "$want" "$tmp/err"; then
    echo "FAIL: $what (exit $rc, $lines stderr lines, want '$want'):"; cat "$tmp/err"; fail=1
  fi
}

for m in tiny_cnn mlp transformer; do
  check "convert $m" "$wick" convert "$fx/$m/model.onnx" -o "$tmp/$m.pte"
  check "run $m" "$wick" run "$tmp/$m.pte" --input "$fx/$m/input_0.npy"
  check "bundle $m" "$wick" convert "$fx/$m/model.onnx" -o "$tmp/$m.bpte" \
    --bundle-inputs "$fx/$m/input_0.npy"
  check "verify $m" "$wick" verify "$tmp/$m.bpte"
done
check "inspect shows names" "$wick" inspect "$tmp/tiny_cnn.pte"
grep -q "'input'" "$tmp/out" || { echo "FAIL: inspect does not show the input name"; fail=1; }
grep -q "lower bound" "$tmp/out" || { echo "FAIL: inspect does not show the lower bound"; fail=1; }
check "convert --inline-constants" "$wick" convert "$fx/mlp/model.onnx" -o "$tmp/mlp_inline.pte" \
  --inline-constants
check "run inline" "$wick" run "$tmp/mlp_inline.pte" --input "$fx/mlp/input_0.npy"
# Views share their input's memory unless told not to; the outputs are the same.
check "convert transformer" "$wick" convert "$fx/transformer/model.onnx" -o "$tmp/tf_alias.pte"
grep -q "views in their input's memory" "$tmp/err" || { echo "FAIL: no view shares memory"; fail=1; }
check "convert --no-view-alias" "$wick" convert "$fx/transformer/model.onnx" -o "$tmp/tf_copy.pte" \
  --no-view-alias
grep -q "views in their input's memory" "$tmp/err" && { echo "FAIL: --no-view-alias still aliases"; fail=1; }
check "run aliased" "$wick" run "$tmp/tf_alias.pte" --input "$fx/transformer/input_0.npy" \
  --output-dir "$tmp/tf_alias"
check "run copying" "$wick" run "$tmp/tf_copy.pte" --input "$fx/transformer/input_0.npy" \
  --output-dir "$tmp/tf_copy"
cmp -s "$tmp/tf_alias/output_0.npy" "$tmp/tf_copy/output_0.npy" ||
  { echo "FAIL: view aliasing changed the transformer's output"; fail=1; }

# Metadata: name, version, producer, creation time (SOURCE_DATE_EPOCH), and
# the constants' SHA-256, checked by inspect and verify --integrity.
check "convert with metadata" env SOURCE_DATE_EPOCH=1700000000 "$wick" convert \
  "$fx/mlp/model.onnx" -o "$tmp/mlp_meta.pte" --name mlp-classifier --model-version 2.1.0
check "convert again" env SOURCE_DATE_EPOCH=1700000000 "$wick" convert \
  "$fx/mlp/model.onnx" -o "$tmp/mlp_meta2.pte" --name mlp-classifier --model-version 2.1.0
cmp -s "$tmp/mlp_meta.pte" "$tmp/mlp_meta2.pte" ||
  { echo "FAIL: SOURCE_DATE_EPOCH conversions differ"; fail=1; }
check "inspect metadata" "$wick" inspect "$tmp/mlp_meta.pte"
for want in "name  *mlp-classifier" "version  *2.1.0" "producer  *wick [0-9.]* from pytorch" \
    "created  *2023-11-14T22:13:20Z" "constants_sha256 [0-9a-f]\{64\} (matches"; do
  grep -q "$want" "$tmp/out" || { echo "FAIL: inspect metadata lacks '$want'"; cat "$tmp/out"; fail=1; }
done
check "verify --integrity" "$wick" verify --integrity "$tmp/mlp_meta.pte"
grep -q "^PASS integrity" "$tmp/out" || { echo "FAIL: no PASS integrity line"; fail=1; }
check "verify --integrity bundle" "$wick" verify --integrity "$tmp/mlp.bpte"
grep -q "^PASS forward case 0" "$tmp/out" || { echo "FAIL: --integrity skipped the cases"; fail=1; }
# Flip one byte of the constant segment (segment 0, right after the header's base).
base=$("$wick" inspect "$tmp/mlp_meta.pte" | sed -n 's/.*segment base \([0-9]*\).*/\1/p')
cp "$tmp/mlp_meta.pte" "$tmp/mlp_tampered.pte"
printf '\x55' | dd of="$tmp/mlp_tampered.pte" bs=1 seek=$((base + 20)) conv=notrunc 2>/dev/null
check_error "tampered constants" "does not match the recorded digest" "$wick" verify --integrity \
  "$tmp/mlp_tampered.pte"
"$wick" inspect "$tmp/mlp_tampered.pte" | grep -q MISMATCH ||
  { echo "FAIL: inspect does not flag the tampered constants"; fail=1; }
check_error "bad --model-version" "model-version" "$wick" convert "$fx/mlp/model.onnx" \
  -o "$tmp/x.pte" --model-version ""
check_error "bad SOURCE_DATE_EPOCH" "SOURCE_DATE_EPOCH" env SOURCE_DATE_EPOCH=soon "$wick" convert \
  "$fx/mlp/model.onnx" -o "$tmp/x.pte"

check_error "missing model" "No such file" "$wick" convert "$tmp/nope.onnx" -o "$tmp/x.pte"
printf 'not a protobuf at all\n' >"$tmp/bad.onnx"
check_error "garbage model" "bad.onnx" "$wick" convert "$tmp/bad.onnx" -o "$tmp/x.pte"
check_error "no output" "no output" "$wick" convert "$fx/mlp/model.onnx"
check_error "bad --input-shape" "input-shape" "$wick" convert "$fx/mlp/model.onnx" -o "$tmp/x.pte" \
  --input-shape nonsense
check_error "wrong bundle count" "bundle" "$wick" convert "$fx/mlp/model.onnx" -o "$tmp/x.bpte" \
  --bundle-inputs "$fx/mlp/input_0.npy" "$fx/mlp/input_0.npy"
shared=${WICK_SHARED_DATA:-}
if [ -d "$shared/onnx-tests/node/test_loop11" ]; then
  check_error "unsupported operator names the node" "Loop" "$wick" convert \
    "$shared/onnx-tests/node/test_loop11/model.onnx" -o "$tmp/x.pte"
fi
exit $fail
