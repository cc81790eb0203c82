# The program of the trivial benchmark task; its evaluator does not read it.
# EVOLVE-BLOCK-START
a = 1.0
b = 2.0
# EVOLVE-BLOCK-END
print(a + b)
