#!/usr/bin/env bash
# `wick translate` on the committed de-en model (models/de-en): the demo
# sentences, line-for-line output on hostile input (empty lines, invalid
# UTF-8, control bytes, a line far beyond the model's source length), option
# errors, --bench, and BLEU on Multi30k val sentences when ../shared is there
# (a floor well under the documented score, so a broken runtime, tokenizer or
# beam search fails it).
#
# Environment (set by ctest): WICK_BIN, WICK_SOURCE_DIR, WICK_SHARED_DATA,
# WICK_SANITIZED, WICK_CROSS. WICK_TRANSLATE_TEST_MODEL overrides the model.
set -u

here=$(cd "$(dirname "$0")" && pwd)
wick=${WICK_BIN:-}
if [ -z "$wick" ] || [ ! -x "$wick" ]; then
  echo "test_translate: WICK_BIN does not name the wick binary ('$wick')" >&2
  exit 1
fi
src=${WICK_SOURCE_DIR:-$here/../..}
model=${WICK_TRANSLATE_TEST_MODEL:-$src/models/de-en}
if [ ! -f "$model/decoder.pte" ]; then
  echo "test_translate: SKIP: no model at $model" >&2
  exit 77
fi
shared=${WICK_SHARED_DATA:-$src/../shared/data}
slow=0
if [ "${WICK_SANITIZED:-0}" = 1 ] || [ "${WICK_CROSS:-0}" = 1 ]; then slow=1; fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wick_translate.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
clean_stderr() {
  if grep -q -E 'Sanitizer|runtime error' "$1"; then
    fail "$2: sanitizer report"
    head -20 "$1" >&2
  fi
}

# 1. help
"$wick" translate --help >"$tmp/help" 2>&1 || fail "--help exits non-zero"
grep -q -- "--beam" "$tmp/help" || fail "--help does not describe --beam"

# 2. demo sentences: plausible English
"$wick" translate --model "$model" --demo </dev/null >"$tmp/demo" 2>"$tmp/demo.err" ||
  fail "--demo failed: $(head -3 "$tmp/demo.err")"
clean_stderr "$tmp/demo.err" demo
n_en=$(grep -c '^en: .' "$tmp/demo")
[ "$n_en" -eq 5 ] || fail "--demo printed $n_en English lines (want 5)"
grep -q -i 'dogs' "$tmp/demo" || fail "'Zwei Hunde spielen im Schnee.' did not mention dogs: $(cat "$tmp/demo")"
grep -q -i 'snow' "$tmp/demo" || fail "no 'snow' in the demo translations: $(cat "$tmp/demo")"
grep -q 'ms (encode' "$tmp/demo.err" || fail "no per-sentence latency on stderr"

# 3. hostile input: one output line per input line, no crash
{
  printf 'Ein Hund rennt durch das Gras.\n'
  printf '\n'
  printf '   \t  \n'
  printf 'Ein \xff\xfe Mann \xc3\x28 isst.\n'
  printf 'Ein Mann\x01\x02 mit \x7f Hut.\r\n'
  printf '日本語のテキスト ☃ 🙂\n'
  for i in $(seq 1 400); do printf 'Ein sehr langer Satz mit vielen Wörtern '; done
  printf '\n'
  printf 'Eine Frau liest ein Buch.'   # no final newline
} >"$tmp/hostile.txt"
"$wick" translate --model "$model" --input "$tmp/hostile.txt" --beam 2 >"$tmp/hostile.out" 2>"$tmp/hostile.err" ||
  fail "hostile input: exit status $? ($(tail -2 "$tmp/hostile.err"))"
clean_stderr "$tmp/hostile.err" hostile
lines=$(wc -l <"$tmp/hostile.out")
[ "$lines" -eq 8 ] || fail "hostile input: $lines output lines for 8 input lines"
[ -z "$(sed -n 2p "$tmp/hostile.out")" ] || fail "an empty line did not give an empty line"
grep -q 'warning: line 7 is longer' "$tmp/hostile.err" || fail "no truncation warning for the long line"
grep -q -i 'dog' "$tmp/hostile.out" || fail "first line lost its dog: $(head -1 "$tmp/hostile.out")"

# 4. option errors: one 'wick:' line, exit 1
"$wick" translate --model "$model" --beam 99 </dev/null >"$tmp/o" 2>"$tmp/e"
rc=$?
{ [ $rc -eq 1 ] && grep -q 'beam' "$tmp/e"; } || fail "--beam 99: status $rc, '$(cat "$tmp/e")'"
"$wick" translate --model "$tmp/nowhere" </dev/null >"$tmp/o" 2>"$tmp/e"
rc=$?
{ [ $rc -eq 1 ] && grep -q 'nowhere' "$tmp/e"; } || fail "missing model: status $rc, '$(cat "$tmp/e")'"
"$wick" translate --model "$model" --input "$tmp/none.txt" </dev/null >"$tmp/o" 2>"$tmp/e"
rc=$?
{ [ $rc -eq 1 ] && grep -q 'none.txt' "$tmp/e"; } || fail "missing input: status $rc, '$(cat "$tmp/e")'"

# 5. --bench statistics; greedy = beam 1
printf 'Ein Hund.\nZwei Katzen schlafen.\nEin Mann fährt Rad.\n' >"$tmp/b.txt"
"$wick" translate --model "$model" --input "$tmp/b.txt" --bench --beam 1 >"$tmp/b.out" 2>"$tmp/b.err" ||
  fail "--bench failed: $(tail -2 "$tmp/b.err")"
grep -q 'median .* ms, p90 .* sentences/s' "$tmp/b.err" || fail "--bench summary missing: $(cat "$tmp/b.err")"

# 6. BLEU on Multi30k val (first N sentences) against the references
val_de=$shared/multi30k/val.de.gz
val_en=$shared/multi30k/val.en.gz
if [ -f "$val_de" ] && [ -f "$val_en" ]; then
  n=200
  [ $slow = 1 ] && n=25
  gzip -dc "$val_de" | head -n $n >"$tmp/val.de"
  gzip -dc "$val_en" | head -n $n >"$tmp/val.en"
  "$wick" translate --model "$model" --input "$tmp/val.de" --quiet >"$tmp/val.hyp" 2>"$tmp/val.err" ||
    fail "val translation failed: $(tail -2 "$tmp/val.err")"
  if "$wick" bleu --help >/dev/null 2>&1; then
    "$wick" bleu "$tmp/val.hyp" "$tmp/val.en" >"$tmp/bleu" 2>&1 || fail "wick bleu failed: $(cat "$tmp/bleu")"
    score=$(sed -n 's/^BLEU = \([0-9.]*\).*/\1/p' "$tmp/bleu")
    floor=${WICK_TRANSLATE_BLEU_FLOOR:-20}
    [ $slow = 1 ] && floor=10
    if [ -z "$score" ] || ! awk -v s="$score" -v f="$floor" 'BEGIN { exit !(s >= f) }'; then
      fail "val BLEU '$score' below $floor on $n sentences: $(cat "$tmp/bleu")"
    else
      echo "test_translate: val BLEU $score on $n sentences (floor $floor)"
    fi
  fi
else
  echo "test_translate: note: $shared/multi30k absent, BLEU check skipped"
fi

if [ $failures -ne 0 ]; then
  echo "test_translate: $failures failure(s)" >&2
  exit 1
fi
echo "test_translate: ok"
