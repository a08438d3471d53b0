# Sourced by spark-submit.sh and jobs/cluster.sh after deepfer_build: caps oneDNN's instruction set
# where its convolutions compute wrong results (see org.deepfer.train.OneDnnProbe).
#
#   source jobs/lib/onednn.sh; deepfer_onednn <name for messages>
#
# The probe (a JVM that loads PyTorch, ~3 s) runs once per machine and build; its verdict is kept in
# ${XDG_CACHE_HOME:-~/.cache}/deepfer/. A user's own ONEDNN_MAX_CPU_ISA is left alone, and
# DEEPFER_ONEDNN_PROBE=0 skips the probe. Exports ONEDNN_MAX_CPU_ISA=SSE41 when the probe failed and
# SSE4.1 kernels passed it; says so on stderr every time, since it slows some convolutions.

deepfer_onednn() {
  local who="$1"
  if [[ -n "${ONEDNN_MAX_CPU_ISA:-}" || "${DEEPFER_ONEDNN_PROBE:-1}" == 0 ]]; then
    return 0
  fi
  local cache="${XDG_CACHE_HOME:-$HOME/.cache}/deepfer" key verdict
  key=$( { grep -m1 '^model name' /proc/cpuinfo; grep -m1 '^flags' /proc/cpuinfo; ls "$BUILD/lib"; } 2>/dev/null \
    | cksum | cut -d' ' -f1)
  verdict="$cache/onednn-probe-$key"
  if [[ ! -s "$verdict" ]]; then
    if ! mkdir -p "$cache" 2>/dev/null || ! [[ -w "$cache" ]]; then
      echo "$who: cannot write $cache for the oneDNN probe's verdict; going on without the probe" >&2
      return 0
    fi
    local probe=(java -Dai.djl.offline=true -cp "$BUILD/deepfer.jar:$BUILD/lib/*" org.deepfer.train.OneDnnProbe)
    local rc=0 line
    line=$(DJL_OFFLINE=true "${probe[@]}" 2>/dev/null | tail -1) || rc=$?
    if [[ $rc -eq 0 ]]; then
      echo "ALL $line" > "$verdict"
    elif [[ $rc -eq 3 ]]; then
      rc=0
      DJL_OFFLINE=true ONEDNN_MAX_CPU_ISA=SSE41 "${probe[@]}" > /dev/null 2>&1 || rc=$?
      if [[ $rc -eq 0 ]]; then echo "SSE41 $line" > "$verdict"; else echo "NONE $line" > "$verdict"; fi
    else
      echo "$who: the oneDNN probe could not run (exit $rc); going on without it" >&2
      return 0
    fi
  fi
  local isa rest
  read -r isa rest < "$verdict"
  case "$isa" in
    SSE41)
      export ONEDNN_MAX_CPU_ISA=SSE41
      echo "$who: ONEDNN_MAX_CPU_ISA=SSE41, as PyTorch's convolutions are wrong on this CPU without it" \
        "($rest; $verdict)" >&2 ;;
    NONE)
      echo "$who: WARNING: PyTorch's convolutions are wrong on this CPU ($rest) and capping oneDNN did not help;" \
        "models whose layers have channel counts that are not multiples of 16 give wrong results with DJL here" \
        "(use --engine onnx where there is one). Verdict in $verdict" >&2 ;;
  esac
}
