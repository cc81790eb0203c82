# An OpenEvolve-style task for kevolve's tests: the folder is what OpenEvolve expects
# (initial_program.py, evaluator.py, config.yaml in OpenEvolve's schema) and kevolve runs it
# unchanged. The evaluator scores how close the constants are to a = 7, b = 0.5.
# EVOLVE-BLOCK-START
a = 1.0
b = 2.0
# EVOLVE-BLOCK-END


def run():
    return a, b
