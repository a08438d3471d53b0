#!/usr/bin/env bash
# The real-time loop on a 640x480 one-face video (a pan over a real portrait) with the settings that
# matter for speed: detector input width, detection interval, classifier engine (bench/RESULTS.md;
# targets: >= 30 FPS end to end and p95 < 100 ms). Run on an otherwise idle machine.
#   bench/realtime_fps.sh <model dir> [photo=../shared/media/photos/lena.jpg] [frames=300]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
MODEL="${1:?usage: bench/realtime_fps.sh <model dir> [photo] [frames]}"
PHOTO="${2:-../shared/media/photos/lena.jpg}"; FRAMES="${3:-300}"
BUILD="${DEEPFER_BUILD:-target}"
[[ -f "$BUILD/deepfer.jar" ]] || mvn -q -B -DskipTests package
CP="$BUILD/deepfer.jar:$BUILD/lib/*"
OUT="$(mktemp -d /tmp/deepfer-rt.XXXX)"
java -cp "$CP" org.deepfer.realtime.PanVideo "$PHOTO" "$OUT/pan640x480.avi" "$FRAMES"
[[ -f "$MODEL/model.onnx" ]] || java -Dai.djl.offline=true -cp "$CP" org.deepfer.cli.DeepFer export --model "$MODEL" --calibrated
run() {  # label, then --set overrides
  local label="$1"; shift
  echo "== $label"
  java -Dai.djl.offline=true -cp "$CP" org.deepfer.cli.DeepFer realtime --model "$MODEL" --video "$OUT/pan640x480.avi" \
    --out "$OUT/demo.avi" --set "paths.results=$OUT/results" "$@" 2>/dev/null | grep -E 'FPS end to end|detect |inference|draw |write '
}
run "yunet full size, every frame, onnx"
run "yunet at 480 px, every frame, onnx" --set detect.maxWidth=480
run "yunet at 320 px, every frame, onnx" --set detect.maxWidth=320
run "yunet at 320 px, every 3rd frame, onnx" --set detect.maxWidth=320 --set realtime.detectEvery=3
run "yunet at 320 px, every frame, djl" --set detect.maxWidth=320 --set realtime.engine=djl
run "yunet at 320 px, every 3rd frame, onnx, 2 threads" --set detect.maxWidth=320 --set realtime.detectEvery=3 --set realtime.threads=2
echo "outputs in $OUT"
