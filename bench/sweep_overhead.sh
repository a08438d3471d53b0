#!/usr/bin/env bash
# What running a training as a sweep trial costs over running it directly: the same config
# (baseline, 1 epoch, first N training faces of the FER2013 warehouse) once as `train` and once as a
# one-model `sweep`, wall clock end to end (JVM, Spark, data loading included) and the training
# time each reports. Needs the warehouse: ./spark-submit.sh pipeline --input ../shared/data/fer2013
#   bench/sweep_overhead.sh [images=8000] [epochs=1]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
N="${1:-8000}"; E="${2:-1}"
OUT="$(mktemp -d /tmp/deepfer-overhead.XXXX)"
common=(--set "train.maxTrainImages=$N" --set train.threads=2 --set "train.modelsDir=$OUT/models"
  --set "paths.results=$OUT/results")

t0=$(date +%s.%N)
./spark-submit.sh train --backbone baseline --epochs "$E" "${common[@]}" > "$OUT/train.log" 2>&1
t1=$(date +%s.%N)
./spark-submit.sh sweep --epochs "$E" --set "sweep.models=[{backbone: baseline}]" --set sweep.threadsPerTrial=2 \
  "${common[@]}" > "$OUT/sweep.log" 2>&1
t2=$(date +%s.%N)

train_wall=$(echo "$t1 - $t0" | bc); sweep_wall=$(echo "$t2 - $t1" | bc)
train_fit=$(grep -ao 'in [0-9.]*s$' "$OUT/train.log" | tail -1 | tr -dc '0-9.')
sweep_fit=$(awk -F, 'NR==2 {print $(NF-4)}' "$OUT/results/model_sweep.csv")
echo "images $N, epochs $E (logs in $OUT)"
printf "direct train: wall %.1f s, training %.1f s\n" "$train_wall" "$train_fit"
printf "sweep trial:  wall %.1f s, training %.1f s\n" "$sweep_wall" "$sweep_fit"
# The sweep also times the model's inference speed (batch 1 and 64), work a plain train does not do.
speed=$(grep -ao 'timed in [0-9.]*s' "$OUT/sweep.log" | tail -1 | tr -dc '0-9.')
printf "overhead: wall %+.1f%%, training %+.1f%%\n" "$(echo "($sweep_wall - $train_wall) * 100 / $train_wall" | bc -l)" \
  "$(echo "($sweep_fit - $train_fit) * 100 / $train_fit" | bc -l)"
printf "overhead without the sweep's inference timing (%.1f s): wall %+.1f%%\n" "${speed:-0}" \
  "$(echo "($sweep_wall - ${speed:-0} - $train_wall) * 100 / $train_wall" | bc -l)"
