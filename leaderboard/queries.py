"""Leaderboard queries: read-only SQL over the results store, returning small pandas frames.

DuckDB does the work (joins, aggregates, paging); Python only reshapes what comes back. Every
function takes the store path first and opens a short-lived read-only connection, so a running
``harness run`` is never locked out for long. Nothing here imports Streamlit: the app caches these
calls per store modification (:func:`store_stamp`), benchmarks and notebooks call them directly.
Each split's primary metric comes from the store (:func:`harness.store.primary_sql`), never from a
task plugin: the leaderboard shows runs of tasks it cannot import. A run with several attempts per example
(``--samples N``) is read, sample by sample, at attempt 0, as its ordinary metrics are; its k-curves are
stored metric rows (``vote@K``, ...: :mod:`harness.leaderboard.kcurves`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from harness.store import Store, primary_sql
from harness.store.schema import has_attempt_column

if TYPE_CHECKING:
    from harness.compare import CompareReport

COMPLETE = "status = 'complete'"
# A complete run with at least one answered sample: one whose samples all errored measured nothing, and its
# zeros must never read as a model's score (it stores no metrics; the leaderboard leaves it out).
RESULT = f"{COMPLETE} AND coalesce(n_errors, 0) < coalesce(n_samples, 0)"
TRUNCATED = "cut at the token budget"
# A schema the grammar engine refused: the sample was decoded without a grammar (issue 25).
FALLBACK = "grammar refused: free decoding"
# Failure kinds that are the constrained decoder's, not the model's: a finished constrained answer that still
# fails validation, a constrained row cut at the budget, a refused schema.
GRAMMAR_KINDS = ("grammar_mismatch", "budget_cut", FALLBACK)
# The latest complete run per (label, task, data hash): what the leaderboard shows by default.
LATEST = "QUALIFY row_number() OVER (PARTITION BY label, task, data_hash ORDER BY started_at DESC, run_id DESC) = 1"
RUN_COLUMNS = """run_id, label, task, task_version, data_hash, model_kind, model_params, model_spec, started_at,
    finished_at, n_samples, n_errors, wall_s, cost_usd, git_sha, harness_version,
    coalesce(extra->>'$.training_card', model_fingerprint->>'$.training_card') AS training_card"""
# A target that is a label (a string) or a set of labels (a list of strings) gets per-label F1.
LABELS_OF = """CASE json_type({col}) WHEN 'VARCHAR' THEN [json_extract_string({col}, '$')]
    WHEN 'ARRAY' THEN json_extract_string({col}, '$[*]') ELSE [] END"""
IS_LABEL = """(json_type(target) = 'VARCHAR' OR (json_type(target) = 'ARRAY'
    AND (json_array_length(target) = 0 OR json_type(target, '$[0]') = 'VARCHAR')))"""
MAX_CLASSES = 100


def store_stamp(db: str) -> tuple[int, int, int]:
    """Changes whenever the store does (file and write-ahead log): the cache key of every query."""
    main = os.stat(db)
    wal = f"{db}.wal"
    wal_mtime = os.stat(wal).st_mtime_ns if os.path.exists(wal) else 0
    return main.st_mtime_ns, main.st_size, wal_mtime


# ``s.ATTEMPT0`` in a query: "sample s is attempt 0" (what a run's ordinary metrics are computed on); TRUE in a
# schema-3 file read as it is, which has no attempt column (one attempt per example).
_ATTEMPT0 = re.compile(r"\b(\w+\.)?ATTEMPT0\b")


def _first_attempts(con: Any, sql: str) -> str:
    if "ATTEMPT0" not in sql:
        return sql
    present = has_attempt_column(con)
    return _ATTEMPT0.sub(lambda m: f"{m.group(1) or ''}attempt = 0" if present else "TRUE", sql)


def query(db: str, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
    """Run one read-only query and return its rows as a DataFrame."""
    with Store(db, read_only=True).connect() as con:
        return con.execute(_first_attempts(con, sql), params or []).df()


def _scalar(db: str, sql: str, params: list[Any]) -> Any:
    with Store(db, read_only=True).connect() as con:
        row = con.execute(_first_attempts(con, sql), params).fetchone()
    return row[0] if row else None


def score_path(metric: str) -> str:
    """The JSON path of one metric inside ``samples.scores`` (quoted: names may hold any character)."""
    return '$."' + metric.replace('"', '\\"') + '"'


# ---- runs and metrics ----------------------------------------------------------------------
def runs(db: str, latest_only: bool = True) -> pd.DataFrame:
    """Complete runs with a result, by default only the latest per (label, task, data hash)."""
    latest = LATEST if latest_only else ""
    return query(db, f"SELECT {RUN_COLUMNS} FROM runs WHERE {RESULT} {latest} ORDER BY task, label, started_at DESC")


def metrics(db: str, run_ids: tuple[str, ...]) -> pd.DataFrame:
    """Every stored metric of these runs: run_id, split, metric, value, ci_low, ci_high, n, is_primary.

    ``is_primary`` marks each split's primary metric as stored with the run (a file older than schema 3,
    read without upgrading it, by the rules its upgrade applies); a split with none has no row marked.
    """
    with Store(db, read_only=True).connect() as con:
        return con.execute(
            f"""WITH p AS ({primary_sql(con)})
                SELECT m.run_id, m.split, m.metric, m.value, m.ci_low, m.ci_high, m.n,
                       p.metric IS NOT NULL AS is_primary
                FROM metrics m LEFT JOIN p ON p.run_id = m.run_id AND p.split = m.split AND p.metric = m.metric
                WHERE m.run_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY m.run_id, m.split, m.metric""",
            [list(run_ids)],
        ).df()


def primary_metric(stored: pd.DataFrame, split: str) -> str | None:
    """The primary metric of ``split`` among a run's :func:`metrics` rows; with none stored, its first by name."""
    rows = stored[stored["split"] == split]
    marked = rows.loc[rows["is_primary"].astype(bool), "metric"]
    if not marked.empty:
        return str(marked.iloc[0])
    return str(min(rows["metric"])) if not rows.empty else None


def overview(db: str) -> pd.DataFrame:
    """The primary metric of every split of the latest runs: one row per (run, split), run facts joined.

    ``primary_stored`` is false where the run stored no primary metric for the split and its first
    metric by name is shown instead (pages say so).
    """
    run_rows = runs(db)
    if run_rows.empty:
        return _with_primary(run_rows, pd.DataFrame(columns=["run_id", "split", "metric", "value", "is_primary"]))
    return _with_primary(run_rows, metrics(db, tuple(run_rows["run_id"])))


def _with_primary(run_rows: pd.DataFrame, metric_rows: pd.DataFrame) -> pd.DataFrame:
    """One metric row per (run, split): the marked primary, else the first by name (rows come sorted by name)."""
    marked = metric_rows["is_primary"].astype(bool)
    stored = marked.groupby([metric_rows["run_id"], metric_rows["split"]]).transform("any")
    first = ~metric_rows.duplicated(["run_id", "split"])
    chosen = metric_rows[(marked & stored) | (first & ~stored)].assign(primary_stored=stored)
    columns = ["run_id", "split", "metric", "value", "ci_low", "ci_high", "n", "primary_stored"]
    return run_rows.merge(chosen.reindex(columns=columns), on="run_id", how="inner")


def history(db: str, label: str, task: str) -> pd.DataFrame:
    """Every complete run of one label on one task with all its metrics and its error count, oldest first."""
    return query(
        db,
        f"""SELECT r.run_id, r.started_at, r.git_sha, r.harness_version, r.data_hash, r.task_version,
                   coalesce(r.n_errors, 0) AS n_errors, m.split, m.metric, m.value, m.ci_low, m.ci_high, m.n
            FROM runs r JOIN metrics m USING (run_id)
            WHERE r.{RESULT} AND r.label = ? AND r.task = ? ORDER BY r.started_at, m.split, m.metric""",
        [label, task],
    )


def gates(db: str, label: str, task: str, run_ids: tuple[str, ...]) -> pd.DataFrame | None:
    """Gate results on this task that name this label or one of its runs; None where the store has no gates.

    Matches any of the linking columns present (``candidate_run``, ``baseline_run``, ``candidate``,
    ``baseline``, ...), so an older or newer gates schema still shows.
    """
    columns = query(
        db,
        """SELECT column_name FROM information_schema.columns
           WHERE table_catalog = current_database() AND table_name = 'gates' ORDER BY ordinal_position""",
    )["column_name"].tolist()
    if not columns:
        return None
    links = [c for c in columns if c in _GATE_LINKS]
    where = " OR ".join(f'CAST("{c}" AS VARCHAR) IN (SELECT unnest(?::VARCHAR[]))' for c in links) or "TRUE"
    params: list[Any] = [[*run_ids, label]] * len(links)
    if "task" in columns:
        where = f"({where}) AND task = ?"
        params.append(task)
    order = next((c for c in _GATE_TIMES if c in columns), columns[0])
    return query(db, f'SELECT * FROM gates WHERE {where} ORDER BY "{order}" DESC', params)


_GATE_LINKS = ("candidate_run", "baseline_run", "candidate", "baseline", "run_id", "label")
_GATE_TIMES = ("created_at", "checked_at", "started_at")


def versus(db: str, a: str, b: str, selector: str = "vote") -> CompareReport:
    """``harness compare A B`` on the store: the Versus page shows exactly what the command prints."""
    from harness.compare import compare

    return compare(a, b, db, selector=selector)


# ---- per-sample aggregates ----------------------------------------------------------------
def cost_latency(db: str, run_ids: tuple[str, ...]) -> pd.DataFrame:
    """Per run and split (attempt 0): samples, errors, cost per 1,000 samples, latency percentiles, tokens each."""
    return query(
        db,
        """SELECT run_id, split, count(*) AS n, count(error) AS n_errors, sum(cost_usd) AS cost_usd,
                  1000 * sum(cost_usd) / count(*) AS cost_per_1k,
                  median(latency_ms) AS median_latency_ms, quantile_cont(latency_ms, 0.9) AS p90_latency_ms,
                  avg(coalesce(tokens_in, 0) + coalesce(tokens_out, 0)) AS tokens_per_sample
           FROM samples WHERE run_id IN (SELECT unnest(?::VARCHAR[])) AND ATTEMPT0
           GROUP BY run_id, split ORDER BY run_id, split""",
        [list(run_ids)],
    )


def tag_breakdown(db: str, run_ids: tuple[str, ...], metric: str) -> pd.DataFrame:
    """Mean of one metric per sample tag, run and split (samples without the metric left out)."""
    return query(
        db,
        """SELECT run_id, split, tag, count(score) AS n, avg(score) AS value, count(error) AS n_errors
           FROM (SELECT run_id, split, unnest(tags) AS tag, error,
                        TRY_CAST(json_extract_string(scores, ?) AS DOUBLE) AS score
                 FROM samples WHERE run_id IN (SELECT unnest(?::VARCHAR[])) AND ATTEMPT0)
           GROUP BY ALL ORDER BY tag, run_id, split""",
        [score_path(metric), list(run_ids)],
    )


def failure_kinds(db: str, run_ids: tuple[str, ...]) -> pd.DataFrame:
    """Counts of ``details.error_type`` (what a task says went wrong), of sample errors, of outputs cut at
    the token budget (``meta.truncated``, counted besides the kind a task gave them) and of schemas the grammar
    engine refused (``meta.constrained_fallback``), per run and split. ``source`` tells the constrained
    decoder's failures (``grammar``) and failed calls (``call``) apart from the model's own (``model``)."""
    grammar_kinds = ", ".join(f"'{kind}'" for kind in GRAMMAR_KINDS)
    return query(
        db,
        f"""WITH s AS (SELECT * FROM samples WHERE run_id IN (SELECT unnest(?::VARCHAR[])) AND ATTEMPT0)
           SELECT run_id, split,
                  CASE WHEN kind IN ({grammar_kinds}) THEN 'grammar' WHEN kind = 'sample error' THEN 'call'
                       ELSE 'model' END AS source,
                  kind, count(*) AS n
           FROM (SELECT run_id, split, coalesce(details->>'$.error_type',
                        CASE WHEN error IS NOT NULL THEN 'sample error' END) AS kind FROM s
                 UNION ALL
                 SELECT run_id, split, '{TRUNCATED}' AS kind FROM s WHERE meta->>'$.truncated' = 'true'
                 UNION ALL
                 SELECT run_id, split, '{FALLBACK}' AS kind FROM s WHERE meta->>'$.constrained_fallback' = 'true')
           WHERE kind IS NOT NULL GROUP BY ALL ORDER BY run_id, split, n DESC, kind""",
        [list(run_ids)],
    )


def label_counts(db: str, run_id: str, split: str) -> pd.DataFrame:
    """Per-label true/false positives and negatives where targets are labels; empty otherwise.

    A target that is a string (one label) or a list of strings (a label set) counts; tasks whose
    targets are free text (most targets unique) or have over ``MAX_CLASSES`` labels get none.
    """
    gold, pred = LABELS_OF.format(col="target"), LABELS_OF.format(col="parsed")
    return query(
        db,
        f"""WITH s AS (SELECT {gold} AS gold, {pred} AS pred FROM samples
                       WHERE run_id = ? AND split = ? AND ATTEMPT0 AND {IS_LABEL}),
                 labels AS (SELECT DISTINCT unnest(gold) AS label FROM s),
                 fit AS (SELECT count(*) AS n_labels, (SELECT count(*) FROM s) AS n FROM labels)
            SELECT label,
                   count(*) FILTER (WHERE list_contains(gold, label) AND list_contains(pred, label)) AS tp,
                   count(*) FILTER (WHERE NOT list_contains(gold, label) AND list_contains(pred, label)) AS fp,
                   count(*) FILTER (WHERE list_contains(gold, label) AND NOT list_contains(pred, label)) AS fn
            FROM labels, s, fit WHERE fit.n_labels <= ? AND fit.n_labels * 2 <= fit.n
            GROUP BY label ORDER BY label""",
        [run_id, split, MAX_CLASSES],
    )


def confusion(db: str, run_id: str, split: str) -> pd.DataFrame:
    """Expected × predicted label counts for single-label targets (a predicted non-label shows as null)."""
    return query(
        db,
        """SELECT json_extract_string(target, '$') AS expected,
                  CASE WHEN json_type(parsed) = 'VARCHAR' THEN json_extract_string(parsed, '$') END AS predicted,
                  count(*) AS n
           FROM samples WHERE run_id = ? AND split = ? AND ATTEMPT0 AND json_type(target) = 'VARCHAR'
           GROUP BY ALL ORDER BY expected, predicted""",
        [run_id, split],
    )


# ---- samples ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SampleFilter:
    """What the Samples page narrows a run to."""

    split: str | None = None
    tags: tuple[str, ...] = ()
    errors: str = "any"  # any | only | none
    failed_metric: str | None = None  # score below 1
    search: str = ""

    def where(self, alias: str, other: str | None = None) -> tuple[str, list[Any]]:
        """SQL conditions on ``alias`` (and, comparing, on ``other`` too) with their parameters."""
        both = [alias, other] if other else [alias]
        clauses: list[str] = []
        params: list[Any] = []
        if self.split:
            clauses.append(f"{alias}.split = ?")
            params.append(self.split)
        if self.tags:
            clauses.append(f"list_has_any({alias}.tags, ?::VARCHAR[])")
            params.append(list(self.tags))
        if self.errors in ("only", "none"):
            test = "IS NOT NULL" if self.errors == "only" else "IS NULL"
            joiner = " OR " if self.errors == "only" else " AND "
            clauses.append("(" + joiner.join(f"{a}.error {test}" for a in both) + ")")
        if self.failed_metric:
            clauses.append("(" + " OR ".join(f"TRY_CAST({a}.scores->>? AS DOUBLE) < 1" for a in both) + ")")
            params.extend([score_path(self.failed_metric)] * len(both))
        if self.search.strip():
            fields = [f"{alias}.example_id", f"CAST({alias}.input AS VARCHAR)"] + [f"{a}.output" for a in both]
            clauses.append("(" + " OR ".join(f"contains(lower(coalesce({f}, '')), ?)" for f in fields) + ")")
            params.extend([self.search.strip().lower()] * len(fields))
        return " AND ".join(clauses) or "TRUE", params


def sample_count(db: str, run_id: str, where: SampleFilter) -> int:
    """How many samples of a run pass the filter."""
    sql, params = where.where("s")
    return int(
        _scalar(db, f"SELECT count(*) FROM samples s WHERE s.run_id = ? AND s.ATTEMPT0 AND {sql}", [run_id, *params])
    )


def sample_page(db: str, run_id: str, where: SampleFilter, metric: str, limit: int, offset: int) -> pd.DataFrame:
    """One page of a run's samples (ordered by split and example id), without loading the rest."""
    sql, params = where.where("s")
    return query(
        db,
        f"""SELECT s.split, s.example_id, s.tags, TRY_CAST(s.scores->>? AS DOUBLE) AS score, s.output, s.error,
                   s.latency_ms, s.cost_usd
            FROM samples s WHERE s.run_id = ? AND s.ATTEMPT0 AND {sql}
            ORDER BY s.split, s.example_id LIMIT ? OFFSET ?""",
        [score_path(metric), run_id, *params, limit, offset],
    )


_PAIR = (
    "FROM samples a JOIN samples b ON a.split = b.split AND a.example_id = b.example_id AND a.ATTEMPT0 AND b.ATTEMPT0"
)


def compare_count(db: str, run_a: str, run_b: str, where: SampleFilter) -> tuple[int, int]:
    """Shared examples that pass the filter, and how many of them the two runs disagree on."""
    sql, params = where.where("a", "b")
    with Store(db, read_only=True).connect() as con:
        count = f"""SELECT count(*), count(*) FILTER (WHERE a.scores IS DISTINCT FROM b.scores
                                                 OR a.output IS DISTINCT FROM b.output)
                    {_PAIR} WHERE a.run_id = ? AND b.run_id = ? AND {sql}"""
        row = con.execute(_first_attempts(con, count), [run_a, run_b, *params]).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def compare_page(
    db: str, run_a: str, run_b: str, where: SampleFilter, metric: str, limit: int, offset: int
) -> pd.DataFrame:
    """One page of the examples two runs share, those where they disagree first."""
    sql, params = where.where("a", "b")
    path = score_path(metric)
    return query(
        db,
        f"""SELECT a.split, a.example_id, TRY_CAST(a.scores->>? AS DOUBLE) AS score_a,
                   TRY_CAST(b.scores->>? AS DOUBLE) AS score_b, a.output AS output_a, b.output AS output_b,
                   (a.scores IS DISTINCT FROM b.scores OR a.output IS DISTINCT FROM b.output) AS disagree,
                   a.error AS error_a, b.error AS error_b
            {_PAIR} WHERE a.run_id = ? AND b.run_id = ? AND {sql}
            ORDER BY (TRY_CAST(a.scores->>? AS DOUBLE) IS DISTINCT FROM TRY_CAST(b.scores->>? AS DOUBLE)) DESC,
                     disagree DESC, a.split, a.example_id
            LIMIT ? OFFSET ?""",
        [path, path, run_a, run_b, *params, path, path, limit, offset],
    )


def sample_detail(db: str, run_id: str, split: str, example_id: str) -> dict[str, Any] | None:
    """Everything stored about one sample (JSON columns as text, for escaped display)."""
    frame = query(
        db,
        """SELECT example_id, split, tags, input, target, output, parsed, scores, details, error, latency_ms,
                  tokens_in, tokens_out, cost_usd, meta
           FROM samples WHERE run_id = ? AND split = ? AND example_id = ? AND ATTEMPT0""",
        [run_id, split, example_id],
    )
    return None if frame.empty else frame.iloc[0].to_dict()


def sample_tags(db: str, run_id: str) -> list[str]:
    """Every tag used by a run's samples."""
    frame = query(db, "SELECT DISTINCT unnest(tags) AS tag FROM samples WHERE run_id = ? ORDER BY tag", [run_id])
    return [str(t) for t in frame["tag"]]
