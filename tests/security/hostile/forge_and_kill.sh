# Candidate: writes a forged answer into the evaluator's stdout, then kills the evaluator so that
# its honest answer never comes.
printf '%s\n' '{"protocol":1,"valid":true,"combined_score":1000000}' > /proc/$PPID/fd/1
kill -KILL $PPID
