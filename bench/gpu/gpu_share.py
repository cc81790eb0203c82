#!/usr/bin/env python3
"""How a kernel task's run used its GPUs, from the run folder alone (docs/benchmarks.md, "Two
GPUs"). For a run of a kernel-kit task (examples/rmsnorm, examples/attention_decode):

    bench/gpu/gpu_share.py RUN [--shape NAME] [--json FILE]

Prints the programs evaluated (the seed among them), the run's wall time (the sum of its slices,
from events.jsonl's run_start to its run_end or last event) and evaluations per minute; per GPU,
the timing stages it served, the time it was held and its share of the wall time, and whether
any two holds of it overlapped (from each program event's device_held_from and
device_held_until, Unix times of the one machine that ran the stage: they must not; a run on
several hosts names each host's GPUs alike, so read this for a run on one machine);
and the timing spread of one fixed kernel re-measured on each GPU during the run: the seed,
which the kit times beside every candidate, on shape NAME (default: the table's first), its
median time per evaluation from the answers' per-shape table in run.db.
"""
import argparse
import heapq
import json
import os
import sqlite3
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from knob_sweep import kit_shape_rows  # noqa: E402  (the kit's table, read one way)


def fail(message):
    sys.exit(f"gpu_share: {message}")


def read_events(run):
    path = os.path.join(run, "events.jsonl")
    if not os.path.exists(path):
        fail(f"{path} does not exist: is {run} a run folder?")
    events, torn = [], 0
    decoder = json.JSONDecoder()
    for line in open(path):
        line = line.strip()
        # A slice killed mid-write leaves an event without its end, and the next slice's first
        # event is appended to it: keep every whole event (an object with a type) of such a line.
        pos = 0
        while pos < len(line):
            try:
                event, pos = decoder.raw_decode(line, pos)
                if isinstance(event, dict) and "type" in event:
                    events.append(event)
            except json.JSONDecodeError:
                torn += 1
                pos = line.find('{"', pos + 1)
                if pos < 0:
                    break
            while pos < len(line) and line[pos].isspace():
                pos += 1
    if torn:
        print(f"gpu_share: {torn} torn event(s) in {path} skipped", file=sys.stderr)
    return events


def wall_seconds(events):
    """The slices' wall times summed: each run_start to the slice's run_end or last event."""
    total, start, last = 0.0, None, None
    for e in events:
        if e.get("type") == "run_start":
            if start is not None:
                total += last - start
            start, last = e["t"], e["t"]
        elif start is not None and "t" in e:
            last = e["t"]
            if e.get("type") == "run_end":
                total += last - start
                start = None
    if start is not None:
        total += last - start
    return total / 1000


def overlaps(holds):
    """Pairs of holds (id, from, until) of one GPU that overlap: (id, id) for each. A sweep in
    start order keeps the holds still running in a heap by their end."""
    found, running = [], []
    for hold_id, start, until in sorted(holds, key=lambda h: h[1]):
        while running and running[0][0] <= start:
            heapq.heappop(running)
        found += [(other, hold_id) for _, other in running]
        heapq.heappush(running, (until, hold_id))
    return found


def open_run_db(run):
    """RUN/run.db opened read-only (a run may still be writing it), or None when there is none."""
    path = os.path.join(run, "run.db")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True) if os.path.exists(path) else None


def seed_times(run, ids, shape):
    """The shape followed (`shape`, else the first of the table) and the seed's median time (us)
    on it in each answer of `ids`: (shape, {id: us}); none without a run.db (events alone)."""
    times = {}
    db = open_run_db(run)
    if db is None:
        return shape, times
    for pid, artifacts in db.execute("select id, artifacts_json from programs where valid = 1"):
        rows = kit_shape_rows({"artifacts": json.loads(artifacts)}) if pid in ids else []
        shape = shape or (rows[0]["shape"] if rows else None)
        times.update({pid: r["seed_us"] for r in rows if r["shape"] == shape})
    return shape, times


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("run")
    p.add_argument("--shape", help="the shape whose seed time is followed (default: the first)")
    p.add_argument("--json", help="also write the figures to this file")
    args = p.parse_args()
    events = read_events(args.run)
    programs = [e for e in events if e.get("type") == "program"]
    wall = wall_seconds(events)
    summary = {"evaluations": len(programs), "wall_seconds": round(wall, 1),
               "evaluations_per_minute": round(60 * len(programs) / wall, 2) if wall else None,
               "gpus": {}}
    by_device = {}
    for e in programs:
        if e.get("device"):
            by_device.setdefault(e["device"], []).append(e)
    shape, times = seed_times(args.run, {e["id"] for e in programs}, args.shape)
    print(f"{summary['evaluations']} programs evaluated (the seed among them) in {wall:.0f} s: "
          f"{summary['evaluations_per_minute']} a minute")
    print("gpu | timing stages | held s | share of wall | overlapping holds | "
          "seed us on its shape: n, median, p10-p90, spread")
    for device, es in sorted(by_device.items()):
        held = sum(e.get("device_held_ms", 0) for e in es) / 1000
        holds = [(e["id"], e["device_held_from"], e["device_held_until"]) for e in es
                 if e.get("device_held_from") and e.get("device_held_until")]
        pairs = overlaps(holds) if holds else None
        seed = [times[e["id"]] for e in es if e["id"] in times]
        row = {"timing_stages": len(es), "held_seconds": round(held, 1),
               "held_share": round(held / wall, 3) if wall else None,
               "holds_with_times": len(holds),
               "overlapping_holds": None if pairs is None else len(pairs)}
        text = "n/a"
        if len(seed) >= 2:
            med = statistics.median(seed)
            deciles = statistics.quantiles(seed, n=10, method="inclusive")
            p10, p90 = deciles[0], deciles[-1]
            row["seed"] = {"shape": shape, "n": len(seed), "median_us": round(med, 3),
                           "p10_us": round(p10, 3), "p90_us": round(p90, 3),
                           "spread": round((p90 - p10) / med, 4)}
            text = f"{shape}: {len(seed)}, {med:.2f}, {p10:.2f}-{p90:.2f}, {(p90 - p10) / med:.1%}"
        summary["gpus"][device] = row
        overlap_text = "not recorded" if pairs is None else (
            "none" if not pairs else f"{len(pairs)}: " + ", ".join(f"{a}/{b}" for a, b in pairs[:5]))
        if pairs is not None and len(holds) < len(es):
            overlap_text += f" (of the {len(holds)} holds with times)"
        share = "n/a" if row["held_share"] is None else f"{row['held_share']:.1%}"
        print(f"{device} | {len(es)} | {held:.1f} | {share} | {overlap_text} | {text}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
