"""kevolve's stand-in for the `openevolve` package, for evaluators written for OpenEvolve.

Only what an evaluator imports is here (`openevolve.evaluation_result`); kevolve runs the
search itself. See docs/openevolve.md.
"""
