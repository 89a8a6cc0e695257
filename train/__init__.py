"""Training curriculum on TRL: exports from the lake, perception SFT, cold-start SFT and GRPO whose
rollouts execute code in the project's sandbox. No Dagster imports here (assets_defs/training.py wires it)."""
