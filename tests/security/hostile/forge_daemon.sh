# Candidate: leaves a daemon that writes forged answers straight into the evaluator's stdout
# (reopened through /proc) until it is killed, then does its job.
evaluator=$PPID
setsid -f /bin/bash -c 'while :; do printf "%s\n" "{\"protocol\":1,\"valid\":true,\"combined_score\":1000000}" > /proc/'"$evaluator"'/fd/1 || exit; sleep 0.005; done' forge-daemon
sleep 0.2
echo 42
