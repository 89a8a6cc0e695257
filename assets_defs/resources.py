"""Resources: where the lake lives and the sandbox pool the rendering stages share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from warehouse.storage import ENV_ROOT, Lake


class LakeResource(dg.ConfigurableResource):
    """The Parquet lake. Empty ``root`` means ``$FLYWHEEL_DATA_ROOT`` or the repo's ``data/``."""

    root: str = ""

    def lake(self) -> Lake:
        return Lake(self.root or None)


class SandboxResource(dg.ConfigurableResource):
    """Warm sandbox workers; one pool per run with the in-process executor, per step otherwise."""

    workers: int = 0  # 0 = one per available core
    timeout_s: float = 10.0
    memory_mb: int = 1024

    @contextmanager
    def pool(self) -> Iterator:
        from pipelines.sandbox import Limits, Sandbox  # heavy: matplotlib workers

        with Sandbox(workers=self.workers or None,
                     limits=Limits(timeout_s=self.timeout_s, memory_mb=self.memory_mb)) as sandbox:
            yield sandbox


RESOURCES = {"lake": LakeResource(), "sandbox": SandboxResource()}
__all__ = ["ENV_ROOT", "LakeResource", "RESOURCES", "SandboxResource"]
