#!/usr/bin/env python3
"""Training-step time of the translation transformer, float32 vs bfloat16 autocast.

  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/train_step_bf16.py

The number behind "bf16 autocast makes a step about 5x faster" in
examples/translate/train.py and docs/TRANSLATION.md: one Adam step on a
random batch of 80 x 18 source / 17 target tokens (about the 2,500-token
batches of configs/base.json), 2 threads, 4 timed steps after a warm-up,
twice per mode, alternating.
"""
import json
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples", "translate"))
from model import ModelConfig, Transformer  # noqa: E402


def main():
    torch.set_num_threads(2)
    torch.manual_seed(0)
    cfg = json.load(open(os.path.join(HERE, "..", "examples", "translate", "configs", "base.json")))
    m = Transformer(ModelConfig(**cfg["model"]))
    opt = torch.optim.Adam(m.parameters(), lr=1e-4)
    V = cfg["model"]["vocab_size"]
    src, tgt = torch.randint(4, V, (80, 18)), torch.randint(4, V, (80, 17))

    def step(bf16):
        opt.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            lo = m(src, tgt[:, :-1])
        loss = torch.nn.functional.cross_entropy(lo.float().reshape(-1, V), tgt[:, 1:].reshape(-1))
        loss.backward()
        opt.step()

    for bf16 in (False, True, False, True):
        step(bf16)
        t = time.time()
        for _ in range(4):
            step(bf16)
        print(f"{'bf16' if bf16 else 'fp32'} {(time.time() - t) / 4:.3f} s/step", flush=True)


if __name__ == "__main__":
    main()
