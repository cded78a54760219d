"""Per-sample export of a stored run as JSON lines, and the compact baseline files the gate reads.

Everything comes from the store (each split's primary metric included): no task plugin is imported.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import BadInput
from harness.store import RunRecord, Store
from harness.types import content_hash, is_number

BASELINE_FORMAT = "harness-baseline/1"


def export_samples(db: str | Path, run_ref: str, out_path: str | Path) -> int:
    """Write one line per sample of a run (id or label); returns the number written.

    Each line: ``{id, split, attempt, tags, input, target, output, parsed, scores, error, latency_ms,
    tokens_in, tokens_out, cost_usd, cost_paid_usd}``. The file is written atomically.
    """
    store = Store(db, read_only=True)
    run = store.resolve_run(run_ref)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    count = 0
    with tmp.open("w", encoding="utf-8") as handle:
        for row in store.iter_samples(run.run_id):
            record = {
                "id": row["example_id"],
                "split": row["split"],
                "attempt": row["attempt"],
                "tags": list(row["tags"] or []),
                "input": row["input"],
                "target": row["target"],
                "output": row["output"],
                "parsed": row["parsed"],
                "scores": row["scores"],
                "error": row["error"],
                "latency_ms": row["latency_ms"],
                "tokens_in": row["tokens_in"],
                "tokens_out": row["tokens_out"],
                "cost_usd": row["cost_usd"],
                "cost_paid_usd": row["cost_paid_usd"],
            }
            if row["meta"] and "tool_calls" in row["meta"]:
                record["tool_calls"] = row["meta"]["tool_calls"]
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    os.replace(tmp, out_path)
    return count


def example_hash(inputs: Any, target: Any) -> str:
    """A content hash of one stored sample's input and target: equal hashes, the same example."""
    return content_hash({"input": inputs, "target": target})


def require_results(run: RunRecord) -> None:
    """Refuse a run whose every sample errored: it has no results to gate or keep as a baseline."""
    if run.n_samples and run.n_errors == run.n_samples:
        raise BadInput(
            f"run {run.run_id} ({run.label}) has no results: all {run.n_errors} of its samples errored; "
            "fix the cause and re-run it"
        )


def scored_samples(store: Store, run_id: str) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """``(split, example_id, scores, input_hash)`` of every sample of a run, ordered by split and id: each
    example's first attempt (attempt 0), what a single-attempt run measures."""
    for row in store.iter_samples(run_id):
        if row["attempt"] != 0:
            continue
        yield row["split"], row["example_id"], row["scores"] or {}, example_hash(row["input"], row["target"])


@dataclass(frozen=True)
class Baseline:
    """A committed baseline: the run's identity (header), every sample's scores and input hashes."""

    path: str
    header: dict[str, Any]
    # split -> example id -> metric -> value
    scores: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    # split -> example id -> example_hash; None in a file written before baselines carried them
    input_hashes: dict[str, dict[str, str]] | None = None

    @property
    def task(self) -> str:
        """The task the baseline was run on."""
        return str(self.header["task"])


def write_baseline(db: str | Path, run_ref: str, out_path: str | Path) -> int:
    """Write a compact baseline of a complete run (id or label); returns the number of samples.

    Line 1 is a header ``{format, task, task_version, data_hash, label, run_id, model, primary_metrics,
    n_samples, created}``; then one ``{split, id, scores, input_hash}`` line per sample, sorted by split
    and id, so the same run always gives the same bytes (``created`` is when the run started, in UTC).
    ``input_hash`` is :func:`example_hash` of the sample's stored input and target: the gate pairs on
    shared ids whose inputs are the same. ``primary_metrics`` is each split's primary metric as stored
    with the run; a split with none stored is left out (the gate then compares its first metric by name).
    """
    store = Store(db, read_only=True)
    run = store.resolve_run(run_ref)
    if run.status != "complete":
        raise BadInput(f"run {run.run_id} is {run.status}, not complete: finish it before exporting a baseline")
    require_results(run)
    rows: list[dict[str, Any]] = [
        {"split": split, "id": example_id, "scores": scores, "input_hash": input_hash}
        for split, example_id, scores, input_hash in scored_samples(store, run.run_id)
    ]
    splits = {str(row["split"]) for row in rows}
    primary = {split: metric for split, metric in store.primary_metrics(run.run_id).items() if split in splits}
    header = _baseline_header(run, primary, len(rows))
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for record in [header, *rows]:
            handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    os.replace(tmp, out_path)
    return len(rows)


def _baseline_header(run: RunRecord, primary: dict[str, str], n_samples: int) -> dict[str, Any]:
    fingerprint = run.model_fingerprint
    return {
        "format": BASELINE_FORMAT,
        "task": run.task,
        "task_version": run.task_version,
        "data_hash": run.data_hash,
        "label": run.label,
        "run_id": run.run_id,
        "model": {
            "spec": fingerprint.get("spec", run.model_spec),
            "kind": fingerprint.get("kind"),
            "fingerprint_hash": content_hash(fingerprint),
        },
        "primary_metrics": primary,
        "n_samples": n_samples,
        "created": run.started_at.isoformat(timespec="seconds") + "Z",
    }


def read_baseline(path: str | Path) -> Baseline:
    """Load a baseline file written by ``write_baseline``; a malformed line is a one-line error naming it."""
    from harness.data import read_records

    path = Path(path)
    if not path.is_file():
        raise BadInput(f"{path}: no such baseline file: write one with `harness export --run RUN --baseline {path}`")
    records = read_records(path) if path.suffix == ".jsonl" else iter(())
    first = next(records, None)
    if first is None or first[1].get("format") != BASELINE_FORMAT:
        raise BadInput(f"{path}:1: not a harness baseline (expected a header with format '{BASELINE_FORMAT}')")
    header = first[1]
    for key in ("task", "task_version", "data_hash"):
        if not isinstance(header.get(key), str):
            raise BadInput(f"{path}:1: header field '{key}' is missing or not a string")
    scores: dict[str, dict[str, dict[str, float]]] = {}
    hashes: dict[str, dict[str, str]] = {}
    for before, (where, record) in enumerate(records):
        split, example_id, values = record.get("split"), record.get("id"), record.get("scores")
        if not isinstance(split, str) or not isinstance(example_id, str) or not isinstance(values, dict):
            raise BadInput(f"{where}: expected {{split, id, scores}} with strings and a scores object")
        if example_id in scores.setdefault(split, {}):
            raise BadInput(f"{where}: duplicate example id '{example_id}' in split {split}")
        scores[split][example_id] = {k: float(v) for k, v in values.items() if is_number(v)}
        _read_input_hash(record, where, hashes, before)
    return Baseline(str(path), header, scores, hashes or None)


def _read_input_hash(record: dict[str, Any], where: str, hashes: dict[str, dict[str, str]], before: int) -> None:
    """Collect a line's ``input_hash``: every line has one (this format) or none does (an older file)."""
    value = record.get("input_hash")
    if value is None and not hashes:
        return
    if not isinstance(value, str) or (not hashes and before):
        raise BadInput(f"{where}: 'input_hash' must be a string on every line or on none: re-export the baseline")
    hashes.setdefault(record["split"], {})[record["id"]] = value
