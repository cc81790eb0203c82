#!/bin/bash
# Hostile: burns CPU forever and never answers.
while :; do :; done
