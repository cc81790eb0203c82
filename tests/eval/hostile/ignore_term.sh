#!/bin/bash
# Hostile: ignores SIGTERM, so only SIGKILL after the grace period ends it.
trap '' TERM
while :; do :; done
