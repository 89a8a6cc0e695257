"""Dagster wiring. Dagster marks two APIs this project relies on (with dagster pinned) as beta or
preview and warns at every import, in every process (the UI's code server, each lane of
`flywheel run`); those known warnings are silenced here, before any module of the package uses
them, and nothing else is."""

import warnings

KNOWN_DAGSTER_WARNINGS = (
    r"Class `MultiToSingleDimensionPartitionMapping` is currently in beta",  # round x domain -> round
    r"Specifying a partitions_def on an AssetCheckSpec is currently in preview",  # checks per partition
)
for _message in KNOWN_DAGSTER_WARNINGS:
    warnings.filterwarnings("ignore", message=_message)
