# Shared by deploy/run.sh and deploy/test.sh: install what is missing, build.
# Sourced, not run.

SY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SY_BUILD_PACKAGES="g++ cmake make libcaf-dev libboost1.81-dev rapidjson-dev libhiredis-dev doctest-dev libssl-dev libjemalloc-dev"

say() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# install_missing PKG... — apt-get install only the packages not yet installed.
install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "packages: all present"
    return 0
  fi
  say "packages: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "need root to install: ${missing[*]}" >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# build DIR CMAKE_ARGS... — configure and build everything in DIR.
build() {
  local dir="$1"; shift
  say "build: configuring $dir $*"
  mkdir -p "$SY_ROOT/$dir"
  cmake -S "$SY_ROOT" -B "$SY_ROOT/$dir" "$@" > "$SY_ROOT/$dir/configure.log" 2>&1 \
    || { cat "$SY_ROOT/$dir/configure.log"; return 1; }
  say "build: compiling $dir (-j2)"
  cmake --build "$SY_ROOT/$dir" -j2
}
