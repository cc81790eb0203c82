#!/usr/bin/env bash
# The streaming rate of each algorithm of the GEMM family (and cuBLAS) from a performance table
# of weight-streaming shapes: per shape, the minimum traffic (A, W and C once) over the best
# config's time, in TB/s; printed as the range over the shapes of each M.
#   scripts/gemm/stream_rates.sh [TABLE]   (default data/gemm/stream_h100.csv)
set -euo pipefail
table="${1:-$(dirname "$0")/../../data/gemm/stream_h100.csv}"
awk -F, '
  NR > 1 && $9 == "ok" {
    algo = $5 == "cublas" ? "cublas" : substr($5, 6, index($5, ";") - 6)
    key = $1 SUBSEP $2 SUBSEP $3 SUBSEP algo
    if (!(key in best) || $6 < best[key]) best[key] = $6
  }
  END {
    for (key in best) {
      split(key, f, SUBSEP)
      tbps = (f[1] * f[3] + f[2] * f[3] + f[1] * f[2]) * 2 / best[key] / 1e6
      group = f[1] SUBSEP f[4]
      if (!(group in lo) || tbps < lo[group]) lo[group] = tbps
      if (!(group in hi) || tbps > hi[group]) hi[group] = tbps
    }
    for (group in lo) {
      split(group, g, SUBSEP)
      printf "M=%s %s %.2f-%.2f\n", g[1], g[2], lo[group], hi[group]
    }
  }' "$table" | sort -t= -k2 -n
