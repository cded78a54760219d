"""``harness score RUN``: a stored run's outputs scored again by the current task code, into a new run.

After a scorer fix, the outputs a model already gave need no second generation. ``rescore`` rebuilds each
sample's Example and Response from the store (tool calls from ``meta.tool_calls``; a classifier's labels
from ``meta.labels`` or its output text), calls the task plugin's ``score``, and writes a new run that
names the old one in ``extra.rescored_from``. The new run keeps the old one's task, model, fingerprint,
label, config and runtime facts (latency, tokens, cost, meta, wall time); its task version is the current
one. Everything is checked and scored before the store is written, so a refusal leaves no run behind;
the old run is never touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from harness.errors import BadInput, HarnessError
from harness.lifecycle import NO_RESULT, Aggregate, RunSummary, complete_run, open_derived_run
from harness.registry import get_task
from harness.runner import aggregate_run, data_hash, score_sample, select_examples
from harness.store import RunRecord, Store
from harness.store.runs import run_extras
from harness.store.samples import example_from_row
from harness.task import Task
from harness.types import Example, Response, RunConfig, SampleResult, Scored, ToolCall, canonical_json

__all__ = ["RescoreSummary", "rescore"]

# How the classifier backend joins the labels it chose into ``Response.text`` (harness.models.hf.classifier).
CLASSIFIER_LABEL_SEPARATOR = ", "
# The placeholder verdict of a sample read back before the current scorer has judged it.
_NOT_SCORED = Scored(scores={})


@dataclass
class RescoreSummary(RunSummary):
    """A re-scored run's summary: a RunSummary that also names the run whose outputs it scored."""

    rescored_from: str = ""


def rescore(run_ref: str, db: str, task_dir: str | None = None) -> RescoreSummary:
    """Score run ``run_ref``'s stored outputs (a run id, or a label: its latest complete run) with the
    current task code into a new run linked by ``extra.rescored_from``; no model is called.

    Raises HarnessError subclasses (a one-line reason) before any run row is written.
    """
    Store(db, read_only=True)  # a missing file is an error here, not a new empty store
    store = Store(db)
    old = store.resolve_run(run_ref)
    _check_rescorable(old)
    config = _stored_config(old, db)
    task = _load_task(old, task_dir or _existing_dir(config.task_dir))
    stored = _stored_samples(store, old)
    selected = _current_data(task, config, old)
    _check_same_data(old.run_id, stored, selected)
    results = [_rescored(task, sample, config.samples) for samples in stored.values() for sample in samples]
    new_hash = data_hash(selected)
    key = config.resume_key(task.version, new_hash, old.model_fingerprint)
    new_id = open_derived_run(store, key, _run_fields(store, old, task, new_hash))
    store.write_samples(new_id, results)  # one transaction: every sample or none
    facts = store.sample_facts(new_id)
    result = (
        _aggregate(store, task, new_id, config.seed, list(selected), config.samples) if facts.has_result else NO_RESULT
    )
    # The run stands for the old run's generation: its wall time is that one's, not this re-scoring's.
    summary = complete_run(store, new_id, config, (old.task, task.version, old.label), result, old.wall_s or 0.0)
    return RescoreSummary(**vars(summary), rescored_from=old.run_id)


def _check_rescorable(run: RunRecord) -> None:
    """Refuse a run that is not complete, or whose task another harness scored (``PREFIX:NAME``)."""
    if run.status != "complete":
        raise BadInput(
            f"run {run.run_id} is not complete (status {run.status}): finish it with `harness run` first "
            "(it resumes), then score it"
        )
    prefix, sep, _ = run.task.partition(":")
    if sep:
        raise BadInput(
            f"run {run.run_id} ran task {run.task} through {prefix}, which scores its own samples: "
            "re-run it with `harness run` to score it again"
        )


def _stored_config(run: RunRecord, db: str) -> RunConfig:
    """The run's configuration as stored, as a RunConfig writing to ``db`` (options unknown here are dropped)."""
    known = {k: v for k, v in run.config.items() if k in RunConfig.model_fields and k != "db"}
    try:
        return RunConfig(**known, db=db)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise BadInput(
            f"run {run.run_id}: its stored config is not valid here ({error['loc'][0]}: {error['msg']}): "
            "re-run it with `harness run`"
        ) from None


def _existing_dir(path: str | None) -> str | None:
    """The run's own --task-dir, where it still exists (relative to the working directory)."""
    return path if path and Path(path).is_dir() else None


def _load_task(run: RunRecord, task_dir: str | None) -> Task:
    """The run's task plugin as it is now; any failure to import it is one line naming the task and --task-dir."""
    try:
        return get_task(run.task, task_dir)
    except Exception as exc:  # a --task-dir module may raise anything while importing
        where = f"--task-dir {task_dir}" if task_dir else "the registered tasks (no --task-dir)"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BadInput(
            f"run {run.run_id}: cannot load task '{run.task}' from {where} ({reason}): "
            f"pass --task-dir DIR with {run.task}/task.py"
        ) from None


def _stored_samples(store: Store, run: RunRecord) -> dict[str, list[SampleResult]]:
    """The run's samples, rebuilt with everything the model answered, grouped by split."""
    classifier = run.model_fingerprint.get("kind") == "classifier"
    grouped: dict[str, list[SampleResult]] = {}
    for row in store.iter_samples(run.run_id):
        result = SampleResult(
            example_from_row(row),
            row["request_hash"],
            _stored_response(row, classifier),
            _NOT_SCORED,
            attempt=int(row["attempt"]),
        )
        grouped.setdefault(row["split"], []).append(result)
    return grouped


def _stored_response(row: dict[str, Any], classifier: bool) -> Response:
    """A sample's Response as the model gave it: ``meta.tool_calls`` back to tool calls, labels back to labels."""
    meta = dict(row["meta"] or {})
    calls = meta.pop("tool_calls", None)
    tool_calls = (
        None if calls is None else tuple(ToolCall(str(c["name"]), dict(c.get("arguments") or {})) for c in calls)
    )
    return Response(
        text=row["output"] or "",
        tool_calls=tool_calls,
        tokens_in=row["tokens_in"],
        tokens_out=row["tokens_out"],
        latency_ms=row["latency_ms"],
        cost_usd=row["cost_usd"],
        error=row["error"],
        meta=meta,
        labels=_stored_labels(row, meta, classifier),
    )


def _stored_labels(row: dict[str, Any], meta: dict[str, Any], classifier: bool) -> tuple[str, ...] | None:
    """A label-scoring model's chosen labels: ``meta.labels`` where kept, else the classifier's joined text."""
    if isinstance(meta.get("labels"), list):
        return tuple(str(label) for label in meta["labels"])
    if classifier and row["error"] is None and row["output"]:
        return tuple(row["output"].split(CLASSIFIER_LABEL_SEPARATOR))
    return None


def _current_data(task: Task, config: RunConfig, run: RunRecord) -> dict[str, list[Example]]:
    """The examples the run's config selects from the task's data as it is now (built-in, or its --data file)."""
    for option, path in (("--data", config.data), ("--answers", config.answers)):
        if path and not path.startswith("bfcl:") and not Path(path).exists():
            raise BadInput(
                f"run {run.run_id} was made with {option} {path}, which is gone: restore it (relative to the "
                "directory the run was made in) or re-run with `harness run`"
            )
    try:
        return select_examples(task, config)
    except HarnessError as exc:
        raise BadInput(f"run {run.run_id}: the task's data no longer gives the run's examples ({exc})") from None


def _check_same_data(run_id: str, stored: dict[str, list[SampleResult]], selected: dict[str, list[Example]]) -> None:
    """Refuse when any stored example's id, inputs, target or tags differ from the data the task loads now."""
    changed = "no longer matches the task's data: re-run it with `harness run` (score re-uses outputs only)"
    for split in [*selected, *(s for s in stored if s not in selected)]:
        current = {e.id: e for e in selected.get(split, [])}
        samples = stored.get(split, [])
        for sample in samples:  # every attempt of an example carries the same example
            now = current.get(sample.example.id)
            if now is None:
                raise BadInput(f"run {run_id}: example '{sample.example.id}' ({split}) is gone, so the run {changed}")
            if _content(now) != _content(sample.example):
                raise BadInput(f"run {run_id}: example '{sample.example.id}' ({split}) changed, so the run {changed}")
        n_stored = len({sample.example.id for sample in samples})
        if len(current) != n_stored:
            raise BadInput(
                f"run {run_id}: split '{split}' now selects {len(current)} examples where the run has "
                f"{n_stored}, so the run {changed}"
            )


def _content(example: Example) -> str:
    """An example's content as the store keeps it (JSON), so tuples and lists compare equal."""
    return canonical_json([example.inputs, example.target, list(example.tags)])


def _rescored(task: Task, sample: SampleResult, samples: int) -> SampleResult:
    """The stored sample with the current scorer's verdict, as the runner scores it; a scorer that raises is one
    line naming the example."""
    example = sample.example
    try:
        scored = score_sample(task, example, sample.response, samples)
    except Exception as exc:
        raise BadInput(
            f"task {task.name}: score failed on example '{example.id}' ({example.split}): "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} — fix the scorer and score again"
        ) from None
    return SampleResult(example, sample.request_hash, sample.response, scored, attempt=sample.attempt)


def _aggregate(store: Store, task: Task, run_id: str, seed: int, order: Iterable[str], samples: int) -> Aggregate:
    """The task's own aggregation of the new run's samples and each split's primary metric (as the runner does)."""
    metrics = aggregate_run(store, task, run_id, seed, order=list(order), samples=samples)
    return Aggregate(metrics, {split: task.primary_metric_for(split) for split in metrics})


def _run_fields(store: Store, old: RunRecord, task: Task, new_hash: str) -> dict[str, Any]:
    """The new run's row: the old run's identity and config, the current task version, a link back."""
    extras = run_extras(store, old.run_id)
    return {
        "task": old.task,
        "task_version": task.version,
        "data_hash": new_hash,
        "label": old.label,
        "model_spec": old.model_spec,
        "model_fingerprint": old.model_fingerprint,
        "model_kind": extras.get("model_kind"),
        "model_params": extras.get("model_params"),
        "config": old.config,
        "resumed_from": None,
        "extra": (extras.get("extra") or {}) | {"rescored_from": old.run_id},
    }
