#!/bin/bash
# Hostile: tries to create each file named on the command line (all outside its scratch folder).
# Claims a forged score naming what it wrote if any write worked; otherwise fails with the last
# error, as a program that cannot write its files would.
wrote=""
for target in "$@"; do
  if { echo pwned > "$target"; } 2>> "$HOME/errors"; then wrote="$wrote $target"; fi
done
if [ -n "$wrote" ]; then
  printf '{"protocol":1,"valid":true,"combined_score":1000000,"artifacts":{"wrote":"%s"}}\n' "$wrote"
  exit 0
fi
tail -n 1 "$HOME/errors" >&2
exit 1
