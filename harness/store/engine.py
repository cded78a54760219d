"""Opening a store file: one in-process DuckDB that attaches each file per operation, with lock retries.

Several processes may share one file. Every operation holds the file only for its own duration (one
transaction per write) and retries while another process holds DuckDB's file lock.
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from harness.errors import StoreError

LOCK_TIMEOUT_S = 60.0


class Connections:
    """A store file's path and mode, and the short-lived connections every operation opens on it."""

    def __init__(self, path: str | Path, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection, retried while another process holds the file's lock."""
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        delay = 0.02
        while True:
            try:
                con = _ENGINE.open(self.path, self.read_only)
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise StoreError(
                        f"{self.path}: cannot open the results store ({str(exc).splitlines()[0]})"
                    ) from None
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 1.0)
        try:
            yield con
        finally:
            _ENGINE.close(self.path, con)

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction: everything in it lands, or nothing does."""
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")


class _Engine:
    """One in-memory DuckDB per process; a store file is ATTACHed to it while an operation uses it.

    A new DuckDB instance costs about 20 ms of CPU (it builds its catalog of built-in functions),
    ATTACH and DETACH about 2 ms, and they take and release the file's lock as connect and close
    do: so every operation still holds the file only for its own duration, at a tenth of the cost.
    Nested or concurrent operations on one file (a generator still open, another thread) share
    the attachment, each through its own cursor; the last one out detaches.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._root: duckdb.DuckDBPyConnection | None = None
        self._pid = 0
        self._attached: dict[str, list[Any]] = {}  # path -> [alias, read_only, users]

    def open(self, path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
        """A cursor whose default database is the file, attached now unless it already is."""
        key = str(path.resolve())
        with self._lock:
            if self._root is None or self._pid != os.getpid():  # a forked child must not share the parent's
                self._root, self._pid, self._attached = duckdb.connect(":memory:"), os.getpid(), {}
            entry = self._attached.get(key)
            if entry is None:
                alias = "store_" + hashlib.sha256(key.encode()).hexdigest()[:16]
                quoted = "'" + key.replace("'", "''") + "'"
                self._root.execute(f"ATTACH {quoted} AS {alias}" + (" (READ_ONLY)" if read_only else ""))
                entry = self._attached[key] = [alias, read_only, 0]
            elif entry[1] and not read_only:
                raise StoreError(f"{path}: open read-only in this process: close its readers before writing")
            entry[2] += 1
            cursor = self._root.cursor()
        try:
            cursor.execute(f"USE {entry[0]}")
        except BaseException:
            self.close(path, cursor)
            raise
        return cursor

    def close(self, path: Path, cursor: duckdb.DuckDBPyConnection) -> None:
        """Close the cursor; detach the file (releasing its lock) when nothing else here uses it."""
        cursor.close()
        key = str(path.resolve())
        with self._lock:
            entry = self._attached.get(key)
            if entry is None or self._root is None:
                return
            entry[2] -= 1
            if entry[2] == 0:
                del self._attached[key]
                self._root.execute(f"DETACH {entry[0]}")


_ENGINE = _Engine()
