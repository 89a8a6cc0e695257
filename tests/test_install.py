"""The install: every package the code imports is declared in pyproject (the default install or an
extra), every default dependency is used, and the default install's code paths (synthesis,
queries, the CLI, the Dagster definitions) never import the training stack."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ["assets_defs", "pipelines", "knowledge", "warehouse", "train"]
TRAINING_STACK = ["torch", "transformers", "trl", "peft", "datasets", "vllm"]
# default dependencies used without an import statement: entry points, servers, version pins
USED_WITHOUT_IMPORT = {"dagster-webserver": "the UI that `make dev` serves",
                       "dagster-graphql": "the UI's API (imported by flywheel launch as dagster_graphql)",
                       "dagster-shared": "pinned with the dagster family",
                       "dagster-dg-cli": "the `dg` command `make dev` runs",
                       "uvicorn": "serves `flywheel browse`", "jinja2": "FastAPI's templates (flywheel browse)"}


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    default = {_name(r) for r in project["dependencies"]}
    extras = {_name(r) for reqs in project["optional-dependencies"].values() for r in reqs}
    return default, extras


@cache
def _imported(folders: tuple[str, ...]) -> dict[str, set[str]]:
    """Top-level third-party modules imported anywhere under ``folders`` -> the files."""
    local = set(PACKAGES) | {"tests", "bench"}
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                    [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else [])
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in local and top != "__future__":
                        found.setdefault(top, set()).add(str(path.relative_to(REPO)))
    return found


@cache
def _dists() -> dict[str, list[str]]:
    return packages_distributions()


def test_every_imported_package_is_declared():
    default, extras = _declared()
    dists = _dists()
    missing = {}
    for module, files in _imported((*PACKAGES, "tests")).items():
        names = {d.lower().replace("_", "-") for d in dists.get(module, [module])}
        if not names & (default | extras):  # a module not installed here (vllm) counts by its own name
            missing[module] = sorted(files)[:3]
    assert not missing, f"imported but not declared in pyproject: {missing}"


def test_every_default_dependency_is_used():
    default, _ = _declared()
    dists = _dists()
    in_code = [m for m, files in _imported((*PACKAGES, "tests")).items() if any(not f.startswith("tests/") for f in files)]
    imported = {d.lower().replace("_", "-") for module in in_code for d in dists.get(module, [module])}
    unused = default - imported - set(USED_WITHOUT_IMPORT)
    assert not unused, f"declared in the default install but never imported: {sorted(unused)}"


def test_the_default_install_paths_never_import_the_training_stack():
    # every module of the synthesis and query side, the CLI and the Dagster definitions (whose
    # training and evaluation assets import their stack inside the asset bodies)
    modules = ["assets_defs.definitions", "assets_defs.cli", "assets_defs.runner", "assets_defs.launch"]
    for package in ("pipelines", "knowledge", "warehouse"):
        for path in sorted((REPO / package).rglob("*.py")):
            module = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
            if module not in ("pipelines.llm.serve", "pipelines.llm.vllm_engine"):  # the gpu/train tools
                modules.append(module)
    script = f"""
import importlib, sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {TRAINING_STACK!r}:
            raise ImportError("refused " + name + " (training stack) while importing " + current)
sys.meta_path.insert(0, Refuse())
for current in {modules!r}:
    importlib.import_module(current)
print(len({modules!r}))
"""
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert int(proc.stdout.split()[-1]) > 50
