#!/usr/bin/env bash
# Sets everything up and runs the main job: an evolution run of the bin-packing example with the
# built-in mutator (no GPU, no API key). Extra arguments go to `kevolve run`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release kevolve
build/release/src/app/kevolve run examples/bin_packing --iterations 300 "$@"
