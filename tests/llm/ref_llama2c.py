#!/usr/bin/python3
"""Independent reference forward pass of a llama2.c checkpoint (numpy, float64).

Implements the llama2 transformer from the checkpoint format alone:
7 x int32 header {dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size
(negative: unshared classifier), seq_len}, then float32 weights
token_embedding (V, D), rms_att (L, D), wq (L, H*hs, D) ... as [out, in]
matrices, rms_ffn, w1, w2, w3, rms_final, freq_cis (skipped), [wcls].

Feeds TOKENS one position at a time (KV cache) and writes the logits at
POSITIONS:

    /usr/bin/python3 tests/llm/ref_llama2c.py /work/shared/data/llm/stories260K.bin tests/llm

writes stories260K_tokens.npy (int64 [N]), stories260K_positions.npy
(int64 [K]) and stories260K_logits.npy (float32 [K, vocab]). With --greedy N
it prints the greedy continuation of BOS instead.
"""
import struct
import sys

import numpy as np

# BOS + "Once upon a time, there was a little girl named Lily." (tok512 ids,
# from ref_tokenizer.py), then pseudo-random ids up to 64 tokens.
PROMPT = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426]
POSITIONS = [0, 7, 15, 20, 29, 40, 63]


def load(path):
    raw = open(path, "rb").read()
    dim, hid, L, H, KV, V, S = struct.unpack_from("<7i", raw, 0)
    shared = V > 0
    V = abs(V)
    hs = dim // H
    w = np.frombuffer(raw, dtype="<f4", offset=28).astype(np.float64)
    off = 0

    def take(*shape):
        nonlocal off
        n = int(np.prod(shape))
        a = w[off:off + n].reshape(shape)
        off += n
        return a

    m = dict(dim=dim, hid=hid, L=L, H=H, KV=KV, V=V, S=S, hs=hs)
    m["emb"] = take(V, dim)
    m["rms_att"] = take(L, dim)
    m["wq"] = take(L, H * hs, dim)
    m["wk"] = take(L, KV * hs, dim)
    m["wv"] = take(L, KV * hs, dim)
    m["wo"] = take(L, dim, H * hs)
    m["rms_ffn"] = take(L, dim)
    m["w1"] = take(L, hid, dim)
    m["w2"] = take(L, dim, hid)
    m["w3"] = take(L, hid, dim)
    m["rms_final"] = take(dim)
    take(S, hs // 2)  # freq_cis_real
    take(S, hs // 2)  # freq_cis_imag
    m["wcls"] = m["emb"] if shared else take(V, dim)
    return m


def rmsnorm(x, g, eps=1e-5):
    return g * (x / np.sqrt(np.mean(x * x) + eps))


def rope(v, pos, hs):
    """Rotate consecutive pairs of every head by pos * 10000^(-d/hs)."""
    out = v.copy()
    for j in range(0, v.shape[0], 2):
        d = j % hs
        a = pos * (10000.0 ** (-d / hs))
        c, s = np.cos(a), np.sin(a)
        out[j] = v[j] * c - v[j + 1] * s
        out[j + 1] = v[j] * s + v[j + 1] * c
    return out


class Model:
    def __init__(self, m):
        self.m = m
        self.kc = np.zeros((m["L"], m["S"], m["KV"] * m["hs"]))
        self.vc = np.zeros_like(self.kc)

    def step(self, tok, pos):
        m = self.m
        hs, H, KV = m["hs"], m["H"], m["KV"]
        x = m["emb"][tok].copy()
        for l in range(m["L"]):
            h = rmsnorm(x, m["rms_att"][l])
            q = rope(m["wq"][l] @ h, pos, hs)
            k = rope(m["wk"][l] @ h, pos, hs)
            v = m["wv"][l] @ h
            self.kc[l, pos] = k
            self.vc[l, pos] = v
            o = np.zeros(H * hs)
            for hh in range(H):
                g = hh // (H // KV)
                qh = q[hh * hs:(hh + 1) * hs]
                K = self.kc[l, :pos + 1, g * hs:(g + 1) * hs]
                Vv = self.vc[l, :pos + 1, g * hs:(g + 1) * hs]
                sc = K @ qh / np.sqrt(hs)
                p = np.exp(sc - sc.max())
                p /= p.sum()
                o[hh * hs:(hh + 1) * hs] = p @ Vv
            x = x + m["wo"][l] @ o
            h = rmsnorm(x, m["rms_ffn"][l])
            a = m["w1"][l] @ h
            b = m["w3"][l] @ h
            x = x + m["w2"][l] @ (a / (1.0 + np.exp(-a)) * b)
        return m["wcls"] @ rmsnorm(x, m["rms_final"])


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/llm/stories260K.bin"
    m = load(path)
    model = Model(m)
    if "--greedy" in sys.argv:
        n = int(sys.argv[sys.argv.index("--greedy") + 1])
        tok, out = 1, []
        for pos in range(n):
            tok = int(np.argmax(model.step(tok, pos)))
            out.append(tok)
        print(out)
        return
    outdir = sys.argv[2] if len(sys.argv) > 2 else "."
    tokens = list(PROMPT)
    state = 12345
    while len(tokens) < 64:
        state = (state * 1103515245 + 12345) % (1 << 31)
        tokens.append(3 + state % (m["V"] - 3))
    rows = []
    for pos, tok in enumerate(tokens):
        logits = model.step(tok, pos)
        if pos in POSITIONS:
            rows.append(logits.astype(np.float32))
    np.save(outdir + "/stories260K_tokens.npy", np.array(tokens, dtype=np.int64))
    np.save(outdir + "/stories260K_positions.npy", np.array(POSITIONS, dtype=np.int64))
    np.save(outdir + "/stories260K_logits.npy", np.stack(rows))
    print("wrote %d x %d logits" % (len(rows), m["V"]))


if __name__ == "__main__":
    main()
