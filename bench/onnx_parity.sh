#!/usr/bin/env bash
# ONNX Runtime vs DJL on real faces (issue 6): the model's exported model.onnx against its DJL
# parameters on every n-th FER2013 validation image (bench/RESULTS.md).
#   bench/onnx_parity.sh <model dir> [faces=1000] [image folder=../shared/data/fer2013/validation]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
MODEL="${1:?usage: bench/onnx_parity.sh <model dir> [faces] [image folder]}"
BUILD="${DEEPFER_BUILD:-target}"
[[ -f "$BUILD/deepfer.jar" ]] || mvn -q -B -DskipTests package
[[ -f "$MODEL/model.onnx" ]] || java -Dai.djl.offline=true -cp "$BUILD/deepfer.jar:$BUILD/lib/*" \
  org.deepfer.cli.DeepFer export --model "$MODEL" --calibrated
java -Dai.djl.offline=true -cp "$BUILD/deepfer.jar:$BUILD/lib/*" org.deepfer.export.ParityBenchmark \
  "$MODEL" "${3:-../shared/data/fer2013/validation}" "${2:-1000}" 2>/dev/null
