#!/bin/bash
# Issue 22 (docs/RESULTS.md §30b): ScaleSearch run B: start, kill -9 once the status says >= KILL_AT evaluations, resume to the end; both JVMs -Xmx512m.
set -u
cd "$(dirname "$0")/.."   # the repository: bench/target and data/ are read from there
CP="bench/target/classes:$(cat bench/target/classpath.txt)"
KILL_AT=${1:-40000}
rm -rf /tmp/ss-B
java -Xmx512m -cp "$CP" org.mal.bench.ScaleSearch start /tmp/z22-10k /tmp/ss-B 100000 1000 > /tmp/scale-B1.log 2>&1 &
PID=$!
while kill -0 $PID 2>/dev/null; do
  n=$(python3 -c "import json;print(json.load(open('/tmp/ss-B/status.json'))['evaluations'])" 2>/dev/null || echo 0)
  if [ "$n" -ge "$KILL_AT" ]; then kill -9 $PID; echo "kill -9 at status evaluations=$n $(date -u +%T)"; break; fi
  sleep 0.5
done
wait $PID 2>/dev/null
echo "resuming $(date -u +%T)"
java -Xmx512m -cp "$CP" org.mal.bench.ScaleSearch resume /tmp/z22-10k /tmp/ss-B 100000 1000 > /tmp/scale-B2.log 2>&1
echo "resume exit $? $(date -u +%T)"
