"""The code location `dagster dev` loads from the repo root (pyproject [tool.dg.project])."""

from __future__ import annotations

import dagster as dg

from assets_defs.flywheel import ASSETS
from assets_defs.partitions import ROUND_X_DOMAIN
from assets_defs.resources import RESOURCES

flywheel_job = dg.define_asset_job(
    "flywheel",
    selection=dg.AssetSelection.groups("flywheel"),
    partitions_def=ROUND_X_DOMAIN,
    description="One flywheel round for one domain: knowledge -> plans -> drafts -> renders -> verdicts "
                "-> repairs -> expansions -> samples.",
)

defs = dg.Definitions(
    assets=ASSETS,
    jobs=[flywheel_job],
    resources=RESOURCES,
    # steps of one run share a machine with the sandbox workers: keep them from oversubscribing
    executor=dg.multiprocess_executor.configured({"max_concurrent": 2}),
)
