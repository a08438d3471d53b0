#!/usr/bin/env bash
# DeepFER launcher: ./spark-submit.sh [spark-submit options] <job> [job options]
#
#   ./spark-submit.sh pipeline                                  # built-in sample, local[*]
#   ./spark-submit.sh --master local[2] ingest --input ../shared/data/fer2013
#   ./spark-submit.sh --conf spark.sql.shuffle.partitions=16 audit --set audit.nearDupHamming=6
#
# Builds target/deepfer.jar (+ target/lib) if missing, then submits through
# org.apache.spark.deploy.SparkSubmit from the project's own classpath, so no Spark download is
# needed. With SPARK_HOME set, $SPARK_HOME/bin/spark-submit is used instead, with our extra jars.
# DEEPFER_BUILD=<dir> runs a build kept elsewhere (a copy of target/), so a long training run is not
# disturbed when the project is rebuilt under it.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=jobs/lib/build.sh
source "$HERE/jobs/lib/build.sh"
# shellcheck source=jobs/lib/onednn.sh
source "$HERE/jobs/lib/onednn.sh"
# Where commands given no --model look for the shipped models/default (after the working directory).
export DEEPFER_HOME="${DEEPFER_HOME:-$HERE}"
MAIN_CLASS=org.deepfer.cli.DeepFer
# PyTorch's OpenMP threads spin-wait by default; on a shared 2-core machine that makes training
# steps 3-10x slower whenever anything else runs. Passive waiting keeps them steady.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
# Natives come from the Maven jars: never download at run time.
export DJL_OFFLINE="${DJL_OFFLINE:-true}"

OPENS=(
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
)

usage() {
  sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  echo
  echo "Jobs: run './spark-submit.sh --help' after building, or './spark-submit.sh <job> --help'."
}

# Spark's own options come before the job name; everything from the job name on is ours.
spark_args=()
master="local[*]"
driver_memory="4g"
has_executor_opts=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --master) master="$2"; shift 2 ;;
    --master=*) master="${1#*=}"; shift ;;
    --driver-memory) driver_memory="$2"; shift 2 ;;
    --driver-memory=*) driver_memory="${1#*=}"; shift ;;
    --conf)
      [[ "$2" == spark.executor.extraJavaOptions=* ]] && has_executor_opts=true
      spark_args+=("$1" "$2"); shift 2 ;;
    --deploy-mode|--name|--jars|--files|--properties-file|--driver-java-options|--driver-class-path|\
    --executor-memory|--executor-cores|--num-executors|--total-executor-cores|--queue)
      spark_args+=("$1" "$2"); shift 2 ;;
    --verbose|-v|--supervise) spark_args+=("$1"); shift ;;
    -h) usage; exit 0 ;;
    --*=*) spark_args+=("$1"); shift ;;
    *) break ;;
  esac
done

deepfer_build "$HERE" spark-submit.sh
deepfer_onednn spark-submit.sh
JAR="$BUILD/deepfer.jar"
LIB="$BUILD/lib"

if [[ -n "${ONEDNN_MAX_CPU_ISA:-}" ]]; then
  # Executors elsewhere start PyTorch too: give them the same cap.
  spark_args+=(--conf "spark.executorEnv.ONEDNN_MAX_CPU_ISA=$ONEDNN_MAX_CPU_ISA")
fi

if ! $has_executor_opts; then
  # Executors on a cluster need the same Java 17 opens as the driver.
  spark_args+=(--conf "spark.executor.extraJavaOptions=${OPENS[*]}")
fi

if [[ -n "${SPARK_HOME:-}" ]]; then
  # Spark is installed: ship only the jars it does not already have.
  extra=()
  for jar in "$LIB"/*.jar; do
    [[ -e "$SPARK_HOME/jars/$(basename "$jar")" ]] || extra+=("$jar")
  done
  jars=$(IFS=,; echo "${extra[*]}")
  exec "$SPARK_HOME/bin/spark-submit" --master "$master" --driver-memory "$driver_memory" \
    --driver-java-options "${OPENS[*]}" --jars "$jars" "${spark_args[@]}" \
    --class "$MAIN_CLASS" "$JAR" "$@"
fi

# A wildcard classpath keeps the command line short (some natives misbehave past ~4 KB).
exec java -Xmx"$driver_memory" "${OPENS[@]}" ${DEEPFER_JAVA_OPTS:-} \
  -cp "$HERE/conf:$JAR:$LIB/*" org.apache.spark.deploy.SparkSubmit \
  --master "$master" --driver-memory "$driver_memory" "${spark_args[@]}" \
  --class "$MAIN_CLASS" "$JAR" "$@"
