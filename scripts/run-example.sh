#!/usr/bin/env bash
# Sets everything up and runs the main job: the GEMM tile-heuristic case study in replay mode
# with the built-in mutator (no GPU, no API key). It evolves the function that picks a GEMM
# kernel configuration per shape on the train half of real transformer shapes, scores it on the
# held-out half against the committed H100 performance table, and writes the report.
# Extra arguments go to `kevolve run` (for example --iterations 500).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release kevolve
kevolve=build/release/src/app/kevolve
out=runs
before=$(ls -d "$out"/*/ 2>/dev/null | sort || true)
"$kevolve" run examples/gemm_tile_heuristic -o "$out" "$@"
run=$(comm -13 <(echo "$before") <(ls -d "$out"/*/ | sort) | tail -n 1)
echo
echo "held-out result (shapes the search never scored):"
KEVOLVE="$kevolve" examples/gemm_tile_heuristic/report "$run"
