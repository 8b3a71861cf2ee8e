#!/usr/bin/python3
"""Bring your own PyTorch model, there and back: the round trip of the README's "Bring your own
PyTorch model" section, run by CI (app's PyTorchRoundTripTest, with Debian's python3-torch).

1. Trains two small MLPs in PyTorch on MAL's MNIST training rows (./data/mnist, IDX): a custom
   nn.Module with nested names (level1.1.weight, level2.1.weight, head.weight), inputs normalised
   with MNIST's mean and std, the second with a biasless head and a buffer. Seeded, a few seconds each.
2. Saves their state dicts as .safetensors (the safetensors package when installed, else a few
   lines of numpy/struct) and imports them: mal zoo import --task mnist --input-mean --input-std.
   Checks that MAL's reported test accuracy of each equals PyTorch's on the same rows.
3. Merges them: mal merge --eval mnist --lambda 0.5 --out, loads the merge back into the same
   PyTorch module (normalisation and all: the folding is undone exactly) and checks that PyTorch's
   accuracy equals MAL's reported accuracy on the same rows within 0.05 points.
   Imports them again without --input-mean/--input-std, to measure what forgetting it costs.
4. Runs a one-step search from the first over both, exports its assembly (mal export), loads it into
   PyTorch and checks it against MAL's accuracy of the exported file (mal zoo import reports it);
   mal merge --recipe computes the assembly again from the imported zoo, byte for byte.

Usage: /usr/bin/python3 roundtrip.py --data DATA --work DIR [--mal "COMMAND"]
(--mal defaults to the repository's ./mal launcher). Exits non-zero on any failure; the last line
of a successful run starts with "ROUNDTRIP OK" followed by a JSON object of what was measured.
"""
import argparse
import gzip
import json
import os
import re
import shlex
import struct
import subprocess
import sys
import time

import numpy as np
import torch
from torch import nn

MEAN, STD = 0.1307, 0.3081
TOLERANCE_POINTS = 0.05


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist(data_dir):
    d = os.path.join(data_dir, "mnist")
    def part(images, labels):
        x = read_idx(os.path.join(d, images)).reshape(-1, 784).astype(np.float32) / np.float32(255)   # as MAL: byte / 255f
        return torch.from_numpy(x), torch.from_numpy(read_idx(os.path.join(d, labels)).astype(np.int64))
    return part("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"), part("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


class Net(nn.Module):
    """A user's own module: nested blocks, its own input normalisation, optionally a biasless head and a buffer."""

    def __init__(self, h1, h2, head_bias=True, mean=MEAN, std=STD):
        super().__init__()
        self.mean, self.std = mean, std
        self.level1 = nn.Sequential(nn.Identity(), nn.Linear(784, h1), nn.ReLU())
        self.level2 = nn.Sequential(nn.Dropout(0.0), nn.Linear(h1, h2), nn.ReLU())
        self.head = nn.Linear(h2, 10, bias=head_bias)
        # a buffer that is not a parameter (named as BatchNorm's counter): MAL ignores it with a note
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def forward(self, x):
        return self.head(self.level2(self.level1((x - self.mean) / self.std)))


def train(net, x, y, seed, epochs=2, batch=128):
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    net.train()
    for _ in range(epochs):
        for idx in torch.randperm(len(x), generator=g).split(batch):
            opt.zero_grad()
            nn.functional.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
            net.num_batches_tracked += 1
    net.eval()
    return net


@torch.no_grad()
def accuracy(net, x, y):
    return 100.0 * (net(x).argmax(1) == y).double().mean().item()


def save_safetensors(tensors, path):
    """A state dict as .safetensors: the safetensors package when installed, else the format written by hand."""
    tensors = {k: v.detach().contiguous() for k, v in tensors.items()}
    try:
        from safetensors.torch import save_file
        save_file(tensors, path)
        return
    except ImportError:
        pass
    dtypes = {torch.float32: ("F32", "<f4"), torch.float64: ("F64", "<f8"), torch.int64: ("I64", "<i8")}
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        code, np_type = dtypes[t.dtype]
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


def load_safetensors(path):
    """Tensors and metadata of a .safetensors file (F32/F64), with numpy."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    types = {"F32": "<f4", "F64": "<f8"}
    out = {}
    for name, info in header.items():
        a, b = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype=types[info["dtype"]]).reshape(info["shape"]).copy()).float()
    return out, meta


def into_module(tensors, h1, h2):
    """MAL's tensors (0., 2., 4. as nn.Sequential names them; normalisation folded into layer 0) loaded into Net,
    whose forward normalises: the folding W' = W / std, b' = b - (mean / std) W 1 undone exactly."""
    w0, b0 = tensors["0.weight"].double(), tensors["0.bias"].double()
    state = {
        "level1.1.weight": (w0 * STD).float(), "level1.1.bias": (b0 + MEAN * w0.sum(1)).float(),
        "level2.1.weight": tensors["2.weight"], "level2.1.bias": tensors["2.bias"],
        "head.weight": tensors["4.weight"], "head.bias": tensors["4.bias"],
        "num_batches_tracked": torch.tensor(0, dtype=torch.long),
    }
    net = Net(h1, h2)
    net.load_state_dict(state, strict=True)
    return net.eval()


def mal(cmd, *args):
    full = cmd + [str(a) for a in args]
    print("$ mal " + " ".join(shlex.quote(str(a)) for a in args), flush=True)
    t = time.time()
    r = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(r.stdout, end="", flush=True)
    if r.returncode != 0:
        sys.exit("FAILED: mal %s exited %d" % (" ".join(map(str, args)), r.returncode))
    print("  (%.1f s)" % (time.time() - t), flush=True)
    return r.stdout


def check(what, torch_acc, mal_acc, results):
    diff = abs(torch_acc - mal_acc)
    print("%s: PyTorch %.4f%%, MAL %.4f%%, difference %.4f points" % (what, torch_acc, mal_acc, diff), flush=True)
    results[what] = {"pytorch": round(torch_acc, 4), "mal": round(mal_acc, 4), "difference": round(diff, 4)}
    if diff > TOLERANCE_POINTS:
        sys.exit("FAILED: %s: PyTorch and MAL differ by %.4f points (> %.2f)" % (what, diff, TOLERANCE_POINTS))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="data")
    p.add_argument("--work", required=True)
    p.add_argument("--mal", default=os.path.join(here, "..", "..", "..", "..", "mal"))
    a = p.parse_args()
    cmd = shlex.split(a.mal)
    os.makedirs(a.work, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(1)   # small matrices: one thread is fastest, and CI machines are shared
    (xtr, ytr), (xte, yte) = load_mnist(a.data)
    print("MNIST from %s: %d training rows, %d test rows" % (a.data, len(xtr), len(xte)), flush=True)
    results = {"test_rows": len(xte)}

    shapes = {"torch-a": (64, 32, True, 1), "torch-b": (48, 32, False, 2)}
    nets = {}
    for name, (h1, h2, head_bias, seed) in shapes.items():
        torch.manual_seed(seed)
        t = time.time()
        nets[name] = train(Net(h1, h2, head_bias), xtr, ytr, seed)
        print("trained %s (784-%d-%d-10%s) in %.1f s: test accuracy %.2f%%" % (name, h1, h2, "" if head_bias else ", head without bias",
              time.time() - t, accuracy(nets[name], xte, yte)), flush=True)
        save_safetensors(nets[name].state_dict(), os.path.join(a.work, name + ".safetensors"))

    zoo = os.path.join(a.work, "zoo")
    out = mal(cmd, "zoo", "import", *[os.path.join(a.work, n + ".safetensors") for n in shapes], "--zoo", zoo, "--task", "mnist",
              "--input-mean", MEAN, "--input-std", STD, "--data", a.data)
    for name in shapes:
        m = re.search(r"imported \S+ as %s \(.*?test accuracy ([0-9.]+)%%" % re.escape(name), out)
        if not m:
            sys.exit("FAILED: no test accuracy for %s in mal zoo import's output" % name)
        check("import of " + name, accuracy(nets[name], xte, yte), float(m.group(1)), results)   # import prints 2 decimals
    mal(cmd, "zoo", "list", "--zoo", zoo)
    # what forgetting the normalisation costs: the same files imported as if trained on [0, 1] inputs
    out = mal(cmd, "zoo", "import", *[os.path.join(a.work, n + ".safetensors") for n in shapes], "--zoo", os.path.join(a.work, "zoo-raw"),
              "--task", "mnist", "--data", a.data)
    for name in shapes:
        m = re.search(r"imported \S+ as %s \(.*?test accuracy ([0-9.]+)%%" % re.escape(name), out)
        results["without normalisation, " + name] = {"mal": float(m.group(1)),
                                                     "cost": round(results["import of " + name]["mal"] - float(m.group(1)), 4)}

    merged = os.path.join(a.work, "merged.safetensors")
    out = mal(cmd, "merge", "--zoo", zoo, "--base", "torch-a", "--target", "torch-b", "--eval", "mnist", "--lambda", "0.5",
              "--out", merged, "--data", a.data)
    m = re.search(r"the merge on \S+ \((\d+) rows\): accuracy ([0-9.]+)%", out)
    if not m or int(m.group(1)) != len(xte):
        sys.exit("FAILED: mal merge did not report the merge's accuracy on the %d test rows" % len(xte))
    tensors, _ = load_safetensors(merged)
    check("merge at lambda 0.5", accuracy(into_module(tensors, 64, 32), xte, yte), float(m.group(2)), results)

    conf = os.path.join(a.work, "search.conf")
    with open(conf, "w") as f:
        f.write("""search {
  zoo = "%s"
  base = torch-a
  seed = 1
  workers = 1
  moves-per-step = 2
  evaluation { grid = 5, rows = 500, tolerance = 0.2 }   # a loose tolerance: a move is accepted whatever the training noise
  budget { steps = 1, patience = 0 }
}
""" % zoo)
    store = os.path.join(a.work, "search")
    mal(cmd, "search", "start", "--conf", conf, "--store", store, "--data", a.data)
    assembly = os.path.join(a.work, "assembly.safetensors")
    mal(cmd, "export", store, "--out", assembly)
    again = os.path.join(a.work, "again.safetensors")   # the recipe computes it again from the imported zoo, bit for bit
    mal(cmd, "merge", "--recipe", os.path.join(a.work, "assembly.recipe.json"), "--zoo", zoo, "--out", again, "--data", a.data)
    with open(assembly, "rb") as f1, open(again, "rb") as f2:
        if f1.read() != f2.read():
            sys.exit("FAILED: merge --recipe did not give back the exported assembly byte for byte")
    results["recipe replayed bit for bit"] = True
    tensors, meta = load_safetensors(assembly)
    card = json.loads(meta["mal.card"])
    out = mal(cmd, "zoo", "import", assembly, "--zoo", os.path.join(a.work, "zoo-check"), "--task", "mnist", "--id", "assembly", "--data", a.data)
    m = re.search(r"test accuracy ([0-9.]+)%", out)
    net = into_module(tensors, 64, 32)
    check("exported assembly " + card["id"], accuracy(net, xte, yte), float(m.group(1)), results)
    print("ROUNDTRIP OK " + json.dumps(results, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
