#!/bin/bash
# Leaves a scratch folder that is hard to remove: nested folders without permissions, a fifo and
# a symlink out of the folder, then answers with a valid result.
mkdir -p locked/deeper && echo data > locked/deeper/file && chmod 000 locked/deeper locked
mkfifo pipe && ln -s / escape
echo '{"protocol":1,"valid":true,"combined_score":2}'
