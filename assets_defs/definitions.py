"""The code location `dagster dev` loads from the repo root (pyproject [tool.dg.project]).

Each area module exports ``ASSETS`` (assets, multi-assets and asset checks) and may export
``JOBS``; adding an area is one line in ``AREAS``."""

from __future__ import annotations

import dagster as dg

from assets_defs import coverage, diversity, evaluation, flywheel, perception, sources, training
from assets_defs.partitions import ROUND_X_DOMAIN
from assets_defs.resources import RESOURCES

AREAS = [flywheel, diversity, sources, perception, coverage, training, evaluation]

flywheel_job = dg.define_asset_job(
    "flywheel",
    # perception tasks share the round x domain partition and cost seconds: a round yields them too
    selection=dg.AssetSelection.groups("flywheel") | dg.AssetSelection.assets("perception_tasks",
                                                                               "element_annotations"),
    partitions_def=ROUND_X_DOMAIN,
    description="One flywheel round for one domain: knowledge -> plans -> drafts -> renders -> verdicts "
                "-> repairs -> expansions -> samples -> knowledge evolution (nodes for the next round) "
                "and perception tasks.",
)

defs = dg.Definitions(
    assets=[a for area in AREAS for a in area.ASSETS if not isinstance(a, dg.AssetChecksDefinition)],
    asset_checks=[a for area in AREAS for a in area.ASSETS if isinstance(a, dg.AssetChecksDefinition)],
    jobs=[flywheel_job, *(j for area in AREAS for j in getattr(area, "JOBS", ()))],
    resources=RESOURCES,
    # steps of one run share a machine with the sandbox workers: keep them from oversubscribing
    executor=dg.multiprocess_executor.configured({"max_concurrent": 2}),
)
