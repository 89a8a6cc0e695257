"""Where Dagster keeps this project's run history, one rule for every entry point (`flywheel run`,
`flywheel dev` / `make dev`, `flywheel launch`): ``$DAGSTER_HOME`` when set, else the repo's
``.dagster_home/``. The first use writes a ``dagster.yaml`` with telemetry and the welcome modal
off and the project's event log storage (:mod:`assets_defs.event_log`); an existing non-empty one
is the user's and is left alone."""

from __future__ import annotations

import os
from pathlib import Path

from warehouse.storage import REPO_ROOT as REPO
from warehouse.storage import atomic_path

DAGSTER_YAML = """\
# written by `flywheel` (assets_defs/home.py) because this file was missing or empty; yours to edit
telemetry:
  enabled: false
nux:
  enabled: false
# Dagster's SQLite event log with one engine per database instead of one per event (same files)
event_log_storage:
  module: assets_defs.event_log
  class: KeptEngineSqliteEventLogStorage
"""


def dagster_home() -> Path:
    """The instance folder (created, with its ``dagster.yaml``), exported as ``$DAGSTER_HOME`` for
    this process and every process it starts."""
    home = Path(os.environ.get("DAGSTER_HOME") or REPO / ".dagster_home").expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or not config.read_text().strip():
        with atomic_path(config) as tmp:
            Path(tmp).write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return home
