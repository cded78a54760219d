"""The ``runs`` and ``metrics`` tables: creating, resuming, finishing and finding runs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from harness.errors import StoreError
from harness.store.engine import Connections
from harness.store.schema import has_attempt_column, json_or_none, primary_sql, utc_now
from harness.types import MetricValue, canonical_json

_RUN_COLUMNS = """run_id, task, task_version, data_hash, label, model_spec, status, n_samples, n_errors, wall_s,
    started_at, config, model_fingerprint, cost_usd, tokens_in, tokens_out"""


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
    # What the run paid: 0 for answers served from the response cache (schema 4; None on an older file).
    cost_paid_usd: float | None = None


class RunQueries(Connections):
    """What the store knows about runs: their rows, their metrics and each split's primary metric."""

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
                    utc_now(),
                    fields.get("resumed_from"),
                    json_or_none(fields.get("extra")),
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

    def finish_run(
        self,
        run_id: str,
        metrics: Mapping[str, Mapping[str, MetricValue]],
        wall_s: float,
        *,
        primary: Mapping[str, str] | None = None,
    ) -> None:
        """Store the metrics with each split's primary metric and mark the run complete, in one transaction.

        ``primary`` maps a split to its headline metric. A split it leaves out, or whose named metric was
        not computed, stores none: readers then show its first metric by name and say so.
        """
        primary = primary or {}
        rows = [
            [run_id, split, name, m.value, m.ci_low, m.ci_high, m.n, _is_primary(name, primary.get(split), by_name)]
            for split, by_name in metrics.items()
            for name, m in by_name.items()
        ]
        with self.transaction() as con:
            con.execute("DELETE FROM metrics WHERE run_id = ?", [run_id])
            if rows:
                con.executemany(
                    """INSERT INTO metrics (run_id, split, metric, value, ci_low, ci_high, n, is_primary)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                    rows,
                )
            con.execute(
                """UPDATE runs SET status = 'complete', finished_at = ?, wall_s = coalesce(wall_s, 0) + ?,
                   n_samples = (SELECT count(*) FROM samples WHERE run_id = ?),
                   n_errors = (SELECT count(*) FROM samples WHERE run_id = ? AND error IS NOT NULL),
                   cost_usd = (SELECT sum(cost_usd) FROM samples WHERE run_id = ?),
                   cost_paid_usd = (SELECT sum(cost_paid_usd) FROM samples WHERE run_id = ?),
                   tokens_in = (SELECT sum(tokens_in) FROM samples WHERE run_id = ?),
                   tokens_out = (SELECT sum(tokens_out) FROM samples WHERE run_id = ?)
                   WHERE run_id = ?""",
                [utc_now(), wall_s, run_id, run_id, run_id, run_id, run_id, run_id, run_id],
            )

    def add_wall_time(self, run_id: str, wall_s: float) -> None:
        """Account the time an interrupted attempt spent, so a resumed run reports its whole cost."""
        with self.transaction() as con:
            con.execute("UPDATE runs SET wall_s = coalesce(wall_s, 0) + ? WHERE run_id = ?", [wall_s, run_id])

    def primary_metrics(self, run_id: str) -> dict[str, str]:
        """Each split's primary metric as stored with the run: ``{split: metric}``.

        A split left out has none stored (a run finished without one): show its first metric by name
        and say so. A file not yet upgraded to schema 3 answers by the rules its upgrade applies.
        """
        with self.connect() as con:
            rows = con.execute(
                f"SELECT split, metric FROM ({primary_sql(con)}) WHERE run_id = ? ORDER BY split", [run_id]
            ).fetchall()
        return {str(split): str(metric) for split, metric in rows}

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
            # A schema-3 file opened read-only has no paid cost yet.
            paid = "cost_paid_usd" if has_attempt_column(con) else "NULL::DOUBLE"
            rows = con.execute(f"SELECT {_RUN_COLUMNS}, {paid} FROM runs {where}", params).fetchall()
        return [
            RunRecord(*row[:11], json.loads(row[11]), json.loads(row[12]), row[13], row[14], row[15], row[16])  # type: ignore[call-arg]
            for row in rows
        ]


def _is_primary(name: str, wanted: str | None, by_name: Mapping[str, MetricValue]) -> bool | None:
    """The ``is_primary`` flag of one metric row: null for every row of a split without a (computed) primary."""
    if wanted is None or wanted not in by_name:
        return None
    return name == wanted


def run_extras(runs: Connections, run_id: str) -> dict[str, Any]:
    """What ``RunRecord`` leaves out of a run: ``model_kind``, ``model_params``, ``resumed_from``, ``extra``."""
    with runs.connect() as con:
        row = con.execute(
            "SELECT model_kind, model_params, resumed_from, extra FROM runs WHERE run_id = ?", [run_id]
        ).fetchone()
    if row is None:
        return {}
    kind, params, resumed_from, extra = row
    return {
        "model_kind": kind,
        "model_params": params,
        "resumed_from": resumed_from,
        "extra": json.loads(extra) if extra else None,
    }
