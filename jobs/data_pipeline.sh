#!/usr/bin/env bash
# Scheduled data pipeline (cron, Airflow BashOperator, Oozie shell action ...):
#   jobs/data_pipeline.sh <input> [extra spark-submit / deepfer options]
# Ingests <input> (idempotent MERGE), audits and augments it. Spark options such as
# --master yarn or --conf spark.executor.memory=4g can be given in DEEPFER_SPARK_OPTS.
#
#   DEEPFER_SPARK_OPTS="--master spark://host:7077" jobs/data_pipeline.sh s3a://bucket/fer2013
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
input=${1:?usage: jobs/data_pipeline.sh <input> [options]}
shift
# shellcheck disable=SC2086
exec "$HERE/spark-submit.sh" ${DEEPFER_SPARK_OPTS:-} pipeline --input "$input" "$@"
