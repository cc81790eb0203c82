# A toy task for end-to-end tests: the evaluator reads the two constants and scores how close
# they are to a = 7, b = 0.5. Fast (a few milliseconds), so tests can run hundreds of evaluations.
# EVOLVE-BLOCK-START
a = 1.0
b = 2.0
# EVOLVE-BLOCK-END
print(a + b)
