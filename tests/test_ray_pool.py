"""Ray as the compute engine: the render, check, repair and expansion stages given the Ray sandbox
pool (one warm project Sandbox per Ray node) produce the same rows as with the local pool, byte for
byte (images included; only the measured milliseconds differ), and the sandbox resource hands the
stages that pool when a Ray address is configured. Against a real Ray instance started here."""

from __future__ import annotations

import os

import pytest

from pipelines.check import ImageCache, check_all
from pipelines.create import create_drafts
from pipelines.creators import FAMILIES
from pipelines.curate import curate
from pipelines.expand import expand
from pipelines.render import render_drafts
from pipelines.repair import repair
from pipelines.sandbox import Limits, Sandbox, Task

LIMITS = Limits(timeout_s=10)


@pytest.fixture(scope="module")
def ray_pool():
    """A one-node Ray instance with 2 CPUs, and the Ray sandbox pool on it."""
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install '.[ray]')")
    from pipelines.distributed.ray_pool import NAMESPACE, RaySandboxPool, shutdown

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # a private local instance: no token file in ~/.ray
    try:
        ray.init(num_cpus=2, include_dashboard=False, namespace=NAMESPACE, log_to_driver=False,
                 logging_level="ERROR")
    except Exception as err:  # noqa: BLE001 - any reason Ray cannot start here is a skip, named
        pytest.skip(f"Ray cannot start here: {type(err).__name__}: {err}")
    try:
        with RaySandboxPool("auto", limits=LIMITS) as pool:
            yield pool
    finally:
        shutdown("auto")
        ray.shutdown()


@pytest.fixture(scope="module")
def local_pool():
    with Sandbox(workers=2, limits=LIMITS) as sb:
        yield sb


def drafts() -> list[dict]:
    """One draft of each of the first families of three domains, one of them broken (it gets repaired)."""
    picked, domains = [], set()
    for name, f in sorted(FAMILIES.items()):
        if f.domain not in domains and len(domains) < 3:
            domains.add(f.domain)
            picked.append({"plan_id": f"r1.{f.domain}.0001", "node_ids": [f.node_ids[0]],
                           "creator": f"procedural:{name}", "seed": 7, "target_difficulty": 1, "round": 1,
                           "domain": f.domain})
    rows = create_drafts(picked, FAMILIES)
    rows[0]["render_code"] = "raise RuntimeError('layout exploded')"  # -> repaired by a relayout
    return rows


def without_ms(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "ms"} for r in rows]


def stages(pool) -> dict[str, list[dict]]:
    """Render, check, repair, then expand the accepted drafts, as the flywheel's assets do."""
    rows = drafts()
    rendered = render_drafts(rows, pool)
    images = ImageCache(rendered.images)
    verdicts = check_all(rows, rendered.renders, images, FAMILIES)
    fixed = repair(rows, rendered.renders, verdicts, images, FAMILIES, pool, max_rounds=1)
    accepted = curate(rows + fixed.drafts, rendered.renders + fixed.renders, verdicts + fixed.verdicts).samples
    ids = {(s["sample_id"], s["attempt"]) for s in accepted}
    grown = expand([d for d in rows + fixed.drafts if (d["sample_id"], d["attempt"]) in ids], images, FAMILIES,
                   pool, max_depth=1)
    return {"renders": without_ms(rendered.renders + fixed.renders + grown.renders),
            "images": rendered.images + fixed.images + grown.images,
            "verdicts": verdicts + fixed.verdicts + grown.verdicts,
            "drafts": fixed.drafts + grown.drafts, "repairs": fixed.repairs}


def test_stages_on_the_ray_pool_equal_the_local_pool_byte_for_byte(ray_pool, local_pool):
    on_ray, local = stages(ray_pool), stages(local_pool)
    assert local["repairs"] and local["drafts"] and local["images"]  # every stage had work
    for table in local:
        assert on_ray[table] == local[table], table
    assert ray_pool.overhead.calls > 0 and ray_pool.overhead.inside_s > 0  # the work ran in the actors


def test_the_sandbox_resource_renders_on_ray_when_an_address_is_set(ray_pool, monkeypatch):
    from assets_defs.resources import SandboxResource
    from pipelines.distributed.ray_pool import ENV_ADDRESS, RaySandboxPool

    monkeypatch.setenv(ENV_ADDRESS, "auto")
    with SandboxResource(timeout_s=10).pool() as pool:
        assert isinstance(pool, RaySandboxPool)
        assert pool.isolation["missing"] == ray_pool.isolation["missing"]
        (result,) = pool.map([Task(code="fig, ax = plt.subplots(); ax.plot([0, 1], [0, 1])")])
        assert result.ok and result.png.startswith(b"\x89PNG")
    monkeypatch.delenv(ENV_ADDRESS)
    with SandboxResource(workers=1).pool() as pool:  # no address: the local pool, as before
        assert isinstance(pool, Sandbox)
