"""A lake that counts what it reads: tests prove history is reached through the index, not loaded."""

from __future__ import annotations

from warehouse.storage import Lake


class CountingLake(Lake):
    """A lake that records the sample ids of every ``samples`` row it reads."""

    def __init__(self, root):
        super().__init__(root)
        self.samples_read: list[str] = []

    def read(self, table, *args, **kwargs):
        out = super().read(table, *args, **kwargs)
        if table == "samples":
            self.samples_read += out.column("sample_id").to_pylist()
        return out
