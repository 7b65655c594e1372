#!/usr/bin/env python3
"""Export the translation model to ONNX (opset 17) for wick's converter.

  python3 examples/translate/export.py --ckpt runs/base256/avg_last5.pt --out-dir runs/base256/onnx

Writes two graphs with fixed shapes (encoder batch 1, decoder batch B = --dec-batch),
each layer's tensors separate and keys stored transposed (model.py, "export layout"):
  encoder.onnx
     in : src         int64 [1, S]        source ids, EOS-terminated, PAD(0)-padded to S = max_src_len
     out: mem_bias    f32   [1, S]        0 for real source tokens, -1e4 for padding
          cross_kt_i  f32   [1, H, Dh, S] decoder layer i's cross-attention keys (transposed)
          cross_v_i   f32   [1, H, S, Dh] ... and values, for i = 0 .. L-1
  decoder_step.onnx (one row per beam hypothesis; wick translate copies the encoder
  outputs into every row)
     in : token       int64 [B]           previous token per row (BOS=2 at pos 0)
          pos         int64 [1]           position of `token` (0 .. max_tgt_len-1)
          mem_bias    f32   [B, S]
          then per layer i: cross_kt_i [B,H,Dh,S], cross_v_i [B,H,S,Dh],
                            self_kt_i [B,H,Dh,T], self_v_i [B,H,T,Dh]  (KV cache, zeros at pos 0)
     out: log_probs   f32   [B, V]           log_softmax of the logits
          then per layer i: new_self_kt_i, new_self_v_i (the caches with slot `pos` written)
Then both graphs are checked with onnx.checker (full check incl. shape inference) and run
with a small numpy interpreter of the ONNX ops they use (onnx 1.12 has no reference
runtime); outputs are compared with PyTorch, and a full greedy decode through the ONNX
graphs is compared with PyTorch's greedy decode.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper
# Under CPU contention OpenMP threads that spin-wait at barriers waste most of the
# time slices (measured 3x slower steps); make idle threads sleep instead.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import (ModelConfig, Transformer, greedy_decode, encode_for_export,  # noqa: E402
                   empty_cache_export, decoder_step_export, PAD_ID, BOS_ID, EOS_ID)


class EncoderExport(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, src):
        return encode_for_export(self.m, src)


class DecoderStepExport(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, token, pos, mem_bias, *caches):
        return decoder_step_export(self.m, token, pos, mem_bias, *caches)


# ---------------------------------------------------------------------------
# Minimal numpy ONNX interpreter (only what these graphs use), for verification.
def _attr(node):
    out = {}
    for a in node.attribute:
        v = onnx.helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode()
        elif isinstance(v, onnx.TensorProto):
            v = numpy_helper.to_array(v)
        out[a.name] = v
    return out


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _layernorm(x, scale, bias=None, axis=-1, epsilon=1e-5, **_):
    axes = tuple(range(axis % x.ndim, x.ndim))
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    y = (x - mu) / np.sqrt(var + epsilon) * scale
    return y + bias if bias is not None else y


def _slice(x, starts, ends, axes=None, steps=None):
    axes = list(range(len(starts))) if axes is None else [int(a) % x.ndim for a in axes]
    steps = [1] * len(starts) if steps is None else steps
    sl = [slice(None)] * x.ndim
    for s, e, a, st in zip(starts, ends, axes, steps):
        sl[a] = slice(int(s), int(max(min(e, 2**62), -2**62)), int(st))
    return x[tuple(sl)]


ONNX_DTYPES = {1: np.float32, 6: np.int32, 7: np.int64, 9: np.bool_, 11: np.float64}


def run_onnx(model, feeds):
    env = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    env.update(feeds)
    for node in model.graph.node:
        a = _attr(node)
        x = [env[n] if n else None for n in node.input]
        op = node.op_type
        if op == "Constant":
            r = a["value"]
        elif op == "Identity":
            r = x[0]
        elif op in ("Add", "Sub", "Mul", "Div", "Pow"):
            r = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide, "Pow": np.power}[op](x[0], x[1])
            if op == "Div" and np.issubdtype(x[0].dtype, np.integer):
                r = (x[0] // x[1]).astype(x[0].dtype)
            r = r.astype(x[0].dtype) if op != "Pow" else r.astype(x[0].dtype)
        elif op == "MatMul":
            r = np.matmul(x[0], x[1])
        elif op == "Gemm":
            A = x[0].T if a.get("transA", 0) else x[0]
            B = x[1].T if a.get("transB", 0) else x[1]
            r = a.get("alpha", 1.0) * A @ B + (a.get("beta", 1.0) * x[2] if len(x) > 2 and x[2] is not None else 0)
        elif op == "Relu":
            r = np.maximum(x[0], 0)
        elif op == "Sqrt":
            r = np.sqrt(x[0])
        elif op == "Softmax":
            r = _softmax(x[0], a.get("axis", -1))
        elif op == "LogSoftmax":
            ax = a.get("axis", -1)
            m = x[0].max(axis=ax, keepdims=True)
            r = x[0] - m - np.log(np.exp(x[0] - m).sum(axis=ax, keepdims=True))
        elif op == "LayerNormalization":
            r = _layernorm(x[0], x[1], x[2] if len(x) > 2 else None, a.get("axis", -1), a.get("epsilon", 1e-5))
        elif op == "ReduceMean":
            r = x[0].mean(axis=tuple(a["axes"]), keepdims=bool(a.get("keepdims", 1)))
        elif op == "Transpose":
            r = np.transpose(x[0], a.get("perm"))
        elif op == "Reshape":
            shape = [d if d != 0 else x[0].shape[i] for i, d in enumerate(x[1].tolist())]
            r = x[0].reshape(shape)
        elif op == "Unsqueeze":
            r = x[0]
            for ax in sorted(int(v) % (x[0].ndim + len(x[1])) for v in x[1]):
                r = np.expand_dims(r, ax)
        elif op == "Squeeze":
            r = np.squeeze(x[0], axis=tuple(int(v) for v in x[1])) if len(x) > 1 else np.squeeze(x[0])
        elif op == "Concat":
            r = np.concatenate(x, axis=a["axis"])
        elif op == "Gather":
            r = np.take(x[0], x[1], axis=a.get("axis", 0))
        elif op == "Shape":
            r = np.array(x[0].shape, dtype=np.int64)
        elif op == "Slice":
            r = _slice(x[0], x[1], x[2], x[3] if len(x) > 3 else None, x[4] if len(x) > 4 else None)
        elif op == "Cast":
            r = x[0].astype(ONNX_DTYPES[a["to"]])
        elif op in ("Equal", "Greater", "Less"):
            r = {"Equal": np.equal, "Greater": np.greater, "Less": np.less}[op](x[0], x[1])
        elif op == "Where":
            r = np.where(x[0], x[1], x[2])
        elif op == "Expand":
            r = x[0] * np.ones(x[1].tolist(), dtype=x[0].dtype)
        elif op == "Range":
            r = np.arange(x[0], x[1], x[2])
        elif op == "ConstantOfShape":
            v = a.get("value", np.zeros(1, np.float32))
            r = np.full(x[0].tolist(), v.reshape(-1)[0], dtype=v.dtype)
        else:
            raise NotImplementedError(f"numpy ONNX interpreter: op {op}")
        outs = r if isinstance(r, (list, tuple)) else [r]
        for name, val in zip(node.output, outs):
            env[name] = np.asarray(val)
    return [env[o.name] for o in model.graph.output]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--out-dir", default=None)
    ap.add_argument("--data-dir", default=os.path.join(HERE, "data"))
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--dec-batch", type=int, default=4,
                    help="decoder batch B (rows = beam hypotheses; wick translate's --beam must be <= B)")
    args = ap.parse_args()
    torch.set_num_threads(2)
    ck = torch.load(args.ckpt, map_location="cpu")
    mc = ModelConfig(**ck["config"]["model"])
    m = Transformer(mc)
    m.load_state_dict(ck["model"])
    m.eval()
    out_dir = args.out_dir or os.path.join(os.path.dirname(os.path.abspath(args.ckpt)), "onnx")
    os.makedirs(out_dir, exist_ok=True)
    L, H, Dh, S, T = mc.dec_layers, mc.n_heads, mc.d_model // mc.n_heads, mc.max_src_len, mc.max_tgt_len

    # Example inputs: a real validation sentence if data is there, else random ids.
    src = torch.full((1, S), PAD_ID, dtype=torch.int64)
    ids_path = os.path.join(args.data_dir, "val.de.ids")
    if os.path.exists(ids_path):
        with open(ids_path) as f:
            ids = [int(t) for t in f.readline().split()][: S - 1] + [EOS_ID]
    else:
        ids = torch.randint(4, mc.vocab_size, (10,)).tolist() + [EOS_ID]
    src[0, : len(ids)] = torch.tensor(ids)

    enc_path = os.path.join(out_dir, "encoder.onnx")
    dec_path = os.path.join(out_dir, "decoder_step.onnx")
    B = args.dec_batch
    enc_names = ["mem_bias"] + [f"cross_{w}_{i}" for i in range(L) for w in ("kt", "v")]
    cache_names = [f"{w}_{i}" for i in range(L) for w in ("cross_kt", "cross_v", "self_kt", "self_v")]
    dec_out_names = ["log_probs"] + [f"new_self_{w}_{i}" for i in range(L) for w in ("kt", "v")]
    with torch.no_grad():
        enc_out = encode_for_export(m, src)
        torch.onnx.export(EncoderExport(m).eval(), (src,), enc_path, opset_version=args.opset,
                          input_names=["src"], output_names=enc_names, do_constant_folding=True)
        rows = [t.repeat(B, *([1] * (t.dim() - 1))) for t in enc_out]
        caches = []
        empty = empty_cache_export(m, B)
        for i in range(L):
            caches += [rows[1 + 2 * i], rows[2 + 2 * i], empty[2 * i], empty[2 * i + 1]]
        step_args = (torch.full((B,), BOS_ID, dtype=torch.int64), torch.tensor([0]), rows[0], *caches)
        torch.onnx.export(DecoderStepExport(m).eval(), step_args, dec_path, opset_version=args.opset,
                          input_names=["token", "pos", "mem_bias"] + cache_names,
                          output_names=dec_out_names, do_constant_folding=True)

    # torch.onnx.export restores the wrapper's training flag afterwards; the wrappers
    # are built in eval mode, and m is put back in eval mode regardless.
    m.eval()
    report = {"config": mc.to_dict(), "shapes": dict(L=L, H=H, Dh=Dh, S=S, T=T, B=B)}
    graphs = {}
    for name, path in (("encoder", enc_path), ("decoder_step", dec_path)):
        g = onnx.load(path)
        onnx.checker.check_model(g, full_check=True)
        graphs[name] = g
        ops = sorted({n.op_type for n in g.graph.node})
        report[name] = dict(file=os.path.basename(path), bytes=os.path.getsize(path), nodes=len(g.graph.node), ops=ops)
        print(f"{path}: checker OK, {len(g.graph.node)} nodes, ops {ops}")

    # Numerical check against the training-side (stacked) incremental path: encoder
    # outputs, every decoder step of a greedy decode, and the decoded ids.
    with torch.no_grad():
        e_out = run_onnx(graphs["encoder"], {"src": src.numpy()})
        ck_, cv_, mb_ = m.encode_for_decoding(src)
        diffs = {"mem_bias": float(np.abs(e_out[0] - mb_.numpy()).max())}
        for i in range(L):
            diffs[f"cross_kt_{i}"] = float(np.abs(e_out[1 + 2 * i] - ck_[i].transpose(-1, -2).numpy()).max())
            diffs[f"cross_v_{i}"] = float(np.abs(e_out[2 + 2 * i] - cv_[i].numpy()).max())
        print("encoder max |onnx - torch|:", max(diffs.values()))
        report["encoder"]["max_abs_diff"] = diffs
        ref = greedy_decode(m, src[:, : len(ids)])[0]
        feeds = {"mem_bias": np.repeat(e_out[0], B, 0)}
        empty = [t.numpy() for t in empty_cache_export(m, B)]
        for i in range(L):
            feeds[f"cross_kt_{i}"] = np.repeat(e_out[1 + 2 * i], B, 0)
            feeds[f"cross_v_{i}"] = np.repeat(e_out[2 + 2 * i], B, 0)
            feeds[f"self_kt_{i}"], feeds[f"self_v_{i}"] = empty[2 * i], empty[2 * i + 1]
        tk, tv = m.empty_cache(B)
        tck, tcv, tmb = ck_.repeat(1, B, 1, 1, 1), cv_.repeat(1, B, 1, 1, 1), mb_.repeat(B, 1)
        tok = BOS_ID
        onnx_ids, worst = [], 0.0
        for t in range(T):
            feeds["token"] = np.full((B,), tok, np.int64)
            feeds["pos"] = np.array([t], np.int64)
            res = run_onnx(graphs["decoder_step"], feeds)
            lt, tk, tv = m.decoder_step(torch.full((B,), tok, dtype=torch.int64), torch.tensor([t]), tck, tcv, tmb, tk, tv)
            worst = max(worst, float(np.abs(res[0] - torch.log_softmax(lt, -1).numpy()).max()))
            for i in range(L):
                worst = max(worst, float(np.abs(res[1 + 2 * i] - tk[i].transpose(-1, -2).numpy()).max()),
                            float(np.abs(res[2 + 2 * i] - tv[i].numpy()).max()))
                feeds[f"self_kt_{i}"], feeds[f"self_v_{i}"] = res[1 + 2 * i], res[2 + 2 * i]
            tok = int(res[0][0].argmax(-1))
            if tok == EOS_ID:
                break
            onnx_ids.append(tok)
        print(f"decoder_step max |onnx - torch| over {t + 1} steps: {worst:.3g}")
        print(f"greedy ids torch (unpadded src) {ref}\ngreedy ids onnx  (padded src)   {onnx_ids}")
        report["decoder_step"]["max_abs_diff"] = worst
        report["greedy_match"] = ref == onnx_ids
    with open(os.path.join(out_dir, "export_report.json"), "w") as f:
        json.dump(report, f, indent=1)
    ok = all(v < 1e-3 for v in report["encoder"]["max_abs_diff"].values()) and worst < 1e-3 and report["greedy_match"]
    print("EXPORT CHECK", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
