#!/usr/bin/env bash
# Same trials, two cluster managers: runs a small sweep and a small search on the synthetic sample
# with --master local[2], then on a standalone cluster (master + 2 workers x 1 core on 127.0.0.1,
# jobs/cluster.sh), and compares the metrics trial by trial. With fixed seeds and one
# PyTorch thread per trial they must be identical.
#   bench/scale_check.sh [workdir=/tmp/deepfer-scale]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-/tmp/deepfer-scale}"
rm -rf "$WORK"; mkdir -p "$WORK"
cd "$HERE"
[[ -f target/deepfer.jar ]] || mvn -q -B -DskipTests package

common=(--set "paths.sample=$WORK/sample" --set "paths.warehouse=$WORK/warehouse"
  --set train.excludeFindings=[] --set train.maxTrainImages=128 --set train.batchSize=32)
sweep=(--set sweep.threadsPerTrial=1 --set sweep.epochs=2
  --set "sweep.models=[{backbone: baseline, set: [train.width=0.25]}, {backbone: resnet18, set: [train.width=0.25]}, {backbone: mobilenetv2}]")
tune=(--set tune.threadsPerTrial=1 --set tune.trials=4 --set tune.eta=2 --set tune.minEpochs=1 --set tune.maxEpochs=2
  --set train.backbone=baseline --set train.width=0.25)

./spark-submit.sh --master 'local[2]' pipeline --stages ingest "${common[@]}" --set "paths.results=$WORK/results-setup" \
  > "$WORK/setup.log" 2>&1 || { tail -30 "$WORK/setup.log"; exit 1; }

run_all() { # label, master
  local label="$1" master="$2" start end
  start=$(date +%s)
  for job in sweep tune; do
    local -n extra="$job"
    ./spark-submit.sh --master "$master" --executor-memory 1500m "$job" "${common[@]}" "${extra[@]}" \
      --set "paths.results=$WORK/results-$label" --set "train.modelsDir=$WORK/models-$label" \
      > "$WORK/$job-$label.log" 2>&1 || { echo "$job on $label failed:"; tail -40 "$WORK/$job-$label.log"; exit 1; }
  done
  end=$(date +%s)
  echo "$label: sweep + tune in $((end - start)) s"
}

run_all local 'local[2]'
jobs/cluster.sh start --workers 2 --cores 1 --memory 3g --dir "$WORK/cluster"
trap 'jobs/cluster.sh stop --dir "$WORK/cluster"' EXIT
run_all standalone spark://127.0.0.1:7077

/usr/bin/env python3 - "$WORK" <<'PY'
import csv, sys
work = sys.argv[1]
def rows(label, name, key, cols):
    with open(f"{work}/results-{label}/{name}") as f:
        return {tuple(r[k] for k in key): tuple(r[c] for c in cols) for r in csv.DictReader(f)}
ok = True
for name, key, cols in [("model_sweep.csv", ["model"], ["status", "val_accuracy", "val_macro_f1", "best_epoch", "params"]),
                        ("hparam_trials.csv", ["trial", "rung"], ["status", "score", "val_accuracy", "epochs_done"])]:
    a, b = rows("local", name, key, cols), rows("standalone", name, key, cols)
    print(f"{name}: {len(a)} rows on local[2], {len(b)} on standalone")
    for k in sorted(set(a) | set(b)):
        same = a.get(k) == b.get(k)
        ok &= same
        print(f"  {'/'.join(k):14} local {a.get(k)}  standalone {b.get(k)}  {'same' if same else 'DIFFERENT'}")
print("IDENTICAL" if ok else "DIFFERENCES FOUND")
sys.exit(0 if ok else 1)
PY
