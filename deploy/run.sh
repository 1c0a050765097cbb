#!/usr/bin/env bash
# Installs what is missing, builds a Release binary build/singyeong and runs
# one node in the foreground on $PORT (default 4567). No Redis needed.
set -euo pipefail
source "$(dirname "$0")/common.sh"
install_missing $SY_BUILD_PACKAGES
build build -DCMAKE_BUILD_TYPE=Release -DSY_BUILD_TESTS=OFF
say "run: starting singyeong on port ${PORT:-4567}"
exec "$SY_ROOT/build/singyeong" "$@"
