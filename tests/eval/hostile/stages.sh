#!/bin/bash
# A cascade evaluator: the program file holds one word per stage; stage k answers with word k as
# its score, or fails when the word is "crash". Metrics are named after the stage.
# Usage: stages.sh {program} {stage}
read -r -a words < "$1"
word="${words[$(($2 - 1))]}"
if [ "$word" = crash ]; then echo "stage $2 crashed" >&2; exit 1; fi
printf '{"protocol":1,"valid":true,"combined_score":%s,"metrics":{"m%s":%s,"last":%s},' \
  "$word" "$2" "$word" "$2"
printf '"artifacts":{"feedback":"stage %s done"}}\n' "$2"
