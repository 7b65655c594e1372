#!/usr/bin/env python3
"""Makes wick's own ONNX test fixtures: small PyTorch models exported with
torch.onnx.export, with an input and the output PyTorch computes for it.

  /usr/bin/python3 tests/models/make_fixtures.py [OUT_DIR]

Needs Debian's python3-torch and python3-numpy. The outputs are committed
(tests/models/fixtures/<name>/{model.onnx,input_0.npy,expected_0.npy}), so
the tests never need PyTorch; rerun this only to change the fixtures.
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(1234)


class TinyCNN(nn.Module):
    """Conv + BatchNorm + ReLU6, a depthwise-separable block with a residual,
    max and global average pooling, and a classifier with softmax."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False),
                                  nn.BatchNorm2d(8), nn.ReLU6())
        self.dw = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False),
                                nn.BatchNorm2d(8), nn.ReLU())
        self.pw = nn.Sequential(nn.Conv2d(8, 8, 1), nn.BatchNorm2d(8))
        self.pool = nn.MaxPool2d(2)
        self.head = nn.Linear(8, 10)

    def forward(self, x):
        x = self.stem(x)
        x = x + self.pw(self.dw(x))
        x = self.pool(x)
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return torch.softmax(self.head(x), dim=-1)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.LayerNorm(32),
                                 nn.Linear(32, 4), nn.Sigmoid())

    def forward(self, x):
        return self.net(x)


class Conv1dUp(nn.Module):
    """Conv1d, LeakyReLU, nearest upsampling, concat and a transposed conv."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(4, 6, 3, padding=1)
        self.up = nn.ConvTranspose2d(6, 3, 2, stride=2)

    def forward(self, x):
        y = nn.functional.leaky_relu(self.c1(x), 0.1)          # (1, 6, 16)
        z = y.unsqueeze(2).repeat(1, 1, 4, 1)                  # (1, 6, 4, 16)
        z = nn.functional.interpolate(z, scale_factor=2.0, mode="nearest")
        return torch.cat([self.up(z[:, :, :4, :8]), z[:, :3, :8, :16]], dim=1)


def transformer():
    layer = nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, dropout=0.0,
                                       batch_first=True)
    return nn.TransformerEncoder(layer, num_layers=2)


class LSTMNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 16, batch_first=True)
        self.fc = nn.Linear(16, 3)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.fc(y[:, -1])


FIXTURES = {
    "tiny_cnn": (TinyCNN, (1, 3, 32, 32), 13),
    "mlp": (MLP, (2, 16), 17),
    "conv1d_up": (Conv1dUp, (1, 4, 16), 13),
    "transformer": (transformer, (1, 8, 32), 17),
    "lstm": (LSTMNet, (1, 5, 8), 13),
}


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                                 "fixtures")
    for name, (make, shape, opset) in FIXTURES.items():
        model = make().eval()
        # Give BatchNorm layers non-trivial statistics.
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.2, 0.2)
        x = torch.randn(*shape)
        d = os.path.join(out_dir, name)
        os.makedirs(d, exist_ok=True)
        torch.onnx.export(model, x, os.path.join(d, "model.onnx"), opset_version=opset,
                          input_names=["input"], output_names=["output"])
        with torch.no_grad():
            y = model(x)
        np.save(os.path.join(d, "input_0.npy"), x.numpy())
        np.save(os.path.join(d, "expected_0.npy"), y.numpy())
        print("%-12s opset %d  in %s  out %s" % (name, opset, tuple(x.shape), tuple(y.shape)))


if __name__ == "__main__":
    main()
