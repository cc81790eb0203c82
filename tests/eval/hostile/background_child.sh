#!/bin/bash
# Leaves a background grandchild behind: a sleep whose argv[0] is the marker in the program file,
# then answers with a valid result and exits at once.
marker="$(cat "$1")"
(exec -a "$marker" sleep 100000) &
printf '{"protocol":1,"valid":true,"combined_score":1,"metrics":{"background_pid":%d}}\n' "$!"
