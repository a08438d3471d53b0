#!/usr/bin/env bash
# Benchmark: the baseline trained for one epoch on FER2013 by both engines on local[2] — DJL on
# one node (train.engine=djl) and DL4J's data-parallel Spark training (train.engine=dl4j-spark,
# 2 workers with parameter averaging) — printing validation accuracy and seconds per epoch.
#
#   bench/dl4j_vs_djl.sh [--master URL] [--engines "djl dl4j-spark"] [--ingest DATASET_DIR] [--set key=value ...]
#   bench/dl4j_vs_djl.sh --set train.maxTrainImages=2000          # a quick check that it works
#
# Reads the faces table of paths.warehouse (data/warehouse by default); --ingest first ingests and
# audits DATASET_DIR (e.g. ../shared/data/fer2013) into it. Models, run folders and results go to a
# temporary folder; only training_history in the warehouse gets the runs' rows, as any train does.
# DL4J gets train.threads=1 per worker (2 workers x 1 thread on 2 cores, as DJL's 2 threads);
# later --set options override that. Run it on an otherwise idle machine; figures go to
# bench/RESULTS.md by hand with the date.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MASTER="local[2]"
WORK="$(mktemp -d /tmp/deepfer-dl4j-vs-djl.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

ingest=""
engines="djl dl4j-spark"
sets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --ingest) ingest="$(cd "$2" && pwd)"; shift 2 ;;
    --master) MASTER="$2"; shift 2 ;;
    --engines) engines="$2"; shift 2 ;;
    --set) sets+=(--set "$2"); shift 2 ;;
    *) echo "unknown argument: $1 (expected --master URL, --engines LIST, --ingest DIR or --set key=value)" >&2; exit 2 ;;
  esac
done

[[ -f "${DEEPFER_BUILD:-$HERE/target}/deepfer.jar" ]] || (cd "$HERE" && mvn -q -B -DskipTests package)
cd "$HERE"
if [[ -n "$ingest" ]]; then
  ./spark-submit.sh --master "$MASTER" pipeline --stages ingest,audit --set ingest.input="$ingest" \
      > "$WORK/ingest.log" 2>&1 || { cat "$WORK/ingest.log"; exit 1; }
fi
mkdir -p "$WORK/results"
# The training split's normalization from the augment job, when there is one (else train computes it).
[[ -f results/normalization.json ]] && cp results/normalization.json "$WORK/results/"

train() { # engine [extra --set ...]
  local engine=$1; shift
  local start end
  start=$(date +%s.%N)
  ./spark-submit.sh --master "$MASTER" train --engine "$engine" --backbone baseline --epochs 1 \
      --set train.modelsDir="$WORK/models-$engine" --set paths.results="$WORK/results" \
      --set train.earlyStoppingPatience=0 "$@" > "$WORK/train-$engine.log" 2>&1 \
      || { tail -50 "$WORK/train-$engine.log"; exit 1; }
  end=$(date +%s.%N)
  python3 - "$engine" "$(echo "$end - $start" | bc)" "$WORK/models-$engine"/*/history.json <<'PY'
import json, sys
engine, wall, history = sys.argv[1], float(sys.argv[2]), sys.argv[3]
epochs = json.load(open(history))
m = epochs[-1]
print(f"{engine:<11} val accuracy {m['valAccuracy']:.4f}  macro-F1 {m['valMacroF1']:.4f}  "
      f"{m['seconds']:7.1f} s/epoch ({m['imagesPerSecond']:6.1f} train img/s)  "
      f"train loss {m['trainLoss']:.4f}  process wall {wall:6.1f} s")
PY
}

echo "baseline, 1 epoch, $MASTER, $(nproc) cores; ${sets[*]:-all training faces}"
for engine in $engines; do
  if [[ "$engine" == dl4j-spark ]]; then
    train dl4j-spark --set train.threads=1 "${sets[@]}"
  else
    train "$engine" "${sets[@]}"
  fi
done
