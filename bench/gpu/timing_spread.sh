#!/usr/bin/env bash
# How steady the kernel kit's timing is with compiles running beside it, with and without a GPU
# to itself (docs/benchmarks.md, "Kernel kit: timing spread"). On a GPU machine:
#   bench/gpu/timing_spread.sh [BUILD_DIR] [RUNS] [OUT_DIR]   (build/release, 10, a temp folder)
# The RMSNorm seed is built once; 8 compile loops (nvcc of the task's harness, as 8 compile
# stages would) keep the CPUs busy; then the seed's bench runs RUNS times alone on the GPU (what
# `device: exclusive` gives) and RUNS times two at once (two timing stages sharing the GPU, what
# `device: shared` with one GPU allows). Prints, per mode, the spread over runs of each shape's
# median time and of the score (the seed timed against itself: ideally 1.000).
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build/release}"
runs="${2:-10}"
out="${3:-$(mktemp -d)}"
task=examples/rmsnorm
kit="$build/src/app/kevolve-tools/kevolve-kernel"
nvcc="$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
"$kit" build --candidate "$task/initial_program.cu" --harness "$task/harness.cu" \
  --include "$task" --out "$work/bench" --workdir "$work" --nvcc "$nvcc" > "$out/build.json"

for i in $(seq 8); do
  (while :; do "$nvcc" -std=c++20 -O3 -gencode=arch=compute_90a,code=sm_90a \
      -I "$build/src/app/kevolve-tools/kernel-kit" -I "$task" -c "$task/harness.cu" \
      -o "$work/load$i.o" > /dev/null 2>&1 || true; done) &
done
sleep 5  # the loads are running
for r in $(seq "$runs"); do
  "$work/bench" --shapes "$task/shapes.txt" > "$out/exclusive_$r.json"
done
for r in $(seq "$runs"); do
  "$work/bench" --shapes "$task/shapes.txt" > "$out/shared_a_$r.json" &
  other=$!
  "$work/bench" --shapes "$task/shapes.txt" > "$out/shared_b_$r.json"
  wait "$other"
done
kill $(jobs -p) 2>/dev/null || true

python3 - "$out" <<'PY'
import glob, json, os, re, statistics, sys
out = sys.argv[1]
def spread(values):
    v = sorted(values)
    q = lambda p: v[min(len(v) - 1, int(round(p * (len(v) - 1))))]
    return (q(0.9) - q(0.1)) / statistics.median(v)
for mode, pattern in (("exclusive", "exclusive_*.json"), ("shared", "shared_*_*.json")):
    answers = [json.loads(open(f).read().strip().splitlines()[-1])
               for f in sorted(glob.glob(os.path.join(out, pattern)))]
    answers = [a for a in answers if a.get("valid")]
    times = {}
    for a in answers:
        for line in a["artifacts"]["shapes"].splitlines()[1:]:
            name, cand = line.split(" | ")[:2]
            times.setdefault(name, []).append(float(re.match(r"[\d.]+", cand).group()))
    scores = [a["combined_score"] for a in answers]
    spreads = sorted(spread(t) for t in times.values())
    print(f"{mode}: {len(answers)} runs valid; score median {statistics.median(scores):.4f}, "
          f"min {min(scores):.4f}, max {max(scores):.4f}; per-shape time spread "
          f"(p90-p10)/median over runs: median {statistics.median(spreads)*100:.2f}%, "
          f"worst {spreads[-1]*100:.2f}%")
    for name, t in times.items():
        print(f"  {mode} {name}: median {statistics.median(t):.2f} us, spread {spread(t)*100:.2f}%")
PY
