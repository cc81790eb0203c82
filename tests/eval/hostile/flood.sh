#!/bin/bash
# Hostile: floods stdout (or stderr with "stderr") without end.
if [ "${2:-}" = stderr ]; then exec yes "flooding stderr" >&2; fi
exec yes "flooding stdout"
