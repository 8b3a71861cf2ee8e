#!/usr/bin/python3
"""PyTorch's side of CnnTrainingVsTorch (issue 21): cnn-pair's CNN (conv-BN-ReLU-pool x2, conv-BN-ReLU,
global average pooling, linear; first conv WIDTH channels, the others 2*WIDTH) trained with Adam (lr 1e-3)
on the first ROWS rows of Fashion-MNIST's training set, the same model, batch and thread count as MAL's side.

Usage: torch_cnn_training.py DATA_DIR ROWS EPOCHS BATCH THREADS WIDTH
Prints one JSON line: seconds of training (the epochs' loops only: shuffling, batch slicing, forward,
backward and the Adam step), samples per second, and the final epoch's mean training loss.
Reads the IDX files itself (gzipped, as MAL's data folder holds them); nothing is downloaded.
PyTorch is Debian's python3-torch (1.13), a reference only, never a dependency of MAL.
"""
import gzip
import json
import sys
import time

import numpy as np
import torch
from torch import nn


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def net(c):
    return nn.Sequential(
        nn.Conv2d(1, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c, 2 * c, 3, padding=1, bias=False), nn.BatchNorm2d(2 * c), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(2 * c, 2 * c, 3, padding=1, bias=False), nn.BatchNorm2d(2 * c), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2 * c, 10))


def main():
    data, rows, epochs, batch, threads, width = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    torch.set_num_threads(threads)
    torch.manual_seed(3)
    x = idx(f"{data}/fashion-mnist/train-images-idx3-ubyte.gz")[:rows].reshape(-1, 1, 28, 28).astype(np.float32) / 255.0
    y = idx(f"{data}/fashion-mnist/train-labels-idx1-ubyte.gz")[:rows].astype(np.int64)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    model = net(width)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    started = time.perf_counter()
    last = float("nan")
    for _ in range(epochs):
        order = torch.randperm(rows)
        total, n = 0.0, 0
        for at in range(0, rows, batch):
            idxs = order[at:at + batch]
            xb, yb = x[idxs], y[idxs]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idxs)
            n += len(idxs)
        last = total / n
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "samples_per_s": rows * epochs / seconds, "final_epoch_loss": last,
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
