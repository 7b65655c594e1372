#!/usr/bin/env bash
# Footprint of the runtime core (src/core, src/format, src/runtime; no kernels),
# built -Os: a stripped x86-64 executable that loads and runs a program
# (tests/size/size_main.c, like ExecuTorch's size_test), and the same code for
# Cortex-M33 with arm-none-eabi-gcc + newlib (text+data+bss of the linked image).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
srcs="src/core/*.c src/format/*.c src/runtime/*.c tests/size/size_main.c"
flags="-std=c11 -Os -Iinclude -Isrc -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -DNDEBUG"
gcc $flags -D_POSIX_C_SOURCE=200809L $srcs -Wl,--gc-sections -s -o "$out/size_x86"
x86=$(stat -c %s "$out/size_x86")
# The same binary with an empty main, to separate wick from the C start-up code.
printf 'int main(void){return 0;}\n' > "$out/empty.c"
gcc -Os -s -o "$out/empty_x86" "$out/empty.c"
empty=$(stat -c %s "$out/empty_x86")
echo "x86-64 (gcc $(gcc -dumpversion), -Os, stripped): size_test binary ${x86} bytes; empty C program ${empty} bytes"
echo "  runtime core text+data: $(size -A "$out/size_x86" | awk '/^\.text|^\.rodata|^\.data /{s+=$2} END{print s}') bytes"
if command -v arm-none-eabi-gcc >/dev/null; then
  arm-none-eabi-gcc $flags -mcpu=cortex-m33 -mthumb -DWICK_SIZE_BAREMETAL $srcs \
    --specs=nosys.specs -Wl,--gc-sections -o "$out/size_m33.elf"
  printf 'int main(void){return 0;}\n' > "$out/empty.c"
  arm-none-eabi-gcc -Os -mcpu=cortex-m33 -mthumb --specs=nosys.specs -Wl,--gc-sections "$out/empty.c" -o "$out/empty_m33.elf"
  read -r t d b <<<"$(arm-none-eabi-size "$out/size_m33.elf" | awk 'NR==2{print $1, $2, $3}')"
  read -r et ed eb <<<"$(arm-none-eabi-size "$out/empty_m33.elf" | awk 'NR==2{print $1, $2, $3}')"
  echo "Cortex-M33 (arm-none-eabi-gcc $(arm-none-eabi-gcc -dumpversion), -Os, newlib): flash text+data $((t + d)) bytes (empty program $((et + ed))), wick's share $((t + d - et - ed)) bytes; static RAM for the probe's buffers excluded"
  echo "  per-object text (runtime only):"
  for f in src/core/*.c src/format/*.c src/runtime/*.c; do
    arm-none-eabi-gcc $flags -mcpu=cortex-m33 -mthumb -c "$f" -o "$out/o.o"
    printf '    %-28s %6s\n' "$f" "$(arm-none-eabi-size "$out/o.o" | awk 'NR==2{print $1}')"
  done
else
  echo "Cortex-M33: arm-none-eabi-gcc not installed (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)"
fi
