#!/usr/bin/env bash
# A Spark standalone cluster on this machine, from the project's own jars (no Spark download): one
# master and N workers on 127.0.0.1, for running jobs on a real cluster manager (see jobs/README.md).
#
#   jobs/cluster.sh start  [--workers N] [--cores C] [--memory M] [--port P] [--webui-port W] [--dir D]
#   jobs/cluster.sh status [--dir D]
#   jobs/cluster.sh stop   [--dir D]
#
# Defaults: 2 workers x 1 core x 2g, master on spark://127.0.0.1:7077 (web UI 8080, or the next free
# port), everything under logs/cluster: daemon logs, pid files, the workers' work dirs (executor
# logs) and spark-home/, the SPARK_HOME the workers launch executors from (its jars/ is the build's
# lib/, so executors get exactly the driver's jars). Clusters with different --dir and --port coexist.
# stop ends only the daemons this dir's pid files name (checked in /proc first) and their executors.
# DEEPFER_BUILD=<dir> runs a build kept elsewhere, as for spark-submit.sh.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/build.sh
source "$HERE/jobs/lib/build.sh"
# shellcheck source=lib/onednn.sh
source "$HERE/jobs/lib/onednn.sh"

usage() { sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

action="${1:-}"
[[ $# -gt 0 ]] && shift
workers=2 cores=1 memory=2g port=7077 webui_port=8080 dir="$HERE/logs/cluster"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --workers|--cores|--memory|--port|--webui-port|--dir)
      [[ $# -ge 2 ]] || { echo "cluster.sh: $1 needs a value" >&2; exit 2; }
      case "$1" in
        --workers) workers="$2" ;; --cores) cores="$2" ;; --memory) memory="$2" ;;
        --port) port="$2" ;; --webui-port) webui_port="$2" ;; --dir) dir="$2" ;;
      esac
      shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "cluster.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
for n in workers cores port webui_port; do
  [[ "${!n}" =~ ^[0-9]+$ ]] || { echo "cluster.sh: --${n/_/-} '${!n}': expected a whole number" >&2; exit 2; }
done
[[ "$memory" =~ ^[0-9]+[mMgG]$ ]] || { echo "cluster.sh: --memory '$memory': expected e.g. 1500m or 2g" >&2; exit 2; }
mkdir -p "$dir"
DIR="$(cd "$dir" && pwd)"
SPARK_HOME_DIR="$DIR/spark-home"
STATE="$DIR/cluster.env"
# Put on every daemon's command line, so /proc/<pid>/cmdline tells this cluster's daemons apart
# from another cluster's (or from an unrelated process that reused a pid).
MARK="-Ddeepfer.cluster.dir=$DIR"

cmdline() { tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null || true; }

# Whether pid $1 is this dir's daemon with main class $2.
is_ours() {
  local line
  line="$(cmdline "$1")"
  [[ "$line" == *"$MARK "* && "$line" == *"$2"* ]]
}

main_class() { # pid file name -> main class
  case "$1" in
    master) echo org.apache.spark.deploy.master.Master ;;
    *) echo org.apache.spark.deploy.worker.Worker ;;
  esac
}

# Executor JVMs launched by this dir's workers: their classpath is this dir's spark-home/jars.
executors() {
  local p
  for p in /proc/[0-9]*; do
    p="${p#/proc/}"
    local line
    line="$(cmdline "$p")"
    [[ "$line" == *CoarseGrainedExecutorBackend* && "$line" == *"$SPARK_HOME_DIR/jars/"* ]] && echo "$p"
  done
  return 0
}

# TERM, up to $2 seconds for it to go, then KILL.
terminate() {
  local pid="$1" grace="$2" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < grace * 5; i++)); do
    [[ -e "/proc/$pid" ]] || return 0
    sleep 0.2
  done
  echo "  pid $pid ignored TERM for ${grace}s: KILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 25; i++)); do [[ -e "/proc/$pid" ]] || return 0; sleep 0.2; done
}

wait_for_log() { # file, pattern, seconds, pid that must stay alive
  local i
  for ((i = 0; i < $3; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    if ! [[ -e "/proc/$4" ]]; then
      echo "cluster.sh: the daemon logging to $1 exited before '$2':" >&2; tail -20 "$1" >&2; return 1
    fi
    sleep 1
  done
  echo "cluster.sh: timed out after $3 s waiting for '$2' in $1" >&2; tail -20 "$1" >&2; return 1
}

start_daemon() { # name, main class, args...
  local name="$1"; shift
  # Spark's own log settings, not ours (which quiet Spark): the daemons' INFO lines say when they
  # are up, and status reads the workers' registrations and the web UI port from them.
  SPARK_HOME="$SPARK_HOME_DIR" SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1 SPARK_PUBLIC_DNS=127.0.0.1 \
    SPARK_LOCAL_DIRS="$DIR/local" OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" DJL_OFFLINE=true \
    nohup java -Xmx512m "$MARK" -Dlog4j2.configurationFile=org/apache/spark/log4j2-defaults.properties \
    -cp "$BUILD/deepfer.jar:$BUILD/lib/*" "$@" > "$DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$DIR/$name.pid"
}

master_url() { [[ -f "$STATE" ]] && sed -n 's/^MASTER_URL=//p' "$STATE"; }
webui_url() { grep -o 'MasterWebUI to [^,]*, and started at http://[^ ]*' "$DIR/master.log" 2>/dev/null | tail -1 | sed 's/.*started at //'; }

pid_files() { # workers first, master last: what stop needs
  local f
  for f in "$DIR"/worker-*.pid; do [[ -f "$f" ]] && echo "$f"; done
  [[ -f "$DIR/master.pid" ]] && echo "$DIR/master.pid"
  return 0
}

do_stop() {
  local f name pid stopped=0 left
  while IFS= read -r f; do
    name="$(basename "$f" .pid)"
    pid="$(cat "$f")"
    if is_ours "$pid" "$(main_class "$name")"; then
      terminate "$pid" 15
      echo "$name (pid $pid): stopped"
      stopped=$((stopped + 1))
    else
      echo "$name: pid $pid is not running as this cluster's $name: nothing to stop"
    fi
    rm -f "$f"
  done < <(pid_files)
  # A worker ends its executors when it stops; any still here belong to a worker that died hard.
  for pid in $(executors); do
    echo "executor (pid $pid) outlived its worker: stopping it"
    terminate "$pid" 10
  done
  left="$(executors)"
  if [[ -n "$left" ]]; then
    echo "cluster.sh: executors of $DIR still running: $left" >&2
    return 1
  fi
  rm -f "$STATE"
  echo "cluster in $DIR stopped ($stopped daemons)"
}

# A start that failed half-way leaves nothing running.
abort() {
  echo "cluster.sh: start failed; stopping what was started" >&2
  do_stop >&2 || true
  exit 1
}

do_start() {
  local f
  while IFS= read -r f; do
    if is_ours "$(cat "$f")" "$(main_class "$(basename "$f" .pid)")"; then
      echo "cluster.sh: a cluster is already running from $DIR ($(master_url)); stop it first:" \
        "jobs/cluster.sh stop --dir $DIR" >&2
      exit 1
    fi
  done < <(pid_files)
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "cluster.sh: port $port on 127.0.0.1 is in use; pick another with --port" >&2; exit 1
  fi
  deepfer_build "$HERE" cluster.sh
  # Exported, so the workers and the executors they start inherit the cap.
  deepfer_onednn cluster.sh
  rm -f "$DIR"/*.pid "$DIR"/*.log "$STATE"
  mkdir -p "$SPARK_HOME_DIR" "$DIR/local"
  touch "$SPARK_HOME_DIR/RELEASE"
  ln -sfn "$(cd "$BUILD/lib" && pwd)" "$SPARK_HOME_DIR/jars"
  local url="spark://127.0.0.1:$port" i
  printf 'MASTER_URL=%s\nWORKERS=%s\nBUILD=%s\n' "$url" "$workers" "$BUILD" > "$STATE"
  start_daemon master org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" \
    --webui-port "$webui_port"
  wait_for_log "$DIR/master.log" "I have been elected leader" 90 "$(cat "$DIR/master.pid")" || abort
  # Spark moves to the next port when one is taken; a master elsewhere than asked is no use.
  grep -q "Starting Spark master at $url\$" "$DIR/master.log" || {
    echo "cluster.sh: the master did not bind $url:" >&2; grep "Starting Spark master" "$DIR/master.log" >&2; abort; }
  for ((i = 1; i <= workers; i++)); do
    start_daemon "worker-$i" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores "$cores" \
      --memory "$memory" --webui-port 0 --work-dir "$DIR/work-$i" "$url"
  done
  for ((i = 1; i <= workers; i++)); do
    wait_for_log "$DIR/worker-$i.log" "Successfully registered with master" 90 "$(cat "$DIR/worker-$i.pid")" || abort
  done
  echo "cluster up: $url, $workers workers x $cores cores x $memory; web UI $(webui_url); logs in $DIR"
  echo "run jobs on it with:"
  echo "  ./spark-submit.sh --master $url --conf spark.executor.memory=<at most $memory> <job> ..."
  echo "stop it with: jobs/cluster.sh stop --dir $DIR"
}

do_status() {
  local url f name pid up=0
  url="$(master_url || true)"
  if [[ -z "$url" ]]; then
    echo "no cluster started from $DIR"
    return 3
  fi
  echo "master URL: $url"
  for f in "$DIR/master.pid" "$DIR"/worker-*.pid; do
    [[ -f "$f" ]] || continue
    name="$(basename "$f" .pid)"
    pid="$(cat "$f")"
    if is_ours "$pid" "$(main_class "$name")"; then
      echo "$name (pid $pid): running"; up=$((up + 1))
    else
      echo "$name (pid $pid): stopped"
    fi
  done
  local ui json
  ui="$(webui_url)"
  echo "web UI: ${ui:-unknown}"
  if [[ -n "$ui" ]] && json="$(curl -sf --max-time 5 "$ui/json/")"; then
    echo "registered workers (from $ui/json/):"
    python3 -c '
import json, sys
d = json.load(sys.stdin)
for w in d.get("workers", []):
    print("  %s %s %s cores (%s used), %s MB (%s used)" % (w["id"], w["state"], w["cores"], w["coresused"],
          w["memory"], w["memoryused"]))
print("  alive: %d; running applications: %d" % (d.get("aliveworkers", 0), len(d.get("activeapps", []))))
' <<< "$json"
  else
    echo "registered workers (web UI not answering; from $DIR/master.log):"
    grep -o 'Registering worker [^ ]*' "$DIR/master.log" 2>/dev/null | sed 's/^/  /' || true
  fi
  [[ "$up" -gt 0 ]]
}

case "$action" in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
