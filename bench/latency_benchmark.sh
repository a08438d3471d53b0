#!/usr/bin/env bash
# Classifier latency, one model three ways: DJL eager (the model directory) against ONNX Runtime on
# model.onnx (fp32) and on model.int8.onnx, at batch 1 and 32 with 1 and 2 intra-op threads, on the
# FER2013 validation faces; p50/p95/p99 per call and images/s. Also the accuracy of each engine on
# every validation face and how closely int8 follows fp32. Writes results/latency_benchmark.csv.
# The model directory needs both ONNX files: deepfer export --model <dir> --int8 (on a copy of a
# model directory you want to keep untouched). Run on an otherwise idle machine.
#   bench/latency_benchmark.sh <model dir> [faces dir=../shared/data/fer2013/validation] [iterations=200] [warm-up=20]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
MODEL="${1:?usage: bench/latency_benchmark.sh <model dir> [faces dir] [iterations] [warm-up]}"
FACES="${2:-../shared/data/fer2013/validation}"; ITERATIONS="${3:-200}"; WARMUP="${4:-20}"
for f in model.onnx model.int8.onnx; do
  [[ -f "$MODEL/$f" ]] || { echo "$MODEL/$f is missing: run deepfer export --model $MODEL --int8 first" >&2; exit 2; }
done
BUILD="${DEEPFER_BUILD:-target}"   # a copied build, as spark-submit.sh uses it
if [[ ! -f "$BUILD/deepfer.jar" ]] || ! compgen -G "$BUILD/lib/onnxruntime-*.jar" >/dev/null; then
  mvn -q -B -DskipTests package
fi
# PyTorch's OpenMP threads wait passively, as everywhere in this project (spark-submit.sh);
# ONNX Runtime keeps its own thread pool's defaults.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" DJL_OFFLINE=true
java -Xmx4g -Dai.djl.offline=true -cp "$BUILD/deepfer.jar:$BUILD/lib/*" org.deepfer.export.LatencyBenchmark \
  "$MODEL" "$FACES" "$ITERATIONS" "$WARMUP"
