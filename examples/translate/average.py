#!/usr/bin/env python3
"""Average the weights of the last K epoch checkpoints (or an explicit list).

  python3 examples/translate/average.py --run-dir examples/translate/runs/base256 --last 5
  python3 examples/translate/average.py --out avg.pt runs/base256/ep018.pt runs/base256/ep019.pt
"""
import argparse
import glob
import os
import sys

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpts", nargs="*")
    ap.add_argument("--run-dir")
    ap.add_argument("--last", type=int, default=5)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    paths = list(args.ckpts)
    if not paths:
        if not args.run_dir:
            ap.error("give checkpoints or --run-dir")
        paths = sorted(glob.glob(os.path.join(args.run_dir, "ep[0-9][0-9][0-9].pt")))[-args.last:]
    if not paths:
        ap.error("no checkpoints found")
    out = args.out or os.path.join(args.run_dir or os.path.dirname(paths[0]), f"avg_last{len(paths)}.pt")
    avg, first = None, None
    for p in paths:
        ck = torch.load(p, map_location="cpu")
        sd = ck["model"]
        if avg is None:
            first = ck
            avg = {k: v.detach().clone().double() if v.is_floating_point() else v.clone() for k, v in sd.items()}
        else:
            assert sd.keys() == avg.keys(), p
            for k, v in sd.items():
                if v.is_floating_point():
                    avg[k] += v.double()
    for k, v in avg.items():
        if v.is_floating_point():
            avg[k] = (v / len(paths)).to(first["model"][k].dtype)
    res = dict(model=avg, config=first["config"], averaged=[os.path.basename(p) for p in paths],
               epoch=first.get("epoch"), step=first.get("step"))
    tmp = out + ".tmp"
    torch.save(res, tmp)
    os.replace(tmp, out)
    print(f"averaged {len(paths)} checkpoints -> {out}: {', '.join(res['averaged'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
