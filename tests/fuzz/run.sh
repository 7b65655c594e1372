#!/usr/bin/env bash
# Bounded libFuzzer runs: each fuzz_* target for N seconds, seeded from the
# shared ExecuTorch artifacts (when present) and from files the tests generate.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
shared=${WICK_SHARED_DATA:-$here/../../../shared/data}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for bin in "$build"/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  corpus="$work/$name"
  mkdir -p "$corpus"
  case "$name" in
    fuzz_pte) cp "$shared"/pte/*.pte "$corpus"/ 2>/dev/null || true ;;
    fuzz_ptd) cp "$shared"/pte/*.ptd "$corpus"/ 2>/dev/null || true ;;
    fuzz_bpte) cp "$shared"/pte/*.bpte "$corpus"/ 2>/dev/null || true ;;
    fuzz_npy) cp "$shared"/pte/expected/*.npy "$corpus"/ 2>/dev/null || true ;;
    fuzz_tokenizer) cp "$shared"/llm/tok512.bin "$corpus"/ 2>/dev/null || true ;;
    fuzz_spm) cp "$here"/../fixtures/spm/tiny.model "$corpus"/ 2>/dev/null || true ;;
    fuzz_gguf) [ -x "$build"/test_gguf ] && "$build"/test_gguf --write-seeds "$corpus" >/dev/null 2>&1 || true ;;
    fuzz_onnx)
      k=0
      for f in "$shared"/onnx-tests/node/test_{add,conv_with_strides_padding,gemm_default_matrix_bias,lstm_defaults,if,loop11,resize_upsample_scales_linear,slice,split_equal_parts_1d_opset18}/model.onnx \
               "$here"/../models/fixtures/*/model.onnx; do
        [ -f "$f" ] && cp "$f" "$corpus/seed_$k.onnx" && k=$((k + 1))
      done ;;
  esac
  if [ -d "$here/corpus/$name" ]; then cp "$here/corpus/$name"/* "$corpus"/ 2>/dev/null || true; fi
  echo "== $name: ${seconds}s, $(ls "$corpus" | wc -l) seed file(s)"
  if ! "$bin" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$work/$name-" "$corpus" >"$work/$name.log" 2>&1; then
    echo "!! $name found a failure:"; tail -40 "$work/$name.log"
    mkdir -p "$here/../../build-fuzz/crashes" && cp "$work/$name"-* "$here/../../build-fuzz/crashes/" 2>/dev/null || true
    status=1
  else
    grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs" "$work/$name.log" | tail -1 || true
  fi
done
exit $status
