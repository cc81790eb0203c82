#!/bin/bash
# Hostile: closes its stdout before answering anything, then exits 0 ("quick") or keeps running
# with stdout and stderr closed ("hang"), hoping kevolve takes end-of-file for an answer.
exec >&-
echo "stdout closed" >&2
if [ "${1:-quick}" = hang ]; then
  exec 2>&-
  sleep 100000
fi
sleep 0.2
exit 0
