"""The store's tables, its schema version and the in-place upgrades of older files.

Version history (a writer upgrades an older file in place, in one transaction, when it opens it):

1. ``runs``, ``samples``, ``metrics``.
2. + ``gates`` (the gate's stored comparisons).
3. + ``metrics.is_primary``: the store describes itself. Each split's headline metric is stored with
   the run (true on one row per run and split, false on the others, null where none is known), so
   the gate, the leaderboard and ``harness export`` never import a task plugin to interpret a run.
   The upgrade backfills it by :data:`INFERRED_PRIMARY_SQL`; a read-only reader of an older file
   applies the same rules without upgrading it (:func:`primary_sql`).
4. + ``samples.attempt`` (part of the key: a run may store several attempts per example, issue 19; a
   single-attempt run stores attempt 0 everywhere) and ``samples.cost_paid_usd`` / ``runs.cost_paid_usd``:
   what this run actually paid for an answer (0 when the response cache served it), beside ``cost_usd``,
   what producing the answer costs (issue 22). The upgrade rebuilds ``samples`` (DuckDB cannot change a
   primary key in place) with attempt 0 and the paid cost derived from ``meta.cached``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from harness.errors import StoreError
from harness.types import canonical_json

SCHEMA_VERSION = 4

TABLES = """
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
    cost_paid_usd DOUBLE,
    resumed_from VARCHAR,
    extra JSON
);
CREATE TABLE IF NOT EXISTS samples (
    run_id VARCHAR NOT NULL,
    example_id VARCHAR NOT NULL,
    split VARCHAR NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
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
    cost_paid_usd DOUBLE,
    meta JSON,
    created_at TIMESTAMP,
    PRIMARY KEY (run_id, split, example_id, attempt)
);
CREATE TABLE IF NOT EXISTS metrics (
    run_id VARCHAR NOT NULL,
    split VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    value DOUBLE,
    ci_low DOUBLE,
    ci_high DOUBLE,
    n INTEGER,
    is_primary BOOLEAN,
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

METRIC_COLUMNS = ("run_id", "split", "metric", "value", "ci_low", "ci_high", "n", "is_primary")

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

# The built-in tasks' primary metrics as of schema 2, frozen: data for the upgrade, never a plugin import.
# (task, split or "*" for every split, metric)
BUILTIN_PRIMARY_V2 = (
    ("schema_json", "*", "schema_valid"),
    ("gis_command", "*", "exact_match"),
    ("function_calling", "*", "ast_accuracy"),
    ("intent", "*", "accuracy"),
    ("intent", "multilabel", "subset_accuracy"),
)
_BUILTIN_VALUES = ", ".join(f"('{task}', '{split}', '{metric}')" for task, split, metric in BUILTIN_PRIMARY_V2)

# (run_id, split, metric) of each stored split's primary metric by the rules of a schema-2 file: the run's
# own ``extra.primary_metric`` (lm_eval:NAME runs), else the frozen table above; a split whose rule names
# no stored metric has none.
INFERRED_PRIMARY_SQL = f"""SELECT m.run_id, m.split, m.metric
    FROM metrics m JOIN runs r ON r.run_id = m.run_id
    LEFT JOIN (VALUES {_BUILTIN_VALUES}) AS per_split(task, split, metric)
        ON per_split.task = r.task AND per_split.split = m.split
    LEFT JOIN (VALUES {_BUILTIN_VALUES}) AS every_split(task, split, metric)
        ON every_split.task = r.task AND every_split.split = '*'
    WHERE m.metric = coalesce(r.extra->>'$.primary_metric', per_split.metric, every_split.metric)"""

_STORED_PRIMARY_SQL = "SELECT run_id, split, metric FROM metrics WHERE is_primary"


def utc_now() -> datetime:
    """Naive UTC: DuckDB's TIMESTAMP (TIMESTAMPTZ would need pytz to read back)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def json_or_none(value: Any) -> str | None:
    """A JSON column's value: canonical JSON, or NULL for None."""
    return None if value is None else canonical_json(value)


def migrate(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Create missing tables and upgrade an older file to :data:`SCHEMA_VERSION` (inside the caller's transaction)."""
    con.execute(TABLES)
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        return
    version = int(row[0])
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: store schema version {version} is newer than this harness ({SCHEMA_VERSION}): upgrade harness"
        )
    if version == SCHEMA_VERSION:
        return
    # 1 -> 2 only added ``gates``, which TABLES just created. 2 -> 3 adds and backfills the primary flag.
    if not has_primary_column(con):
        con.execute("ALTER TABLE metrics ADD COLUMN is_primary BOOLEAN")
        con.execute(
            f"""UPDATE metrics SET is_primary = (metrics.metric = p.metric)
                FROM ({INFERRED_PRIMARY_SQL}) AS p
                WHERE metrics.run_id = p.run_id AND metrics.split = p.split"""
        )
    if not _has_column(con, "samples", "attempt"):
        _upgrade_samples_to_v4(con)
    if not _has_column(con, "runs", "cost_paid_usd"):
        con.execute("ALTER TABLE runs ADD COLUMN cost_paid_usd DOUBLE")
        con.execute(
            """UPDATE runs SET cost_paid_usd = (SELECT sum(s.cost_paid_usd) FROM samples s
               WHERE s.run_id = runs.run_id) WHERE status = 'complete'"""
        )
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])


# The schema-3 ``samples`` columns, in order: what the 3 -> 4 rebuild copies.
_V3_SAMPLE_COLUMNS = (
    "run_id, example_id, split, tags, input, target, request_hash, output, parsed, scores, details, "
    "error, latency_ms, tokens_in, tokens_out, cost_usd, meta, created_at"
)


def _upgrade_samples_to_v4(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild ``samples`` with the attempt in its key and the paid cost (inside the caller's transaction)."""
    con.execute("ALTER TABLE samples RENAME TO samples_v3")
    con.execute(TABLES)  # creates the new ``samples``
    con.execute(
        f"""INSERT INTO samples ({_V3_SAMPLE_COLUMNS}, attempt, cost_paid_usd)
            SELECT {_V3_SAMPLE_COLUMNS}, 0,
                   CASE WHEN meta->>'$.cached' = 'true' THEN 0.0 ELSE cost_usd END
            FROM samples_v3"""
    )
    con.execute("DROP TABLE samples_v3")


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    """Whether this file's ``table`` has ``column``, looking at this file only."""
    row = con.execute(
        """SELECT count(*) FROM information_schema.columns WHERE table_catalog = current_database()
           AND table_name = ? AND column_name = ?""",
        [table, column],
    ).fetchone()
    return bool(row and row[0])


def has_primary_column(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this file's ``metrics`` has ``is_primary`` (schema 3), looking at this file only."""
    return _has_column(con, "metrics", "is_primary")


def has_attempt_column(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this file's ``samples`` has ``attempt`` and ``cost_paid_usd`` (schema 4)."""
    return _has_column(con, "samples", "attempt")


def primary_sql(con: duckdb.DuckDBPyConnection) -> str:
    """SQL of ``(run_id, split, metric)``: each split's primary metric as this file stores it.

    A file not yet upgraded to schema 3 (opened read-only) gets the rules its upgrade would apply. A
    split left out has no known primary metric: readers show its first metric by name and say so.
    """
    return _STORED_PRIMARY_SQL if has_primary_column(con) else INFERRED_PRIMARY_SQL
