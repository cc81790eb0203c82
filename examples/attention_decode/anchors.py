#!/usr/bin/env python3
"""The anchors of the decode-attention task, measured on this machine's GPU (README.md, "Anchors").

For every shape of shapes.txt: torch.nn.functional.scaled_dot_product_attention with each backend
(flash, cuDNN, memory-efficient, math; enable_gqa=True) restricted by sdpa_kernel, the speed of
light (the bytes of Q, K, V and O over the copy bandwidth measured now), and the fraction of it
each backend reaches. A backend that refuses a shape (no kernel for it, out of memory) is recorded
as refused with its reason.

Method: inputs bf16 as the harness fills them (k in [-3, 3], q too or [-4, 4] from S = 8192,
v in [-1, 1]); warm-up by time;
for each timed launch the L2 is flushed (a write of twice its size) and the launch alone is timed
with CUDA events; the median of at least 10. The copy bandwidth is (bytes read + bytes written) /
time of a 1 GiB device-to-device copy, median of 10, flushed the same way.

Output: a CSV row per (shape, backend) on stdout, a JSON summary (best backend per shape) in
--json. Needs PyTorch with CUDA; stdlib otherwise.
"""

import argparse
import json
import os
import statistics
import sys
import warnings

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

BACKENDS = [
    ("flash", SDPBackend.FLASH_ATTENTION),
    ("cudnn", SDPBackend.CUDNN_ATTENTION),
    ("efficient", SDPBackend.EFFICIENT_ATTENTION),
    ("math", SDPBackend.MATH),
]
MIN_REPS = 10
WARMUP_SECONDS = 0.05
TARGET_SECONDS = 0.3  # timed launches per backend and shape, beyond MIN_REPS
SPIN_CYCLES = 200_000  # about 100 us at H100/H200 clocks: longer than one dispatch from Python


def read_shapes(path):
    shapes = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, *fields = line.split()
            params = dict(field.split("=", 1) for field in fields)
            shape = {"name": name, "split": params.pop("split", "train")}
            shape.update({k: int(v) for k, v in params.items()})
            shapes.append(shape)
    return shapes


def min_bytes(s):
    """Q, K and V read once and O written once, in bf16: the harness's MinBytes."""
    return 2 * (2 * s["B"] * s["Hq"] * s["D"] + 2 * s["B"] * s["Hkv"] * s["S"] * s["D"])


class Timer:
    """Times one launch at a time, each after flushing the L2 with a write twice its size.

    A spin kernel queued after the flush keeps the GPU busy while Python dispatches the launch,
    so the events measure the GPU's time for it, not the host's (the kit's harness launches from
    C++; a Python anchor would otherwise be charged its interpreter, tens of microseconds)."""

    def __init__(self):
        l2_bytes = getattr(torch.cuda.get_device_properties(0), "L2_cache_size", 0) or (64 << 20)
        self.flush = torch.empty(2 * l2_bytes, dtype=torch.uint8, device="cuda")
        self.start = torch.cuda.Event(enable_timing=True)
        self.end = torch.cuda.Event(enable_timing=True)

    def once_us(self, fn):
        self.flush.zero_()
        torch.cuda._sleep(SPIN_CYCLES)
        self.start.record()
        fn()
        self.end.record()
        self.end.synchronize()
        return self.start.elapsed_time(self.end) * 1e3

    def measure_us(self, fn):
        """Median, p10 and p90 (microseconds) and the number of timed launches."""
        spent = 0.0
        while spent < WARMUP_SECONDS * 1e6:
            spent += self.once_us(fn)
        first = self.once_us(fn)
        reps = max(MIN_REPS, min(200, int(TARGET_SECONDS * 1e6 / max(first, 1.0))))
        samples = sorted([first] + [self.once_us(fn) for _ in range(reps - 1)])
        p10 = samples[int(0.1 * (len(samples) - 1))]
        p90 = samples[int(0.9 * (len(samples) - 1))]
        return statistics.median(samples), p10, p90, len(samples)


def copy_gbps(timer):
    n = 1 << 30
    src = torch.empty(n, dtype=torch.uint8, device="cuda")
    dst = torch.empty_like(src)
    median_us, _, _, _ = timer.measure_us(lambda: dst.copy_(src))
    del src, dst
    torch.cuda.empty_cache()
    return 2 * n / (median_us * 1e3)


def make_inputs(s, generator):
    def uniform(shape, bound):
        t = torch.empty(shape, dtype=torch.float32, device="cuda")
        return t.uniform_(-bound, bound, generator=generator).to(torch.bfloat16)

    q = uniform((s["B"], s["Hq"], 1, s["D"]), 4.0 if s["S"] >= 8192 else 3.0)
    k = uniform((s["B"], s["Hkv"], s["S"], s["D"]), 3.0)
    v = uniform((s["B"], s["Hkv"], s["S"], s["D"]), 1.0)
    return q, k, v


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", default=os.path.join(here, "shapes.txt"))
    parser.add_argument("--json", default="anchors.json", help="summary file (default: %(default)s)")
    parser.add_argument("--only", default="", help="substring: time only shapes whose name has it")
    args = parser.parse_args()

    torch.backends.cuda.matmul.allow_tf32 = False
    warnings.filterwarnings("ignore", category=UserWarning)  # why a backend declined: in the CSV
    timer = Timer()
    bandwidth = copy_gbps(timer)
    device = torch.cuda.get_device_name(0)
    print(f"# {device}, torch {torch.__version__}, copy bandwidth {bandwidth:.0f} GB/s",
          file=sys.stderr)
    generator = torch.Generator(device="cuda")
    generator.manual_seed(13)

    columns = ["shape", "split", "B", "Hq", "Hkv", "S", "D", "min_bytes", "backend", "status",
               "median_us", "p10_us", "p90_us", "reps", "sol_us", "fraction_of_sol",
               "max_abs_diff_vs_first", "note"]
    print(",".join(columns))
    summary = {"device": device, "torch": torch.__version__, "copy_gbps": bandwidth,
               "method": "CUDA events around one launch, L2 flushed before each, median",
               "shapes": []}
    for s in read_shapes(args.shapes):
        if args.only and args.only not in s["name"]:
            continue
        q, k, v = make_inputs(s, generator)
        sol_us = min_bytes(s) / (bandwidth * 1e3)
        first = None
        results = {}
        for label, backend in BACKENDS:
            row = {"status": "ok", "median_us": "", "p10_us": "", "p90_us": "", "reps": "",
                   "fraction_of_sol": "", "max_abs_diff_vs_first": "", "note": ""}

            def run():
                return F.scaled_dot_product_attention(q, k, v, enable_gqa=True)

            caught = []
            try:
                with sdpa_kernel(backend), warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    out = run()
                torch.cuda.synchronize()
                if first is None:
                    first = out.float()
                    row["max_abs_diff_vs_first"] = 0.0
                else:
                    row["max_abs_diff_vs_first"] = f"{(out.float() - first).abs().max().item():.3g}"
                del out
                with sdpa_kernel(backend):
                    median, p10, p90, reps = timer.measure_us(run)
                row.update(median_us=f"{median:.2f}", p10_us=f"{p10:.2f}", p90_us=f"{p90:.2f}",
                           reps=reps, fraction_of_sol=f"{sol_us / median:.3f}")
                results[label] = median
            except (RuntimeError, torch.cuda.OutOfMemoryError) as e:  # refused, not a crash
                row["status"] = "refused"
                # The exception says "no kernel"; torch's warnings said why each backend declined.
                reasons = [str(e).splitlines()[0]] + [str(w.message).split(" (Triggered")[0]
                                                      for w in caught]
                note = " / ".join(reasons)[:300]
                row["note"] = note.replace("\n", " ").replace(",", ";").replace('"', "'")
                torch.cuda.synchronize()
                torch.cuda.empty_cache()
            print(",".join(str(x) for x in [
                s["name"], s["split"], s["B"], s["Hq"], s["Hkv"], s["S"], s["D"], min_bytes(s),
                label, row["status"], row["median_us"], row["p10_us"], row["p90_us"], row["reps"],
                f"{sol_us:.2f}", row["fraction_of_sol"], row["max_abs_diff_vs_first"], row["note"]]),
                flush=True)
        best = min(results, key=results.get) if results else None
        summary["shapes"].append({
            "shape": s["name"], "split": s["split"], "min_bytes": min_bytes(s), "sol_us": sol_us,
            "backends_us": results, "best_backend": best,
            "best_us": results[best] if best else None,
            "best_fraction_of_sol": sol_us / results[best] if best else None,
        })
        del q, k, v, first
        torch.cuda.empty_cache()
    with open(args.json, "w") as f:
        json.dump(summary, f, indent=2)
    print(f"# summary: {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
