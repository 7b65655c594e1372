#!/usr/bin/env bash
# make demo: wick's main job on its embedded default model — German -> English
# with the committed INT8 transformer (models/de-en): a few sentences, then
# whatever you type when standard input is a terminal (Ctrl-D ends).
# Without the model (a partial checkout), falls back to the runtime demo.
set -euo pipefail
wick=${1:-build/wick}
root=$(cd "$(dirname "$0")/.." && pwd)
model=${WICK_TRANSLATE_MODEL:-$root/models/de-en}
if [ ! -f "$model/decoder.pte" ]; then
  echo "demo: no translation model at $model; running the runtime demo instead" >&2
  exec "$(dirname "$0")/demo_runtime.sh" "$wick"
fi
printf '\n\033[1m$ wick translate --model %s --demo\033[0m\n' "${model#$root/}"
exec "$wick" translate --model "$model" --demo
