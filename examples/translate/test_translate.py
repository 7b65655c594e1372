#!/usr/bin/env python3
"""Quick self-checks for the translate example (CPU, tiny random model, < 1 min).

  /usr/bin/python3 examples/translate/test_translate.py
"""
import os
import sys
import tempfile

# Under CPU contention OpenMP threads that spin-wait at barriers waste most of the
# time slices (measured 3x slower steps); make idle threads sleep instead.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bleu  # noqa: E402
from model import ModelConfig, Transformer, greedy_decode, PAD_ID, BOS_ID, EOS_ID  # noqa: E402
from translate import beam_search  # noqa: E402

TINY = ModelConfig(vocab_size=50, d_model=32, n_heads=4, enc_layers=2, dec_layers=2, ffn=64,
                   max_src_len=16, max_tgt_len=12)


def tiny_model(seed=0):
    torch.manual_seed(seed)
    return Transformer(TINY).eval()


_TRAINED = {}


def tiny_trained_model(seed=0, steps=150):
    """Tiny model briefly trained on a toy 'copy the source' task, so that decodes
    end with EOS at varied lengths and beam search has real choices to make."""
    if seed in _TRAINED:
        return _TRAINED[seed]
    import torch.nn.functional as F
    torch.manual_seed(seed)
    m = Transformer(TINY)
    opt = torch.optim.Adam(m.parameters(), lr=3e-3)
    for _ in range(steps):
        n = torch.randint(2, 9, (1,)).item()
        body = torch.randint(4, TINY.vocab_size, (16, n))
        src = torch.cat([body, torch.full((16, 1), EOS_ID)], 1)
        tin = torch.cat([torch.full((16, 1), BOS_ID), body], 1)
        tout = torch.cat([body, torch.full((16, 1), EOS_ID)], 1)
        loss = F.cross_entropy(m(src, tin).reshape(-1, TINY.vocab_size), tout.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    m.eval()
    _TRAINED[seed] = m
    return m


def test_bleu():
    bleu._self_test()


def test_incremental_matches_full():
    m = tiny_model()
    src = torch.randint(4, TINY.vocab_size, (3, 9))
    src[1, 6:] = PAD_ID
    tgt = torch.randint(4, TINY.vocab_size, (3, TINY.max_tgt_len))
    tgt[:, 0] = BOS_ID
    with torch.no_grad():
        full = m(src, tgt)
        ck, cv, mb = m.encode_for_decoding(src)
        sk, sv = m.empty_cache(3)
        for t in range(TINY.max_tgt_len):
            lg, sk, sv = m.decoder_step(tgt[:, t], torch.tensor([t]), ck, cv, mb, sk, sv)
            assert torch.allclose(lg, full[:, t], atol=1e-5), (t, (lg - full[:, t]).abs().max())


def test_padding_invariance():
    m = tiny_trained_model()
    src = torch.randint(4, TINY.vocab_size, (1, 7))
    src[0, -1] = EOS_ID
    padded = torch.cat([src, torch.zeros(1, 5, dtype=torch.int64)], 1)
    assert greedy_decode(m, src) == greedy_decode(m, padded)


def _seq_logprob(m, src, seq):
    tin = torch.tensor([[BOS_ID] + seq])
    tout = torch.tensor([seq + [EOS_ID]])
    with torch.no_grad():
        lp = torch.log_softmax(m(src, tin), -1)
    return lp.gather(2, tout.unsqueeze(-1)).sum().item()


def test_beam_search():
    checked = better = 0
    for seed in range(2):
        m = tiny_trained_model(seed)
        torch.manual_seed(10 + seed)
        src = torch.randint(4, TINY.vocab_size, (6, 7))
        src[:, -1] = EOS_ID
        src[:3, 4:] = PAD_ID  # mixed lengths in one batch
        src[:3, 3] = EOS_ID
        g = greedy_decode(m, src)
        b1 = beam_search(m, src, beam=1, alpha=0.0, max_len_a=0, max_len_b=TINY.max_tgt_len)
        b5 = beam_search(m, src, beam=5, alpha=0.0, max_len_a=0, max_len_b=TINY.max_tgt_len)
        for n in range(src.shape[0]):
            if len(g[n]) < TINY.max_tgt_len:  # greedy ended with EOS
                checked += 1
                assert b1[n] == g[n], (b1[n], g[n])
                # with alpha=0 beam search maximizes log-prob: never worse than greedy
                sl = src[n:n + 1, : int((src[n] != PAD_ID).sum())]
                lb, lg = _seq_logprob(m, sl, b5[n]), _seq_logprob(m, sl, g[n])
                assert lb >= lg - 1e-4, (lb, lg)
                better += lb > lg + 1e-4
    assert checked >= 6, checked


def test_export_roundtrip():
    import export
    import json
    with tempfile.TemporaryDirectory() as d:
        m = tiny_trained_model()
        cfg = {"name": "tiny", "model": TINY.to_dict()}
        torch.save(dict(model=m.state_dict(), config=cfg), os.path.join(d, "tiny.pt"))
        argv = sys.argv
        sys.argv = ["export.py", "--ckpt", os.path.join(d, "tiny.pt"), "--out-dir", d, "--data-dir", d]
        try:
            rc = export.main()
        finally:
            sys.argv = argv
        assert rc == 0
        rep = json.load(open(os.path.join(d, "export_report.json")))
        assert rep["greedy_match"]


if __name__ == "__main__":
    torch.set_num_threads(2)
    tests = [v for k, v in sorted(globals().items()) if k.startswith("test_")]
    failed = 0
    for t in tests:
        try:
            t()
            print("ok  ", t.__name__)
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("FAIL", t.__name__, repr(e))
    print(f"{len(tests) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
