#!/usr/bin/env bash
# The scheduled pipeline (cron, Airflow, systemd timers): the DAG of jobs/conf/nightly.yaml.
#   jobs/nightly.sh [deepfer pipeline options]        e.g. --input s3a://bucket/fer2013, --stages ...
#   DEEPFER_SPARK_OPTS="--master spark://127.0.0.1:7077 --conf spark.executor.memory=2g" jobs/nightly.sh
#   DEEPFER_CONF=jobs/conf/data-only.yaml jobs/nightly.sh
# Output is appended to logs/nightly-<YYYY-MM-DD>.log (DEEPFER_LOG_DIR to change where), and the
# pipeline's exit code is passed through: 0 done, 2 bad config or input (the log says which key or
# file), 75 another pipeline holds the warehouse's lock (nothing was done: retry later), anything
# else a failed stage (the next run retries it; the stages before it are kept).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
logs="${DEEPFER_LOG_DIR:-$HERE/logs}"
mkdir -p "$logs"
log="$logs/nightly-$(date +%F).log"
conf="${DEEPFER_CONF:-jobs/conf/nightly.yaml}"

echo "=== $(date -Is) jobs/nightly.sh --config $conf $* (DEEPFER_SPARK_OPTS=${DEEPFER_SPARK_OPTS:-})" >> "$log"
# shellcheck disable=SC2086 # DEEPFER_SPARK_OPTS is a list of options
"$HERE/spark-submit.sh" ${DEEPFER_SPARK_OPTS:-} pipeline --config "$conf" "$@" >> "$log" 2>&1
code=$?
case "$code" in
  0) what="done" ;;
  75) what="busy: another pipeline holds the lock; retry later" ;;
  2) what="bad config or input" ;;
  *) what="failed" ;;
esac
echo "=== $(date -Is) exit $code ($what)" >> "$log"
[[ "$code" -eq 0 ]] || echo "jobs/nightly.sh: exit $code ($what); see $log" >&2
exit "$code"
