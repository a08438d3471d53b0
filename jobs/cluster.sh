#!/usr/bin/env bash
# A Spark standalone cluster on this machine, from the project's own jars (no Spark download):
# one master and N workers on 127.0.0.1. For checking that jobs behave the same on a real cluster
# manager as on local[*] (see jobs/README.md).
#
#   jobs/standalone_cluster.sh start [workers=2] [cores-per-worker=1] [memory-per-worker=3g]
#   jobs/standalone_cluster.sh status
#   jobs/standalone_cluster.sh stop
#
# Then: ./spark-submit.sh --master spark://127.0.0.1:7077 sweep ...
# Logs and pids under logs/standalone/. Executors run from target/spark-home, a SPARK_HOME whose
# jars/ is target/lib, so they get exactly the jars the driver has.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="$HERE/logs/standalone"
MASTER_URL="spark://127.0.0.1:7077"
HOME_DIR="$HERE/target/spark-home"
export SPARK_SCALA_VERSION=2.12 SPARK_HOME="$HOME_DIR" SPARK_LOCAL_IP=127.0.0.1
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" DJL_OFFLINE=true

cp_line() { echo "$HERE/target/deepfer.jar:$HERE/target/lib/*"; }

start_daemon() { # name, main class, args...
  local name="$1"; shift
  # Spark's own log settings, not ours (which quiet Spark): the daemons' INFO lines say when they are up.
  nohup java -Xmx1g -Dlog4j2.configurationFile=org/apache/spark/log4j2-defaults.properties -cp "$(cp_line)" "$@" \
    > "$STATE/$name.log" 2>&1 &
  echo $! > "$STATE/$name.pid"
}

wait_for_log() { # file, pattern
  for _ in $(seq 1 60); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 1
  done
  echo "timed out waiting for '$2' in $1" >&2; tail -20 "$1" >&2; return 1
}

case "${1:-}" in
  start)
    workers="${2:-2}"; cores="${3:-1}"; memory="${4:-3g}"
    [[ -f "$HERE/target/deepfer.jar" ]] || (cd "$HERE" && mvn -q -B -DskipTests package)
    mkdir -p "$STATE" "$HOME_DIR"
    touch "$HOME_DIR/RELEASE"
    ln -sfn "$HERE/target/lib" "$HOME_DIR/jars"
    start_daemon master org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 7077 --webui-port 8080
    wait_for_log "$STATE/master.log" "I have been elected leader"
    for i in $(seq 1 "$workers"); do
      start_daemon "worker-$i" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores "$cores" \
        --memory "$memory" --webui-port $((8080 + i)) --work-dir "$STATE/work-$i" "$MASTER_URL"
      wait_for_log "$STATE/worker-$i.log" "Successfully registered with master"
    done
    echo "standalone cluster up: $MASTER_URL, $workers workers x $cores cores (logs in $STATE)"
    ;;
  status)
    for f in "$STATE"/*.pid; do
      [[ -f "$f" ]] || continue
      if kill -0 "$(cat "$f")" 2>/dev/null; then echo "$(basename "$f" .pid): running"; else echo "$(basename "$f" .pid): stopped"; fi
    done
    ;;
  stop)
    for f in "$STATE"/*.pid; do
      [[ -f "$f" ]] || continue
      kill "$(cat "$f")" 2>/dev/null || true
      rm -f "$f"
    done
    echo "standalone cluster stopped"
    ;;
  *)
    sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
