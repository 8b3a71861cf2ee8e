#!/usr/bin/env bash
# Issue #5: the learning law inside real searches. For every model of the default zoo as the base,
# runs conf/search-learning.conf twice: with the paper laws only and with the paper laws followed by
# the learning law (conf/laws.conf as shipped). Prints, per base and policy, the accepted steps and
# the sum and mean of the accepted λ (each step's best move's λ*), read from `search status --json`.
# Usage: bash bench/search-learning.sh [OUT_DIR]   (default runs/search-learning)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/search-learning}
mkdir -p "$out"
bases=$(ls zoos/default | sed -n 's/\.safetensors$//p')
printf '%-40s %-10s %8s %8s %8s %8s\n' base policy accepted sum_l mean_l evals
for base in $bases; do
  for policy in laws learning; do
    conf="$out/$base-$policy.conf"
    {
      echo 'include file("'"$PWD"'/conf/search-learning.conf")'
      echo "search.base = $base"
      if [ "$policy" = laws ]; then
        echo 'policy.laws = [ {name = strong-base}, {name = width-tolerance}, {name = depth-order}, {name = merging-threshold} ]'
      fi
    } > "$conf"
    dir="$out/$base-$policy"
    rm -rf "$dir"
    ./mal search start --conf "$conf" --store "$dir" > "$dir.log" 2>&1 || { echo "search failed: $dir.log"; exit 1; }
    ./mal search status "$dir" --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
ls = [x["lambda"] for x in s["lineage"]]
print("%-40s %-10s %8d %8.3f %8.3f %8d" % (sys.argv[1], sys.argv[2], len(ls), sum(ls), sum(ls) / len(ls) if ls else 0, s["evaluations"]))
' "$base" "$policy"
  done
done
