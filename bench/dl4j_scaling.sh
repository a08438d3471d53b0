#!/usr/bin/env bash
# DL4J vs DJL on local[2], then DL4J on a standalone cluster of 1 and 2 workers (bench/RESULTS.md).
# One epoch each on a hashed 4,000-face subset of the warehouse's faces (FER2013), full validation.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEEPFER_BUILD="${DEEPFER_BUILD:-$PWD/target}"
N="${1:-4000}"
echo "== local[2]: djl and dl4j-spark"
bench/dl4j_vs_djl.sh --master "local[2]" --set train.maxTrainImages=$N 2>&1 | tail -3
for w in 1 2; do
  D=/tmp/dl4j-cluster-$w
  rm -rf $D
  jobs/cluster.sh start --workers $w --cores 1 --memory 3g --port 17377 --webui-port 18380 --dir $D 2>&1 | tail -1
  echo "== standalone cluster, $w worker(s) x 1 core: dl4j-spark"
  bench/dl4j_vs_djl.sh --master spark://127.0.0.1:17377 --engines dl4j-spark --set train.maxTrainImages=$N \
     --set train.threads=1 2>&1 | tail -2
  jobs/cluster.sh stop --dir $D 2>&1 | tail -1
done
