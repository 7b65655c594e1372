#!/usr/bin/env python3
"""Writes a llama2.c checkpoint with random weights (benchmarks only: the
text it generates is noise). Pure Python, no numpy.

  python3 scripts/make_llama2c_random.py OUT.bin [--dim 512] [--hidden 1376]
      [--layers 8] [--heads 8] [--kv-heads 8] [--vocab 512] [--seq-len 256]
      [--seed 1]

Layout (llama2.c run.c): 7 x int32 header {dim, hidden_dim, n_layers,
n_heads, n_kv_heads, vocab_size (positive: shared classifier), seq_len}, then
float32 token_embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3,
rms_final, freq_cis real / imag. Matrices are uniform in +-1/sqrt(fan_in),
RMSNorm gains 1.
"""
import argparse
import array
import math
import random
import struct
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--hidden", type=int, default=1376)
    ap.add_argument("--layers", type=int, default=8)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--kv-heads", type=int, default=8)
    ap.add_argument("--vocab", type=int, default=512)
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    d, h, L, hs = a.dim, a.hidden, a.layers, a.dim // a.heads
    kvd = a.kv_heads * hs

    with open(a.out, "wb") as f:
        f.write(struct.pack("<7i", d, h, L, a.heads, a.kv_heads, a.vocab, a.seq_len))

        def mat(n, fan_in):
            lim = 1.0 / math.sqrt(fan_in)
            left = n
            while left:
                k = min(left, 1 << 20)
                array.array("f", (rng.uniform(-lim, lim) for _ in range(k))).tofile(f)
                left -= k

        def ones(n):
            array.array("f", [1.0] * n).tofile(f)

        mat(a.vocab * d, d)       # token embedding
        ones(L * d)               # rms_att
        mat(L * d * d, d)         # wq
        mat(L * kvd * d, d)       # wk
        mat(L * kvd * d, d)       # wv
        mat(L * d * d, d)         # wo
        ones(L * d)               # rms_ffn
        mat(L * h * d, d)         # w1
        mat(L * d * h, h)         # w2
        mat(L * h * d, d)         # w3
        ones(d)                   # rms_final
        array.array("f", [0.0] * (a.seq_len * hs)).tofile(f)  # freq_cis (unused by wick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
