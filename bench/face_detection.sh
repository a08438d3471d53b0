#!/usr/bin/env bash
# Face detection recall and false positives of each detector (issue 6): dlib's labelled group photos
# and FER2013 validation faces pasted onto 640x480 scenes (bench/RESULTS.md).
#   bench/face_detection.sh [faces=1000] [detectors=yunet,ssd,haar] [config key=value ...]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
BUILD="${DEEPFER_BUILD:-target}"
[[ -f "$BUILD/deepfer.jar" ]] || mvn -q -B -DskipTests package
java -cp "$BUILD/deepfer.jar:$BUILD/lib/*" org.deepfer.detect.DetectionBenchmark \
  ../shared/media/photos/dlib ../shared/data/fer2013/validation "${1:-1000}" "${2:-yunet,ssd,haar}" "${@:3}"
