"""The results store: one DuckDB file with ``runs``, ``samples``, ``metrics`` and ``gates``.

Append-only: rows of a run are only ever added, and a run becomes visible to the leaderboard and
the gate when its status is ``complete``. Several processes may share one file: every operation
holds the file only for its own duration (one transaction per write) and retries while another
process holds the lock.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from harness.errors import StoreError
from harness.tasks.base import MetricValue
from harness.types import Example, Response, SampleResult, Scored, canonical_json

# 1: runs, samples, metrics. 2: + gates (added in place; a version-1 file is upgraded on open).
SCHEMA_VERSION = 2
LOCK_TIMEOUT_S = 60.0

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    resume_key VARCHAR NOT NULL,
    task VARCHAR NOT NULL,
    task_version VARCHAR NOT NULL,
    data_hash VARCHAR NOT NULL,
    label VARCHAR NOT NULL,
    model_spec VARCHAR NOT NULL,
    model_fingerprint JSON NOT NULL,
    model_kind VARCHAR,
    model_params BIGINT,
    config JSON NOT NULL,
    harness_version VARCHAR,
    git_sha VARCHAR,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status VARCHAR NOT NULL,
    n_samples INTEGER,
    n_errors INTEGER,
    wall_s DOUBLE,
    cost_usd DOUBLE,
    tokens_in BIGINT,
    tokens_out BIGINT,
    resumed_from VARCHAR,
    extra JSON
);
CREATE TABLE IF NOT EXISTS samples (
    run_id VARCHAR NOT NULL,
    example_id VARCHAR NOT NULL,
    split VARCHAR NOT NULL,
    tags VARCHAR[],
    input JSON,
    target JSON,
    request_hash VARCHAR,
    output VARCHAR,
    parsed JSON,
    scores JSON,
    details JSON,
    error VARCHAR,
    latency_ms DOUBLE,
    tokens_in INTEGER,
    tokens_out INTEGER,
    cost_usd DOUBLE,
    meta JSON,
    created_at TIMESTAMP,
    PRIMARY KEY (run_id, split, example_id)
);
CREATE TABLE IF NOT EXISTS metrics (
    run_id VARCHAR NOT NULL,
    split VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    value DOUBLE,
    ci_low DOUBLE,
    ci_high DOUBLE,
    n INTEGER,
    PRIMARY KEY (run_id, split, metric)
);
CREATE TABLE IF NOT EXISTS gates (
    gate_id VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    baseline VARCHAR NOT NULL,
    candidate VARCHAR NOT NULL,
    baseline_run VARCHAR,
    candidate_run VARCHAR,
    task VARCHAR NOT NULL,
    split VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    test VARCHAR NOT NULL,
    n INTEGER NOT NULL,
    baseline_value DOUBLE,
    candidate_value DOUBLE,
    diff DOUBLE,
    ci_low DOUBLE,
    ci_high DOUBLE,
    p_value DOUBLE,
    verdict VARCHAR NOT NULL,
    max_drop DOUBLE,
    alpha DOUBLE,
    gate_verdict VARCHAR NOT NULL,
    PRIMARY KEY (gate_id, task, split, metric)
);
"""

GATE_COLUMNS = (
    "gate_id",
    "created_at",
    "baseline",
    "candidate",
    "baseline_run",
    "candidate_run",
    "task",
    "split",
    "metric",
    "test",
    "n",
    "baseline_value",
    "candidate_value",
    "diff",
    "ci_low",
    "ci_high",
    "p_value",
    "verdict",
    "max_drop",
    "alpha",
    "gate_verdict",
)

_SAMPLE_COLUMNS = (
    "run_id, example_id, split, tags, input, target, request_hash, output, parsed, scores, details, "
    "error, latency_ms, tokens_in, tokens_out, cost_usd, meta, created_at"
)
# One statement for a whole batch: each column goes in as one list parameter and is unnested, so
# DuckDB binds 17 lists instead of 18 values per row (executemany runs the insert once per row).
_SAMPLE_LIST_TYPES = (
    "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR[]", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR",
    "VARCHAR", "VARCHAR", "VARCHAR", "DOUBLE", "INTEGER", "INTEGER", "DOUBLE", "VARCHAR",
)  # fmt: skip
_INSERT_SAMPLES = (
    f"INSERT INTO samples ({_SAMPLE_COLUMNS}) SELECT "
    + ", ".join(f"unnest(?::{t}[])" for t in _SAMPLE_LIST_TYPES)
    + ", ?::TIMESTAMP"
)


@dataclass(frozen=True)
class RunRecord:
    """One row of ``runs`` as the library uses it."""

    run_id: str
    task: str
    task_version: str
    data_hash: str
    label: str
    model_spec: str
    status: str
    n_samples: int | None
    n_errors: int | None
    wall_s: float | None
    started_at: datetime
    config: dict[str, Any]
    model_fingerprint: dict[str, Any]
    cost_usd: float | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None


def _now() -> datetime:
    """Naive UTC: DuckDB's TIMESTAMP (TIMESTAMPTZ would need pytz to read back)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _json_or_none(value: Any) -> str | None:
    return None if value is None else canonical_json(value)


class Store:
    """A DuckDB results file. Cheap to construct; connections are opened per operation."""

    def __init__(self, path: str | Path, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise StoreError(f"{self.path}: no results store here: run `harness run` first or pass --db")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.transaction() as con:
                self._migrate(con)

    # ---- connections ---------------------------------------------------------------
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

    def _migrate(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(_TABLES)
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        elif int(row[0]) > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: store schema version {row[0]} is newer than this harness ({SCHEMA_VERSION}): "
                "upgrade harness"
            )
        elif int(row[0]) < SCHEMA_VERSION:
            # Every migration so far only adds tables, which _TABLES just created if missing.
            con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])

    # ---- runs ------------------------------------------------------------------------
    def create_run(self, run_id: str, resume_key: str, fields: dict[str, Any]) -> None:
        """Insert a new run in status ``running``."""
        with self.transaction() as con:
            con.execute(
                """INSERT INTO runs (run_id, resume_key, task, task_version, data_hash, label, model_spec,
                   model_fingerprint, model_kind, model_params, config, harness_version, git_sha, started_at,
                   status, resumed_from, extra)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)""",
                [
                    run_id,
                    resume_key,
                    fields["task"],
                    fields["task_version"],
                    fields["data_hash"],
                    fields["label"],
                    fields["model_spec"],
                    canonical_json(fields["model_fingerprint"]),
                    fields.get("model_kind"),
                    fields.get("model_params"),
                    canonical_json(fields["config"]),
                    fields.get("harness_version"),
                    fields.get("git_sha"),
                    _now(),
                    fields.get("resumed_from"),
                    _json_or_none(fields.get("extra")),
                ],
            )

    def find_resumable(self, resume_key: str) -> tuple[str, str] | None:
        """The latest run with this key that can be resumed: ``(run_id, status)`` or None.

        A ``running`` (interrupted) run continues in place; a ``complete`` run with errored
        samples is the seed of a new run that reuses its good samples and retries the rest.
        """
        with self.connect() as con:
            row = con.execute(
                """SELECT run_id, status, n_errors FROM runs WHERE resume_key = ?
                   ORDER BY started_at DESC LIMIT 1""",
                [resume_key],
            ).fetchone()
        if row is None:
            return None
        run_id, status, n_errors = row
        if status == "complete" and not n_errors:
            return None
        return run_id, status

    def copy_good_samples(self, source_run: str, target_run: str) -> int:
        """Copy a run's samples that have no error into another run (append-only retry)."""
        with self.transaction() as con:
            con.execute(
                f"""INSERT INTO samples ({_SAMPLE_COLUMNS})
                    SELECT ? AS run_id, {_SAMPLE_COLUMNS.split(", ", 1)[1]} FROM samples
                    WHERE run_id = ? AND error IS NULL""",
                [target_run, source_run],
            )
            row = con.execute("SELECT count(*) FROM samples WHERE run_id = ?", [target_run]).fetchone()
        return int(row[0]) if row else 0

    def done_ids(self, run_id: str) -> set[tuple[str, str]]:
        """(split, example_id) pairs already stored for a run."""
        with self.connect() as con:
            rows = con.execute("SELECT split, example_id FROM samples WHERE run_id = ?", [run_id]).fetchall()
        return {(split, example_id) for split, example_id in rows}

    def finish_run(self, run_id: str, metrics: dict[str, dict[str, MetricValue]], wall_s: float) -> None:
        """Store the metrics and mark the run complete, in one transaction."""
        with self.transaction() as con:
            con.execute("DELETE FROM metrics WHERE run_id = ?", [run_id])
            rows = [
                [run_id, split, name, m.value, m.ci_low, m.ci_high, m.n]
                for split, by_name in metrics.items()
                for name, m in by_name.items()
            ]
            if rows:
                con.executemany("INSERT INTO metrics VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            con.execute(
                """UPDATE runs SET status = 'complete', finished_at = ?, wall_s = coalesce(wall_s, 0) + ?,
                   n_samples = (SELECT count(*) FROM samples WHERE run_id = ?),
                   n_errors = (SELECT count(*) FROM samples WHERE run_id = ? AND error IS NOT NULL),
                   cost_usd = (SELECT sum(cost_usd) FROM samples WHERE run_id = ?),
                   tokens_in = (SELECT sum(tokens_in) FROM samples WHERE run_id = ?),
                   tokens_out = (SELECT sum(tokens_out) FROM samples WHERE run_id = ?)
                   WHERE run_id = ?""",
                [_now(), wall_s, run_id, run_id, run_id, run_id, run_id, run_id],
            )

    def add_wall_time(self, run_id: str, wall_s: float) -> None:
        """Account the time an interrupted attempt spent, so a resumed run reports its whole cost."""
        with self.transaction() as con:
            con.execute("UPDATE runs SET wall_s = coalesce(wall_s, 0) + ? WHERE run_id = ?", [wall_s, run_id])

    def get_run(self, run_id: str) -> RunRecord | None:
        """One run by id."""
        rows = self._runs("WHERE run_id = ?", [run_id])
        return rows[0] if rows else None

    def resolve_run(self, ref: str) -> RunRecord:
        """A run id, or a label meaning its latest complete run."""
        run = self.get_run(ref)
        if run is not None:
            return run
        rows = self._runs("WHERE label = ? AND status = 'complete' ORDER BY started_at DESC LIMIT 1", [ref])
        if not rows:
            raise StoreError(f"no run or complete run labelled '{ref}' in {self.path}: see `harness list runs`")
        return rows[0]

    def latest_complete_runs(self, label: str, task: str | None = None) -> list[RunRecord]:
        """The latest complete run of each task carrying ``label`` (one task when ``task`` is given)."""
        where = "WHERE label = ? AND status = 'complete'" + (" AND task = ?" if task else "")
        runs = self._runs(where + " ORDER BY started_at DESC", [label, task] if task else [label])
        latest: dict[str, RunRecord] = {}
        for run in runs:
            latest.setdefault(run.task, run)
        return sorted(latest.values(), key=lambda r: r.task)

    def list_runs(self, limit: int = 50) -> list[RunRecord]:
        """The latest runs, newest first."""
        return self._runs("ORDER BY started_at DESC LIMIT ?", [limit])

    def _runs(self, where: str, params: list[Any]) -> list[RunRecord]:
        with self.connect() as con:
            rows = con.execute(
                f"""SELECT run_id, task, task_version, data_hash, label, model_spec, status, n_samples,
                    n_errors, wall_s, started_at, config, model_fingerprint, cost_usd, tokens_in, tokens_out
                    FROM runs {where}""",
                params,
            ).fetchall()
        return [
            RunRecord(*row[:11], json.loads(row[11]), json.loads(row[12]), row[13], row[14], row[15])  # type: ignore[call-arg]
            for row in rows
        ]

    # ---- samples and metrics ---------------------------------------------------------
    def write_samples(self, run_id: str, results: Sequence[SampleResult]) -> None:
        """Append one batch of scored samples in one transaction."""
        if not results:
            return
        columns = [list(column) for column in zip(*(_sample_row(run_id, r) for r in results), strict=True)]
        with self.transaction() as con:
            con.execute(_INSERT_SAMPLES, [*columns, _now()])

    def iter_samples(self, run_id: str) -> Iterator[dict[str, Any]]:
        """Every sample of a run as a dict, ordered by split and example id."""
        with self.connect() as con:
            cursor = con.execute(
                f"SELECT {_SAMPLE_COLUMNS} FROM samples WHERE run_id = ? ORDER BY split, example_id", [run_id]
            )
            names = [d[0] for d in cursor.description]
            while batch := cursor.fetchmany(1000):
                for row in batch:
                    record = dict(zip(names, row, strict=True))
                    for key in ("input", "target", "parsed", "scores", "details", "meta"):
                        if record[key] is not None:
                            record[key] = json.loads(record[key])
                    yield record

    def sample_scores(self, run_id: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """``(split, example_id, scores)`` of every sample of a run, ordered by split and id."""
        with self.connect() as con:
            cursor = con.execute(
                "SELECT split, example_id, scores FROM samples WHERE run_id = ? ORDER BY split, example_id", [run_id]
            )
            while batch := cursor.fetchmany(10_000):
                for split, example_id, scores in batch:
                    yield split, example_id, json.loads(scores) if scores else {}

    def sample_results(self, run_id: str) -> dict[str, list[SampleResult]]:
        """A run's samples rebuilt as SampleResults, grouped by split (for aggregation)."""
        grouped: dict[str, list[SampleResult]] = {}
        for row in self.iter_samples(run_id):
            example = Example(
                row["example_id"], row["split"], row["input"] or {}, row["target"], tuple(row["tags"] or ())
            )
            response = Response(text=row["output"] or "", error=row["error"], latency_ms=row["latency_ms"])
            scored = Scored(scores=row["scores"] or {}, parsed=row["parsed"], details=row["details"] or {})
            grouped.setdefault(row["split"], []).append(SampleResult(example, row["request_hash"], response, scored))
        return grouped

    def metrics(self, run_id: str) -> dict[str, dict[str, MetricValue]]:
        """Stored metrics of a run: ``{split: {metric: MetricValue}}``."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT split, metric, value, ci_low, ci_high, n FROM metrics WHERE run_id = ? ORDER BY split, metric",
                [run_id],
            ).fetchall()
        result: dict[str, dict[str, MetricValue]] = {}
        for split, metric, value, low, high, n in rows:
            result.setdefault(split, {})[metric] = MetricValue(value, low, high, n)
        return result

    # ---- gates -----------------------------------------------------------------------
    def write_gate(self, rows: Sequence[dict[str, Any]]) -> None:
        """Append the comparisons of one gate (dicts keyed by ``GATE_COLUMNS``) in one transaction."""
        if not rows:
            return
        values = [[row.get(c) for c in GATE_COLUMNS] for row in rows]
        with self.transaction() as con:
            con.executemany(
                f"INSERT INTO gates ({', '.join(GATE_COLUMNS)}) VALUES ({', '.join('?' * len(GATE_COLUMNS))})", values
            )

    def gate_results(self, limit: int = 1000) -> list[dict[str, Any]]:
        """Stored gate comparisons, newest first (empty for a file no gate has written to yet)."""
        with self.connect() as con:
            found = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'gates'").fetchone()
            if not found or not found[0]:
                return []
            cursor = con.execute(
                f"SELECT {', '.join(GATE_COLUMNS)} FROM gates ORDER BY created_at DESC, task, split, metric LIMIT ?",
                [limit],
            )
            return [dict(zip(GATE_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def _sample_row(run_id: str, result: SampleResult) -> tuple[Any, ...]:
    """The ``samples`` columns of one result, ``created_at`` left out (one value per batch)."""
    example, response, scored = result.example, result.response, result.scored
    meta = dict(response.meta)
    if response.tool_calls is not None:
        meta["tool_calls"] = [{"name": c.name, "arguments": c.arguments} for c in response.tool_calls]
    return (
        run_id,
        example.id,
        example.split,
        list(example.tags),
        canonical_json(example.inputs),
        canonical_json(example.target),
        result.request_hash,
        response.text,
        _json_or_none(scored.parsed),
        canonical_json(scored.scores),
        canonical_json(scored.details) if scored.details else None,
        response.error,
        response.latency_ms,
        response.tokens_in,
        response.tokens_out,
        response.cost_usd,
        canonical_json(meta) if meta else None,
    )


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
