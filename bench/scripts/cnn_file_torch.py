#!/usr/bin/python3
"""Evaluates a MAL CNN file (a zoo model or an exported assembly: ./mal export) in PyTorch.

  /usr/bin/python3 bench/scripts/cnn_file_torch.py FILE.safetensors [--data data/fashion-mnist]

Builds the nn.Sequential that the file's metadata (mal.cnn.architecture) describes, loads the state
dict with load_state_dict(strict=True), and prints the eval-mode accuracy and mean cross-entropy on
the task's IDX test set (pixels / 255, as MAL reads them). Debian's python3-torch; numpy reads the
file (no safetensors package needed). Not a test: docs/RESULTS.md §39 quotes its output.
"""
import argparse
import gzip
import json
import os
import struct

import numpy as np
import torch
from torch import nn

TYPES = {"F32": ("<f4", torch.float32), "F64": ("<f8", torch.float64), "I64": ("<i8", torch.int64)}


def load(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        a, b = info["data_offsets"]
        np_type, torch_type = TYPES[info["dtype"]]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype=np_type).reshape(info["shape"]).copy()).to(torch_type)
    return out, meta


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + (x if self.downsample is None else self.downsample(x)))


def module(l):
    t = l["type"]
    if t == "conv2d":
        return nn.Conv2d(l["inChannels"], l["outChannels"], l["kernel"], stride=l["stride"], padding=l["padding"], bias=l["bias"])
    if t == "batchnorm2d":
        return nn.BatchNorm2d(l["channels"], eps=l["eps"])
    if t == "relu":
        return nn.ReLU()
    if t == "maxpool2d":
        return nn.MaxPool2d(l["kernel"], l["stride"])
    if t == "avgpool2d":
        return nn.AvgPool2d(l["kernel"], l["stride"])
    if t == "globalavgpool":
        return nn.AdaptiveAvgPool2d(1)
    if t == "flatten":
        return nn.Flatten()
    if t == "linear":
        return nn.Linear(l["inFeatures"], l["outFeatures"], bias=l["bias"])
    if t == "residual":
        return BasicBlock(l["inChannels"], l["outChannels"], l["stride"])
    raise SystemExit("unknown module type " + t)


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--data", default="data/fashion-mnist")
    a = p.parse_args()
    tensors, meta = load(a.file)
    arch = json.loads(meta["mal.cnn.architecture"])
    net = nn.Sequential(*[module(l) for l in arch["layers"]])
    net.load_state_dict(tensors, strict=True)
    net.eval()
    x = torch.from_numpy(idx(os.path.join(a.data, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255.0)
    y = torch.from_numpy(idx(os.path.join(a.data, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    x = x.reshape(-1, arch["channels"], arch["height"], arch["width"])
    with torch.no_grad():
        z = torch.cat([net(x[i:i + 1000]) for i in range(0, len(x), 1000)])
    loss = nn.functional.cross_entropy(z.double(), y).item()
    acc = (z.argmax(1) == y).double().mean().item()
    print(f"{a.file}: {len(y)} test rows, accuracy {100 * acc:.2f}%, loss {loss:.4f} (PyTorch {torch.__version__}, strict state dict)")


if __name__ == "__main__":
    main()
