#!/usr/bin/python3
"""Trains `mal cnn-pair`'s CNN in PyTorch on Fashion-MNIST and saves its state dict as safetensors
(PyTorch's names and layouts, no MAL metadata), for `mal cnn-pair --base FILE --target FILE`.

Used because MAL's SameDiff trainer runs this model about 10x slower than PyTorch (RESULTS §31c);
the merge, the alignment and every evaluation of the merges are MAL's.

The net, as `nn.Sequential` (MAL's CnnPairCommand.architecture mirrors it module by module):
  with --bn:  Conv2d(1,c1,3,p1,bias=False) BN ReLU MaxPool2 Conv2d(c1,c2,3,p1,bias=False) BN ReLU MaxPool2
              Conv2d(c2,c3,3,p1,bias=False) BN ReLU AdaptiveAvgPool2d(1) Flatten Linear(c3,10)
  without:    the same with bias=True convs and no batch norms.

Usage: /usr/bin/python3 train_cnn.py --widths 8,16,16 [--bn] --seed 1 --rows 20000 --epochs 4 --out FILE
Rows: the first --rows of a seeded permutation of the 60,000 training images (seed 0, the same for
every model); test accuracy on all 10,000 test images is printed. Adam lr 1e-3, batch 64, one thread.
"""
import argparse
import gzip
import json
import struct
import time

import numpy as np
import torch
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist/"


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def net(widths, bn):
    c1, c2, c3 = widths
    mods = []
    for cin, cout, pool in ((1, c1, True), (c1, c2, True), (c2, c3, False)):
        mods.append(nn.Conv2d(cin, cout, 3, padding=1, bias=not bn))
        if bn:
            mods.append(nn.BatchNorm2d(cout))
        mods.append(nn.ReLU())
        if pool:
            mods.append(nn.MaxPool2d(2))
    mods += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c3, 10)]
    return nn.Sequential(*mods)


def save(tensors, path):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        code, np_type = {torch.float32: ("F32", "<f4"), torch.int64: ("I64", "<i8")}[t.dtype]
        b = t.numpy().astype(np_type).tobytes()
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


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--widths", default="8,16,16")
    p.add_argument("--bn", action="store_true")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rows", type=int, default=20000)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    torch.set_num_threads(1)
    x = torch.from_numpy(idx(DATA + "train-images-idx3-ubyte.gz").astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    y = torch.from_numpy(idx(DATA + "train-labels-idx1-ubyte.gz").astype(np.int64))
    rows = torch.from_numpy(np.random.RandomState(0).permutation(len(y))[:a.rows])
    x, y = x[rows], y[rows]
    xt = torch.from_numpy(idx(DATA + "t10k-images-idx3-ubyte.gz").astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    yt = torch.from_numpy(idx(DATA + "t10k-labels-idx1-ubyte.gz").astype(np.int64))
    torch.manual_seed(a.seed)
    model = net([int(w) for w in a.widths.split(",")], a.bn)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(a.seed)
    start = time.perf_counter()
    for epoch in range(a.epochs):
        model.train()
        order = torch.randperm(len(y), generator=g)
        for i in range(0, len(y), 64):
            b = order[i:i + 64]
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[b]), y[b]).backward()
            opt.step()
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(xt[i:i + 1000]) for i in range(0, len(yt), 1000)])
    acc = (logits.argmax(1) == yt).float().mean().item()
    loss = nn.functional.cross_entropy(logits, yt).item()
    save(model.state_dict(), a.out)
    print("%s widths %s bn %s seed %d: %d rows x %d epochs in %.0f s (%.0f samples/s); test accuracy %.2f%%, loss %.4f"
          % (a.out, a.widths, a.bn, a.seed, a.rows, a.epochs, seconds, a.rows * a.epochs / seconds, 100 * acc, loss), flush=True)


if __name__ == "__main__":
    main()
