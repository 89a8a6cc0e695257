"""Dagster's SQLite event log, with one SQLAlchemy engine per database file instead of one per event.

The stock :class:`SqliteEventLogStorage` builds (and disposes) an engine for every event it stores:
each event pays engine creation, the dialect's first-connect queries and an empty compiled-statement
cache. A flywheel partition run stores about 100 events; storing them was about a tenth of a round's
CPU (py-spy over ``flywheel run``), and keeping engines cuts an 11-step run's Dagster cost by about a
fifth (0.55 -> 0.44 core-seconds). Engines are kept for the most recently used databases;
connections still open and close per use (``NullPool``), so locking between processes (lanes,
``dagster dev``) is unchanged, and the files stay Dagster's own format.
``flywheel`` writes this class into the ``dagster.yaml`` it generates (:mod:`assets_defs.home`).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster import Field, StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SQLITE_BUSY_TIMEOUT_SECONDS, SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import create_db_conn_string
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

KEPT_ENGINES = 8  # a lane writes one run's database and the index at a time; the UI reads a few


class KeptEngineSqliteEventLogStorage(SqliteEventLogStorage):
    """:class:`SqliteEventLogStorage` keeping an engine per database file (LRU of
    :data:`KEPT_ENGINES`). ``base_dir`` defaults to ``$DAGSTER_HOME/history/runs``, where the stock
    storage keeps its files, so switching either way reads the same history."""

    def __init__(self, base_dir: str | None = None, inst_data=None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir or default_base_dir(), inst_data=inst_data)

    @classmethod
    def config_type(cls):
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> KeptEngineSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(create_db_conn_string(self._base_dir, shard), poolclass=NullPool,
                                   connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        self._engines[shard] = engine
        while len(self._engines) > KEPT_ENGINES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        super().dispose()


def default_base_dir() -> str:
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        raise ValueError("KeptEngineSqliteEventLogStorage needs base_dir in its config or $DAGSTER_HOME set")
    return os.path.join(os.path.expanduser(home), "history", "runs")
