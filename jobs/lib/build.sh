# Sourced by spark-submit.sh and jobs/cluster.sh: the build they run and how to make sure it exists.
#
#   source jobs/lib/build.sh; deepfer_build <project dir> <name for messages>
#
# Sets BUILD to $DEEPFER_BUILD (a copy of target/ kept elsewhere, so a long run is not disturbed
# when the project is rebuilt under it) or to <project dir>/target, building the latter on first
# use. A DEEPFER_BUILD without deepfer.jar and lib/ is an error, never rebuilt over.

deepfer_build() {
  local home="$1" who="$2"
  BUILD="${DEEPFER_BUILD:-$home/target}"
  if [[ -f "$BUILD/deepfer.jar" && -d "$BUILD/lib" ]]; then
    return 0
  fi
  if [[ -n "${DEEPFER_BUILD:-}" ]]; then
    echo "$who: DEEPFER_BUILD=$DEEPFER_BUILD holds no deepfer.jar and lib/ (copy target/ there after building)" >&2
    exit 2
  fi
  echo "building $BUILD/deepfer.jar (first run; takes a minute) ..." >&2
  (cd "$home" && mvn -q -B -DskipTests package) >&2
}
