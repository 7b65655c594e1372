#!/usr/bin/env python3
"""wick vs ONNX Runtime on the same ONNX models, in one run.

For each model (build/bench-models/NAME.onnx, made by bench/export_models.py) this
converts it with `wick convert`, then for each thread count alternates R
rounds of `wick bench --json` and bench/ort_bench.js (onnxruntime-node,
intraOpNumThreads T), N timed runs each, and prints the median over all
rounds of each tool's per-round median, plus the ratio wick / ORT. Rounds
interleave the two tools so that load from other processes on a shared
machine hits both alike.

  /usr/bin/python3 bench/export_models.py                  # once
  npm install --ignore-scripts --no-save --prefix bench onnxruntime-node   # once
  python3 bench/compare_ort.py [--wick build/wick] [--iters 30] [--rounds 3]
                               [--threads 1,2] [--models mobilenet_v2,resnet18,transformer]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_json(cmd, timeout):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError((p.stderr or p.stdout).strip().splitlines()[-1] if (p.stderr or p.stdout).strip() else "exit %d" % p.returncode)
    return json.loads(p.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wick", default=os.path.join(HERE, "..", "build", "wick"))
    ap.add_argument("--models-dir", default=os.path.join(HERE, "..", "build", "bench-models"))
    ap.add_argument("--models", default="mobilenet_v2,resnet18,transformer")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--iters", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--node", default="node")
    args = ap.parse_args()

    rows = []
    for name in args.models.split(","):
        onnx = os.path.join(args.models_dir, name + ".onnx")
        pte = os.path.join(args.models_dir, name + ".pte")
        if not os.path.exists(onnx):
            rows.append((name, "-", "missing %s (run bench/export_models.py)" % onnx, "", ""))
            continue
        conv = subprocess.run([args.wick, "convert", onnx, "-o", pte], capture_output=True, text=True)
        converted = conv.returncode == 0 and os.path.exists(pte)
        for t in [int(x) for x in args.threads.split(",")]:
            wick_meds, ort_meds, note = [], [], ""
            for _ in range(args.rounds):
                if converted:
                    try:
                        j = run_json([args.wick, "bench", pte, "--iters", str(args.iters),
                                      "--warmup", "3", "--threads", str(t), "--json"], 3600)
                        wick_meds.append(j["median_ms"])
                        if j.get("threads", t) != t:
                            note = "wick ran %s thread(s)" % j.get("threads")
                    except Exception as e:  # noqa: BLE001
                        note = "wick bench failed: %s" % e
                try:
                    j = run_json([args.node, os.path.join(HERE, "ort_bench.js"), onnx, "--threads",
                                  str(t), "--iters", str(args.iters)], 3600)
                    ort_meds.append(j["median_ms"])
                except Exception as e:  # noqa: BLE001
                    note = "ORT failed: %s" % e
            w = statistics.median(wick_meds) if wick_meds else None
            o = statistics.median(ort_meds) if ort_meds else None
            if not converted:
                note = "conversion failed"
            rows.append((name, str(t), "%.2f" % w if w else "-", "%.2f" % o if o else "-",
                         "%.2fx" % (w / o) if w and o else note))
            if note and converted and w and o:
                rows[-1] = rows[-1][:4] + ("%.2fx (%s)" % (w / o, note),)
            print("  %s threads %d: wick %s ms, ORT %s ms %s" % (name, t, rows[-1][2], rows[-1][3],
                                                                 note), file=sys.stderr)
    print("%-14s %7s %14s %14s  %s" % ("model", "threads", "wick median ms", "ORT median ms",
                                       "wick / ORT"))
    for r in rows:
        print("%-14s %7s %14s %14s  %s" % r)
    print("\nmedian over %d rounds of the per-round median of %d timed runs; the rounds"
          " alternate wick and ORT." % (args.rounds, args.iters))
    return 0


if __name__ == "__main__":
    sys.exit(main())
