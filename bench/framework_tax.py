#!/usr/bin/env python3
"""Framework tax: wick vs ExecuTorch on the shared ExecuTorch artifacts.

For every program in ../shared/data/pte/expected/cases.json, runs
`wick bench --json` and compares wick's per-execute latency with the median
ExecuTorch's own runtime measured for the same program on this machine class
(cases.json: et_median_us). Prints a table and the ratio wick / ExecuTorch.

  python3 bench/framework_tax.py [--wick build/wick] [--shared ../shared/data]
"""
import argparse
import json
import os
import subprocess
import sys


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--wick", default=os.path.join(here, "..", "build", "wick"))
    ap.add_argument("--shared", default=os.environ.get(
        "WICK_SHARED_DATA", os.path.join(here, "..", "..", "shared", "data")))
    ap.add_argument("--iters", default="20000")
    args = ap.parse_args()
    cases_path = os.path.join(args.shared, "pte", "expected", "cases.json")
    if not os.path.exists(cases_path):
        print("framework_tax: skipped: %s not found" % cases_path)
        return 0
    cases = json.load(open(cases_path))
    seen = {}
    for c in cases:  # one row per program: the minimum ExecuTorch median over its cases
        key = (c["pte"], c["ptd"])
        seen[key] = min(seen.get(key, 1e9), c["et_median_us"])
    print("%-40s %8s %12s %12s %12s %8s" % ("program", "instr", "wick med us",
                                            "wick batch us", "ET med us", "ratio"))
    for (pte, ptd), et in seen.items():
        cmd = [args.wick, "bench", os.path.join(args.shared, "pte", pte),
               "--iters", args.iters, "--json"]
        if ptd:
            cmd[3:3] = ["--data", os.path.join(args.shared, "pte", ptd)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        j = json.loads(out.strip().splitlines()[-1])
        wick_us = j.get("batched_mean_us", j["median_us"])
        print("%-40s %8d %12.3f %12.3f %12.3f %7.2fx" % (
            pte, j["instructions"], j["median_us"], wick_us, et, wick_us / et))
    print("\nwick batch us: mean over a batch of back-to-back executes (no clock read per run);")
    print("wick med us: median of individually timed runs (includes ~30 ns of clock overhead).")
    print("ratio = wick batch / ExecuTorch median (below 1.00x: wick is faster).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
