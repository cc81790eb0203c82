#!/bin/bash
# Proves evaluations run at once: each one announces itself in a shared folder, then waits until
# $KEVOLVE_BARRIER_COUNT have, answering valid only if they all showed up within 10 s.
# Usage: barrier.sh {seed}
dir="$KEVOLVE_BARRIER_DIR"
touch "$dir/arrived.$1"
for _ in $(seq 1 200); do
  n=$(ls "$dir" | grep -c '^arrived\.')
  if [ "$n" -ge "$KEVOLVE_BARRIER_COUNT" ]; then
    printf '{"protocol":1,"valid":true,"combined_score":%s}\n' "$1"
    exit 0
  fi
  sleep 0.05
done
echo '{"protocol":1,"valid":false,"artifacts":{"feedback":"alone at the barrier"}}'
