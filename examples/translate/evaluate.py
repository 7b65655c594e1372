#!/usr/bin/env python3
"""BLEU, size and latency of the translation model: PyTorch vs wick model directories.

  /usr/bin/python3 examples/translate/evaluate.py --ckpt runs/base256/avg.pt \
      --model fp32=models/de-en-fp32 --model int8=models/de-en --split test_2016_flickr

For each wick model directory it runs `wick translate --bench --quiet` (1 thread
by default) on data/<split>.de.txt, scores the output with corpus BLEU as sacreBLEU
computes it by default (bleu.py, the same definition as `wick bleu`) and reports the
median / p90 latency per sentence, the size of the programs and how many lines are
identical to PyTorch's translation (same beam search, same checkpoint). Writes a
markdown table to stdout (and --json FILE).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from bleu import corpus_bleu  # noqa: E402


def run_wick(wick, model_dir, src_path, beam, alpha, threads):
    cmd = [wick, "translate", "--model", model_dir, "--input", src_path, "--bench", "--quiet",
           "--beam", str(beam), "--alpha", str(alpha), "--threads", str(threads)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{p.stderr}")
    m = re.search(r"median ([0-9.]+) ms, p90 ([0-9.]+) ms, mean ([0-9.]+) ms, ([0-9.]+) sentences/s", p.stderr)
    stats = dict(median_ms=float(m.group(1)), p90_ms=float(m.group(2)), mean_ms=float(m.group(3)),
                 sent_per_s=float(m.group(4))) if m else {}
    return p.stdout.splitlines(), stats


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", help="PyTorch checkpoint (reference row); optional")
    ap.add_argument("--model", action="append", default=[], help="NAME=DIR of a wick model (repeatable)")
    ap.add_argument("--split", default="val")
    ap.add_argument("--data-dir", default=os.path.join(HERE, "data"))
    ap.add_argument("--beam", type=int, default=4)
    ap.add_argument("--alpha", type=float, default=1.5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--wick", default=os.path.join(ROOT, "build", "wick"))
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    with open(os.path.join(args.data_dir, f"{args.split}.de.txt"), encoding="utf-8") as f:
        srcs = [l.rstrip("\n") for l in f]
    with open(os.path.join(args.data_dir, f"{args.split}.en.txt"), encoding="utf-8") as f:
        refs = [l.rstrip("\n") for l in f]
    if args.limit:
        srcs, refs = srcs[: args.limit], refs[: args.limit]
    tmp_src = f"/tmp/wick_eval_{os.getpid()}.de"
    with open(tmp_src, "w", encoding="utf-8") as f:
        f.write("".join(s + "\n" for s in srcs))
    rows, ref_hyps = [], None
    if args.ckpt:
        import torch
        import sentencepiece as spm
        from translate import load_model, make_src, translate_ids
        torch.set_num_threads(args.threads)
        sp = spm.SentencePieceProcessor(model_file=os.path.join(args.data_dir, "spm.model"))
        model, _ = load_model(args.ckpt)
        t0 = time.time()
        ids = translate_ids(model, make_src(sp, srcs, model.c.max_src_len), args.beam, args.alpha, 64)
        dt = time.time() - t0
        ref_hyps = [sp.decode(x) for x in ids]
        score, d = corpus_bleu(ref_hyps, refs)
        nparam = sum(p.numel() for p in model.parameters())
        rows.append(dict(system=f"PyTorch fp32 ({os.path.basename(args.ckpt)}, batch 64)", bleu=score,
                         size_mb=nparam * 4 / 1e6, batch_ms_per_sentence=1000 * dt / len(srcs)))
    for spec in args.model:
        name, _, d = spec.partition("=")
        hyps, st = run_wick(args.wick, d, tmp_src, args.beam, args.alpha, args.threads)
        if len(hyps) != len(srcs):
            raise SystemExit(f"{d}: {len(hyps)} lines out for {len(srcs)} in")
        score, _ = corpus_bleu(hyps, refs)
        size = sum(os.path.getsize(os.path.join(d, f)) for f in ("encoder.pte", "decoder.pte", "spm.model"))
        row = dict(system=f"wick {name}", bleu=score, size_mb=size / 1e6, **st)
        if ref_hyps is not None:
            row["same_as_pytorch"] = sum(a == b for a, b in zip(hyps, ref_hyps)) / len(hyps)
        with open(os.path.join("/tmp", f"wick_eval_{name}.hyp"), "w", encoding="utf-8") as f:
            f.write("".join(h + "\n" for h in hyps))
        rows.append(row)
    os.unlink(tmp_src)
    print(f"split {args.split}, {len(srcs)} sentences, beam {args.beam}, alpha {args.alpha}, "
          f"{args.threads} thread(s)\n")
    print("| system | BLEU | size MB | median ms | p90 ms | sentences/s | identical to PyTorch |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        same = f"{100 * r['same_as_pytorch']:.1f}%" if "same_as_pytorch" in r else ""
        print(f"| {r['system']} | {r['bleu']:.2f} | {r['size_mb']:.1f} | {r.get('median_ms', float('nan')):.2f} | "
              f"{r.get('p90_ms', float('nan')):.2f} | {r.get('sent_per_s', float('nan')):.1f} | {same} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(split=args.split, n=len(srcs), beam=args.beam, alpha=args.alpha,
                           threads=args.threads, rows=rows), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
