#!/bin/bash
# Reports what an evaluator sees: its arguments, a few variables, and the names of all variables.
# Usage: env_probe.sh {program} {workdir} {stage} {seed} {task}
leaked=0
if [ -n "${OPENAI_API_KEY+x}" ]; then leaked=1; fi
names="$(env | cut -d= -f1 | sort | tr '\n' ' ')"
code="$(cat "$1")"
printf '{"protocol":1,"valid":true,"combined_score":%s,' "${KEVOLVE_SEED:-0}"
printf '"metrics":{"leaked":%d,"stage":%s,"seed":%s,"uid":%d},' "$leaked" "$3" "$4" "$(id -u)"
printf '"artifacts":{"program":"%s","workdir":"%s","task":"%s","code":"%s","names":"%s",' \
  "$1" "$2" "$5" "$code" "$names"
printf '"pwd":"%s","home":"%s","cuda":"%s","stage_name":"%s","kevolve_stage":"%s"}}\n' \
  "$(pwd)" "${HOME:-}" "${CUDA_VISIBLE_DEVICES:-}" "${KEVOLVE_STAGE_NAME:-}" "${KEVOLVE_STAGE:-}"
