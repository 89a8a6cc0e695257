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
    """Warm sandbox workers; one pool per run with the in-process executor, per step otherwise."""

    workers: int = 0  # 0 = one per available core
    timeout_s: float = 10.0
    memory_mb: int = 1024
    strict: bool = True  # refuse to start with incomplete isolation; False (or $FLYWHEEL_SANDBOX_STRICT=0) opts out

    @contextmanager
    def pool(self) -> Iterator:
        from pipelines.sandbox import Limits, Sandbox  # heavy: matplotlib workers

        with Sandbox(workers=self.workers or None,
                     limits=Limits(timeout_s=self.timeout_s, memory_mb=self.memory_mb),
                     strict=None if self.strict else False) as sandbox:
            yield sandbox


class LLMResource(dg.ConfigurableResource):
    """An OpenAI-compatible endpoint (vLLM server, hosted API) for the model stages.

    Empty ``base_url``/``model`` fall back to ``$FLYWHEEL_LLM_BASE_URL``/``$FLYWHEEL_LLM_MODEL``;
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

    def endpoint(self) -> tuple[str, str]:
        return (self.base_url or os.environ.get("FLYWHEEL_LLM_BASE_URL", ""),
                self.model or os.environ.get("FLYWHEEL_LLM_MODEL", ""))

    def enabled(self) -> bool:
        return bool(self.endpoint()[0])

    def creates_in(self, domain: str) -> bool:
        return self.enabled() and self.creator_share > 0 and (not self.creator_domains or domain in self.creator_domains)

    def client(self, lake: Lake):
        """A :class:`pipelines.llm.ChatClient`, or None when the model stages are off."""
        from pipelines.llm import ChatClient

        base_url, model = self.endpoint()
        if not base_url:
            return None
        if not model:
            raise ValueError("FLYWHEEL_LLM_BASE_URL is set but no model: set FLYWHEEL_LLM_MODEL or the llm resource's model")
        cache = self.cache_dir or (os.path.join(str(lake.root), "llm_cache") if lake.is_local
                                   else os.path.expanduser("~/.cache/flywheel/llm"))
        prices = json.loads(self.prices_json) if self.prices_json else None
        return ChatClient(base_url, model, api_key=os.environ.get(self.api_key_env) or None,
                          concurrency=self.concurrency, timeout_s=self.timeout_s, max_retries=self.max_retries,
                          cache_dir=cache, prices=prices, budget_usd=self.budget_usd or None)


RESOURCES = {"lake": LakeResource(), "sandbox": SandboxResource(), "llm": LLMResource()}
__all__ = ["ENV_ROOT", "LLMResource", "LakeResource", "RESOURCES", "SandboxResource"]
