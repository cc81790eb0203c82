"""kevolve's host for Python evaluators written for OpenEvolve (docs/openevolve.md).

Usage (kevolve runs it as the evaluator command, inside the sandbox):
    python3 kevolve_pyeval.py EVALUATOR_PY PROGRAM [STAGE [STAGES]]
    python3 kevolve_pyeval.py --serve EVALUATOR_PY   (a worker slot's fork server, below)

Imports EVALUATOR_PY (its folder first on sys.path, and kevolve's `openevolve` stand-in after
it), calls its function for STAGE of STAGES -- `evaluate(program_path)` for a single stage,
`evaluate_stage<K>(program_path)` for stage K of a cascade, `evaluate` for a last stage that has
no function of its own -- and prints one protocol-1 answer (docs/protocol.md) on stdout. Whatever
the evaluator prints goes to stderr, so it cannot break the answer. Every failure (the module does
not import, the function is missing, raises, or returns something else than a dict or an object
with `metrics`) is an answer with "valid": false whose feedback names it, with the traceback's
tail. Hangs are kevolve's: its deadline kills this process.

The score (OpenEvolve's rule): metrics["combined_score"] when it is a finite number, else the
mean of the finite numeric metrics other than "error". Numbers and booleans are metrics; other
values, and numbers that are not finite, go to the artifacts as text.
"""

import importlib.util
import json
import math
import numbers
import os
import resource
import signal
import socket
import sys
import traceback

TRACEBACK_LINES = 20


def _answer(fd, answer):
    data = (json.dumps(answer, allow_nan=False) + "\n").encode("utf-8")
    while data:
        data = data[os.write(fd, data):]


def _tail(text, lines=TRACEBACK_LINES):
    return "\n".join(text.rstrip("\n").split("\n")[-lines:])


def _invalid(feedback, trace=None):
    artifacts = {"feedback": feedback}
    if trace:
        artifacts["traceback"] = _tail(trace)
    return {"protocol": 1, "valid": False, "artifacts": artifacts}


def _plain(value):
    """A numpy scalar (or 0-d array) as the Python value it holds; anything else unchanged."""
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "shape", None) == ():
        try:
            return item()
        except (TypeError, ValueError):
            return value
    return value


def _as_text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, allow_nan=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def _score(metrics):
    combined = metrics.get("combined_score")
    if combined is not None:
        return float(combined)
    values = [v for k, v in metrics.items() if k != "error"]
    return sum(values) / len(values) if values else 0.0


def _convert(result, function_name):
    """The protocol answer for what the evaluator returned."""
    if isinstance(result, dict):
        raw_metrics, raw_artifacts = result, {}
    elif hasattr(result, "metrics") and isinstance(getattr(result, "metrics"), dict):
        raw_metrics = result.metrics
        raw_artifacts = getattr(result, "artifacts", None) or {}
        if not isinstance(raw_artifacts, dict):
            return _invalid(f"{function_name} returned artifacts of type "
                            f"{type(raw_artifacts).__name__}; expected a dict")
    else:
        return _invalid(f"{function_name} returned {type(result).__name__}; expected a dict of "
                        "metrics or an EvaluationResult (metrics, artifacts)")
    metrics, artifacts = {}, {}
    for key, value in raw_metrics.items():
        key, value = str(key), _plain(value)
        if isinstance(value, bool):
            metrics[key] = 1.0 if value else 0.0
        elif isinstance(value, numbers.Real) and math.isfinite(float(value)):
            metrics[key] = float(value)
        else:
            artifacts[key] = _as_text(value)
    for key, value in raw_artifacts.items():
        artifacts[str(key)] = _as_text(value)
    artifacts.pop("score_samples", None)  # kevolve's own key (docs/protocol.md)
    answer = {"protocol": 1, "valid": True, "combined_score": _score(metrics), "metrics": metrics}
    if artifacts:
        answer["artifacts"] = artifacts
    return answer


def _function_for(module, stage, stages):
    if stages > 1:
        name = f"evaluate_stage{stage}"
        if hasattr(module, name):
            return name
        if stage < stages:
            return name  # missing: reported below
    return "evaluate"


def _import(evaluator_path):
    """The evaluator module, or the invalid answer that says why it does not import."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:0] = [os.path.dirname(evaluator_path), here]
    name = os.path.basename(evaluator_path)
    try:
        spec = importlib.util.spec_from_file_location("evaluator", evaluator_path)
        if spec is None or spec.loader is None:
            raise ImportError(f"not a Python module: {evaluator_path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules["evaluator"] = module
        spec.loader.exec_module(module)
        return module, None
    except BaseException as e:  # SystemExit and KeyboardInterrupt too: nothing may escape
        return None, _invalid(f"{name} could not be imported: {type(e).__name__}: {e}",
                              traceback.format_exc())


def _evaluate(module, failure, name, program_path, stage, stages):
    """The answer for one candidate."""
    if failure is not None:
        return failure
    function_name = _function_for(module, stage, stages)
    function = getattr(module, function_name, None)
    if not callable(function):
        return _invalid(f"{name} has no function {function_name}(program_path)")
    try:
        result = function(program_path)
    except BaseException as e:
        return _invalid(f"{function_name} raised {type(e).__name__}: {e}", traceback.format_exc())
    finally:
        sys.stdout.flush()
    return _convert(result, function_name)


def _answer_to_stdout(compute):
    """Runs compute() with whatever it prints sent to stderr; its answer goes to stdout."""
    answer_fd = os.dup(1)
    os.dup2(2, 1)
    _answer(answer_fd, compute())


def main(argv):
    if len(argv) >= 3 and argv[1] == "--serve":
        return serve(os.path.abspath(argv[2]))
    if len(argv) < 3:
        sys.stderr.write("usage: kevolve_pyeval.py EVALUATOR_PY PROGRAM [STAGE [STAGES]]\n")
        return 2
    evaluator_path, program_path = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    stage = int(argv[3]) if len(argv) > 3 else 1
    stages = int(argv[4]) if len(argv) > 4 else 1

    def compute():
        module, failure = _import(evaluator_path)
        return _evaluate(module, failure, os.path.basename(evaluator_path), program_path, stage,
                         stages)

    _answer_to_stdout(compute)
    return 0


# The fork server of a worker slot's sandbox (src/eval/slot_agent.c): the evaluator is imported
# once; each candidate is a process forked from here, which takes its descriptors, rlimits,
# folder, environment and Landlock ruleset from the agent's request, evaluates and exits. What
# it changes (module globals included) dies with it.

LANDLOCK_RESTRICT_SELF = 446  # the same number on every architecture Linux has
PR_SET_DUMPABLE = 4


def _child(words, fds, module, failure, name, libc):
    workdir = words[0]
    at = words.index("R") + 1
    limits = []
    while words[at] != "A":
        resource_id, soft, hard = (int(x) for x in words[at].split())
        limits.append((resource_id, soft, hard))
        at += 1
    args_end = words.index("E", at + 1)
    args = words[at + 1:args_end]
    env = words[args_end + 1:]
    os.setsid()
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    for target, fd in enumerate(fds[:3]):
        os.dup2(fd, target)
    infinity = resource.RLIM_INFINITY
    for resource_id, soft, hard in limits:
        as_limit = lambda v: infinity if v >= 1 << 63 else v
        resource.setrlimit(resource_id, (as_limit(soft), as_limit(hard)))
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update(dict(entry.split("=", 1) for entry in env if "=" in entry))
    if len(fds) > 3:
        if libc.syscall(LANDLOCK_RESTRICT_SELF, fds[3], 0) != 0:
            os.write(2, b"kevolve: landlock_restrict_self failed in the fork server\n")
            os._exit(126)
    os.closerange(3, 1 << 16)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    program_path = os.path.abspath(args[0])
    stage = int(args[1]) if len(args) > 1 else 1
    stages = int(args[2]) if len(args) > 2 else 1
    _answer_to_stdout(lambda: _evaluate(module, failure, name, program_path, stage, stages))
    sys.stdout.flush()
    sys.stderr.flush()


def serve(evaluator_path):
    import ctypes  # here, once: each candidate's process only calls it
    libc = ctypes.CDLL(None, use_errno=True)
    # Not dumpable: a candidate of the same uid can neither ptrace the server nor open its /proc
    # entries (each forked process turns dumpable again for its own evaluation).
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    module, failure = _import(evaluator_path)
    name = os.path.basename(evaluator_path)
    control = socket.socket(fileno=3)
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, 1 << 18, 4)
        except OSError:
            return 0
        if not data:
            return 0
        words = data.decode("utf-8", errors="surrogateescape").split("\0")
        if words and words[-1] == "":
            words.pop()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _child(words, fds, module, failure, name, libc)
            except BaseException:
                traceback.print_exc()
                code = 125
            os._exit(code)
        for fd in fds:
            os.close(fd)
        _, status, usage = os.wait4(pid, 0)
        cpu_us = int((usage.ru_utime + usage.ru_stime) * 1e6)
        control.send(f"done {status} {cpu_us} {usage.ru_maxrss}".encode())


if __name__ == "__main__":
    sys.exit(main(sys.argv))
