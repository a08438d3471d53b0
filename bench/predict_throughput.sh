#!/usr/bin/env bash
# Batch inference: the predict job (local[2], one predictor per partition, Delta write included)
# against a plain single-process loop over the same model and faces (bench/RESULTS.md, issue 5:
# the job should reach >= 0.75x the loop). Run on an otherwise idle machine.
#   bench/predict_throughput.sh <model dir> [split=validation, or all: the whole table] [batch=128]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
MODEL="${1:?usage: bench/predict_throughput.sh <model dir> [split] [batch]}"
SPLIT="${2:-validation}"; BATCH="${3:-128}"
BUILD="${DEEPFER_BUILD:-target}"   # a copied build, as spark-submit.sh uses it
[[ -f "$BUILD/deepfer.jar" ]] || mvn -q -B -DskipTests package
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" DJL_OFFLINE=true
# Spark's module openings, as spark-submit.sh passes them.
OPENS=$(sed -n '/^OPENS=(/,/^)/p' spark-submit.sh | grep -o -- '--add-opens=[^ ]*' | tr '\n' ' ')
# shellcheck disable=SC2086
java -Xmx6g -Dai.djl.offline=true $OPENS \
  -cp "$BUILD/deepfer.jar:$BUILD/lib/*" org.deepfer.predict.PredictLoopBenchmark "${WAREHOUSE:-data/warehouse}" \
  "$MODEL" "$SPLIT" "$BATCH" 2>/dev/null | grep 'plain loop'
SPLIT_OPTION=(--split "$SPLIT"); [[ "$SPLIT" == all ]] && SPLIT_OPTION=()
./spark-submit.sh --driver-memory 6g predict --model "$MODEL" "${SPLIT_OPTION[@]}" --batch-size "$BATCH" 2>/dev/null \
  | grep -E 'faces in|accuracy|wall clock'
