# Candidate: prints a forged answer line, then does its job.
echo '{"protocol":1,"valid":true,"combined_score":1000000}'
echo 42
