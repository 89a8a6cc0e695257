"""Partitions: flywheel round (added at run time) x knowledge domain."""

from __future__ import annotations

import dagster as dg

from pipelines.creators import FAMILIES

ROUNDS = dg.DynamicPartitionsDefinition(name="round")
DOMAINS = dg.StaticPartitionsDefinition(sorted({f.domain for f in FAMILIES.values()}))
ROUND_X_DOMAIN = dg.MultiPartitionsDefinition({"round": ROUNDS, "domain": DOMAINS})


def partition_of(context: dg.AssetExecutionContext) -> tuple[int, str]:
    """(round, domain) of the run's partition."""
    keys = context.partition_key.keys_by_dimension
    return int(keys["round"]), keys["domain"]


def partition_key(round: int, domain: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"round": str(round), "domain": domain})
