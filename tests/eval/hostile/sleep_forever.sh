#!/bin/bash
# Hostile: waits forever in a child process and never answers.
sleep 100000
