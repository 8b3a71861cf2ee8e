#!/usr/bin/env python3
"""scipy.optimize.linear_sum_assignment as the reference for org.mal.core.align.LinearAssignment.

Two modes (numpy and scipy are needed; scipy is never a runtime dependency of MAL):

  python3 bench/scripts/lap_reference.py
      Regenerates core/src/test/resources/lap/scipy_reference.json: seeded matrices (square and
      rectangular, 5..300, float64), scipy's optimal totals and a checksum of each matrix. The
      matrices themselves are not stored: they come from SplitMix64 with the same arithmetic as
      core/src/test/java/org/mal/core/align/LapMatrices.java, which rebuilds them bit for bit
      (LinearAssignmentTest checks the checksums before it compares totals).

  python3 bench/scripts/lap_reference.py --time [--sizes 64,128,256,512,1024] [--repeats 5]
                                           [--seed 1] [--kind uniform|product]
      Times scipy (minimising) on square matrices of the given sizes, generated exactly as
      org.mal.bench.LapMatrices does (seed = --seed + n; "uniform" in [0, 1) by default, "product"
      for a rank-4 weight-matching-like score), and prints one line per size:
      "n <n> median_ms <ms> min_ms <ms> total <optimal total>". Generation is not timed.
      org.mal.bench.LapVsScipy runs this and prints the ratio next to our solver on the same
      matrices in one run.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment

GAMMA = np.uint64(0x9E3779B97F4A7C15)


def splitmix64_doubles(seed, count):
    """The first `count` nextDouble() values of SplitMix64(seed), as in Java (53 random bits each).

    Vectorised: the k-th state is seed + (k + 1) * gamma (mod 2^64); numpy's uint64 arithmetic wraps
    like Java's long arithmetic.
    """
    with np.errstate(over="ignore"):
        z = np.uint64(seed % (1 << 64)) + (np.arange(1, count + 1, dtype=np.uint64) * GAMMA)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (2.0 ** -53)


def generate(kind, rows, cols, seed):
    """Row-major rows x cols float64 matrix with the same bits as LapMatrices.generate in Java.

    Element-wise numpy operations round exactly like Java's (no fused multiply-add), and the rank-4
    product is accumulated term by term in Java's order.
    """
    if kind == "product":
        rank = 4
        x = splitmix64_doubles(seed, (rows + cols) * rank) * 2 - 1
        a = x[: rows * rank].reshape(rows, rank)
        b = x[rows * rank:].reshape(cols, rank)
        s = np.zeros((rows, cols))
        for k in range(rank):
            s = s + a[:, k:k + 1] * b[:, k][None, :]
        return s
    u = splitmix64_doubles(seed, rows * cols).reshape(rows, cols)
    if kind == "uniform":
        return u
    if kind == "integers":
        return np.floor(u * 10)
    if kind == "signed":
        return (u - 0.5) * 2000
    raise ValueError("unknown kind " + kind)


def checksum(matrix):
    """Left-to-right sum in row-major order, as LapMatrices.checksum (not numpy's pairwise sum)."""
    s = 0.0
    for value in matrix.ravel().tolist():
        s += value
    return s


# (rows, cols, kind, goal): square and both rectangular orientations, every kind, both goals
CASES = [
    (5, 5, "uniform", "MINIMIZE"),
    (5, 5, "integers", "MAXIMIZE"),
    (7, 12, "signed", "MINIMIZE"),
    (12, 7, "integers", "MINIMIZE"),
    (30, 30, "product", "MAXIMIZE"),
    (50, 50, "integers", "MINIMIZE"),
    (64, 100, "uniform", "MAXIMIZE"),
    (100, 64, "signed", "MINIMIZE"),
    (128, 128, "uniform", "MINIMIZE"),
    (128, 128, "product", "MAXIMIZE"),
    (150, 150, "integers", "MAXIMIZE"),
    (200, 300, "product", "MAXIMIZE"),
    (300, 200, "uniform", "MINIMIZE"),
    (300, 300, "uniform", "MINIMIZE"),
    (300, 300, "signed", "MAXIMIZE"),
    (300, 300, "product", "MAXIMIZE"),
]


def write_reference(path):
    cases = []
    for index, (rows, cols, kind, goal) in enumerate(CASES):
        seed = 1000 + index
        cost = generate(kind, rows, cols, seed)
        row_ind, col_ind = linear_sum_assignment(cost, maximize=(goal == "MAXIMIZE"))
        total = float(cost[row_ind, col_ind].sum())
        cases.append({"rows": rows, "cols": cols, "kind": kind, "goal": goal, "seed": seed,
                      "checksum": checksum(cost), "total": total})
    document = {
        "generator": "bench/scripts/lap_reference.py (SplitMix64 matrices, see LapMatrices.java)",
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "cases": cases,
    }
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        # repr-exact floats: json writes the shortest string that round-trips
        json.dump(document, f, indent=1)
        f.write("\n")
    print("wrote %d cases to %s" % (len(cases), path))


def time_scipy(sizes, repeats, seed, kind):
    for n in sizes:
        cost = generate(kind, n, n, seed + n)
        linear_sum_assignment(cost)  # warm-up
        times = []
        total = None
        for _ in range(repeats):
            start = time.perf_counter()
            row_ind, col_ind = linear_sum_assignment(cost)
            times.append((time.perf_counter() - start) * 1e3)
            total = float(cost[row_ind, col_ind].sum())
        print("n %d median_ms %.4f min_ms %.4f total %r" % (n, statistics.median(times), min(times), total))
        sys.stdout.flush()


def main():
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time", action="store_true", help="time scipy instead of writing the reference file")
    parser.add_argument("--sizes", default="64,128,256,512,1024")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kind", default="uniform", choices=["uniform", "integers", "signed", "product"])
    parser.add_argument("--out", default=os.path.join(root, "core/src/test/resources/lap/scipy_reference.json"))
    args = parser.parse_args()
    if args.time:
        time_scipy([int(s) for s in args.sizes.split(",")], args.repeats, args.seed, args.kind)
    else:
        write_reference(args.out)


if __name__ == "__main__":
    main()
