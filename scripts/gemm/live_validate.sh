#!/usr/bin/env bash
# Live validation of the GEMM tile-heuristic case study on a GPU machine: each selector program
# given is evaluated with `evaluate --live` (its chosen kernels and the baseline's checked and
# timed on the H100, cuBLAS beside them) and the same program is scored in replay mode against
# the committed table, so the two can be compared.
#   scripts/gemm/live_validate.sh NAME=PROGRAM...
# Writes $OUT/live_NAME.json, $OUT/replay_NAME.json and $OUT/live_NAME.csv (the live table).
# KEVOLVE_GEMM_BENCH: the kevolve-gemm-bench binary (default build/gemm-carry/kevolve-gemm-bench);
# KEVOLVE_TOOLS: the folder of kevolve-gemm-score (default: the bench binary's).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/gemm-live}
mkdir -p "$OUT"
export KEVOLVE_GEMM_BENCH=${KEVOLVE_GEMM_BENCH:-$PWD/build/gemm-carry/kevolve-gemm-bench}
# The evaluator's tool (kevolve-gemm-score, kevolve-sealed): the kernels' own build puts it beside
# the bench binary.
export KEVOLVE_TOOLS=${KEVOLVE_TOOLS:-$(dirname "$KEVOLVE_GEMM_BENCH")}
export LD_LIBRARY_PATH=$(dirname "$(command -v nvcc)")/../lib64:${LD_LIBRARY_PATH:-}
task=$PWD/examples/gemm_tile_heuristic
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.draw --format=csv | tee "$OUT/env.txt"
for spec in "$@"; do
  name=${spec%%=*}; program=$(realpath "${spec#*=}")
  work=$(mktemp -d)
  (cd "$work" && "$task/evaluate" "$program") > "$OUT/replay_$name.json"
  start=$(date +%s)
  (cd "$work" && "$task/evaluate" "$program" --live --live-out "$OUT/live_$name.csv") > "$OUT/live_$name.json"
  echo "$name: live evaluation took $(( $(date +%s) - start )) s"
  rm -rf "$work"
done
for spec in "$@"; do
  name=${spec%%=*}
  for mode in replay live; do
    awk -v name="$name" -v mode="$mode" '{
      match($0, /"train_geomean_speedup_vs_baseline":[0-9.]+/); tr = substr($0, RSTART + 36, RLENGTH - 36)
      match($0, /"heldout_geomean_speedup_vs_baseline":[0-9.]+/); ho = substr($0, RSTART + 38, RLENGTH - 38)
      match($0, /"heldout_fraction_of_oracle":[0-9.]+/); fo = substr($0, RSTART + 29, RLENGTH - 29)
      match($0, /"heldout_vs_cublas":[0-9.]+/); cb = substr($0, RSTART + 20, RLENGTH - 20)
      v = ($0 ~ /"valid":true/) ? "valid" : "INVALID"
      printf "%-10s %-6s %-7s train %s  held-out %s  held-out of oracle %s  held-out vs cuBLAS %s\n", name, mode, v, tr, ho, fo, cb
    }' "$OUT/${mode}_$name.json"
  done
done | tee "$OUT/summary.txt"
