#!/usr/bin/env bash
# One kernel task run twice on a machine with two GPUs, with the same budget: once with
# evaluator.devices naming one GPU, once naming both (docs/benchmarks.md, "Two GPUs"). On such a
# machine, kevolve built:
#   bench/gpu/two_gpu_run.sh TASK OUT EVALUATIONS SECONDS
# Each run stops at EVALUATIONS or after SECONDS, whichever comes first. Then, for each,
# bench/gpu/gpu_share.py prints the evaluations a minute, each GPU's held share of the wall time,
# whether two timing stages ever overlapped on one GPU, and the seed's timing spread on each
# GPU; its figures go to OUT/one_gpu.json and OUT/two_gpus.json, the runs to OUT/runs_*.
set -euo pipefail
cd "$(dirname "$0")/../.."
task="$1"; out="$2"; evaluations="$3"; seconds="$4"
kevolve="$PWD/build/release/src/app/kevolve"
mkdir -p "$out"
gpus=$( (nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null || true) | tee "$out/gpus.txt" | wc -l)
if [ "$gpus" -lt 2 ]; then
  echo "two_gpu_run: this machine has $gpus GPU(s); the comparison needs two" >&2
  exit 2
fi
for mode in one_gpu:0 two_gpus:0,1; do
  name="${mode%%:*}"; devices="${mode#*:}"
  status=0
  timeout -s TERM "$seconds" "$kevolve" run "$task" -o "$out/runs_$name" -n "$evaluations" \
    --set "evaluator.devices=$devices" > "$out/$name.log" 2>&1 || status=$?
  echo "== $name (evaluator.devices=$devices; kevolve exited $status, 124: the time limit)"
  bench/gpu/gpu_share.py "$(ls -dt "$out/runs_$name"/*/ | head -1)" --json "$out/$name.json"
done
