#!/usr/bin/env python3
"""Builds and times variants of a kernel task's seed, each with some knobs changed (on a GPU
machine, kevolve built). A variants file holds one variant per line:

    NAME KNOB=VALUE KNOB=VALUE ...     (# starts a comment; a line with no knobs is the seed)
    NAME @FILE                         (a whole program, e.g. a run's best)

Each variant is the task's initial_program.cu with `constexpr int KNOB = ...;` set; all are
compiled at once by kevolve-kernel (no GPU), then each bench runs alone on the GPU, timed against
the seed as in an evaluation. Prints one row per variant (score, train and held-out speedup,
fraction of the speed of light, registers, spills, and the bench's wall time split into setup,
checks and timing) and writes every answer to OUT/NAME.json and
all of them, by name, to OUT/sweep.json (one file to carry back from a machine). With --anchors
(a task's anchors file, as examples/attention_decode/anchors.py --json writes it: shapes with
their best_us), also the geomean speedup over those anchors on train and held-out shapes.

    bench/gpu/knob_sweep.py TASK_DIR VARIANTS [--build build/release] [--out DIR] [--jobs N]
                            [--repeats N] [--anchors FILE]
"""
import argparse
import concurrent.futures
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time


def read_variants(path):
    variants = []
    for line in open(path):
        line = line.split("#", 1)[0].split()
        if line:
            if len(line) == 2 and line[1].startswith("@"):
                variants.append((line[0], {"@": line[1][1:]}))
            else:
                variants.append((line[0], dict(kv.split("=", 1) for kv in line[1:])))
    return variants


def kit_shape_rows(answer):
    """Per shape of a kernel-kit answer's table: name, held out, candidate and baseline medians
    in microseconds."""
    rows = []
    for line in answer.get("artifacts", {}).get("shapes", "").splitlines()[1:]:
        fields = [f.strip() for f in line.split("|")]
        rows.append({"shape": fields[0].replace(" (held out)", ""),
                     "held_out": fields[0].endswith("(held out)"),
                     "best_us": float(re.match(r"[\d.]+", fields[1]).group()),
                     "seed_us": float(fields[2])})
    return rows


def geomean(values):
    values = [v for v in values if v and v > 0]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def speedup_over_anchors(answer, best_us_by_shape):
    """Geomean of anchor time over the candidate's, on (train, held-out) shapes."""
    rows = kit_shape_rows(answer)
    ratio = lambda held: geomean([best_us_by_shape[r["shape"]] / r["best_us"] for r in rows
                                  if r["held_out"] == held and r["shape"] in best_us_by_shape])
    return ratio(False), ratio(True)


def write_variant(seed_text, knobs, path):
    text = open(knobs["@"]).read() if "@" in knobs else seed_text
    for knob, value in knobs.items():
        if knob == "@":
            continue
        text, n = re.subn(rf"(constexpr int {knob} = )[^;]+;", rf"\g<1>{value};", text)
        if n != 1:
            sys.exit(f"knob_sweep: {knob} is not a `constexpr int` of the seed")
    with open(path, "w") as f:
        f.write(text)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("task")
    p.add_argument("variants")
    p.add_argument("--build", default="build/release")
    p.add_argument("--out", default=None)
    p.add_argument("--jobs", type=int, default=os.cpu_count())
    p.add_argument("--repeats", default="5")
    p.add_argument("--anchors", default=None)
    args = p.parse_args()
    anchors = {}
    if args.anchors:
        anchors = {s["shape"]: s["best_us"] for s in json.load(open(args.anchors))["shapes"]
                   if s.get("best_us")}
    task = os.path.abspath(args.task)
    tool = os.path.abspath(os.path.join(args.build, "src/app/kevolve-tools/kevolve-kernel"))
    out = os.path.abspath(args.out or tempfile.mkdtemp(prefix="sweep-"))
    os.makedirs(out, exist_ok=True)
    seed_text = open(os.path.join(task, "initial_program.cu")).read()
    variants = read_variants(args.variants)

    def build(variant):
        name, knobs = variant
        work = os.path.join(out, name)
        os.makedirs(work, exist_ok=True)
        write_variant(seed_text, knobs, os.path.join(work, "program.cu"))
        r = subprocess.run([tool, "build", "--candidate", os.path.join(work, "program.cu"),
                            "--harness", os.path.join(task, "harness.cu"), "--include", task,
                            "--out", os.path.join(work, "bench"), "--workdir", work],
                           capture_output=True, text=True)
        answer = json.loads(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else {}
        return name, answer

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        builds = dict(pool.map(build, variants))

    answers = {}
    print(f"{'variant':24} {'score':>7} {'train':>7} {'heldout':>7} {'ho_min':>7} {'sol':>6} "
          f"{'ho_sol':>6} {'regs':>5} {'spill':>6} {'wall_s':>6} {'setup':>5} {'check':>5} "
          f"{'timing':>6}" + (f" {'vs_anchor':>9} {'ho_vs_anchor':>12}" if anchors else ""))
    for name, knobs in variants:
        b = builds[name]
        regs = b.get("metrics", {}).get("registers", "?")
        spill = b.get("metrics", {}).get("spill_bytes", "?")
        if not b.get("valid", False):
            print(f"{name:24} build failed: {b.get('artifacts', {}).get('feedback', b)}"[:400])
            continue
        env = dict(os.environ, KEVOLVE_REPEATS=args.repeats)
        work = os.path.join(out, name)
        started = time.monotonic()
        r = subprocess.run([os.path.join(work, "bench"), "--shapes",
                            os.path.join(task, "shapes.txt")], capture_output=True, text=True,
                           cwd=work, env=env)
        wall = time.monotonic() - started
        lines = r.stdout.strip().splitlines()
        try:
            a = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            print(f"{name:24} no answer (exit {r.returncode}): {r.stderr[-300:]}")
            continue
        answers[name] = a
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(a, f, indent=1)
        with open(os.path.join(out, "sweep.json"), "w") as f:
            json.dump(answers, f)
        if not a.get("valid"):
            print(f"{name:24} INVALID: {a.get('artifacts', {}).get('feedback', '')[:300]}")
            continue
        m, h = a.get("metrics", {}), a.get("hidden_metrics", {})
        print(f"{name:24} {a['combined_score']:7.3f} {m.get('speedup', 0):7.3f} "
              f"{h.get('heldout_speedup', 0):7.3f} {h.get('heldout_min_speedup', 0):7.3f} "
              f"{m.get('sol_fraction', 0):6.3f} {h.get('heldout_sol_fraction', 0):6.3f} "
              f"{regs:>5} {spill:>6} {wall:6.2f} {m.get('setup_seconds', 0):5.2f} "
              f"{m.get('check_seconds', 0):5.2f} {m.get('timing_seconds', 0):6.2f}" +
              (" {:9.3f} {:12.3f}".format(*speedup_over_anchors(a, anchors)) if anchors else ""),
              flush=True)
    print(f"# answers in {out}")


if __name__ == "__main__":
    main()
