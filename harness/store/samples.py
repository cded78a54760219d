"""The ``samples`` table: appending scored samples in batches, and reading them back."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.store.engine import Connections
from harness.store.schema import has_attempt_column as _has_attempts
from harness.store.schema import json_or_none, utc_now
from harness.types import Example, Response, SampleResult, Scored, canonical_json

SAMPLE_COLUMNS = (
    "run_id, example_id, split, attempt, tags, input, target, request_hash, output, parsed, scores, details, "
    "error, latency_ms, tokens_in, tokens_out, cost_usd, cost_paid_usd, meta, created_at"
)
# One statement for a whole batch: each column goes in as one list parameter and is unnested, so
# DuckDB binds 19 lists instead of 20 values per row (executemany runs the insert once per row).
_SAMPLE_LIST_TYPES = (
    "VARCHAR", "VARCHAR", "VARCHAR", "INTEGER", "VARCHAR[]", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR",
    "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "DOUBLE", "INTEGER", "INTEGER", "DOUBLE", "DOUBLE", "VARCHAR",
)  # fmt: skip
_INSERT_SAMPLES = (
    f"INSERT INTO samples ({SAMPLE_COLUMNS}) SELECT "
    + ", ".join(f"unnest(?::{t}[])" for t in _SAMPLE_LIST_TYPES)
    + ", ?::TIMESTAMP"
)
_JSON_COLUMNS = ("input", "target", "parsed", "scores", "details", "meta")
# Per split: samples, errored, cut at the token budget (meta.truncated), answered from the cache (meta.cached),
# and the constrained decoder's own failures (issue 25): a finished constrained answer that still fails the
# task's validation (details.error_type grammar_mismatch), a schema the engine refused (free decoding instead),
# rows whose strings hit --model-arg max_string_tokens.
_FACTS_SQL = """SELECT split, count(*), count(error),
    count(*) FILTER (WHERE meta->>'$.truncated' = 'true'), count(*) FILTER (WHERE meta->>'$.cached' = 'true'),
    count(*) FILTER (WHERE details->>'$.error_type' = 'grammar_mismatch'),
    count(*) FILTER (WHERE meta->>'$.constrained_fallback' = 'true'),
    count(*) FILTER (WHERE meta->>'$.string_cap_hits' IS NOT NULL)
    FROM samples WHERE run_id = ? GROUP BY split ORDER BY split"""
_CAUSES_SQL = """SELECT error, count(*) AS n FROM samples WHERE run_id = ? AND error IS NOT NULL
    GROUP BY error ORDER BY n DESC, error LIMIT ?"""


@dataclass(frozen=True)
class SampleFacts:
    """What a run's stored samples say beside their scores: errors and their causes, cut outputs, cache hits."""

    n_samples: int = 0
    n_errors: int = 0
    # Outputs that stopped at the token budget, not at EOS or a stop string (``meta.truncated``).
    n_truncated: int = 0
    # Answers served from the response cache, not asked of the model (``meta.cached``).
    n_cached: int = 0
    # Constrained decoding's own failures, apart from the model's: see _FACTS_SQL.
    n_grammar_mismatch: int = 0
    n_constrained_fallback: int = 0
    n_string_capped: int = 0
    errors_by_split: dict[str, int] = field(default_factory=dict)
    # The most common error messages with their counts, most common first.
    error_causes: tuple[tuple[str, int], ...] = ()

    @property
    def has_result(self) -> bool:
        """Whether any sample has an answer: a run whose samples all errored measured nothing."""
        return self.n_errors < self.n_samples


class SampleQueries(Connections):
    """A run's scored samples: append-only writes, and the reads resume, aggregation and readers need."""

    def write_samples(self, run_id: str, results: Sequence[SampleResult]) -> None:
        """Append one batch of scored samples in one transaction."""
        if not results:
            return
        columns = [list(column) for column in zip(*(_sample_row(run_id, r) for r in results), strict=True)]
        with self.transaction() as con:
            con.execute(_INSERT_SAMPLES, [*columns, utc_now()])

    def copy_good_samples(self, source_run: str, target_run: str) -> int:
        """Copy a run's samples that have no error into another run (append-only retry)."""
        with self.transaction() as con:
            con.execute(
                f"""INSERT INTO samples ({SAMPLE_COLUMNS})
                    SELECT ? AS run_id, {SAMPLE_COLUMNS.split(", ", 1)[1]} FROM samples
                    WHERE run_id = ? AND error IS NULL""",
                [target_run, source_run],
            )
            row = con.execute("SELECT count(*) FROM samples WHERE run_id = ?", [target_run]).fetchone()
        return int(row[0]) if row else 0

    def done_keys(self, run_id: str) -> set[tuple[str, str, int]]:
        """(split, example_id, attempt) of every sample already stored for a run."""
        with self.connect() as con:
            rows = con.execute("SELECT split, example_id, attempt FROM samples WHERE run_id = ?", [run_id]).fetchall()
        return {(split, example_id, int(attempt)) for split, example_id, attempt in rows}

    def done_ids(self, run_id: str) -> set[tuple[str, str]]:
        """(split, example_id) pairs already stored for a run."""
        with self.connect() as con:
            rows = con.execute("SELECT split, example_id FROM samples WHERE run_id = ?", [run_id]).fetchall()
        return {(split, example_id) for split, example_id in rows}

    def sample_facts(self, run_id: str, causes: int = 5) -> SampleFacts:
        """Counts of a run's errored, cut and cached samples, and its ``causes`` most common errors."""
        with self.connect() as con:
            splits = con.execute(_FACTS_SQL, [run_id]).fetchall()
            common = con.execute(_CAUSES_SQL, [run_id, causes]).fetchall() if causes else []
        return SampleFacts(
            n_samples=sum(int(row[1]) for row in splits),
            n_errors=sum(int(row[2]) for row in splits),
            n_truncated=sum(int(row[3]) for row in splits),
            n_cached=sum(int(row[4]) for row in splits),
            n_grammar_mismatch=sum(int(row[5]) for row in splits),
            n_constrained_fallback=sum(int(row[6]) for row in splits),
            n_string_capped=sum(int(row[7]) for row in splits),
            errors_by_split={str(row[0]): int(row[2]) for row in splits if row[2]},
            error_causes=tuple((str(error), int(n)) for error, n in common),
        )

    def iter_samples(self, run_id: str) -> Iterator[dict[str, Any]]:
        """Every sample of a run as a dict, ordered by split and example id."""
        with self.connect() as con:
            # ``*``, not SAMPLE_COLUMNS: a schema-3 file opened read-only has no attempt or paid cost yet.
            cursor = con.execute(
                "SELECT * FROM samples WHERE run_id = ? ORDER BY split, example_id, attempt"
                if _has_attempts(con)
                else "SELECT * FROM samples WHERE run_id = ? ORDER BY split, example_id",
                [run_id],
            )
            names = [d[0] for d in cursor.description]
            while batch := cursor.fetchmany(1000):
                for row in batch:
                    record = dict(zip(names, row, strict=True))
                    for key in _JSON_COLUMNS:
                        if record[key] is not None:
                            record[key] = json.loads(record[key])
                    if "attempt" not in record:  # the values the schema-4 upgrade would give it
                        record["attempt"] = 0
                        record["cost_paid_usd"] = paid_cost(record["cost_usd"], record["meta"] or {})
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
        """A run's samples rebuilt as SampleResults (every attempt, with its tokens and cost), grouped by split."""
        grouped: dict[str, list[SampleResult]] = {}
        for row in self.iter_samples(run_id):
            example = example_from_row(row)
            response = Response(
                text=row["output"] or "",
                error=row["error"],
                latency_ms=row["latency_ms"],
                tokens_in=row["tokens_in"],
                tokens_out=row["tokens_out"],
                cost_usd=row["cost_usd"],
            )
            scored = Scored(scores=row["scores"] or {}, parsed=row["parsed"], details=row["details"] or {})
            result = SampleResult(example, row["request_hash"], response, scored, attempt=int(row["attempt"]))
            grouped.setdefault(row["split"], []).append(result)
        return grouped


def example_from_row(row: dict[str, Any]) -> Example:
    """The Example a stored sample (an ``iter_samples`` row) was made from."""
    return Example(row["example_id"], row["split"], row["input"] or {}, row["target"], tuple(row["tags"] or ()))


def paid_cost(cost_usd: float | None, meta: dict[str, Any]) -> float | None:
    """What a run paid for an answer costing ``cost_usd``: nothing when the response cache served it (its
    ``meta.cached``), else its cost. (The schema-4 upgrade applies the same rule in SQL.)"""
    return 0.0 if meta.get("cached") else cost_usd


def _sample_row(run_id: str, result: SampleResult) -> tuple[Any, ...]:
    """The ``samples`` columns of one result, ``created_at`` left out (one value per batch)."""
    example, response, scored = result.example, result.response, result.scored
    meta = dict(response.meta)
    if response.tool_calls is not None:
        meta["tool_calls"] = [{"name": c.name, "arguments": c.arguments} for c in response.tool_calls]
    if response.labels is not None:  # a label-scoring model's answer, kept as given (its text joins them)
        meta["labels"] = list(response.labels)
    return (
        run_id,
        example.id,
        example.split,
        result.attempt,
        list(example.tags),
        canonical_json(example.inputs),
        canonical_json(example.target),
        result.request_hash,
        response.text,
        json_or_none(scored.parsed),
        canonical_json(scored.scores),
        canonical_json(scored.details) if scored.details else None,
        response.error,
        response.latency_ms,
        response.tokens_in,
        response.tokens_out,
        response.cost_usd,
        paid_cost(response.cost_usd, response.meta),
        canonical_json(meta) if meta else None,
    )
