#!/bin/bash
# A naive evaluator: runs the candidate inside its own process and shares its stdout, as a harness
# that compiles the candidate into itself does. A candidate that prints an answer and exits
# first fools it: this is why docs/security.md forbids the shape.
program="$1"
. "$program" < /dev/null
echo '{"protocol":1,"valid":true,"combined_score":1}'
