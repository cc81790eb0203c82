#!/bin/bash
# Fails like a compiler would: diagnostics on stderr, exit code 3, nothing on stdout.
echo "program.cc:1:1: note: starting" >&2
echo "program.cc:7:3: error: 'frobnicate' was not declared in this scope" >&2
exit 3
