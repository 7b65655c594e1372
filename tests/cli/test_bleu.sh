#!/usr/bin/env bash
# `wick bleu` against numbers computed with examples/translate/bleu.py
# (sacreBLEU's default) on the committed pair tests/fixtures/bleu/{hyp,ref}.txt,
# plus its errors. Environment (set by ctest): WICK_BIN, WICK_SOURCE_DIR.
set -u
here=$(cd "$(dirname "$0")" && pwd)
wick=${WICK_BIN:-}
if [ -z "$wick" ] || [ ! -x "$wick" ]; then
  echo "test_bleu: WICK_BIN does not name the wick binary ('$wick')" >&2
  exit 1
fi
fx=${WICK_SOURCE_DIR:-$here/../..}/tests/fixtures/bleu
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wick_bleu.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0

# same_output NAME WANT CMD...: exit 0 and stdout exactly WANT
same_output() {
  local name=$1 want=$2
  shift 2
  local got
  got=$("$@" 2>"$tmp/err")
  local rc=$?
  if [ $rc -ne 0 ] || [ "$got" != "$want" ]; then
    echo "FAIL: $name (exit $rc)" >&2
    echo "  want: $want" >&2
    echo "  got:  $got" >&2
    sed 's/^/  /' "$tmp/err" >&2
    failures=$((failures + 1))
  fi
}

# error_like NAME PATTERN CMD...: exit 1, one stderr line "wick: ..." matching PATTERN
error_like() {
  local name=$1 pattern=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ne 1 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q -E "^wick: .*$pattern" "$tmp/err" \
    || [ -s "$tmp/out" ]; then
    echo "FAIL: $name (exit $rc, want 1 and one line matching '$pattern')" >&2
    sed 's/^/  /' "$tmp/err" >&2
    failures=$((failures + 1))
  fi
}

# python3 examples/translate/bleu.py HYP REF gave these lines
same_output "hyp vs ref" \
  "BLEU = 67.80 88.8/75.2/63.3/51.6 (BP = 0.992 ratio = 0.992 hyp_len = 250 ref_len = 252)" \
  "$wick" bleu "$fx/hyp.txt" "$fx/ref.txt"
same_output "ref vs hyp (no brevity penalty)" \
  "BLEU = 67.23 88.1/74.2/62.1/50.3 (BP = 1.000 ratio = 1.008 hyp_len = 252 ref_len = 250)" \
  "$wick" bleu "$fx/ref.txt" "$fx/hyp.txt"
same_output "ref vs itself" \
  "BLEU = 100.00 100.0/100.0/100.0/100.0 (BP = 1.000 ratio = 1.000 hyp_len = 252 ref_len = 252)" \
  "$wick" bleu "$fx/ref.txt" "$fx/ref.txt"
# CRLF line endings and no final newline read like Python's text files
sed 's/$/\r/' "$fx/hyp.txt" | head -c -1 >"$tmp/hyp_crlf.txt"
same_output "CRLF hypothesis" \
  "BLEU = 67.80 88.8/75.2/63.3/51.6 (BP = 0.992 ratio = 0.992 hyp_len = 250 ref_len = 252)" \
  "$wick" bleu "$tmp/hyp_crlf.txt" "$fx/ref.txt"
# zero 3- and 4-gram matches: 'exp' smoothing
printf 'a b c d\n' >"$tmp/h1"
printf 'a b x d\n' >"$tmp/r1"
same_output "smoothing" \
  "BLEU = 35.36 75.0/33.3/25.0/25.0 (BP = 1.000 ratio = 1.000 hyp_len = 4 ref_len = 4)" \
  "$wick" bleu "$tmp/h1" "$tmp/r1"
: >"$tmp/empty"
same_output "empty files" \
  "BLEU = 0.00 0.0/0.0/0.0/0.0 (BP = 0.000 ratio = 0.000 hyp_len = 0 ref_len = 0)" \
  "$wick" bleu "$tmp/empty" "$tmp/empty"

error_like "missing hypothesis" "nope\.txt: No such file" "$wick" bleu "$tmp/nope.txt" "$fx/ref.txt"
error_like "missing reference" "nope\.txt: No such file" "$wick" bleu "$fx/hyp.txt" "$tmp/nope.txt"
head -n 5 "$fx/ref.txt" >"$tmp/ref5.txt"
error_like "line counts" "hyp\.txt has 20 lines but .*ref5\.txt has 5" "$wick" bleu "$fx/hyp.txt" "$tmp/ref5.txt"
printf 'ok\nbad \377 byte\n' >"$tmp/bad.txt"
printf 'ok\nfine\n' >"$tmp/good.txt"
error_like "invalid UTF-8" "bad\.txt: line 2: not valid UTF-8" "$wick" bleu "$tmp/bad.txt" "$tmp/good.txt"
error_like "one argument" "missing REF" "$wick" bleu "$fx/hyp.txt"
error_like "three arguments" "unexpected argument" "$wick" bleu "$fx/hyp.txt" "$fx/ref.txt" x
error_like "unknown option" "unknown option '--tokenize'" "$wick" bleu --tokenize "$fx/hyp.txt" "$fx/ref.txt"
if ! "$wick" bleu --help | grep -q "sacreBLEU"; then
  echo "FAIL: --help" >&2
  failures=$((failures + 1))
fi

if [ $failures -ne 0 ]; then
  echo "test_bleu.sh: $failures failure(s)" >&2
  exit 1
fi
echo "test_bleu.sh: ok"
