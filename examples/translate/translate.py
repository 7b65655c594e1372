#!/usr/bin/env python3
"""Translate with a trained checkpoint (beam search or greedy) and score with BLEU.

  python3 examples/translate/translate.py --ckpt runs/base256/avg.pt --split val
  python3 examples/translate/translate.py --ckpt ... --split test_2016_flickr --beam 5 --alpha 0.6 --out hyp.txt
  echo "Ein Hund läuft im Schnee." | python3 examples/translate/translate.py --ckpt ... --stdin

Beam search runs on the same export-friendly incremental path (encode_for_decoding /
decoder_step with fixed-size KV caches) that export.py exports; only the beam
bookkeeping (top-k, cache reordering) lives in Python.
"""
import argparse
import math
import os
import sys
import time

# Under CPU contention OpenMP threads that spin-wait at barriers waste most of the
# time slices (measured 3x slower steps); make idle threads sleep instead.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import ModelConfig, Transformer, greedy_decode, PAD_ID, BOS_ID, EOS_ID  # noqa: E402
from bleu import corpus_bleu  # noqa: E402


def load_model(path):
    ck = torch.load(path, map_location="cpu")
    cfg = ck["config"]
    model = Transformer(ModelConfig(**cfg["model"]))
    model.load_state_dict(ck["model"])
    model.eval()
    return model, cfg


def length_penalty(n, alpha):
    """GNMT length penalty ((5 + n) / 6) ** alpha; n counts tokens incl. EOS."""
    return ((5.0 + n) / 6.0) ** alpha


@torch.no_grad()
def beam_search(model, src, beam=5, alpha=0.6, max_len_a=1.5, max_len_b=10):
    """Batched beam search. src [N,S] (PAD-padded, EOS-terminated) -> list of id lists.

    Hypotheses that emit EOS are moved to a per-sentence finished list (score
    normalized by the length penalty); a sentence stops once it has `beam`
    finished hypotheses or reaches its max length.
    """
    N, S = src.shape
    V = model.c.vocab_size
    k = beam
    src_lens = (src != PAD_ID).sum(1).tolist()
    max_lens = [min(model.c.max_tgt_len, int(max_len_a * l + max_len_b)) for l in src_lens]
    T = max(max_lens)
    ck, cv, mb = model.encode_for_decoding(src)
    rep = torch.arange(N).repeat_interleave(k)
    ck, cv, mb = ck[:, rep], cv[:, rep], mb[rep]
    sk, sv = model.empty_cache(N * k)
    tok = torch.full((N * k,), BOS_ID, dtype=torch.int64)
    scores = torch.full((N, k), -math.inf)
    scores[:, 0] = 0.0
    hist = torch.zeros(N, k, 0, dtype=torch.int64)
    finished = [[] for _ in range(N)]
    active = [True] * N
    base = (torch.arange(N) * k).unsqueeze(1)
    for t in range(T):
        logits, sk, sv = model.decoder_step(tok, torch.tensor([t]), ck, cv, mb, sk, sv)
        logp = torch.log_softmax(logits.float(), -1)
        logp[:, PAD_ID] = -math.inf
        logp[:, BOS_ID] = -math.inf
        cand = (scores.view(N * k, 1) + logp).view(N, k * V)
        top_s, top_i = cand.topk(2 * k, dim=1)
        beam_i, tok_i = top_i // V, top_i % V
        is_eos = tok_i == EOS_ID
        # record finished hypotheses (EOS among the top-k candidates, or max length reached)
        for n in range(N):
            if not active[n]:
                continue
            last = t + 1 >= max_lens[n]
            for j in range(2 * k):
                s = top_s[n, j].item()
                if s == -math.inf:
                    break
                if is_eos[n, j] and j < k:
                    seq = hist[n, beam_i[n, j]].tolist()
                    finished[n].append((s / length_penalty(len(seq) + 1, alpha), seq))
                elif last and not is_eos[n, j]:
                    seq = hist[n, beam_i[n, j]].tolist() + [tok_i[n, j].item()]
                    finished[n].append((s / length_penalty(len(seq), alpha), seq))
            if len(finished[n]) >= k or last:
                active[n] = False
        if not any(active):
            break
        # continue with the best k non-EOS candidates
        top_s = top_s.masked_fill(is_eos, -math.inf)
        sel_s, sel_j = top_s.topk(k, dim=1)
        sel_beam = beam_i.gather(1, sel_j)
        sel_tok = tok_i.gather(1, sel_j)
        scores = sel_s
        hist = torch.cat([hist.gather(1, sel_beam.unsqueeze(-1).expand(-1, -1, hist.shape[2])),
                          sel_tok.unsqueeze(-1)], dim=2)
        flat = (base + sel_beam).view(-1)
        sk, sv = sk.index_select(1, flat), sv.index_select(1, flat)
        tok = sel_tok.view(-1)
    out = []
    for n in range(N):
        if finished[n]:
            out.append(max(finished[n], key=lambda x: x[0])[1])
        else:
            out.append(hist[n, 0].tolist())
    return out


def make_src(sp, sents, max_src_len):
    ids = [sp.encode(s)[: max_src_len - 1] + [EOS_ID] for s in sents]
    return ids


def translate_ids(model, src_ids, beam, alpha, batch):
    order = sorted(range(len(src_ids)), key=lambda i: len(src_ids[i]))
    out = [None] * len(src_ids)
    for b in range(0, len(order), batch):
        idx = order[b: b + batch]
        S = max(len(src_ids[i]) for i in idx)
        src = torch.full((len(idx), S), PAD_ID, dtype=torch.int64)
        for r, i in enumerate(idx):
            src[r, : len(src_ids[i])] = torch.tensor(src_ids[i])
        if beam <= 1:
            res = greedy_decode(model, src, max_len=min(model.c.max_tgt_len, int(1.5 * S + 10)))
        else:
            res = beam_search(model, src, beam=beam, alpha=alpha)
        for i, r in zip(idx, res):
            out[i] = r
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--split", default="val", help="val | test_2016_flickr | train (uses data/<split>.de.txt/.en.txt)")
    ap.add_argument("--stdin", action="store_true", help="translate German lines from stdin")
    ap.add_argument("--data-dir", default=os.path.join(HERE, "data"))
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--alpha", type=float, default=0.6)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--out", default=None)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=os.path.join(args.data_dir, "spm.model"))
    model, cfg = load_model(args.ckpt)
    if args.stdin:
        srcs, refs = [l.rstrip("\n") for l in sys.stdin], None
    else:
        with open(os.path.join(args.data_dir, f"{args.split}.de.txt"), encoding="utf-8") as f:
            srcs = [l.rstrip("\n") for l in f]
        with open(os.path.join(args.data_dir, f"{args.split}.en.txt"), encoding="utf-8") as f:
            refs = [l.rstrip("\n") for l in f]
    if args.limit:
        srcs = srcs[: args.limit]
        refs = refs[: args.limit] if refs else None
    t0 = time.time()
    ids = translate_ids(model, make_src(sp, srcs, model.c.max_src_len), args.beam, args.alpha, args.batch)
    hyps = [sp.decode(x) for x in ids]
    dt = time.time() - t0
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write("".join(h + "\n" for h in hyps))
    if refs is None:
        for h in hyps:
            print(h)
    else:
        score, d = corpus_bleu(hyps, refs)
        print(f"{args.ckpt} {args.split} beam={args.beam} alpha={args.alpha}: BLEU = {score:.2f} "
              f"({'/'.join('%.1f' % p for p in d['precisions'])}, BP {d['bp']:.3f}, "
              f"ratio {d['sys_len'] / max(1, d['ref_len']):.3f}) {len(hyps)} sents in {dt:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
