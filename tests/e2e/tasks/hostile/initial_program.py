# A task whose evaluator misbehaves on purpose, depending on the candidate's `mode` constant:
# 0 scores normally; 1 loops forever; 2 segfaults; 3 floods stdout; 4 leaves a background
# grandchild; 5 fork-bombs; 6 prints garbage. The run must go on through all of them.
# EVOLVE-BLOCK-START
mode = 0  # choices: 0, 1, 2, 3, 4, 5, 6
x = 1.0
# EVOLVE-BLOCK-END
