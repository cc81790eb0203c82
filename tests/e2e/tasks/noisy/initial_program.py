# A task for the noise-aware selection tests: the evaluator measures `quality` with noise.
# EVOLVE-BLOCK-START
quality = 1.0
variant = 0
# EVOLVE-BLOCK-END
print(quality)
