#!/usr/bin/env python3
"""What a run of a knob-carrying seed learned about its knobs, from the run's database alone
(docs/benchmarks.md, "Why the run's best ... missed on held-out shapes"):

    bench/gpu/knob_moves.py RUN [--parent KNOB=VALUE ...] [--top N]

Every valid program whose code differs from its valid parent's in exactly one `constexpr int`
knob is a single-knob move. Per knob and new value: how many such moves, the geomean change of
the score (child over parent) and the best one. --parent keeps only moves from parents with
those knob values (e.g. kUseTensorCores=1). Then the N highest-scoring programs and their knobs.
"""
import argparse
import collections
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpu_share import open_run_db  # noqa: E402
from knob_sweep import geomean  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("run")
    p.add_argument("--parent", nargs="*", default=[], help="KNOB=VALUE the parent must have")
    p.add_argument("--top", type=int, default=5)
    args = p.parse_args()
    db = open_run_db(args.run)
    if db is None:
        sys.exit(f"knob_moves: {os.path.join(args.run, 'run.db')} does not exist: is {args.run} "
                 "a run folder?")
    knobs, score, parent = {}, {}, {}
    for pid, parent_id, valid, value, code in db.execute(
            "select id, parent_id, valid, score, code from programs"):
        knobs[pid] = dict(re.findall(r"constexpr int (k\w+) = (-?\d+);", code))
        score[pid] = value if valid else None
        parent[pid] = parent_id
    wanted = dict(kv.split("=", 1) for kv in args.parent)
    moves = collections.defaultdict(list)
    for pid, parent_id in parent.items():
        if score[pid] is None or score.get(parent_id) is None:
            continue
        if any(knobs[parent_id].get(k) != v for k, v in wanted.items()):
            continue
        changed = [k for k in knobs[pid] if knobs[pid][k] != knobs[parent_id].get(k)]
        if len(changed) == 1:
            moves[(changed[0], knobs[pid][changed[0]])].append(score[pid] / score[parent_id])
    print(f"single-knob moves{' from parents with ' + ' '.join(args.parent) if args.parent else ''}"
          ": knob -> value | n | geomean change | best")
    for (knob, value), ratios in sorted(moves.items()):
        print(f"{knob} -> {value} | {len(ratios)} | {geomean(ratios) - 1:+.1%} | "
              f"{max(ratios) - 1:+.1%}")
    ranked = sorted((s, pid) for pid, s in score.items() if s is not None)[-args.top:][::-1]
    print(f"the {len(ranked)} highest scores: program | score | knobs")
    for value, pid in ranked:
        print(f"{pid} | {value:.4f} | " + " ".join(f"{k}={v}" for k, v in knobs[pid].items()))


if __name__ == "__main__":
    main()
