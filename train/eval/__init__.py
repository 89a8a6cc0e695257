"""Evaluation: the interactive inference loop (shared with RL rollouts), model backends, benchmark
items from the warehouse, per-benchmark scoring and the ``eval_*`` tables."""
