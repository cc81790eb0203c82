#!/bin/bash
# A trusted evaluator written the way docs/security.md asks: the candidate (a shell script that
# must print 42) runs with its stdout going to a file, never to ours; whatever it left running
# is killed before scoring; the answer is computed here and printed last.
program="$1"
bash "$program" > candidate.out 2> candidate.err < /dev/null
# kill -1 reaches only this evaluation's processes where kevolve contains it by namespace or uid.
if [ "$KEVOLVE_SANDBOX" = bwrap ] || [ "${KEVOLVE_CONTAINMENT:-process-group}" != process-group ]; then
  for _ in $(seq 1 100); do
    kill -s KILL -- -1 2> /dev/null || break
    sleep 0.01
  done
fi
if [ "$(head -c 100 candidate.out | tail -n 1)" = 42 ]; then
  echo '{"protocol":1,"valid":true,"combined_score":1}'
else
  echo '{"protocol":1,"valid":false,"artifacts":{"feedback":"the candidate did not print 42"}}'
fi
