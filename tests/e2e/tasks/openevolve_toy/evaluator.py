"""Evaluator in OpenEvolve's shape: evaluate_stage1 (quick), evaluate_stage2, evaluate."""
import importlib.util

from openevolve.evaluation_result import EvaluationResult


def _load(program_path):
    spec = importlib.util.spec_from_file_location("program", program_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def evaluate_stage1(program_path):
    a, b = _load(program_path).run()
    return {"combined_score": 1.0 / (1.0 + abs(a - 7)), "a": a}


def evaluate_stage2(program_path):
    a, b = _load(program_path).run()
    score = 1.0 / (1.0 + (a - 7) ** 2 + (b - 0.5) ** 2)
    print("stage 2 of", program_path)  # must not break the answer
    return EvaluationResult(metrics={"combined_score": score, "a": a, "b": b},
                            artifacts={"feedback": f"a={a} b={b}"})


def evaluate(program_path):
    return evaluate_stage2(program_path)
