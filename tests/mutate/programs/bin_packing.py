# Online bin packing priority, scored by the task's evaluator.
import math

import numpy as np

EPSILON = 1e-9  # outside the block: never mutated


# EVOLVE-BLOCK-START
def priority(item: float, bins: np.ndarray) -> np.ndarray:
    """Scores each bin; the bin with the highest score receives the item (see 2 notes)."""
    residual = bins - item
    scores = -residual / bins.max()
    penalty = 0.5  # choices: 0.25, 0.5, 1.0
    tight = residual < 0.1 * item
    scores[tight] += 2.0
    if item > 0.75:
        scores = scores * 1.5
    for i in range(len(bins)):
        if bins[i] == item:
            scores[i] += 10
    scores -= penalty * np.log1p(residual)
    return scores
# EVOLVE-BLOCK-END


def solve(items, capacity=100):
    bins = np.array([capacity], dtype=float)
    for item in items:
        s = priority(item, bins)
        if s.max() < 0:
            bins = np.append(bins, capacity - item)
    return len(bins) + EPSILON * math.pi
