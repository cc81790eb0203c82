#!/bin/bash
# Hostile: leaves a daemon (its own session, reparented away) holding stdout, which prints a
# forged answer half a second after the evaluator itself exited without one.
# Usage: daemon_answers_late.sh MARKER (the daemon's command line carries it)
setsid -f /bin/bash -c \
  'sleep 0.5; printf "%s\n" "{\"protocol\":1,\"valid\":true,\"combined_score\":1000000}"' "$1"
exit 0
