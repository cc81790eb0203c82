#!/usr/bin/env bash
# Runs the GEMM family on the GPU machine: environment facts, build (unless a prebuilt binary
# works), SASS summary, correctness checks and sweeps. Results go under $OUT (at most 8 files
# come back: keep to env.txt, log.txt, sass.txt, check.csv, and the tables).
#
#   scripts/gemm/device_run.sh PHASE...
#   phases: env build sass ceilings check probe describe sweep resume
#
# GEMM_BIN     prebuilt kevolve-gemm-bench to try first (default build/gemm-carry/...)
# SWEEP_MIN    time budget of the sweep phase in minutes (default 8)
# SWEEP_SHAPES shape files for the sweep (default: the LLM and edge suites)
# GIT_COMMIT   recorded in the provenance
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/gemm-out}
mkdir -p "$OUT"
BIN=${GEMM_BIN:-build/gemm-carry/kevolve-gemm-bench}
SWEEP_MIN=${SWEEP_MIN:-8}
SWEEP_SHAPES=${SWEEP_SHAPES:-data/gemm/shapes_llm.csv,data/gemm/shapes_edge.csv}
TABLE=${TABLE:-$OUT/perf_h100.csv}
LOG=$OUT/log.txt
CUDA_LIB=$(dirname "$(command -v nvcc)")/../lib64
export LD_LIBRARY_PATH=$CUDA_LIB:${LD_LIBRARY_PATH:-}

log() { echo "== $(date -u +%H:%M:%S) $*" | tee -a "$LOG"; }

phase_env() {
  {
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,clocks.mem,power.limit,pstate --format=csv
    nvcc --version | tail -2
    cmake --version | head -1
    uname -r; nproc
    ldd "$BIN" 2>&1 | grep -E "cublas|not found|libstdc"
  } >"$OUT/env.txt" 2>&1
  cat "$OUT/env.txt"
}

phase_build() {
  if "$BIN" list >/dev/null 2>&1; then
    log "prebuilt binary runs: $BIN"
    return 0
  fi
  log "building on the device (prebuilt binary missing or not runnable)"
  cmake -S kernels -B build/gemm-device -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DKEVOLVE_GEMM_FULL=ON >>"$LOG" 2>&1 &&
    cmake --build build/gemm-device -j16 --target kevolve-gemm-bench >>"$LOG" 2>&1 ||
    { log "build failed"; tail -30 "$LOG"; return 1; }
  BIN=build/gemm-device/kevolve-gemm-bench
}

phase_sass() {
  command -v cuobjdump >/dev/null || { log "no cuobjdump"; return 0; }
  cuobjdump --dump-sass "$BIN" 2>/dev/null | awk '
    /Function :/ { fn = $3 }
    /HGMMA|HMMA|UTMALDG|UBLKCP|LDSM|LDGSTS|SYNCS|STL|LDL/ {
      for (i = 1; i <= NF; i++) if ($i ~ /^(HGMMA|HMMA|UTMALDG|LDSM|LDGSTS|SYNCS|STL|LDL)/) {
        split($i, p, "."); c[fn " " p[1]]++ } }
    END { for (k in c) print k, c[k] }' | sort >"$OUT/sass.txt"
  log "sass summary: $(wc -l <"$OUT/sass.txt") lines"
}

phase_ceilings() {
  log "ceilings"
  "$BIN" ceilings 2>&1 | tee -a "$LOG"
}

phase_check() {
  log "correctness: every compiled config x ${CHECK_SHAPES:-data/gemm/shapes_check.csv}, one process per kernel"
  local first=1 rc_all=0
  : >"$OUT/check.csv"
  for key in $("$BIN" list | sed -n '/# compiled kernels/,/# menu/p' | grep -v '^#'); do
    timeout "${CHECK_TIMEOUT:-240}" "$BIN" check --shapes "${CHECK_SHAPES:-data/gemm/shapes_check.csv}" --kernels "$key" \
      --out /tmp/check_one.csv >/tmp/check_one.log 2>&1
    local rc=$?
    grep -E "^(FAIL|UNCOVERED)|error" /tmp/check_one.log | head -20 | tee -a "$LOG"
    echo "$key rc=$rc $(tail -1 /tmp/check_one.log)" | tee -a "$LOG"
    [ $rc -ne 0 ] && [ $rc -ne 1 ] && rc_all=$rc
    if [ -f /tmp/check_one.csv ]; then
      if [ $first -eq 1 ]; then cat /tmp/check_one.csv; else tail -n +2 /tmp/check_one.csv; fi \
        >>"$OUT/check.csv"
      first=0
      rm -f /tmp/check_one.csv
    fi
  done
  return $rc_all
}

# A short sweep over a few representative shapes: early numbers for tuning.
phase_probe() {
  log "probe sweep"
  cat >/tmp/probe_shapes.csv <<'CSV'
m,n,k,origin
4096,4096,4096,square 4096
8192,8192,8192,square 8192
8192,28672,4096,Llama-3-8B gate_up prefill
2048,4096,14336,Llama-3-8B down prefill
16,4096,4096,decode 16
1,28672,4096,decode 1 gate_up
128,8192,8192,decode 128
16,16,32768,split-K stress
1,4095,4095,unaligned decode
512,50257,768,odd N
CSV
  "$BIN" sweep --shapes /tmp/probe_shapes.csv --out "$OUT/probe.csv" --max-minutes 3 \
    --git-commit "${GIT_COMMIT:-}" 2>&1 | tail -12 | tee -a "$LOG"
}

# One config at a time with its launch geometry (grid, block, shared memory).
phase_describe() {
  log "describe"
  local base="bk=64;wm=2;wn=1;split_k=1;raster=m;swizzle=8"
  for cfg in "algo=wgmma_tma;bm=128;bn=256;$base;stages=4;cluster=2;epilogue=direct" \
             "algo=wgmma_tma;bm=128;bn=256;$base;stages=4;cluster=1;epilogue=tma_store"; do
    "$BIN" run --shape 4096x4096x4096 --config "$cfg" 2>&1 | grep -v "^m,n" | tee -a "$LOG"
  done
}

phase_sweep() {
  log "sweep $SWEEP_SHAPES (budget $SWEEP_MIN min)"
  local extra=()
  [ "${1:-}" = resume ] && extra=(--resume)
  "$BIN" sweep --shapes "$SWEEP_SHAPES" --out "$TABLE" --max-minutes "$SWEEP_MIN" \
    --warmup-ms "${WARMUP_MS:-3}" --target-ms "${TARGET_MS:-10}" --max-reps "${MAX_REPS:-20}" \
    --git-commit "${GIT_COMMIT:-}" "${extra[@]}" >/tmp/sweep.log 2>&1
  local rc=$?
  tail -5 /tmp/sweep.log | tee -a "$LOG"
  grep -c ",ok$" "$TABLE" | sed 's/^/ok rows: /' | tee -a "$LOG"
  return $rc
}

for phase in "$@"; do
  case "$phase" in
    env) phase_env ;;
    build) phase_build || exit 1 ;;
    sass) phase_sass ;;
    ceilings) phase_ceilings ;;
    check) phase_check ;;
    probe) phase_probe ;;
    describe) phase_describe ;;
    sweep) phase_sweep ;;
    resume) phase_sweep resume ;;
    *) echo "unknown phase $phase"; exit 2 ;;
  esac
done
