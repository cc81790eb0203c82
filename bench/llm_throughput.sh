#!/usr/bin/env bash
# Iterations per second of `kevolve run` with an LLM: the tests' OpenAI-compatible server
# (fake_llm_server) on loopback answers every proposal at once, so the figure is kevolve's and
# the evaluator's (docs/benchmarks.md, "Iterations per second").
# Usage: bench/llm_throughput.sh KEVOLVE TASK ITERATIONS [kevolve run options...]
# The server is FAKE_LLM_SERVER, else bench/fake_llm_server of the build KEVOLVE belongs to.
# Prints the run's wall time, iterations/s, and kevolve's CPU (user + system, its evaluations
# included) per iteration.
set -euo pipefail
kevolve=$1 task=$2 iterations=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
server=${FAKE_LLM_SERVER:-$(dirname "$(dirname "$kevolve")")/../bench/fake_llm_server}
out=$(mktemp -d /tmp/kevolve-throughput-XXXXXX)
chmod 755 "$out"
trap 'exec 3>&-; wait; rm -rf "$out"' EXIT
exec 3> >("$server" > "$out/url")
for _ in $(seq 50); do [ -s "$out/url" ] && break; sleep 0.1; done
url=$(head -1 "$out/url")
start=$(date +%s.%N)
KEVOLVE_BENCH_KEY=unused /usr/bin/time -f "%U %S" -o "$out/time" \
  "$kevolve" run "$task" -n "$iterations" -o "$out/runs" --llm-base-url "$url" \
  --llm-model fake --llm-api-key-env KEVOLVE_BENCH_KEY "$@" > "$out/log" 2>&1 || {
  cat "$out/log"; exit 1; }
end=$(date +%s.%N)
read -r user sys < "$out/time"
awk -v n="$iterations" -v s="$start" -v e="$end" -v u="$user" -v y="$sys" 'BEGIN {
  printf "%d iterations in %.1f s: %.1f iterations/s; kevolve CPU %.2f ms per iteration\n",
         n, e - s, n / (e - s), (u + y) * 1000 / n }'
"$kevolve" status "$(ls -d "$out"/runs/*/ | head -1)" | head -4
