"""Resources: where the lake lives, the sandbox pool the rendering stages share, and the optional
model endpoint behind the model-backed creator, judge and repairer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import json
import os

import dagster as dg

from warehouse.storage import ENV_ROOT, Lake


class LakeResource(dg.ConfigurableResource):
    """The Parquet lake. Empty ``root`` means ``$FLYWHEEL_DATA_ROOT`` or the repo's ``data/``."""

    root: str = ""

    def lake(self) -> Lake:
        return Lake(self.root or None)


class SandboxResource(dg.ConfigurableResource):
    """Warm sandbox workers; one pool per run with the in-process executor, per step otherwise.

    With a Ray address (``ray_address``, else ``$FLYWHEEL_RAY_ADDRESS``) the render, repair and
    expansion stages render on the Ray cluster instead: one warm Sandbox per node, kept between
    steps (``pipelines.distributed.ray_pool``); ``workers`` is then per node."""

    workers: int = 0  # 0 = one per available core (per node on Ray)
    timeout_s: float = 10.0
    memory_mb: int = 1024
    strict: bool = True  # refuse to start with incomplete isolation; False (or $FLYWHEEL_SANDBOX_STRICT=0) opts out
    ray_address: str = ""  # "" = $FLYWHEEL_RAY_ADDRESS; neither set = the local pool

    def open(self, workers: int | None = None):
        """A started pool (close it when done): local warm workers, or the Ray cluster's."""
        from pipelines.distributed.ray_pool import ray_address
        from pipelines.sandbox import Limits, Sandbox  # heavy: matplotlib workers

        limits = Limits(timeout_s=self.timeout_s, memory_mb=self.memory_mb)
        strict = None if self.strict else False
        address = self.ray_address or ray_address()
        if address:
            from pipelines.distributed.ray_pool import RaySandboxPool

            return RaySandboxPool(address, limits=limits, strict=strict, workers_per_node=self.workers)
        return Sandbox(workers=workers or self.workers or None, limits=limits, strict=strict)

    @contextmanager
    def pool(self) -> Iterator:
        with self.open() as sandbox:
            yield sandbox


class LLMResource(dg.ConfigurableResource):
    """An OpenAI-compatible endpoint (vLLM server, hosted API) for the model stages.

    Empty ``base_url``/``model`` fall back to ``$FLYWHEEL_LLM_BASE_URL``/``$FLYWHEEL_LLM_MODEL``,
    and with no model the endpoint's one served model (``GET /models``: vLLM serves one) is used;
    with no endpoint at all the model stages are off and the round is procedural only. The key is
    read from the environment variable named by ``api_key_env``, never from config."""

    base_url: str = ""
    model: str = ""
    api_key_env: str = "FLYWHEEL_LLM_API_KEY"
    concurrency: int = 8
    timeout_s: float = 120.0
    max_retries: int = 4
    budget_usd: float = 0.0  # 0 = no budget
    prices_json: str = ""  # {"<model>": [usd per 1M prompt tokens, usd per 1M completion tokens]}
    cache_dir: str = ""  # default: <lake root>/llm_cache (a local lake) or ~/.cache/flywheel/llm
    creator_share: float = 0.5  # share of each enabled domain's plans written by the model creator
    creator_domains: list[str] = []  # domains the model creator works in; empty = all
    judge_procedural: bool = False  # also judge procedural drafts (model drafts are always judged)
    repair_rounds: int = 2

    def _base_url(self) -> str:
        return self.base_url or os.environ.get("FLYWHEEL_LLM_BASE_URL", "")

    def endpoint(self) -> tuple[str, str]:
        """(base URL, model): the model configured and served, or the one the endpoint serves; raises
        :class:`pipelines.llm.EndpointError` (one line) when the endpoint cannot serve a round."""
        from pipelines.llm import resolve_model

        base_url = self._base_url()
        if not base_url:
            return "", ""
        model = self.model or os.environ.get("FLYWHEEL_LLM_MODEL", "")
        return base_url, resolve_model(base_url, model, os.environ.get(self.api_key_env) or None)

    def enabled(self) -> bool:
        return bool(self._base_url())

    def creates_in(self, domain: str) -> bool:
        return self.enabled() and self.creator_share > 0 and (not self.creator_domains or domain in self.creator_domains)

    def client(self, lake: Lake):
        """A :class:`pipelines.llm.ChatClient`, or None when the model stages are off."""
        from pipelines.llm import ChatClient

        if not self.enabled():
            return None
        base_url, model = self.endpoint()
        cache = self.cache_dir or (os.path.join(str(lake.root), "llm_cache") if lake.is_local
                                   else os.path.expanduser("~/.cache/flywheel/llm"))
        prices = json.loads(self.prices_json) if self.prices_json else None
        return ChatClient(base_url, model, api_key=os.environ.get(self.api_key_env) or None,
                          concurrency=self.concurrency, timeout_s=self.timeout_s, max_retries=self.max_retries,
                          cache_dir=cache, prices=prices, budget_usd=self.budget_usd or None)


RESOURCES = {"lake": LakeResource(), "sandbox": SandboxResource(), "llm": LLMResource()}
__all__ = ["ENV_ROOT", "LLMResource", "LakeResource", "RESOURCES", "SandboxResource"]
