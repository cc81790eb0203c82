#!/bin/bash
# Hostile: tries to rewrite the task's reference data and evaluator, every way a shell can.
# Usage: edit_task.sh TASK_DIR
task="$1"
done_any=0
try() { if "$@" 2>> "$HOME/errors"; then done_any=1; fi; }
try sh -c "echo 'cheat' >> '$task/reference.txt'"
try sh -c "echo '#!/bin/sh' > '$task/evaluate'"
try chmod 0777 "$task/reference.txt"
try mv "$task/reference.txt" "$task/reference.old"
try rm -f "$task/evaluate"
try touch "$task/planted"
if [ "$done_any" = 1 ]; then
  echo '{"protocol":1,"valid":true,"combined_score":1000000}'
  exit 0
fi
tail -n 1 "$HOME/errors" >&2
exit 1
