#!/usr/bin/env bash
# Installs every build and test dependency of kevolve from Debian 12 packages.
# Safe to run again: packages already present are not downloaded.
# python3 with numpy and scipy: what Python evaluators (OpenEvolve-style tasks) commonly import.
# chromium and chromium-driver drive the dashboard's tests in a real headless browser.
# slurmctld, slurmd, slurm-client and munge: the Slurm backend's tests start a one-machine
# cluster of their own (tests/testing/slurm_cluster.h); no daemon is enabled or configured here.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  python3 python3-numpy python3-scipy
  libsqlite3-dev sqlite3 libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libspdlog-dev
  libcurl4-openssl-dev libcpp-httplib-dev libgtest-dev libgmock-dev libbenchmark-dev
  bubblewrap procps
  chromium chromium-driver
  slurmctld slurmd slurm-client munge
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then
    sudo=(sudo)
  else
    echo "setup: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
