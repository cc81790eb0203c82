#!/usr/bin/env bash
# Packs the shared libraries a built kevolve needs, other than the C and C++ runtimes, into one
# folder, so that the build runs on another x86-64 Linux machine that has none of kevolve's
# build dependencies (a GPU machine with only the CUDA toolkit and a compiler, say):
#   scripts/bundle.sh [BUILD_DIR] [DEST]     (defaults: build/release, dist/kevolve)
# Then, there: LD_LIBRARY_PATH=DEST/lib BUILD_DIR/src/app/kevolve ...
# The tools kevolve-tools/ holds (the evaluation kits) need no library of these: evaluations,
# which never see LD_LIBRARY_PATH, run them as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/release}"
dest="${2:-dist/kevolve}"
binary="$build/src/app/kevolve"
[ -x "$binary" ] || { echo "bundle: no kevolve at $binary: build it first" >&2; exit 1; }
rm -rf "$dest/lib"
mkdir -p "$dest/lib"
# Everything ldd resolves, but the C library's own parts and the C++ runtime, which the other
# machine has (newer ones run older binaries; the reverse is not true).
ldd "$binary" | awk '$3 ~ /^\// {print $3}' | while read -r lib; do
  case "$(basename "$lib")" in
    libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|libresolv.so*|ld-linux*|\
    libstdc++.so*|libgcc_s.so*) ;;
    *) cp -L "$lib" "$dest/lib/" ;;
  esac
done
echo "bundle: $(ls "$dest/lib" | wc -l) libraries in $dest/lib ($(du -sh "$dest/lib" | cut -f1))"
