#!/usr/bin/env bash
# Checkpoint -> wick model directories (fp32 and int8), ready for `wick translate --model DIR`.
#
#   examples/translate/make_model.sh CKPT OUT [DEC_BATCH]
#
# Writes OUT/onnx/{encoder,decoder_step}.onnx (export.py, checked against PyTorch),
# OUT/fp32/{encoder,decoder}.pte and OUT/int8/{encoder,decoder}.pte
# (`wick convert --quantize int8-dynamic`: int8 weights, per-row dynamic
# int8 activations, int8 embedding tables), each with spm.model beside it.
set -euo pipefail
ckpt=${1:?usage: make_model.sh CKPT OUT [DEC_BATCH]}
out=${2:?usage: make_model.sh CKPT OUT [DEC_BATCH]}
batch=${3:-4}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
wick=${WICK:-$root/build/wick}
spm=${SPM_MODEL:-$here/data/spm.model}
[ -x "$wick" ] || { echo "make_model: build wick first ($wick)" >&2; exit 1; }
[ -f "$spm" ] || { echo "make_model: no tokenizer at $spm (run prepare.py)" >&2; exit 1; }
mkdir -p "$out/onnx" "$out/fp32" "$out/int8"
/usr/bin/python3 "$here/export.py" --ckpt "$ckpt" --out-dir "$out/onnx" --dec-batch "$batch"
"$wick" convert "$out/onnx/encoder.onnx" -o "$out/fp32/encoder.pte"
"$wick" convert "$out/onnx/decoder_step.onnx" -o "$out/fp32/decoder.pte"
"$wick" convert "$out/onnx/encoder.onnx" -o "$out/int8/encoder.pte" --quantize int8-dynamic
"$wick" convert "$out/onnx/decoder_step.onnx" -o "$out/int8/decoder.pte" --quantize int8-dynamic
cp "$spm" "$out/fp32/spm.model"
cp "$spm" "$out/int8/spm.model"
du -b "$out"/fp32/* "$out"/int8/*
