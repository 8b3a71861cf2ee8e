#!/bin/bash
# Issue 22 (docs/RESULTS.md §33): no shared folder. A search on zoos/default whose moves are evaluated
# only by two worker nodes on loopback, each in its own temp folder (its own copy of the datasets, its own
# blob folder; work items name no path, so nothing of the zoo or the search folder is read by a node),
# then the same search in one JVM, and the accepted assemblies compared.
#  - Node 1 runs with a transfer rate limit (--max-transfer-mbps) and is killed with kill -9 while one of its
#    blob transfers is under way (a *.part file in its folder); it is then restarted on the same folder,
#    which deletes the scratch file, and goes on. Node 0 runs throughout.
#  - Then a byte of one blob in node 0's folder is flipped, node 0 is restarted for a second, one-step
#    search, and its log shows the damaged file detected by its hash and fetched again.
# Usage: bench/blob-cluster.sh [WORK=/tmp/blob-cluster]; needs `mvn -B -o -q -pl bench -am package -DskipTests`.
set -u
cd "$(dirname "$0")/.."   # the repository: bench/target, data/ and zoos/ are read from there
CP="bench/target/classes:$(cat bench/target/classpath.txt)"
CP_ABS="$PWD/$CP"
W=${1:-/tmp/blob-cluster}
ZOO=$(readlink -f zoos/default)
JOPTS="-Xmx1g -Dpekko.cluster.failure-detector.acceptable-heartbeat-pause=8s"
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
rm -rf "$W"; mkdir -p "$W"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
now() { date -u +%T.%N | cut -c1-12; }
for k in 0 1; do mkdir -p "$W/node$k/data" "$W/node$k/blobs"; cp -rL data/mnist data/fashion-mnist "$W/node$k/data/"; done
PORT=$(free_port)
conf() {   # $1 file, $2 steps, $3 cluster block
  cat > "$1" <<CONF
search {
  zoo = "$ZOO"
  base = mnist-equal-64x64x64
  moves-per-step = 8
  budget { steps = $2, patience = 0 }
  $3
}
CONF
}
conf "$W/nodes.conf" 6 "cluster { enabled = true, port = $PORT, local-workers = false, files = transfer, stable-after-seconds = 5 }"
conf "$W/local.conf" 6 "workers = 2"
node() {   # $1 k, $2 log, $3.. extra options; its pid in LAST. It runs in its own folder: nothing relative resolves to the repository
  local k=$1 log=$2; shift 2
  (cd "$W/node$k" && exec java $JOPTS -cp "$CP_ABS" org.mal.cli.Main worker \
      --join 127.0.0.1:$PORT --port $(free_port) --workers 1 --blobs "$W/node$k/blobs" --data "$W/node$k/data" "$@" > "$log" 2>&1) &
  LAST=$!
}
gone() { while kill -0 "$1" 2>/dev/null; do sleep 0.1; done; }
echo "$(now) uptime: $(uptime)"
echo "$(now) search with 2 worker nodes (port $PORT), work in $W"
node 0 "$W/node0.log"; N0=$LAST
node 1 "$W/node1-a.log" --max-transfer-mbps 0.05; N1=$LAST
java $JOPTS -cp "$CP" org.mal.cli.Main search start --conf "$W/nodes.conf" --store "$W/search-nodes" > "$W/search-nodes.log" 2>&1 &
S=$!
KILLED=no
for i in $(seq 1 1200); do   # until node 1 has a transfer under way: kill -9 it then
  if ls "$W/node1/blobs/"*.part > /dev/null 2>&1; then
    kill -9 $N1; KILLED="yes, at $(now) with $(ls "$W/node1/blobs/"*.part | xargs -n1 basename) under way"
    echo "$(now) kill -9 node 1 (pid $N1): $KILLED"; break
  fi
  kill -0 $S 2>/dev/null || break
  sleep 0.05
done
wait $N1 2>/dev/null
sleep 1
echo "$(now) node 1's folder after the kill: $(ls "$W/node1/blobs" | tr '\n' ' ')"
node 1 "$W/node1-b.log"; N1=$LAST
echo "$(now) node 1 restarted on the same folder (pid $N1)"
wait $S; echo "$(now) search exit $?"; tail -3 "$W/search-nodes.log"
kill $N0 $N1 2>/dev/null; wait $N0 $N1 2>/dev/null
echo "$(now) the same search in one JVM (2 workers)"
java $JOPTS -cp "$CP" org.mal.cli.Main search start --conf "$W/local.conf" --store "$W/search-local" > "$W/search-local.log" 2>&1
echo "$(now) exit $?"
java -cp "$CP" org.mal.bench.JournalCheck "$W/search-nodes" "$W/search-local"
echo "--- node 1 after its restart:"; grep -h "unfinished blob transfers" "$W/node1-b.log"
echo "--- transfers (node 0, node 1 before the kill, node 1 after):"
grep -h "bytes in .* chunks in" "$W/node0.log" "$W/node1-a.log" "$W/node1-b.log" | sed 's/^INFO *//'

echo "$(now) damage one blob in node 0's folder, then a one-step search with node 0 alone"
B=$(ls "$W/node0/blobs" | grep -v part | head -1)
python3 -c "import sys;p=sys.argv[1];b=bytearray(open(p,'rb').read());b[len(b)//2]^=0x20;open(p,'wb').write(b)" "$W/node0/blobs/$B"
PORT=$(free_port)
conf "$W/again.conf" 1 "cluster { enabled = true, port = $PORT, local-workers = false, files = transfer, stable-after-seconds = 5 }"
node 0 "$W/node0-again.log"; N0=$LAST
java $JOPTS -cp "$CP" org.mal.cli.Main search start --conf "$W/again.conf" --store "$W/search-again" > "$W/search-again.log" 2>&1
echo "$(now) exit $?"
kill $N0; wait $N0 2>/dev/null
grep -h "$B" "$W/node0-again.log" | sed 's/^[A-Z]* *//'
