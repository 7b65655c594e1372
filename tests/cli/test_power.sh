#!/usr/bin/env bash
# `wick bench --max-temp` and the energy line, against fake sysfs trees made
# here: a hot zone makes the governor throttle (threads, then duty cycle), a
# cool one leaves it alone, a zone inside the hysteresis band holds; the
# energy line says "not available" and why for an empty / missing / broken
# powercap root and reports joules per domain for a fake RAPL tree; usage
# errors are one line. The program is the committed MLP fixture, converted.
# Environment (set by ctest): WICK_BIN, WICK_SOURCE_DIR.
set -u
wick=${WICK_BIN:?}
src=${WICK_SOURCE_DIR:?}
python=$(command -v python3 || true)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wick_power.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0
checks=0

# run NAME CMD...: exit 0 expected; stdout in $tmp/out, stderr in $tmp/err
run() {
  local what=$1
  shift
  checks=$((checks + 1))
  if ! "$@" >"$tmp/out" 2>"$tmp/err"; then
    echo "FAIL: $what: exit $? ($*)"
    sed 's/^/    /' "$tmp/err"
    fail=1
    return 1
  fi
  return 0
}
# has NAME REGEX: stdout of the last run matches the extended regex
has() {
  checks=$((checks + 1))
  if ! grep -q -E -- "$2" "$tmp/out"; then
    echo "FAIL: $1: stdout does not match /$2/"
    sed 's/^/    /' "$tmp/out"
    fail=1
  fi
}
hasnt() {
  checks=$((checks + 1))
  if grep -q -E -- "$2" "$tmp/out"; then
    echo "FAIL: $1: stdout matches /$2/"
    sed 's/^/    /' "$tmp/out"
    fail=1
  fi
}
# error NAME SUBSTRING CMD...: exit 1, one stderr line "wick: ..." containing SUBSTRING
error() {
  local what=$1 want=$2
  shift 2
  checks=$((checks + 1))
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  local lines
  lines=$(wc -l <"$tmp/err")
  if [ "$rc" != 1 ] || [ "$lines" != 1 ] || ! grep -q '^wick: ' "$tmp/err" ||
    ! grep -q -F -- "$want" "$tmp/err"; then
    echo "FAIL: $what (exit $rc, $lines stderr lines, want '$want'):"
    sed 's/^/    /' "$tmp/err"
    fail=1
  fi
}

pte=$tmp/mlp.pte
if ! "$wick" convert "$src/tests/models/fixtures/mlp/model.onnx" -o "$pte" >/dev/null 2>"$tmp/err"; then
  echo "FAIL: cannot convert the MLP fixture:"
  cat "$tmp/err"
  exit 1
fi

# fake thermal tree: one package zone (temperature rewritten per case), one
# cooler zone, one with garbage (left out with a note)
th=$tmp/thermal
mkdir -p "$th/thermal_zone0" "$th/thermal_zone1" "$th/thermal_zone2" "$th/cooling_device0"
echo x86_pkg_temp >"$th/thermal_zone0/type"
echo acpitz >"$th/thermal_zone1/type"
echo 40000 >"$th/thermal_zone1/temp"
echo iwlwifi_1 >"$th/thermal_zone2/type"
echo "N/A" >"$th/thermal_zone2/temp"
echo Processor >"$th/cooling_device0/type"
# fake RAPL tree: a package with core and dram subdomains
pc=$tmp/powercap
for d in intel-rapl:0 intel-rapl:0:0 intel-rapl:0:1; do mkdir -p "$pc/$d"; done
mkdir -p "$pc/intel-rapl"
echo package-0 >"$pc/intel-rapl:0/name"
echo core >"$pc/intel-rapl:0:0/name"
echo dram >"$pc/intel-rapl:0:1/name"
echo 5000000 >"$pc/intel-rapl:0/energy_uj"
echo 2000000 >"$pc/intel-rapl:0:0/energy_uj"
echo 1000 >"$pc/intel-rapl:0:1/energy_uj"
for d in intel-rapl:0 intel-rapl:0:0 intel-rapl:0:1; do echo 262143328850 >"$pc/$d/max_energy_range_uj"; done
mkdir -p "$tmp/empty"

bench=("$wick" bench "$pte" --iters 40 --warmup 2)

# ---- hot: threads halve, then the duty cycle drops to its floor ----
echo 90000 >"$th/thermal_zone0/temp"
if run "hot" "${bench[@]}" --threads 4 --max-temp 70 --thermal-root "$th" --thermal-interval 0 \
  --powercap-root "$tmp/empty"; then
  has "hot" '^thermal +limit 70\.0 C, release at or below 67\.0 C; hottest of 2 zones under .*read before every run'
  has "hot" '^  readings +40 \(0 read errors\), hottest 90\.0 C, last 90\.0 C'
  has "hot" '^  throttle events +3 throttle, 0 release'
  has "hot" '^    \+[0-9.]+ s +90\.0 C: throttle threads 4 -> 2, duty 100% -> 100%'
  has "hot" '^    \+[0-9.]+ s +90\.0 C: throttle threads 2 -> 1, duty 100% -> 100%'
  has "hot" '^    \+[0-9.]+ s +90\.0 C: throttle threads 1 -> 1, duty 100% -> 10%'
  has "hot" '^  final +threads 1, duty 10% \(sleeps 9\.00 x the run time after each run\)'
  has "hot" '^batched mean +not measured \(the thermal governor is on\)'
  has "hot" "^energy +not available: no RAPL domains under $tmp/empty\$"
  grep -q "note: bench: thermal: 1 zone left out, first: .*thermal_zone2/temp: not a temperature" \
    "$tmp/err" || { echo "FAIL: hot: no note about the garbage zone"; cat "$tmp/err"; fail=1; }
fi
# the default interval (100 ms) reads once in a run this short
if run "hot, default interval" "${bench[@]}" --threads 2 --max-temp 70 --thermal-root "$th"; then
  has "hot, default interval" 'read at most every 100 ms'
  has "hot, default interval" '90\.0 C: throttle threads 2 -> 1, duty 100% -> 100%'
fi
# the root from the environment
if run "hot, WICK_THERMAL_ROOT" env WICK_THERMAL_ROOT="$th" "${bench[@]}" --max-temp 70.5; then
  has "hot, WICK_THERMAL_ROOT" "hottest of 2 zones under $th;"
  has "hot, WICK_THERMAL_ROOT" '^  final +threads 1, duty 10%'
fi
# one zone type: the cool acpitz zone only
if run "zone type" "${bench[@]}" --threads 2 --max-temp 70 --thermal-root "$th" \
  --thermal-zone acpitz --thermal-interval 0; then
  has "zone type" 'hottest of 1 zone under'
  has "zone type" '^  throttle events +0 throttle, 0 release'
  has "zone type" '^  final +threads 2, duty 100%'
fi

# ---- cool and in the hysteresis band: no change ----
echo 45000 >"$th/thermal_zone0/temp"
if run "cool" "${bench[@]}" --threads 4 --max-temp 70 --thermal-root "$th" --thermal-interval 0; then
  has "cool" '^  throttle events +0 throttle, 0 release'
  has "cool" '^  final +threads 4, duty 100%$'
fi
echo 69000 >"$th/thermal_zone0/temp"
if run "hysteresis band" "${bench[@]}" --max-temp 70 --thermal-hysteresis 2 \
  --thermal-root "$th" --thermal-interval 0; then
  has "hysteresis band" 'release at or below 68\.0 C'
  has "hysteresis band" '^  throttle events +0 throttle, 0 release'
fi
# exactly at the limit holds; 1 mC over throttles
echo 70000 >"$th/thermal_zone0/temp"
if run "at the limit" "${bench[@]}" --max-temp 70 --thermal-root "$th" --thermal-interval 0; then
  has "at the limit" '^  throttle events +0 throttle'
fi
echo 70001 >"$th/thermal_zone0/temp"
if run "just over" "${bench[@]}" --max-temp 70 --thermal-root "$th" --thermal-interval 0; then
  has "just over" '^  throttle events +9 throttle'
  has "just over" '^  final +threads 1, duty 10%'
fi

# ---- without --max-temp: no thermal rows ----
if run "no governor" "${bench[@]}" --powercap-root "$tmp/empty"; then
  hasnt "no governor" '^thermal'
  has "no governor" '^batched mean +[0-9.]+ us per run|^batched mean +not measured \(runs take'
fi

# ---- energy ----
if run "energy, fake RAPL" "${bench[@]}" --powercap-root "$pc"; then
  has "energy, fake RAPL" '^energy +RAPL, 40 timed runs in [0-9.]+ s'
  has "energy, fake RAPL" '^  package-0 +[0-9]+\.[0-9]{6} J, [0-9]+\.[0-9]{6} mJ per run, [0-9]+\.[0-9]{3} W$'
  has "energy, fake RAPL" '^  package-0/core +[0-9.]+ J'
  has "energy, fake RAPL" '^  package-0/dram +[0-9.]+ J'
fi
if run "energy, WICK_POWERCAP_ROOT" env WICK_POWERCAP_ROOT="$pc" "${bench[@]}"; then
  has "energy, WICK_POWERCAP_ROOT" '^  package-0 +[0-9.]+ J'
fi
if run "energy, missing root" "${bench[@]}" --powercap-root "$tmp/nowhere"; then
  has "energy, missing root" "^energy +not available: no RAPL domains under $tmp/nowhere: No such file or directory\$"
fi
mkdir -p "$tmp/pc_broken/intel-rapl:0/energy_uj" # a counter that cannot be read
if run "energy, unreadable counter" "${bench[@]}" --powercap-root "$tmp/pc_broken"; then
  has "energy, unreadable counter" "^energy +not available: $tmp/pc_broken/intel-rapl:0/energy_uj: Is a directory\$"
fi
if [ "$(id -u)" != 0 ]; then
  mkdir -p "$tmp/pc_perm/intel-rapl:0"
  echo 5 >"$tmp/pc_perm/intel-rapl:0/energy_uj"
  chmod 000 "$tmp/pc_perm/intel-rapl:0/energy_uj"
  if run "energy, permission denied" "${bench[@]}" --powercap-root "$tmp/pc_perm"; then
    has "energy, permission denied" "not available: .*intel-rapl:0/energy_uj: Permission denied\$"
  fi
fi

# ---- JSON ----
if [ -n "$python" ]; then
  echo 90000 >"$th/thermal_zone0/temp"
  if run "json, hot" "${bench[@]}" --threads 2 --max-temp 70 --thermal-root "$th" \
    --thermal-interval 0 --powercap-root "$pc" --json; then
    checks=$((checks + 1))
    "$python" - "$tmp/out" <<'EOF' || fail=1
import json, sys
o = json.loads(open(sys.argv[1]).read())
t = o["thermal"]
want = {"max_temp_c": 70.0, "hysteresis_c": 3.0, "interval_ms": 0.0, "zones": 2,
        "throttle_events": 2, "release_events": 0, "final_threads": 1, "final_duty_pct": 10,
        "max_temp_seen_c": 90.0, "read_errors": 0, "last_error": None}
bad = {k: (t.get(k), v) for k, v in want.items() if t.get(k) != v}
ev = [(e["threads_from"], e["threads_to"], e["duty_from"], e["duty_to"]) for e in t["events"]]
if ev != [(2, 1, 100, 100), (1, 1, 100, 10)]:
    bad["events"] = ev
if o["energy_available"] is not True or o["energy_note"] is not None:
    bad["energy_available"] = (o["energy_available"], o["energy_note"])
doms = [d["domain"] for d in o["energy"]]
if doms != ["package-0", "package-0/core", "package-0/dram"]:
    bad["energy"] = doms
if not all(isinstance(d["joules"], float) and isinstance(d["mj_per_run"], float) for d in o["energy"]):
    bad["joules"] = o["energy"]
if o["batched_mean_us"] is not None:
    bad["batched_mean_us"] = o["batched_mean_us"]
if bad:
    sys.exit("FAIL: json, hot: %r" % bad)
EOF
  fi
  if run "json, plain" "${bench[@]}" --powercap-root "$tmp/empty" --json; then
    checks=$((checks + 1))
    "$python" - "$tmp/out" "$tmp/empty" <<'EOF' || fail=1
import json, sys
o = json.loads(open(sys.argv[1]).read())
want_note = "no RAPL domains under " + sys.argv[2]
if o["thermal"] is not None or o["energy_available"] is not False or \
        o["energy_note"] != want_note or o["energy"] != [] or o["energy_wall_s"] is not None:
    sys.exit("FAIL: json, plain: %r" % {k: o[k] for k in o if k.startswith(("energy", "thermal"))})
EOF
  fi
fi

# ---- errors ----
error "thermal root without zones" "bench: --max-temp: no thermal zones under $tmp/empty" \
  "${bench[@]}" --max-temp 70 --thermal-root "$tmp/empty"
error "thermal root missing" "no thermal zones: $tmp/nowhere: No such file or directory" \
  "${bench[@]}" --max-temp 70 --thermal-root "$tmp/nowhere"
error "zone type absent" "no thermal zone of type 'gpu' under $th" \
  "${bench[@]}" --max-temp 70 --thermal-root "$th" --thermal-zone gpu
error "--thermal-root without --max-temp" "--thermal-root needs --max-temp" \
  "${bench[@]}" --thermal-root "$th"
error "--thermal-interval without --max-temp" "--thermal-interval needs --max-temp" \
  "${bench[@]}" --thermal-interval 5
error "--max-temp not a number" "--max-temp needs degrees Celsius (e.g. 70), got 'hot'" \
  "${bench[@]}" --max-temp hot
error "--max-temp missing value" "--max-temp" "${bench[@]}" --max-temp
error "--thermal-hysteresis negative" "--thermal-hysteresis needs degrees from 0 to 100" \
  "${bench[@]}" --max-temp 70 --thermal-hysteresis -1
error "--max-temp with --streams" "--max-temp is not supported with --streams" \
  "${bench[@]}" --max-temp 70 --thermal-root "$th" --streams 2
error "--powercap-root with --streams" "--powercap-root is not supported with --streams" \
  "${bench[@]}" --powercap-root "$pc" --streams 2

# --help mentions the options
if run "help" "$wick" bench --help; then
  for o in --max-temp --thermal-root --thermal-zone --thermal-interval --thermal-hysteresis \
    --powercap-root energy_available; do
    has "help" "$o"
  done
fi

if [ $fail -ne 0 ]; then
  echo "test_power: FAILED"
  exit 1
fi
echo "test_power: ok ($checks checks)"
