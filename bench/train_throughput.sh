#!/usr/bin/env bash
# Training throughput per model on this machine (batch 64): images/s, FLOPs per image, GFLOP/s.
#   bench/train_throughput.sh [batch] [steps] [model:channels:size ...]
# Run it on an otherwise idle machine; results go to bench/RESULTS.md by hand with the date.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ -f "$HERE/target/deepfer.jar" ]] || (cd "$HERE" && mvn -q -B -DskipTests package)
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
exec java -Xmx8g -Dai.djl.offline=true -cp "$HERE/target/deepfer.jar:$HERE/target/lib/*" \
  org.deepfer.train.ThroughputBenchmark "$@"
