import math

# EVOLVE-BLOCK-START
def priority(item, bins):
    scores = []
    for remaining in bins:
        if remaining < item:
            scores.append(-math.inf)
            continue
        scores.append(-(remaining - item))
    return scores
# EVOLVE-BLOCK-END


def solve(items, capacity):
    return [priority(i, [capacity]) for i in items]
