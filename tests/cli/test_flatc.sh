#!/usr/bin/env bash
# flatc (the reference flatbuffers compiler, an implementation independent of
# wick's reader and writer) decodes the programs wick writes with wick's own
# schema of the ExecuTorch program layout (tests/schema/program.fbs), and the
# decoded JSON agrees with `wick inspect`: method names, operators,
# instruction counts, inputs and outputs, segments, planned arenas. The real
# ExecuTorch programs in ../shared/data/pte are decoded the same way, as a
# control that the schema describes ExecuTorch's layout. Corrupted files and
# a reordered schema must not pass. Skips (77) without flatc.
set -u
wick=${WICK_BIN:?}
src=${WICK_SOURCE_DIR:?}
build=${WICK_BUILD_DIR:-$(dirname "$wick")}
data=${WICK_SHARED_DATA:-$src/../shared/data}
fx="$src/tests/models/fixtures"
schema="$src/tests/schema/program.fbs"
checker="$src/tests/schema/check_pte_json.py"
flatc=${FLATC:-flatc}
if ! command -v "$flatc" >/dev/null 2>&1; then
  echo "SKIP: flatc not found (Debian/Ubuntu: apt-get install flatbuffers-compiler)"
  exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: python3 not found"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/pte" "$tmp/json" "$tmp/fb"
fail=0
decoded=0
failmsg() { echo "FAIL: $*"; fail=1; }

# flatc_json NAME FILE [SCHEMA]: decode FILE into $tmp/json/NAME.json, both the
# whole file and only its flatbuffer (the first program_size bytes; segment
# data follows it), which must give the same JSON.
flatc_json() {
  local name=$1 file=$2 sch=${3:-$schema}
  rm -f "$tmp/json/$name.json" "$tmp/fb/$name.json"
  cp "$file" "$tmp/pte/$name.pte"
  local size
  size=$(python3 "$checker" progsize "$file") || return 1
  head -c "$size" "$file" >"$tmp/fb/$name.pte"
  "$flatc" --json --strict-json -o "$tmp/json" "$sch" -- "$tmp/pte/$name.pte" \
    >"$tmp/flatc.out" 2>&1 || return 1
  "$flatc" --json --strict-json -o "$tmp/fb" "$sch" -- "$tmp/fb/$name.pte" \
    >>"$tmp/flatc.out" 2>&1 || return 1
  [ -s "$tmp/json/$name.json" ] || return 1
  if ! cmp -s "$tmp/json/$name.json" "$tmp/fb/$name.json"; then
    echo "the flatbuffer part alone decodes differently" >>"$tmp/flatc.out"
    return 1
  fi
}

# check NAME FILE [--wick]: flatc decodes FILE, and the JSON agrees with inspect.
check() {
  local name=$1 file=$2
  shift 2
  if ! "$wick" inspect "$file" >"$tmp/$name.inspect" 2>"$tmp/err"; then
    failmsg "$name: wick inspect: $(head -3 "$tmp/err")"
    return
  fi
  if ! flatc_json "$name" "$file"; then
    failmsg "$name: flatc does not decode it: $(head -5 "$tmp/flatc.out")"
    return
  fi
  if ! python3 "$checker" compare "$tmp/json/$name.json" "$tmp/$name.inspect" "$@" \
    >"$tmp/cmp" 2>&1; then
    failmsg "$name: flatc's decoding differs from wick inspect:"
    head -20 "$tmp/cmp"
    return
  fi
  decoded=$((decoded + 1))
  echo "ok: $name"
}

# convert NAME MODEL ARGS... [--no-wick-metadata]: wick convert, then check
# the result (named data wick.metadata required unless told otherwise).
convert() {
  local name=$1 model=$2 meta=--wick a
  shift 2
  local args=()
  for a in "$@"; do
    if [ "$a" = --no-wick-metadata ]; then meta=""; else args+=("$a"); fi
  done
  if ! "$wick" convert "$model" -o "$tmp/$name.pte" "${args[@]}" >"$tmp/out" 2>"$tmp/err"; then
    failmsg "convert $name: $(head -3 "$tmp/err")"
    return
  fi
  check "$name" "$tmp/$name.pte" $meta
}

# 1. Programs wick writes.
for d in "$fx"/*/; do
  m=$(basename "$d")
  [ -f "$d/model.onnx" ] || continue
  convert "$m" "$d/model.onnx"
done
convert mlp_inline "$fx/mlp/model.onnx" --inline-constants
convert mlp_int8 "$fx/mlp/model.onnx" --quantize int8 --calib-random 2
convert tiny_cnn_int8 "$fx/tiny_cnn/model.onnx" --quantize int8 --calib-random 2
convert transformer_dq8 "$fx/transformer/model.onnx" --quantize int8-dynamic
if [ -f "$data/llm/stories260K.bin" ]; then
  # (LLM programs carry no wick.metadata, so no --wick.)
  convert stories260K "$data/llm/stories260K.bin" --no-wick-metadata
  convert stories260K_q8 "$data/llm/stories260K.bin" --quantize q8 --no-wick-metadata
else
  echo "note: $data/llm/stories260K.bin absent; LLM program not checked"
fi
mkdir -p "$tmp/demo"
if [ -x "$build/make_demo_model" ] && "$build/make_demo_model" "$tmp/demo" >/dev/null 2>&1; then
  check demo "$tmp/demo/demo.pte"
else
  echo "note: make_demo_model not built; demo program not checked"
fi
for f in "$src"/models/*/*.pte; do
  [ -f "$f" ] || continue
  check "model_$(basename "$(dirname "$f")")_$(basename "$f" .pte)" "$f" --wick
done

# 2. Control: ExecuTorch's own programs decode with the same schema.
if [ -d "$data/pte" ]; then
  for f in "$data"/pte/*.pte; do
    [ -f "$f" ] && check "et_$(basename "$f" .pte)" "$f"
  done
else
  echo "note: $data/pte absent; no ExecuTorch control programs"
fi

# 3. Negative checks: each must be caught.
good=$tmp/mlp.pte
if [ -f "$good" ] && [ -f "$tmp/mlp.inspect" ]; then
  # 3a. Another file identifier: flatc refuses the file.
  cp "$good" "$tmp/bad_ident.pte"
  printf 'XT12' | dd of="$tmp/bad_ident.pte" bs=1 seek=4 conv=notrunc 2>/dev/null
  if "$flatc" --json --strict-json -o "$tmp/json" "$schema" -- "$tmp/bad_ident.pte" \
    >"$tmp/flatc.out" 2>&1; then
    failmsg "flatc decoded a file with identifier XT12"
  elif ! grep -q 'file_identifier' "$tmp/flatc.out"; then
    failmsg "flatc failed on identifier XT12, but not for the identifier: $(head -3 "$tmp/flatc.out")"
  fi
  # expect_caught NAME FILE [SCHEMA]: flatc fails (or crashes), or its JSON
  # disagrees with inspect's view of the good file.
  expect_caught() {
    local name=$1 file=$2 sch=${3:-$schema}
    if (flatc_json "$name" "$file" "$sch") 2>/dev/null &&
      python3 "$checker" compare "$tmp/json/$name.json" "$tmp/mlp.inspect" --wick \
        >"$tmp/cmp" 2>&1; then
      failmsg "negative check '$name' passed: the check would not notice this"
    else
      echo "ok: negative check $name caught"
    fi
  }
  # 3b. Root offset pointing far outside the file.
  cp "$good" "$tmp/bad_root.pte"
  printf '\360\377\377\000' | dd of="$tmp/bad_root.pte" bs=1 seek=0 conv=notrunc 2>/dev/null
  expect_caught bad_root "$tmp/bad_root.pte"
  # 3c. One byte of the first operator name changed inside the flatbuffer.
  off=$(grep -obUa 'aten::' "$good" | head -1 | cut -d: -f1)
  if [ -n "$off" ]; then
    cp "$good" "$tmp/bad_name.pte"
    printf 'X' | dd of="$tmp/bad_name.pte" bs=1 seek=$((off + 1)) conv=notrunc 2>/dev/null
    expect_caught bad_name "$tmp/bad_name.pte"
  else
    failmsg "no operator name found in $good"
  fi
  # 3d. A schema with two ExecutionPlan fields swapped (inputs <-> outputs):
  # field order matters, and the comparison sees it.
  sed -e 's/^  inputs: \[int\];  *\/\/ value indices$/  TMP_OUT/' \
    -e 's/^  outputs: \[int\];  *\/\/ value indices$/  inputs: [int];/' \
    -e 's/^  TMP_OUT$/  outputs: [int];/' "$schema" >"$tmp/swapped.fbs"
  if cmp -s "$schema" "$tmp/swapped.fbs"; then
    failmsg "could not make the swapped schema (ExecutionPlan inputs/outputs lines changed?)"
  else
    expect_caught swapped_schema "$good" "$tmp/swapped.fbs"
  fi
else
  failmsg "no good mlp program for the negative checks"
fi

echo "$decoded programs decoded by flatc and matching wick inspect"
[ "$decoded" -gt 0 ] || failmsg "nothing was decoded"
exit $fail
