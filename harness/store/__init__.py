"""The results store: one DuckDB file with ``runs``, ``samples``, ``metrics`` and ``gates``.

Append-only: rows of a run are only ever added, and a run becomes visible to the leaderboard and
the gate when its status is ``complete``. Several processes may share one file: every operation
holds the file only for its own duration (one transaction per write) and retries while another
process holds the lock (:mod:`harness.store.engine`). The file describes itself: each split's
primary metric is stored with the run's metrics (:mod:`harness.store.schema`), so no reader needs
the task plugin that produced a run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.errors import StoreError
from harness.store.engine import LOCK_TIMEOUT_S
from harness.store.runs import RunQueries, RunRecord
from harness.store.samples import SampleFacts, SampleQueries
from harness.store.schema import GATE_COLUMNS, SCHEMA_VERSION, migrate, primary_sql

__all__ = ["GATE_COLUMNS", "LOCK_TIMEOUT_S", "SCHEMA_VERSION", "RunRecord", "SampleFacts", "Store", "primary_sql"]


class Store(RunQueries, SampleQueries):
    """A DuckDB results file. Cheap to construct; connections are opened per operation.

    A writer (the default) creates the file or upgrades an older one to :data:`SCHEMA_VERSION` on
    open; ``read_only=True`` (the leaderboard, the gate, export) reads any version as it is.
    """

    def __init__(self, path: str | Path, read_only: bool = False):
        super().__init__(path, read_only)
        if read_only and not self.path.exists():
            raise StoreError(f"{self.path}: no results store here: run `harness run` first or pass --db")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.transaction() as con:
                migrate(con, self.path)

    def write_gate(self, rows: Sequence[dict[str, Any]]) -> None:
        """Append the comparisons of one gate (dicts keyed by ``GATE_COLUMNS``) in one transaction."""
        if not rows:
            return
        values = [[row.get(c) for c in GATE_COLUMNS] for row in rows]
        with self.transaction() as con:
            con.executemany(
                f"INSERT INTO gates ({', '.join(GATE_COLUMNS)}) VALUES ({', '.join('?' * len(GATE_COLUMNS))})", values
            )
