#!/usr/bin/env bash
# The decode-attention task's evolution run, in slices that fit a time-limited GPU machine
# (examples/attention_decode/README.md, "Results"). On a GPU machine with kevolve built:
#   bench/gpu/attention_run.sh STATE OUT SECONDS [ITERATIONS]
# STATE/attention_runs.tgz, when present, holds the run folder from the last slice: the run is
# resumed from it; otherwise a new run starts. After SECONDS (then SIGTERM, which kevolve answers
# by stopping cleanly; `kevolve resume` continues) or ITERATIONS evaluations (default 500) the run
# folder is packed into OUT/attention_runs.tgz for the next slice, and `kevolve status` printed.
set -euo pipefail
cd "$(dirname "$0")/../.."
state="$1"; out="$2"; seconds="$3"; iterations="${4:-500}"
kevolve="$PWD/build/release/src/app/kevolve"
work=/tmp/attention-run
mkdir -p "$work/runs" "$out"
if [ -f "$state/attention_runs.tgz" ]; then tar xzf "$state/attention_runs.tgz" -C "$work"; fi
run="$(ls -d "$work"/runs/*/ 2>/dev/null | head -1 || true)"
status=0
if [ -n "$run" ]; then
  timeout -s TERM "$seconds" "$kevolve" resume "$run" -n "$iterations" > "$out/run.log" 2>&1 || status=$?
else
  timeout -s TERM "$seconds" "$kevolve" run examples/attention_decode -o "$work/runs" \
    -n "$iterations" > "$out/run.log" 2>&1 || status=$?
  run="$(ls -d "$work"/runs/*/ | head -1)"
fi
echo "kevolve exited $status (124 or 130: stopped by the time limit, resumable)"
tar czf "$out/attention_runs.tgz" -C "$work" runs
"$kevolve" status "$run" | tail -25
"$kevolve" best "$run" -o "$out/best.cu"
