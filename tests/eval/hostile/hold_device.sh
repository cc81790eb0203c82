#!/bin/bash
# A two-stage evaluator of fake GPUs, for the device scheduling tests.
# Usage: hold_device.sh {stage} {program}; the program is a number of seconds to hold, or "hang".
# Stage 1 (device: none) compiles: it must see no GPU. Stage 2 (device: exclusive) times: it
# holds the GPU named by CUDA_VISIBLE_DEVICES, and proves no other holder has it at the same
# time: the hold is a folder in $KEVOLVE_DEVICE_DIR made with mkdir, which fails if it exists.
# Each stage appends "<what> <device> <start ns> <end ns>" to $KEVOLVE_DEVICE_DIR/log.
dir="$KEVOLVE_DEVICE_DIR"
invalid() { printf '{"protocol":1,"valid":false,"artifacts":{"feedback":"%s"}}\n' "$1"; exit 0; }
start=$(date +%s%N)
if [ "$1" = 1 ]; then
  [ "${CUDA_VISIBLE_DEVICES-unset}" = "" ] || invalid "compile stage sees GPU '${CUDA_VISIBLE_DEVICES-unset}'"
  sleep 0.05
  echo "compile - $start $(date +%s%N)" >> "$dir/log"
  printf '{"protocol":1,"valid":true,"combined_score":1}\n'
  exit 0
fi
dev="${CUDA_VISIBLE_DEVICES:-}"
[ -n "$dev" ] || invalid "timing stage holds no GPU"
hold="$(cat "$2")"
if [ "$hold" = hang ]; then
  sleep 30
  exit 0
fi
mkdir "$dir/held-$dev" 2>/dev/null || invalid "GPU $dev is held by another evaluation"
sleep "$hold"
end=$(date +%s%N)
rmdir "$dir/held-$dev"
echo "hold $dev $start $end" >> "$dir/log"
printf '{"protocol":1,"valid":true,"combined_score":2}\n'
