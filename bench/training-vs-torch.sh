#!/usr/bin/env bash
# Issue 20's training verdict (docs/RESULTS.md §41): an older build's trainer and this one's, each against
# PyTorch (TrainingVsTorch: 784-128-128-10, Adam 1e-3, batch 128), alternating, at 2 and 1 threads; then the
# issue's own scale (60,000 rows, 5 epochs) and `train --epochs 5` of both builds.
# Usage: bench/training-vs-torch.sh OLD_CHECKOUT NEW_SNAPSHOT
#   OLD_CHECKOUT: a worktree of the older commit built with `mvn -B -q -pl bench -am package -DskipTests`
#   NEW_SNAPSHOT: a folder holding this build's bench classes (classes/) and classpath.txt pointing at copies
#                 of its module jars (so that a rebuild during the run changes nothing)
# Run from the repository's root with the data in data/; needs /usr/bin/python3 with torch and OpenBLAS.
set -u
OLD=$1; NEW=$2
export OMP_WAIT_POLICY=PASSIVE
run() { # dir classpath threads rows epochs reps
  (cd "$1" && OMP_NUM_THREADS=$3 java -Xmx4g -cp "$2" org.mal.bench.TrainingVsTorch data "$4" "$5" "$6" "$3" 128,128 2>&1 | grep -v "WARN\|INFO")
}
date -u; uptime
for pass in 1 2; do
  for t in 2 1; do
    echo "=== pass $pass threads $t OLD"; run "$OLD" "$OLD/bench/target/classes:$(cat "$OLD/bench/target/classpath.txt")" $t 20000 2 3
    echo "=== pass $pass threads $t NEW"; run "$PWD" "$NEW/classes:$(cat "$NEW/classpath.txt")" $t 20000 2 3
  done
done
echo "=== NEW full: 60000 rows, 5 epochs, threads 2"; run "$PWD" "$NEW/classes:$(cat "$NEW/classpath.txt")" 2 60000 5 3
echo "=== train --dataset fashion-mnist --widths 128,128 --epochs 5 (OMP 2): old, new, old, new"
for pass in 1 2; do
  for side in old new; do
    if [ $side = old ]; then CP="$OLD/app/target/mal-app-0.1.0-SNAPSHOT.jar:$(cat "$OLD/app/target/classpath.txt")"; else CP="$NEW/classes:$(cat "$NEW/classpath.txt")"; fi
    s=$(date +%s.%N)
    OMP_NUM_THREADS=2 java -Xmx4g -cp "$CP" org.mal.cli.Main train --dataset fashion-mnist --widths 128,128 --epochs 5 \
        --out "$(mktemp -d)/$side-$pass.safetensors" 2>&1 | grep -v "WARN\|INFO" | tail -1
    echo "$side pass $pass wall $(echo "$(date +%s.%N) - $s" | bc) s"
  done
done
date -u; uptime
