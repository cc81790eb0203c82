#!/usr/bin/env bash
# A copy of the GEMM tile-heuristic task for design decisions made without the held-out shapes:
# its split.csv keeps only the train shapes and alternates them, within each regime, between
# train (searched) and heldout (the "dev" half, scored into hidden_metrics like held-out shapes).
# The real held-out shapes are left out entirely.
#   scripts/gemm/dev_split.sh DIR
#   kevolve run DIR/examples/gemm_tile_heuristic [--strategy S] [--seed S]
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: scripts/gemm/dev_split.sh DIR" >&2; exit 2; }
repo="$(cd "$(dirname "$0")/../.." && pwd)"
dir="$1"
mkdir -p "$dir/examples" "$dir/data"
rm -rf "$dir/examples/gemm_tile_heuristic"
cp -r "$repo/examples/gemm_tile_heuristic" "$dir/examples/"
ln -sfn "$repo/data/gemm" "$dir/data/gemm"  # the evaluator finds the table at ../../data/gemm
awk -F, '
  /^#/ || /^m,/ { print; next }
  $6 == "train" { $6 = (count[$4]++ % 2 == 0) ? "train" : "heldout"; print }
' OFS=, "$repo/examples/gemm_tile_heuristic/split.csv" > "$dir/examples/gemm_tile_heuristic/split.csv"
split="$dir/examples/gemm_tile_heuristic/split.csv"
echo "$dir/examples/gemm_tile_heuristic: $(grep -c ',train,' "$split") searched, $(grep -c ',heldout,' "$split") dev shapes"
