#!/bin/bash
# Leaves files and a folder tree in every shared temporary folder it can, then answers validly:
# littering is not a reason to reject a candidate, but nothing may stay behind.
# Usage: litter_tmp.sh MARKER
for dir in /tmp /var/tmp /dev/shm; do
  echo litter > "$dir/$1" 2>/dev/null
  mkdir -p "$dir/$1.d/deeper" 2>/dev/null && echo litter > "$dir/$1.d/deeper/file"
  chmod 000 "$dir/$1.d/deeper" 2>/dev/null
done
echo '{"protocol":1,"valid":true,"combined_score":1}'
