#!/usr/bin/env bash
# make demo-runtime: build wick's embedded demo model and show the main job on it —
# inspect, run, verify, bench — then the real ExecuTorch artifacts if present.
set -euo pipefail
wick=${1:-build/wick}
bin=$(dirname "$wick")
out="$bin/demo"
mkdir -p "$out"
"$bin/make_demo_model" "$out"
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
say wick inspect "$out/demo.pte"
"$wick" inspect "$out/demo.pte"
say wick run "$out/demo.pte" --input "$out/demo_input.npy" --output-dir "$out"
"$wick" run "$out/demo.pte" --input "$out/demo_input.npy" --output-dir "$out"
say wick verify "$out/demo.bpte"
"$wick" verify "$out/demo.bpte"
say wick bench "$out/demo.pte" --iters 2000
"$wick" bench "$out/demo.pte" --iters 2000
shared=${WICK_SHARED_DATA:-$(dirname "$0")/../../shared/data}
if [ -d "$shared/pte" ]; then
  say wick run "$shared/pte/linear.pte" --data "$shared/pte/linear.ptd"
  "$wick" run "$shared/pte/linear.pte" --data "$shared/pte/linear.ptd"
  say wick verify "$shared/pte/bundled_program.bpte"
  "$wick" verify "$shared/pte/bundled_program.bpte"
fi
