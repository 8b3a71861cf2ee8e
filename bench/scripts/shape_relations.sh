#!/usr/bin/env bash
# Aligned vs naive merging for one heterogeneous pair of the default zoo per shape relation
# (issue #3): base wider in every hidden group, narrower in every group, and the two
# size-incompatible directions (a weight matrix with more rows and fewer columns, and the reverse).
# Needs the default zoo (./mal demo). Writes JSON to runs/shape-relations/ and prints a Markdown table.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out=runs/shape-relations
mkdir -p "$out"
pairs=(
  "wider:fashion-mnist-equal-64x64x64:fashion-mnist-equal-32x32x32"
  "narrower:fashion-mnist-equal-32x32x32:fashion-mnist-equal-64x64x64"
  "incompatible-a:fashion-mnist-inverse-pyramid-64x32x64:fashion-mnist-pyramid-32x64x32"
  "incompatible-b:fashion-mnist-pyramid-32x64x32:fashion-mnist-inverse-pyramid-64x32x64"
)
for p in "${pairs[@]}"; do
  IFS=: read -r name base target <<<"$p"
  ./mal merge --base "$base" --target "$target" --eval fashion-mnist --grid 25 --json "$out/$name.json" --force >"$out/$name.txt"
done
python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
print("| relation | base | target | barrier aligned | barrier naive | AUC aligned | AUC naive | AUC ratio | λ* |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|")
for name in ["wider", "narrower", "incompatible-a", "incompatible-b"]:
    j = json.load(open(os.path.join(out, name + ".json")))
    m = j["metrics"]
    b = os.path.basename(j["base"]).replace(".safetensors", "")
    t = os.path.basename(j["target"]).replace(".safetensors", "")
    print(f"| {name} | {b} | {t} | {m['barrier']:.4f} | {m['naive_barrier']:.4f} | {m['auc']:.4f} | {m['naive_auc']:.4f} | {m['auc_ratio']:.3f} | {m['lambda_star']:.3f} |")
PY
