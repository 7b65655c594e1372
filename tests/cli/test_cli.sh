#!/usr/bin/env bash
# End-to-end tests of the `wick` command line.
#
# Environment (set by ctest): WICK_BIN (the binary), WICK_SHARED_DATA (the
# shared artifacts; the artifact checks are skipped with exit 77 when
# $WICK_SHARED_DATA/pte is absent), WICK_SOURCE_DIR (the repository).
#
# Conventions checked: success exits 0; every failure, including usage errors,
# exits 1 with exactly one line on stderr starting with "wick: "; nothing
# crashes (no signal, no sanitizer report).
set -u

here=$(cd "$(dirname "$0")" && pwd)
wick=${WICK_BIN:-}
if [ -z "$wick" ] || [ ! -x "$wick" ]; then
  echo "test_cli: WICK_BIN does not name the wick binary ('$wick')" >&2
  exit 1
fi
data=${WICK_SHARED_DATA:-$here/../../../shared/data}
pte=$data/pte
expected=$pte/expected
compare="$here/npy_compare.py"
python=$(command -v python3 || true)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wick_cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

failures=0
checks=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_ok NAME CMD...: exit status 0 (stdout in $tmp/out, stderr in $tmp/err).
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
    sed 's/^/    /' "$tmp/err" | head -20 >&2
    return 1
  fi
  return 0
}

# expect_error NAME [PATTERN] -- CMD...: exit 1, exactly one stderr line
# "wick: ..." (matching the extended regex PATTERN when given), no crash.
expect_error() {
  local name=$1
  shift
  local pattern=""
  if [ "$1" != "--" ]; then
    pattern=$1
    shift
  fi
  shift # --
  checks=$((checks + 1))
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  local lines
  lines=$(wc -l <"$tmp/err")
  if [ $rc -ne 1 ]; then
    fail "$name: exit status $rc (want 1): $*"
    sed 's/^/    /' "$tmp/err" | head -20 >&2
  elif [ "$lines" -ne 1 ]; then
    fail "$name: $lines lines on stderr (want 1): $*"
    sed 's/^/    /' "$tmp/err" | head -20 >&2
  elif ! grep -q '^wick: ' "$tmp/err"; then
    fail "$name: stderr does not start with 'wick: ': $(cat "$tmp/err")"
  elif [ -n "$pattern" ] && ! grep -q -E -- "$pattern" "$tmp/err"; then
    fail "$name: stderr does not match /$pattern/: $(cat "$tmp/err")"
  fi
}

# ---- without artifacts ----------------------------------------------------

if expect_ok "--help" "$wick" --help; then
  grep -q 'usage: wick' "$tmp/out" || fail "--help prints no usage"
fi
if expect_ok "--version" "$wick" --version; then
  grep -q -E '^wick [0-9]+\.[0-9]+' "$tmp/out" || fail "--version prints no version"
fi
for cmd in run inspect verify bench; do
  if expect_ok "$cmd --help" "$wick" "$cmd" --help; then
    grep -q "usage: wick $cmd" "$tmp/out" || fail "$cmd --help prints no usage"
  fi
  expect_ok "help $cmd" "$wick" help "$cmd"
  expect_error "$cmd without arguments" 'usage' -- "$wick" "$cmd"
  expect_error "$cmd --no-such-option" "unknown option" -- "$wick" "$cmd" x.pte --no-such-option
  expect_error "$cmd missing file" "$tmp/missing.pte: No such file or directory" -- \
    "$wick" "$cmd" "$tmp/missing.pte"
done
expect_error "no command" 'missing command' -- "$wick"
expect_error "unknown command" "unknown command 'frobnicate'" -- "$wick" frobnicate

: >"$tmp/empty.pte"
printf 'This is a text file, not an ExecuTorch program.\n' >"$tmp/text.pte"
for cmd in run inspect bench; do
  expect_error "$cmd empty file" "empty.pte" -- "$wick" "$cmd" "$tmp/empty.pte"
  expect_error "$cmd text file" "text.pte" -- "$wick" "$cmd" "$tmp/text.pte"
done
expect_error "run a directory" "Is a directory" -- "$wick" run "$tmp"
expect_error "verify a text file" "not a bundled program" -- "$wick" verify "$tmp/text.pte"

# ---- with the shared artifacts --------------------------------------------

if [ ! -d "$pte" ]; then
  if [ $failures -ne 0 ]; then
    echo "test_cli: $failures of $checks checks failed" >&2
    exit 1
  fi
  echo "test_cli: skipping the artifact checks: $pte is absent ($checks basic checks passed)" >&2
  exit 77
fi
if [ -z "$python" ]; then
  echo "test_cli: skipping the artifact checks: python3 is not available" >&2
  [ $failures -ne 0 ] && exit 1
  exit 77
fi

# cases.json -> one tab-separated line per case: name pte ptd ones inputs outputs
"$python" - "$expected/cases.json" >"$tmp/cases.tsv" <<'EOF'
import json, sys
for c in json.load(open(sys.argv[1])):
    print("\t".join([c["name"], c["pte"], c["ptd"] or "-", "1" if c.get("ones") else "0",
                     ",".join(c["inputs"]) or "-", ",".join(c["outputs"])]))
EOF
[ -s "$tmp/cases.tsv" ] || fail "cases.json yielded no cases"

# check_outputs NAME DIR OUTPUTS: output_K.npy in DIR match the expected files.
check_outputs() {
  local name=$1 dir=$2 outputs=$3 k=0 out
  IFS=',' read -r -a outs <<<"$outputs"
  for out in "${outs[@]}"; do
    checks=$((checks + 1))
    if [ ! -f "$dir/output_$k.npy" ]; then
      fail "$name: $dir/output_$k.npy was not written"
    elif ! "$python" "$compare" "$dir/output_$k.npy" "$expected/$out" --rtol 1e-6 --atol 1e-7 \
        >"$tmp/cmp" 2>&1; then
      fail "$name: output $k differs from $out: $(cat "$tmp/cmp")"
    fi
    k=$((k + 1))
  done
  [ -f "$dir/output_$k.npy" ] && fail "$name: more outputs than expected ($dir/output_$k.npy)"
}

ncases=0
while IFS=$'\t' read -r name model ptd ones inputs outputs; do
  ncases=$((ncases + 1))
  args=(run "$pte/$model")
  [ "$ptd" != "-" ] && args+=(--data "$pte/$ptd")
  in_args=()
  if [ "$inputs" != "-" ]; then
    IFS=',' read -r -a ins <<<"$inputs"
    for f in "${ins[@]}"; do in_args+=(--input "$expected/$f"); done
  fi
  dir="$tmp/out_$ncases"
  if expect_ok "$name" "$wick" "${args[@]}" "${in_args[@]}" --output-dir "$dir"; then
    grep -q '^output 0: ' "$tmp/out" || fail "$name: no 'output 0:' line on stdout"
    [ -s "$tmp/err" ] && fail "$name: unexpected stderr: $(head -3 "$tmp/err")"
    check_outputs "$name" "$dir" "$outputs"
  fi
  if [ "$ones" = "1" ]; then
    dir="$tmp/ones_$ncases"
    if expect_ok "$name (no --input)" "$wick" "${args[@]}" --output-dir "$dir"; then
      grep -q 'fed ones' "$tmp/err" || fail "$name (no --input): no note about ones on stderr"
      check_outputs "$name (no --input)" "$dir" "$outputs"
    fi
  fi
done <"$tmp/cases.tsv"
[ $ncases -ge 1 ] || fail "no cases were run"

# verify the bundled program
if expect_ok "verify bundled_program.bpte" "$wick" verify "$pte/bundled_program.bpte"; then
  grep -q '^PASS ' "$tmp/out" || fail "verify printed no PASS line"
  grep -q '^FAIL ' "$tmp/out" && fail "verify printed a FAIL line"
fi
expect_ok "verify --rtol --atol" "$wick" verify "$pte/bundled_program.bpte" --rtol 0 --atol 0
expect_error "verify a plain program" "not a bundled program" -- "$wick" verify "$pte/add.pte"
expect_error "verify bad --rtol" "rtol" -- "$wick" verify "$pte/bundled_program.bpte" --rtol abc

# inspect every artifact
for f in "$pte"/*.pte "$pte"/*.bpte; do
  extra=()
  [ "$(basename "$f")" = linear.pte ] && extra=(--data "$pte/linear.ptd")
  if expect_ok "inspect $(basename "$f")" "$wick" inspect "$f" "${extra[@]}"; then
    grep -q "^method '" "$tmp/out" || fail "inspect $(basename "$f"): no method section"
    grep -q 'operators' "$tmp/out" || fail "inspect $(basename "$f"): no operator list"
  fi
done
expect_ok "inspect linear.pte without data" "$wick" inspect "$pte/linear.pte"
if expect_ok "inspect linear.ptd" "$wick" inspect "$pte/linear.ptd"; then
  grep -q 'linear.weight' "$tmp/out" || fail "inspect linear.ptd: no linear.weight entry"
fi
if expect_ok "inspect bundled_program.bpte" "$wick" inspect "$pte/bundled_program.bpte"; then
  grep -q 'test suites' "$tmp/out" || fail "inspect .bpte: no test suites"
fi

# bench --json
check_json() {
  "$python" - "$1" <<'EOF'
import json, sys
line = open(sys.argv[1]).read().strip().splitlines()[-1]
obj = json.loads(line)
need = ["load_ms", "first_ms", "median_ms", "p90_ms", "p99_ms", "peak_rss_kb", "median_us",
        "iters", "instructions"]
missing = [k for k in need if k not in obj]
if missing:
    sys.exit("missing keys: %s" % missing)
if obj["iters"] != 50:
    sys.exit("iters is %r, want 50" % obj["iters"])
for k in need:
    if not isinstance(obj[k], (int, float)) or obj[k] < 0:
        sys.exit("%s is %r" % (k, obj[k]))
EOF
}
if expect_ok "bench add.pte --json" "$wick" bench "$pte/add.pte" --iters 50 --json; then
  check_json "$tmp/out" >"$tmp/cmp" 2>&1 || fail "bench --json: $(cat "$tmp/cmp")"
fi
if expect_ok "bench linear.pte --json" "$wick" bench "$pte/linear.pte" --data "$pte/linear.ptd" \
    --iters 50 --warmup 2 --threads 1 --json; then
  check_json "$tmp/out" >"$tmp/cmp" 2>&1 || fail "bench linear --json: $(cat "$tmp/cmp")"
fi
if expect_ok "bench text" "$wick" bench "$pte/module_model.pte" --iters 50; then
  grep -q 'median' "$tmp/out" || fail "bench text output has no median"
fi

# error cases on real artifacts
for n in 8 16 64 200 400 600 727; do
  head -c "$n" "$pte/add.pte" >"$tmp/trunc_$n.pte"
  expect_error "truncated add.pte ($n bytes)" "trunc_$n.pte" -- "$wick" run "$tmp/trunc_$n.pte"
done
head -c 2000 "$pte/bundled_program.bpte" >"$tmp/trunc.bpte"
expect_error "truncated .bpte" "trunc.bpte" -- "$wick" verify "$tmp/trunc.bpte"
expect_error "linear.pte without --data" "external data|\.ptd" -- "$wick" run "$pte/linear.pte"
expect_error "bench linear.pte without --data" "external data|\.ptd" -- "$wick" bench "$pte/linear.pte"
expect_error "missing --data file" "missing.ptd: No such file" -- \
  "$wick" run "$pte/linear.pte" --data "$tmp/missing.ptd"
expect_error "a program as --data" "add.pte" -- "$wick" run "$pte/linear.pte" --data "$pte/add.pte"
expect_error "unknown method" "no method named 'nope'" -- "$wick" run "$pte/add.pte" --method nope
expect_error "wrong input count" "takes 2 inputs" -- \
  "$wick" run "$pte/add.pte" --input "$expected/apple_add__ones.in0.npy"
# arduino_add.pte takes float32[3]
"$python" "$compare" --write "$tmp/shape.npy" '<f4' 3,3 1 2 3 4 5 6 7 8 9
"$python" "$compare" --write "$tmp/dtype.npy" '<f8' 3 1 2 3
"$python" "$compare" --write "$tmp/int.npy" '<i4' 3 1 2 3
expect_error "wrong input shape" "shape.npy.*float32\[3\]" -- \
  "$wick" run "$pte/arduino_add.pte" --input "$tmp/shape.npy"
expect_error "wrong input dtype" "dtype.npy.*float64" -- \
  "$wick" run "$pte/arduino_add.pte" --input "$tmp/dtype.npy"
expect_error "wrong input dtype (int)" "int.npy.*int32" -- \
  "$wick" run "$pte/arduino_add.pte" --input "$tmp/int.npy"
expect_error "text file as --input" "text.pte: not a .npy file" -- \
  "$wick" run "$pte/arduino_add.pte" --input "$tmp/text.pte"
expect_error "missing --input file" "missing.npy: No such file" -- \
  "$wick" run "$pte/arduino_add.pte" --input "$tmp/missing.npy"
expect_error "ptd as a program" "external data" -- "$wick" run "$pte/linear.ptd"
expect_error "unwritable --output-dir" "output-dir|directory" -- \
  "$wick" run "$pte/add.pte" --output-dir "$tmp/empty.pte/sub"
# a .npy written here gives the same result as the reference input [1, 2, 3]
"$python" "$compare" --write "$tmp/ok.npy" '<f4' 3 1 2 3
if expect_ok "run arduino_add on a written .npy" "$wick" run "$pte/arduino_add.pte" \
    --input "$tmp/ok.npy" --output-dir "$tmp/arduino"; then
  "$python" "$compare" "$tmp/arduino/output_0.npy" "$expected/arduino_AddModel__1_2_3.out0.npy" \
    >"$tmp/cmp" 2>&1 || fail "arduino_add on [1,2,3]: $(cat "$tmp/cmp")"
fi

if [ $failures -ne 0 ]; then
  echo "test_cli: $failures of $checks checks failed" >&2
  exit 1
fi
echo "test_cli: $checks checks passed ($ncases artifact cases)"
exit 0
