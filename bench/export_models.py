#!/usr/bin/python3
"""Exports the benchmark models to ONNX (opset 17) with fixed-seed random
weights (no downloads): torchvision mobilenet_v2 and resnet18, and a
4-layer nn.TransformerEncoder (d_model 256, 4 heads, ff 1024, seq 64,
batch_first). Writes NAME.onnx plus NAME_in.npy / NAME_out.npy (a random
input and PyTorch's output for it) into the output directory (default build/bench-models, which git ignores).

  /usr/bin/python3 bench/export_models.py [OUTDIR]

Needs Debian's python3-torch (1.13), python3-torchvision (0.14), python3-onnx.
"""
import os
import sys

import numpy as np
import torch
import torchvision


def models():
    torch.manual_seed(0)
    out = {
        "mobilenet_v2": (torchvision.models.mobilenet_v2(), (1, 3, 224, 224)),
        "resnet18": (torchvision.models.resnet18(), (1, 3, 224, 224)),
    }
    layer = torch.nn.TransformerEncoderLayer(d_model=256, nhead=4, dim_feedforward=1024,
                                             dropout=0.0, batch_first=True)
    out["transformer"] = (torch.nn.TransformerEncoder(layer, num_layers=4), (1, 64, 256))
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "build", "bench-models")
    os.makedirs(outdir, exist_ok=True)
    for name, (model, shape) in models().items():
        model.eval()
        x = torch.randn(*shape)
        path = os.path.join(outdir, name + ".onnx")
        torch.onnx.export(model, x, path, opset_version=17, input_names=["input"],
                          output_names=["output"])
        np.save(os.path.join(outdir, name + "_in.npy"), x.numpy())
        with torch.no_grad():
            np.save(os.path.join(outdir, name + "_out.npy"), model(x).numpy())
        print(name, "->", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
