#!/usr/bin/env bash
# Benchmark: ingest + audit of real FER2013 (../shared/data/fer2013, 32,298 images) on local[2],
# then the same on the data doubled (the folders ingested under two prefixes), to see how time grows.
#
#   bench/ingest_audit.sh [dataset-dir]
#
# Prints wall time (JVM + Spark start included) and images/s per stage, the in-job stage times
# from each run's provenance.json, and the audit's findings. Targets (issue 2): ingest + full
# audit <= 60 s; doubled data <= 2.2x the time. Work happens in a temporary folder; the dataset is
# only read.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$(cd "${1:-$HERE/../shared/data/fer2013}" && pwd)"
WORK="$(mktemp -d /tmp/deepfer-bench.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
MASTER="local[2]"

[[ -f "$HERE/target/deepfer.jar" ]] || (cd "$HERE" && mvn -q -B -DskipTests package)

# Two prefixes over the same folders: every image appears twice (exact duplicates across prefixes).
mkdir -p "$WORK/doubled"
ln -s "$DATA" "$WORK/doubled/copy_a"
ln -s "$DATA" "$WORK/doubled/copy_b"

run_stage() { # name input-dir job [args...]
  local name=$1 tag=$2; shift 2
  local start end
  start=$(date +%s.%N)
  (cd "$WORK" && "$HERE/spark-submit.sh" --master "$MASTER" "$@" \
      --set paths.warehouse="$WORK/$tag/warehouse" --set paths.results="$WORK/$tag/results" \
      > "$WORK/$tag-$name.log" 2>&1) || { cat "$WORK/$tag-$name.log"; exit 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

stages_of() { # results-dir: one line per run with its in-job stage times
  for run in "$1/runs/"*; do
    python3 - "$run/provenance.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
stages = ", ".join(f"{k} {v:.1f}s" for k, v in p["stageSeconds"].items())
faces = p["facts"].get("faces")
print(f"           {p['job']:<8} in-job stages: {stages}" + (f" ({faces} faces ingested)" if faces else ""))
PY
  done
}

report() { # tag input images
  local tag=$1 input=$2 images=$3
  # (a) two spark-submits, as a user runs them one by one: JVM and Spark start paid twice.
  local t_ingest t_audit total
  t_ingest=$(run_stage ingest "$tag-separate" ingest --input "$input")
  t_audit=$(run_stage audit "$tag-separate" audit)
  total=$(echo "$t_ingest + $t_audit" | bc)
  printf '%-8s %6d images  separate jobs: ingest %5.1fs (%5.0f img/s)  audit %5.1fs (%5.0f img/s)  total %5.1fs\n' \
    "$tag" "$images" "$t_ingest" "$(echo "$images / $t_ingest" | bc -l)" "$t_audit" \
    "$(echo "$images / $t_audit" | bc -l)" "$total"
  stages_of "$WORK/$tag-separate/results"
  # (b) one spark-submit running both stages: what a scheduled pipeline does.
  local t_pipe
  t_pipe=$(run_stage pipeline "$tag-pipeline" pipeline --stages ingest,audit --input "$input")
  printf '%-8s %6d images  one pipeline run (ingest+audit): %5.1fs (%5.0f img/s)\n' \
    "$tag" "$images" "$t_pipe" "$(echo "$images / $t_pipe" | bc -l)"
  stages_of "$WORK/$tag-pipeline/results"
  echo "$total" > "$WORK/$tag.separate"
  echo "$t_pipe" > "$WORK/$tag.pipeline"
}

images=$(find "$DATA" -type f | wc -l)
echo "DeepFER ingest+audit benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, master $MASTER, data $DATA"
report single "$DATA" "$images"
report doubled "$WORK/doubled" $((2 * images))
for mode in separate pipeline; do
  printf 'doubling factor (%s): %.2fx (target <= 2.2x)\n' "$mode" \
    "$(echo "$(cat "$WORK/doubled.$mode") / $(cat "$WORK/single.$mode")" | bc -l)"
done

echo
echo "audit findings on $DATA:"
python3 - "$WORK/single-pipeline/results/data_audit.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
print(f"  images {a['images']} {a['imagesPerSplit']}")
for name, f in sorted(a["findings"].items()):
    print(f"  {name:<16} images {f['images']:>6}  groups {f['groups']:>6}")
cb = a["classBalance"]
print(f"  imbalance ratio {cb['imbalanceRatio']:.1f}; train counts {cb['counts']}")
PY
