#!/usr/bin/env bash
# Parity of our ResNets, MobileNetV2 and EfficientNets with torchvision's, through the PyTorch loader.
#
#   bench/torchvision_parity.sh [outdir]        (default /tmp/deepfer-tv; needs torch + torchvision)
#
# Writes random-weight torchvision checkpoints and their features with bench/torchvision_parity.py (tens
# of MB, so outside the repository), then runs TorchvisionParityTest on them: each checkpoint is loaded
# by PretrainedLoader and our backbone must reproduce torchvision's features. Prints, per model and file,
# the tensors matched, those skipped (the classifier) and the largest feature difference.
# Builds into target-tv so as not to disturb another build; both steps run at low priority.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/deepfer-tv}
PYTHON=${PYTHON:-/usr/bin/python3}
BUILD_DIR=${BUILD_DIR:-target-tv}

nice -n 10 "$PYTHON" bench/torchvision_parity.py "$OUT"

LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
# Surefire hands -D user properties on to the forked test JVM, where @EnabledIfSystemProperty reads it.
status=0
nice -n 10 mvn -q -B -ntp -Dbuild.dir="$BUILD_DIR" test -Dtest=TorchvisionParityTest \
    -Ddeepfer.torchvision.dir="$OUT" -Dsurefire.failIfNoSpecifiedTests=false >"$LOG" 2>&1 || status=$?
grep -F '[parity]' "$LOG" || true
if [ "$status" -ne 0 ]; then
    grep -E '^\[ERROR\]|AssertionFailedError|IllegalArgumentException' "$LOG" | head -40
    echo "torchvision parity: FAILED (full log: rerun without -q, or see $BUILD_DIR/surefire-reports)"
    exit "$status"
fi
grep -q -F '[parity]' "$LOG" || { echo "torchvision parity: the test did not run"; exit 1; }
echo "torchvision parity: OK"
