#!/usr/bin/python3
"""CNNs between PyTorch and MAL (core's CnnPyTorchRoundTripTest runs this with Debian's python3-torch).

  make --work DIR       builds seeded nn.Sequential CNNs (running statistics filled by a few train-mode
                        passes), saves each state dict as DIR/<name>.safetensors WITHOUT metadata, the
                        input images as DIR/inputs.safetensors ("x", [N, 1, 28, 28]) and each net's eval-mode
                        logits as DIR/<name>.logits.safetensors ("logits"), and its state dict after
                        REPAIR's reset_bn_stats on the inputs in batches of 8 as DIR/<name>.reset.safetensors.
  eval --work DIR --model NAME=FILE [NAME=FILE ...]
                        loads each file MAL wrote into the nn.Sequential NAME with load_state_dict(strict=True)
                        and saves its logits on DIR/inputs.safetensors to FILE.logits.safetensors.

Safetensors are written and read with a few lines of numpy/struct (the safetensors package is not
needed). Exits non-zero on any failure.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn


def plain():
    """Conv (bias) - BN - ReLU - MaxPool - conv (no bias) - BN - ReLU - MaxPool - Flatten - Linear - ReLU - Linear."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 8, 5, padding=2, bias=False), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(8 * 7 * 7, 32), nn.ReLU(), nn.Linear(32, 10))


def pooled():
    """Conv - BN - ReLU - conv - ReLU - global average pool - Flatten - Linear (no bias)."""
    return nn.Sequential(
        nn.Conv2d(1, 5, 3, padding=1), nn.BatchNorm2d(5), nn.ReLU(),
        nn.Conv2d(5, 7, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(7, 10, bias=False))


class BasicBlock(nn.Module):
    """torchvision's BasicBlock: 3x3 convs without bias, batch norms, identity or 1x1 projection shortcut."""

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


def resnet():
    """Stem conv - BN - ReLU - blocks 6->6, 6->8 (stride 2, projection), 8->8 - global average pool - Flatten - Linear."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6), nn.ReLU(),
        BasicBlock(6, 6, 1), BasicBlock(6, 8, 2), BasicBlock(8, 8, 1),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))


NETS = {"plain": plain, "pooled": pooled, "plain-b": plain, "resnet": resnet}   # plain-b: a second, independently initialised plain net
TYPES = {"F32": ("<f4", torch.float32), "F64": ("<f8", torch.float64), "I64": ("<i8", torch.int64)}


def save(tensors, path):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        code = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}[t.dtype]
        b = t.numpy().astype(TYPES[code][0]).tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        a, b = info["data_offsets"]
        np_type, torch_type = TYPES[info["dtype"]]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype=np_type).reshape(info["shape"]).copy()).to(torch_type)
    return out


def make(work):
    torch.manual_seed(0)
    x = torch.rand(16, 1, 28, 28)
    save({"x": x}, os.path.join(work, "inputs.safetensors"))
    for seed, (name, build) in enumerate(NETS.items()):
        torch.manual_seed(100 + seed)
        net = build()
        net.train()
        with torch.no_grad():
            for _ in range(3):      # fills the batch norms' running statistics (and num_batches_tracked)
                net(torch.rand(32, 1, 28, 28) * 2)
        net.eval()
        with torch.no_grad():
            logits = net(x)
        save(net.state_dict(), os.path.join(work, name + ".safetensors"))
        save({"logits": logits}, os.path.join(work, name + ".logits.safetensors"))
        # REPAIR's reset_bn_stats: running statistics measured on x in batches of 8, momentum None
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.momentum = None
                m.reset_running_stats()
        net.train()
        with torch.no_grad():
            for batch in x.split(8):
                net(batch)
        save(net.state_dict(), os.path.join(work, name + ".reset.safetensors"))
        print("made %s: %d tensors, logits %s" % (name, len(net.state_dict()), tuple(logits.shape)), flush=True)


def evaluate(work, name, model):
    net = NETS[name]()
    state = load(model)
    dtype = next(v.dtype for v in state.values() if v.is_floating_point())
    net = net.to(dtype)
    net.load_state_dict(state, strict=True)
    net.eval()
    x = load(os.path.join(work, "inputs.safetensors"))["x"].to(dtype)
    with torch.no_grad():
        logits = net(x)
    save({"logits": logits}, model + ".logits.safetensors")
    print("evaluated %s as %s (%s): logits %s" % (model, name, dtype, tuple(logits.shape)), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("command", choices=["make", "eval"])
    p.add_argument("--work", required=True)
    p.add_argument("--model", nargs="+", default=[])
    a = p.parse_args()
    torch.set_num_threads(1)
    if a.command == "make":
        os.makedirs(a.work, exist_ok=True)
        make(a.work)
    else:
        if not a.model:
            sys.exit("eval needs --model NAME=FILE ...")
        for pair in a.model:
            name, _, model = pair.partition("=")
            if name not in NETS or not model:
                sys.exit("eval: %r is not NAME=FILE with NAME one of %s" % (pair, ", ".join(NETS)))
            evaluate(a.work, name, model)


if __name__ == "__main__":
    main()
