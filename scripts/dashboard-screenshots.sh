#!/usr/bin/env bash
# Screenshots of the dashboard's pages for one run (as in docs/dashboard.md), taken with
# headless Chromium (scripts/setup.sh installs it) from `kevolve serve` on a free loopback port.
# Usage: scripts/dashboard-screenshots.sh RUN_FOLDER OUT_DIR [KEVOLVE_BINARY]
set -euo pipefail
run="$(realpath "$1")"
out="$2"
kevolve="${3:-build/release/src/app/kevolve}"
mkdir -p "$out"
name="$(basename "$run")"
best="$("$kevolve" status "$run" --json | sed -n 's/^ *"id": \([0-9]*\),*$/\1/p' | head -1)"

"$kevolve" serve "$run" --port 0 > "$out/.url" &
server=$!
profile="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$profile" "$out/.url"' EXIT
for _ in $(seq 50); do [ -s "$out/.url" ] && break; sleep 0.1; done
url="$(head -1 "$out/.url")"

shoot() {  # file height route
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --window-size="1400,$2" \
    --virtual-time-budget=4000 --screenshot="$out/$1" "$url#/$3" 2>/dev/null
}
shoot runs.png 500 ""
shoot run.png 2000 "run/$name"
shoot lineage.png 1500 "run/$name/lineage/best"
shoot program.png 1900 "run/$name/program/$best"
shoot islands.png 1300 "run/$name/islands"
shoot llm.png 700 "run/$name/llm"
ls "$out"
