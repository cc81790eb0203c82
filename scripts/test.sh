#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: a release build (unit, integration; gpu
# tests skip without a GPU) and an ASan+UBSan build of the same tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs="$(nproc)"
for preset in release asan; do
  echo "== $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  ctest --preset "$preset" -j "$jobs" --timeout 600
done
