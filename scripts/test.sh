#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: a release build (unit and integration tests),
# an ASan+UBSan build of the same tests, and — where the CUDA toolkit is installed — the CUDA
# kernel families compiled for sm_90a with their tests (gpu-labelled ones skip without a GPU).
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

nvcc="$(command -v nvcc || true)"
[ -n "$nvcc" ] || { [ -x /usr/local/cuda/bin/nvcc ] && nvcc=/usr/local/cuda/bin/nvcc; }
if [ -n "$nvcc" ]; then
  # The kernels build on their own (the CI subset of the GEMM menu); the engine above was
  # built and tested without CUDA.
  echo "== cuda ($nvcc)"
  cmake -S kernels -B build/kernels -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CUDA_COMPILER="$nvcc" >/dev/null
  cmake --build build/kernels -j "$jobs"
  ctest --test-dir build/kernels -j "$jobs" --timeout 600 --output-on-failure
else
  echo "== cuda: no nvcc here; the CUDA kernels are not built (the engine needs none)"
fi
