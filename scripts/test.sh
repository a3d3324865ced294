#!/usr/bin/env bash
# Every test of the project, in the order that fails fastest: release build and unit tests,
# SDK checks, end-to-end tests against the real binary with real ffmpeg/ffprobe/rtmpdump peers, the
# attack suite (tests/attack/) against the release binary,
# the end-to-end tests again under AddressSanitizer + UndefinedBehaviorSanitizer, then a short libFuzzer smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc)
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
GEN=""; command -v ninja >/dev/null 2>&1 && GEN="-G Ninja"

step() { printf '\n==== %s ====\n' "$*"; }

step "release build"
cmake -S . -B build/release $GEN -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$JOBS"

step "unit tests (release)"
ctest --test-dir build/release --output-on-failure -j "$JOBS"

if [ -f package.json ]; then
  step "SDK: bundle matches sources, unit tests"
  npm run --silent check:sdk
  step "JavaScript tests (SDK unit, end-to-end with the real server, demo components)"
  MINIRTC_BIN="$PWD/build/release/minirtc" npm test --silent
  step "web console: console/dist matches console/src; headless chromium against the release server"
  npm run --silent check:console
  MINIRTC_BIN="$PWD/build/release/minirtc" npm run --silent test:console
  step "attack suite (release server: refused as documented, canary call healthy, RSS/fds back to baseline)"
  MINIRTC_BIN="$PWD/build/release/minirtc" npm run --silent test:attack
fi

step "ASan + UBSan build"
cmake -S . -B build/asan $GEN -DCMAKE_BUILD_TYPE=Debug -DMINIRTC_SANITIZE=ON >/dev/null
cmake --build build/asan -j "$JOBS"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

step "unit tests (ASan + UBSan)"
ctest --test-dir build/asan --output-on-failure -j "$JOBS"

if [ -f package.json ]; then
  step "end-to-end tests (ASan + UBSan server)"
  MINIRTC_BIN="$PWD/build/asan/minirtc" MINIRTC_SANITIZED=1 npm run --silent test:e2e
fi

step "fuzz targets (clang libFuzzer), ${FUZZ_SECONDS}s each"
CXX=clang++ cmake -S . -B build/fuzz $GEN -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMINIRTC_FUZZ=ON >/dev/null
cmake --build build/fuzz -j "$JOBS"
scripts/fuzz.sh "$FUZZ_SECONDS"

step "all tests passed"
