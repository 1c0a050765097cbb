#!/usr/bin/env bash
# Installs what is missing, builds, runs every test through ctest, then builds
# and runs the tests again with AddressSanitizer + UndefinedBehaviorSanitizer.
# Exit status is non-zero on any failure.
set -euo pipefail
source "$(dirname "$0")/common.sh"
start=$(date +%s)
install_missing $SY_BUILD_PACKAGES python3 redis-server openssl
# The distribution's redis service is not used: tests start their own servers.
command -v systemctl >/dev/null 2>&1 && systemctl stop redis-server >/dev/null 2>&1 || true

build build -DCMAKE_BUILD_TYPE=Release -DSY_BUILD_TESTS=ON -DPython3_EXECUTABLE=/usr/bin/python3
say "test: release build"
(cd "$SY_ROOT/build" && ctest --output-on-failure -j2 --timeout 600)

build build-asan -DCMAKE_BUILD_TYPE=Debug -DSY_BUILD_TESTS=ON -DSY_SANITIZE="address;undefined" \
  -DPython3_EXECUTABLE=/usr/bin/python3
say "test: sanitizer build (ASan + UBSan)"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export LSAN_OPTIONS="suppressions=$SY_ROOT/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
(cd "$SY_ROOT/build-asan" && ctest --output-on-failure -j2 --timeout 900)
say "test: all passed in $(( $(date +%s) - start )) s"
