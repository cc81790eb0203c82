#!/bin/bash
# Hostile: writes 4 MiB files into FOLDER (default: its scratch folder) without end; stops with
# the error when a write fails.
set -e
dir="${1:-.}"
for i in $(seq 1 100000); do
  head -c 4194304 /dev/zero > "$dir/fill.$$.$i"
done
