#!/usr/bin/env python3
"""Train the wick translate de->en transformer on Multi30k (CPU, resumable).

  python3 examples/translate/train.py --config examples/translate/configs/base.json
  python3 examples/translate/train.py --config ... --resume     # continue runs/<name>/last.pt

Writes to examples/translate/runs/<name>/:
  last.pt          full training state (model, optimizer, step, epoch, batch position, RNG)
                   written every `ckpt_minutes` and at every epoch end, and on SIGTERM/SIGINT
  ep{NNN}.pt       model weights after epoch NNN (last `keep_epoch_ckpts` kept) for average.py
  best.pt          model weights with the best greedy val BLEU
  metrics.jsonl    one JSON line per epoch (train loss, val loss, val BLEU, tokens/s, ...)
"""
import argparse
import json
import math
import os
import random
import signal
import sys
import time

# Under CPU contention OpenMP threads that spin-wait at barriers waste most of the
# time slices (measured 3x slower steps); make idle threads sleep instead.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import ModelConfig, Transformer, greedy_decode, PAD_ID, BOS_ID, EOS_ID  # noqa: E402
from bleu import corpus_bleu  # noqa: E402

DEFAULT_TRAIN = dict(
    data_dir=os.path.join(HERE, "data"),
    max_tokens=3000,        # per batch: n_sentences * max(padded src len, padded tgt len)
    lr=7e-4, warmup=800, betas=(0.9, 0.98), eps=1e-9, weight_decay=0.0,
    label_smoothing=0.1, clip_norm=1.0,
    max_epochs=60, max_hours=2.0,   # stop at whichever comes first (training time, resumes included)
    ckpt_minutes=10, keep_epoch_ckpts=15,
    log_every=50, eval_batch=100, seed=1, threads=2,
)


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def load_config(path):
    with open(path) as f:
        cfg = json.load(f)
    tr = dict(DEFAULT_TRAIN)
    tr.update(cfg.get("train", {}))
    cfg["train"] = tr
    cfg["model"] = ModelConfig(**cfg.get("model", {})).to_dict()
    return cfg


def read_ids(path):
    with open(path) as f:
        return [[int(t) for t in line.split()] for line in f]


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f]


def load_split(data_dir, split, mc):
    de = read_ids(os.path.join(data_dir, f"{split}.de.ids"))
    en = read_ids(os.path.join(data_dir, f"{split}.en.ids"))
    pairs = []
    for s, t in zip(de, en):
        s = s[: mc["max_src_len"] - 1] + [EOS_ID]
        t = t[: mc["max_tgt_len"] - 1]
        pairs.append((s, t))
    return pairs


def make_batches(pairs, max_tokens, seed):
    """Token-based batches of similar length; deterministic given seed."""
    rng = random.Random(seed)
    idx = list(range(len(pairs)))
    rng.shuffle(idx)
    idx.sort(key=lambda i: (len(pairs[i][1]), len(pairs[i][0])))  # stable: random within ties
    batches, cur, cur_max = [], [], 0
    for i in idx:
        L = max(len(pairs[i][0]), len(pairs[i][1]) + 1)
        if cur and max(cur_max, L) * (len(cur) + 1) > max_tokens:
            batches.append(cur)
            cur, cur_max = [], 0
        cur.append(i)
        cur_max = max(cur_max, L)
    if cur:
        batches.append(cur)
    rng.shuffle(batches)
    return batches


def collate(pairs, ids):
    S = max(len(pairs[i][0]) for i in ids)
    T = max(len(pairs[i][1]) for i in ids) + 1
    src = torch.full((len(ids), S), PAD_ID, dtype=torch.int64)
    tin = torch.full((len(ids), T), PAD_ID, dtype=torch.int64)
    tout = torch.full((len(ids), T), PAD_ID, dtype=torch.int64)
    for r, i in enumerate(ids):
        s, t = pairs[i]
        src[r, : len(s)] = torch.tensor(s)
        tin[r, : len(t) + 1] = torch.tensor([BOS_ID] + t)
        tout[r, : len(t) + 1] = torch.tensor(t + [EOS_ID])
    return src, tin, tout


def lr_at(step, tr):
    step = max(step, 1)
    return tr["lr"] * min(step / tr["warmup"], math.sqrt(tr["warmup"] / step))


@torch.no_grad()
def autocast(tr):
    """bfloat16 autocast for matmuls when the config asks for it ("bf16": true).

    On CPUs with AMX / AVX512-BF16 (oneDNN) this makes training steps about 5x
    faster than float32 (0.48 s vs 2.40 s per ~2500-token step, 2 threads:
    bench/train_step_bf16.py);
    weights, optimizer state and the loss stay float32.
    """
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=bool(tr.get("bf16", False)))


def evaluate(model, pairs, refs, sp, tr, max_sents=None):
    """Returns (val nll per token, greedy corpus BLEU, hypotheses)."""
    model.eval()
    n = len(pairs) if max_sents is None else min(max_sents, len(pairs))
    order = sorted(range(n), key=lambda i: len(pairs[i][0]))
    nll, ntok = 0.0, 0
    hyps = [None] * n
    B = tr["eval_batch"]
    for b in range(0, n, B):
        ids = order[b: b + B]
        src, tin, tout = collate(pairs, ids)
        with autocast(tr):
            logits = model(src, tin).float()
        nll += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tout.reshape(-1),
                               ignore_index=PAD_ID, reduction="sum").item()
        ntok += int((tout != PAD_ID).sum())
        with autocast(tr):
            out = greedy_decode(model, src, max_len=min(model.c.max_tgt_len, src.shape[1] * 2 + 10))
        for i, o in zip(ids, out):
            hyps[i] = sp.decode(o)
    bleu, _ = corpus_bleu(hyps, refs[:n])
    model.train()
    return nll / max(ntok, 1), bleu, hyps


def save_atomic(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--resume", action="store_true", help="continue from runs/<name>/last.pt")
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (smoke tests)")
    ap.add_argument("--run-dir", default=None)
    ap.add_argument("--train-limit", type=int, default=0, help="use only the first N training pairs (smoke tests)")
    ap.add_argument("--val-limit", type=int, default=0, help="evaluate on the first N val pairs only (smoke tests)")
    args = ap.parse_args()

    cfg = load_config(args.config)
    tr, mc = cfg["train"], cfg["model"]
    run_dir = args.run_dir or os.path.join(HERE, "runs", cfg["name"])
    os.makedirs(run_dir, exist_ok=True)
    torch.set_num_threads(tr["threads"])
    torch.manual_seed(tr["seed"])

    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=os.path.join(tr["data_dir"], "spm.model"))
    assert sp.get_piece_size() == mc["vocab_size"], (sp.get_piece_size(), mc["vocab_size"])
    train = load_split(tr["data_dir"], "train", mc)
    val = load_split(tr["data_dir"], "val", mc)
    val_refs = read_lines(os.path.join(tr["data_dir"], "val.en.txt"))
    if args.train_limit:
        train = train[: args.train_limit]
    if args.val_limit:
        val, val_refs = val[: args.val_limit], val_refs[: args.val_limit]

    model = Transformer(ModelConfig(**mc))
    opt = torch.optim.Adam(model.parameters(), lr=tr["lr"], betas=tuple(tr["betas"]), eps=tr["eps"],
                           weight_decay=tr["weight_decay"])
    state = dict(step=0, epoch=0, batch_in_epoch=0, train_seconds=0.0, best_bleu=-1.0, history=[])
    last_path = os.path.join(run_dir, "last.pt")
    if args.resume and os.path.exists(last_path):
        ck = torch.load(last_path, map_location="cpu")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        torch.set_rng_state(ck["torch_rng"])
        log(f"resumed from {last_path}: epoch {state['epoch']} batch {state['batch_in_epoch']} "
            f"step {state['step']} train_time {state['train_seconds'] / 3600:.2f} h")
    elif args.resume:
        log(f"--resume: no {last_path}, starting fresh")
    with open(os.path.join(run_dir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    log(f"model {model.num_params() / 1e6:.2f}M params  config {json.dumps(mc)}")
    log(f"train {json.dumps({k: v for k, v in tr.items() if k != 'data_dir'})}")

    def checkpoint(reason):
        save_atomic(dict(model=model.state_dict(), opt=opt.state_dict(), state=state,
                         torch_rng=torch.get_rng_state(), config=cfg), last_path)
        log(f"checkpoint ({reason}) -> {last_path}")

    stop = {"sig": None}

    def on_signal(signum, frame):
        stop["sig"] = signum
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    model.train()
    last_ckpt = time.time()
    t_seg = time.time()
    seg_tok = seg_src = 0
    seg_loss = 0.0
    seg_n = 0
    budget_s = tr["max_hours"] * 3600.0
    steps_this_run = 0
    done = False
    while not done and state["epoch"] < tr["max_epochs"]:
        ep = state["epoch"]
        batches = make_batches(train, tr["max_tokens"], tr["seed"] * 1000 + ep)
        ep_loss, ep_tok = 0.0, 0
        t_ep = time.time()
        while state["batch_in_epoch"] < len(batches):
            t0 = time.time()
            src, tin, tout = collate(train, batches[state["batch_in_epoch"]])
            for g in opt.param_groups:
                g["lr"] = lr_at(state["step"] + 1, tr)
            with autocast(tr):
                logits = model(src, tin).float()
            ntok = int((tout != PAD_ID).sum())
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tout.reshape(-1),
                                   ignore_index=PAD_ID, label_smoothing=tr["label_smoothing"])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if tr["clip_norm"] > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), tr["clip_norm"])
            opt.step()
            state["step"] += 1
            state["batch_in_epoch"] += 1
            state["train_seconds"] += time.time() - t0
            steps_this_run += 1
            seg_tok += ntok
            seg_src += int((src != PAD_ID).sum())
            seg_loss += loss.item() * ntok
            seg_n += ntok
            ep_loss += loss.item() * ntok
            ep_tok += ntok
            if state["step"] % tr["log_every"] == 0 or steps_this_run <= 3:
                dt = time.time() - t_seg
                log(f"ep {ep} step {state['step']} batch {state['batch_in_epoch']}/{len(batches)} "
                    f"loss {seg_loss / max(seg_n, 1):.4f} lr {lr_at(state['step'], tr):.2e} "
                    f"tgt_tok/s {seg_tok / dt:.0f} src+tgt_tok/s {(seg_tok + seg_src) / dt:.0f} "
                    f"train_h {state['train_seconds'] / 3600:.3f}")
                t_seg, seg_tok, seg_src, seg_loss, seg_n = time.time(), 0, 0, 0.0, 0
            if stop["sig"] is not None:
                checkpoint(f"signal {stop['sig']}")
                log("stopped by signal; resume with --resume")
                return 0
            if args.max_steps and steps_this_run >= args.max_steps:
                checkpoint("max-steps")
                done = True
                break
            if state["train_seconds"] >= budget_s:
                log(f"training-time budget {tr['max_hours']} h reached")
                done = True
                break
            if time.time() - last_ckpt >= tr["ckpt_minutes"] * 60:
                checkpoint("timer")
                last_ckpt = time.time()
        if state["batch_in_epoch"] >= len(batches):
            # end of epoch: evaluate, save epoch weights
            ep_time = time.time() - t_ep
            t_ev = time.time()
            vloss, vbleu, hyps = evaluate(model, val, val_refs, sp, tr)
            rec = dict(epoch=ep + 1, step=state["step"], train_loss=ep_loss / max(ep_tok, 1),
                       val_nll=vloss, val_ppl=math.exp(vloss), val_bleu_greedy=vbleu,
                       epoch_minutes=ep_time / 60, tgt_tok_per_s=ep_tok / max(ep_time, 1e-9),
                       eval_seconds=time.time() - t_ev, train_hours=state["train_seconds"] / 3600,
                       lr=lr_at(state["step"], tr))
            state["history"].append(rec)
            with open(os.path.join(run_dir, "metrics.jsonl"), "a") as f:
                f.write(json.dumps(rec) + "\n")
            log("EPOCH " + " ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in rec.items()))
            log(f"  sample: {hyps[0]!r}  ref: {val_refs[0]!r}")
            state["epoch"] += 1
            state["batch_in_epoch"] = 0
            weights = dict(model=model.state_dict(), config=cfg, epoch=state["epoch"], step=state["step"],
                           val_bleu_greedy=vbleu)
            save_atomic(weights, os.path.join(run_dir, f"ep{state['epoch']:03d}.pt"))
            old = os.path.join(run_dir, f"ep{state['epoch'] - tr['keep_epoch_ckpts']:03d}.pt")
            if os.path.exists(old):
                os.remove(old)
            if vbleu > state["best_bleu"]:
                state["best_bleu"] = vbleu
                save_atomic(weights, os.path.join(run_dir, "best.pt"))
                log(f"  new best val BLEU {vbleu:.2f}")
            checkpoint("epoch")
            last_ckpt = time.time()
    if not args.max_steps:
        checkpoint("end")
    log(f"done: epoch {state['epoch']} step {state['step']} train_h {state['train_seconds'] / 3600:.2f} "
        f"best greedy val BLEU {state['best_bleu']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
