#!/usr/bin/env python3
"""Summarizes a GEMM performance table (see docs/protocol.md) against cuBLAS.

    python3 scripts/gemm/summarize.py data/gemm/perf_h100.csv \
        --shapes data/gemm/shapes_llm.csv,data/gemm/shapes_edge.csv [--markdown]

Prints: per-shape best config (the oracle) vs cuBLAS, geometric means by group (decode
M <= 128, prefill M >= 512, edge suite), the best single config and its distance from the
oracle, and per-shape rows (TB/s for decode against the measured copy bandwidth, TFLOP/s for
the rest against cuBLAS and the 989 TFLOP/s dense peak).
"""

import argparse
import csv
import json
import math
import os
from collections import defaultdict

PEAK_TFLOPS = 989.4


def geomean(xs):
    xs = list(xs)
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def load_shapes(paths):
    shapes = []
    for path in paths.split(","):
        suite = os.path.basename(path).replace("shapes_", "").replace(".csv", "")
        with open(path) as f:
            rows = [l for l in f if not l.startswith("#")]
        for r in csv.DictReader(rows):
            shapes.append(((int(r["m"]), int(r["n"]), int(r["k"])), r["origin"], suite))
    return shapes


def group_of(shape, suite):
    if suite != "llm":
        return "edge"
    return "decode" if shape[0] <= 128 else "prefill"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("table")
    ap.add_argument("--shapes", required=True)
    ap.add_argument("--markdown", action="store_true", help="per-shape table in markdown")
    args = ap.parse_args()
    times = defaultdict(dict)
    with open(args.table) as f:
        for r in csv.DictReader(f):
            if r["status"] == "ok":
                times[(int(r["m"]), int(r["n"]), int(r["k"]))][r["config"]] = float(r["median_us"])
    prov_path = args.table + ".json"
    if not os.path.exists(prov_path):
        prov_path = os.path.splitext(args.table)[0] + ".json"
    copy_tbps = 3.0
    if os.path.exists(prov_path):
        with open(prov_path) as f:
            copy_tbps = json.load(f)["ceilings"]["copy_tbps"]

    shapes = load_shapes(args.shapes)
    ratio = defaultdict(list)
    per_shape = []
    configs = set()
    for (shape, origin, suite) in shapes:
        t = times.get(shape, {})
        if "cublas" not in t:
            continue
        cb = t["cublas"]
        fam = {c: v for c, v in t.items() if c != "cublas"}
        configs.update(fam)
        if not fam:
            continue
        best_cfg = min(fam, key=fam.get)
        g = group_of(shape, suite)
        ratio[g].append(cb / fam[best_cfg])
        ratio["all"].append(cb / fam[best_cfg])
        per_shape.append((shape, origin, g, cb, fam[best_cfg], best_cfg))

    print(f"shapes with data: {len(per_shape)}; configs measured: {len(configs)}")
    for g in ("all", "decode", "prefill", "edge"):
        r = ratio[g]
        if r:
            print(f"per-shape best vs cuBLAS, {g:8s}: geomean {geomean(r):.3f} over {len(r)} "
                  f"shapes (min {min(r):.2f}, max {max(r):.2f}, >=1: {sum(x >= 1 for x in r)})")

    # Best single config over the shapes it implements, compared with the oracle there.
    aligned = [p for p in per_shape]
    best_single = None
    for c in configs:
        have = [p for p in aligned if c in times[p[0]]]
        if len(have) < len(aligned) * 0.95:
            continue
        gm = geomean(times[p[0]]["cublas"] / times[p[0]][c] for p in have)
        if best_single is None or gm > best_single[1]:
            best_single = (c, gm, have)
    if best_single:
        c, gm, have = best_single
        oracle = geomean(times[p[0]]["cublas"] / p[4] for p in have)
        print(f"best single config ({len(have)}/{len(aligned)} shapes): {c}\n"
              f"  geomean vs cuBLAS {gm:.3f}; oracle on the same shapes {oracle:.3f}; "
              f"oracle / single = {oracle / gm:.3f}")
    if args.markdown:
        print("\n| M | N | K | origin | cuBLAS us | best us | vs cuBLAS | rate | best config |")
        print("| ---: | ---: | ---: | --- | ---: | ---: | ---: | --- | --- |")
        for (m, n, k), origin, g, cb, best, cfg in per_shape:
            if g == "decode" or m <= 128:
                tbps = 2 * (m * k + n * k + m * n) / (best * 1e-6) / 1e12
                rate = f"{tbps:.2f} TB/s ({tbps / copy_tbps:.0%} of copy)"
            else:
                tf = 2 * m * n * k / (best * 1e-6) / 1e12
                cbtf = 2 * m * n * k / (cb * 1e-6) / 1e12
                rate = f"{tf:.0f} TF/s ({tf / PEAK_TFLOPS:.0%} peak; cuBLAS {cbtf:.0f})"
            short = (cfg.replace("algo=", "").replace(";bk=64", "").replace(";wn=1", "")
                     .replace(";cluster=1", "").replace(";epilogue=direct", "")
                     .replace("epilogue=", ""))
            print(f"| {m} | {n} | {k} | {origin} | {cb:.1f} | {best:.1f} | {cb / best:.2f} | "
                  f"{rate} | `{short}` |")


if __name__ == "__main__":
    main()
