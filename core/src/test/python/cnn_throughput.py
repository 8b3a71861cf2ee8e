#!/usr/bin/python3
"""Training throughput of cnn-pair's CNN in PyTorch (samples/s of Adam steps, batch 64, one thread), for
comparison with the samples/s that `mal cnn-pair` prints for MAL's SameDiff trainer on the same model.

Usage: /usr/bin/python3 cnn_throughput.py [--width 8] [--steps 40] [--batch 64] [--threads 1]
Random inputs (the speed does not depend on the values); the first 5 steps are warm-up and not timed.
"""
import argparse
import time

import torch
from torch import nn


def net(c):
    return nn.Sequential(
        nn.Conv2d(1, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c, 2 * c, 3, padding=1, bias=False), nn.BatchNorm2d(2 * c), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(2 * c, 2 * c, 3, padding=1, bias=False), nn.BatchNorm2d(2 * c), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2 * c, 10))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--width", type=int, default=8)
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = net(a.width)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(a.batch, 1, 28, 28)
    y = torch.randint(0, 10, (a.batch,))
    model.train()
    for step in range(a.steps + 5):
        if step == 5:
            start = time.perf_counter()
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    seconds = time.perf_counter() - start
    print("pytorch %s, width %d, batch %d, %d thread(s): %d steps in %.2f s, %.0f samples/s"
          % (torch.__version__, a.width, a.batch, a.threads, a.steps, seconds, a.steps * a.batch / seconds), flush=True)


if __name__ == "__main__":
    main()
