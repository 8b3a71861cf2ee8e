#!/usr/bin/env python3
"""NumPy/SciPy weight matching, the reference for org.mal.core.align.WeightMatching (issue 3's benchmark).

The same loop as WeightMatching.align for two MLPs of equal widths with the identity layer map
(Git Re-Basin's permutation coordinate descent, Ainsworth et al. 2023):

  * unit groups: -1 (the input), 0 .. L-1 (the outputs of layer k); the input and output groups
    are fixed to the identity, every hidden group k has a permutation P_k (P_k[p] = the target
    unit that base unit p is matched with);
  * objective J = sum_k <W_base_k, P_k W_target_k P_(k-1)^T>_F + <b_base_k, P_k b_target_k>;
  * score of group k, float64:
      S = W_base_k · W_target_k[:, P_(k-1)]^T + b_base_k b_target_k^T + W_base_(k+1)^T · W_target_(k+1)[P_(k+1), :]
  * P_k <- scipy.optimize.linear_sum_assignment(S, maximize=True), taken only when it gains more
    than 1e-12 over the current P_k on the same S;
  * each sweep visits the free groups in an order drawn by Fisher-Yates from
    java.util.SplittableRandom(seed), reproduced here bit for bit (SplitMix64 with the golden
    gamma, mix32 and RandomSupport.boundedNextInt), so with the same seed both sides visit the
    groups in the same order; the loop stops after a sweep without progress or --max-sweeps.

The models are safetensors files (u64 little-endian header length, JSON header, float32 data) with
PyTorch names "0.weight" [out, in], "0.bias", "2.weight", ...; read by hand (no safetensors package).

Usage:
  python3 bench/scripts/weight_matching_reference.py BASE TARGET [--repeats 5] [--warmup 1]
        [--seed 0] [--max-sweeps 100]

Prints one JSON object: objective_before, objective_after, sweeps, seconds (median of --repeats
runs after --warmup runs; file reading and float32 parsing are not timed, the float64 conversion,
both objectives and the loop are, as in WeightMatching.align), plus the other runs' times, the
split of the last run between score matrices and assignments, the visiting orders and versions.
"""
import argparse
import json
import os
import platform
import statistics
import struct
import sys
import time

import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment

MIN_GAIN = 1e-12
MASK64 = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15


def read_safetensors(path):
    """Name -> float32 array (C order) of every tensor in a safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    (header_len,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + header_len].decode("utf-8"))
    base = 8 + header_len
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError("%s: tensor %s is %s, only F32 is supported" % (path, name, info["dtype"]))
        start, end = info["data_offsets"]
        array = np.frombuffer(blob, dtype="<f4", count=(end - start) // 4, offset=base + start)
        tensors[name] = array.reshape(info["shape"]).astype(np.float32)
    return tensors


def mlp_layers(tensors, path):
    """[(weight, bias), ...] in layer order, from PyTorch Sequential names ("0.weight", "2.weight", ...)."""
    prefixes = sorted({int(n.split(".")[0]) for n in tensors}, key=int)
    layers = []
    for p in prefixes:
        w, b = tensors.get("%d.weight" % p), tensors.get("%d.bias" % p)
        if w is None or b is None:
            raise ValueError("%s: layer %d needs %d.weight and %d.bias" % (path, p, p, p))
        layers.append((w, b))
    for k in range(1, len(layers)):
        if layers[k][0].shape[1] != layers[k - 1][0].shape[0]:
            raise ValueError("%s: layer %d takes %d inputs but layer %d has %d outputs"
                             % (path, k, layers[k][0].shape[1], k - 1, layers[k - 1][0].shape[0]))
    return layers


class SplittableRandom:
    """java.util.SplittableRandom(seed) as of JDK 17: nextInt() and nextInt(bound), bit for bit."""

    def __init__(self, seed):
        self.seed = seed & MASK64

    @staticmethod
    def _int32(x):
        x &= 0xFFFFFFFF
        return x - (1 << 32) if x & 0x80000000 else x

    def next_int(self):
        self.seed = (self.seed + GOLDEN_GAMMA) & MASK64
        z = self.seed
        z = ((z ^ (z >> 33)) * 0x62A9D9ED799705F5) & MASK64
        return self._int32((((z ^ (z >> 28)) * 0xCB24D0A5C88C35B3) & MASK64) >> 32)

    def next_int_bounded(self, bound):
        # RandomSupport.boundedNextInt(rng, bound)
        r = self.next_int()
        m = bound - 1
        if bound & m == 0:
            return r & m
        u = (r & 0xFFFFFFFF) >> 1
        while True:
            r = u % bound
            if self._int32(u + m - r) >= 0:
                return r
            u = (self.next_int() & 0xFFFFFFFF) >> 1


def objective(base, target, perms):
    """J for perms[k] = P_k of group k (perms[-1] and the output group's are the identity)."""
    j = 0.0
    for k, ((wa, ba), (wb, bb)) in enumerate(zip(base, target)):
        out, inp = perms[k], perms[k - 1]
        j += float(np.sum(wa * wb[out][:, inp])) + float(np.dot(ba, bb[out]))
    return j


def align(base32, target32, seed, max_sweeps, timing=None):
    """One weight matching; returns (objective_before, objective_after, sweeps, perms, orders)."""
    base = [(w.astype(np.float64), b.astype(np.float64)) for w, b in base32]
    target = [(w.astype(np.float64), b.astype(np.float64)) for w, b in target32]
    depth = len(base)
    # perms[k] for k = -1 .. depth-1, stored at index k (so perms[-1] is the input's)
    perms = {-1: np.arange(base[0][0].shape[1])}
    for k in range(depth):
        perms[k] = np.arange(base[k][0].shape[0])
    before = objective(base, target, perms)
    # match list in WeightMatching's order: groups -1, 0, ..., depth-1; the input and output are fixed
    groups = list(range(-1, depth))
    free = [idx for idx, g in enumerate(groups) if g not in (-1, depth - 1)]
    random = SplittableRandom(seed)
    score_s = lap_s = 0.0
    orders = []
    sweeps = 0
    while sweeps < max_sweeps and free:
        sweeps += 1
        progress = False
        order = list(free)
        for i in range(len(order) - 1, 0, -1):
            j = random.next_int_bounded(i + 1)
            order[i], order[j] = order[j], order[i]
        orders.append([groups[idx] for idx in order])
        for idx in order:
            k = groups[idx]
            t0 = time.perf_counter()
            wa, ba = base[k]
            wb, bb = target[k]
            s = wa @ wb[:, perms[k - 1]].T                    # incoming weights, input perm applied
            s += np.outer(ba, bb)                             # biases
            wa_next, _ = base[k + 1]
            wb_next, _ = target[k + 1]
            s += wa_next.T @ wb_next[perms[k + 1], :]         # outgoing weights, output perm applied
            t1 = time.perf_counter()
            rows, cols = linear_sum_assignment(s, maximize=True)
            t2 = time.perf_counter()
            score_s += t1 - t0
            lap_s += t2 - t1
            new = np.empty_like(perms[k])
            new[rows] = cols
            r = np.arange(s.shape[0])
            gain = float(s[r, new].sum()) - float(s[r, perms[k]].sum())
            if gain > MIN_GAIN:
                perms[k] = new
                progress = True
        if not progress:
            break
    after = objective(base, target, perms)
    if timing is not None:
        timing["score_seconds"] = score_s
        timing["lap_seconds"] = lap_s
    return before, after, sweeps, perms, orders


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base")
    parser.add_argument("target")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0, help="SplittableRandom seed (WeightMatching.Settings.seed)")
    parser.add_argument("--max-sweeps", type=int, default=100)
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    base = mlp_layers(read_safetensors(args.base), args.base)
    target = mlp_layers(read_safetensors(args.target), args.target)
    if [w.shape for w, _ in base] != [w.shape for w, _ in target]:
        raise SystemExit("the two MLPs differ in shape: %s vs %s"
                         % ([w.shape for w, _ in base], [w.shape for w, _ in target]))

    for _ in range(args.warmup):
        align(base, target, args.seed, args.max_sweeps)
    seconds = []
    result = None
    timing = {}
    for _ in range(args.repeats):
        start = time.perf_counter()
        result = align(base, target, args.seed, args.max_sweeps, timing)
        seconds.append(time.perf_counter() - start)
    before, after, sweeps, perms, orders = result
    print(json.dumps({
        "objective_before": before,
        "objective_after": after,
        "sweeps": sweeps,
        "seconds": statistics.median(seconds),
        "seconds_all": seconds,
        "score_seconds_last": timing["score_seconds"],
        "lap_seconds_last": timing["lap_seconds"],
        "seed": args.seed,
        "orders": orders,
        "perm_checksums": {str(k): int(np.dot(np.arange(len(p), dtype=np.int64), p)) for k, p in perms.items()
                           if 0 <= k < len(base) - 1},
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
