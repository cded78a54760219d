"""One run's life, the same for every task source: plan → open (or resume) → evaluate → complete.

A task source (our Task plugins, lm-eval's registry, a third party's) turns a ``RunConfig`` into an
``Evaluation``: everything checked and loaded before the store is touched, so bad input never leaves a
run row behind. ``execute`` then opens the run (continuing an interrupted one in place, or starting a new
one that keeps the good samples of a finished one whose samples partly failed), lets the evaluation write
its samples, and stores the metrics with each split's headline metric. A run whose samples all errored
measured nothing: it is stored complete with no metrics, and readers never show it as a result.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from harness import __version__
from harness.errors import BadInput
from harness.models.base import ModelBackend
from harness.registry import task_source_entry
from harness.store import SampleFacts, Store
from harness.types import MetricValue, RunConfig, is_secret

# A callback the CLI uses for progress bars: (event, split, count) with event in start/advance/end.
Progress = Callable[[str, str, int], None]


def no_progress(event: str, split: str, count: int) -> None:
    """The progress callback of a caller that shows none."""


@dataclass
class RunSummary:
    """What a finished (or resumed and finished) run reports."""

    run_id: str
    task: str
    task_version: str
    model: str
    label: str
    status: str
    n_samples: int
    n_errors: int
    wall_s: float
    metrics: dict[str, dict[str, MetricValue]]
    primary: dict[str, str] = field(default_factory=dict)
    reused: int = 0
    resumed_from: str | None = None
    cost_usd: float | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    errors_by_split: dict[str, int] = field(default_factory=dict)
    # The most common error messages and how many samples each ended, most common first.
    error_causes: list[tuple[str, int]] = field(default_factory=list)
    # Outputs cut at the token budget (still scored as they are), and answers served from the response cache.
    n_truncated: int = 0
    n_cached: int = 0
    # --constrained: finished answers the grammar let through that still fail validation, schemas the engine
    # refused (decoded free), rows whose strings hit max_string_tokens. Counted apart from the model's errors.
    n_grammar_mismatch: int = 0
    n_constrained_fallback: int = 0
    n_string_capped: int = 0
    # --samples N > 1: each split's selector metrics at every k (vote@K, verify@K, pass@K, pass^K, tokens@K,
    # cost_usd@K), taken out of ``metrics`` (which keeps the task's own metrics, over attempt 0).
    k_curves: dict[str, dict[str, MetricValue]] = field(default_factory=dict)
    # What this run paid (0 for answers from the response cache; the batch price for --batch); ``cost_usd`` is
    # what producing every answer cost, cached ones included.
    cost_paid_usd: float | None = None

    def __post_init__(self) -> None:
        from harness.metrics.selection import parse_metric_name

        for split, by_name in self.metrics.items():
            curves = {name: m for name, m in by_name.items() if parse_metric_name(name)}
            if curves:
                self.k_curves.setdefault(split, {}).update(curves)
        if self.k_curves:
            self.metrics = {
                split: {name: m for name, m in by_name.items() if name not in self.k_curves.get(split, {})}
                for split, by_name in self.metrics.items()
            }

    def to_dict(self) -> dict[str, Any]:
        """The ``--output-json`` document (keys are only ever added)."""
        return {
            "run_id": self.run_id,
            "task": self.task,
            "task_version": self.task_version,
            "model": self.model,
            "label": self.label,
            "status": self.status,
            "n_samples": self.n_samples,
            "n_errors": self.n_errors,
            "wall_s": round(self.wall_s, 3),
            "metrics": {
                split: {name: m.to_dict() for name, m in by_name.items()} for split, by_name in self.metrics.items()
            },
            "errors_by_split": self.errors_by_split,
            "error_causes": [{"error": error, "n": n} for error, n in self.error_causes],
            "n_truncated": self.n_truncated,
            "n_cached": self.n_cached,
            "n_grammar_mismatch": self.n_grammar_mismatch,
            "n_constrained_fallback": self.n_constrained_fallback,
            "n_string_capped": self.n_string_capped,
            "cost_usd": self.cost_usd,
            "cost_paid_usd": self.cost_paid_usd,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "k_curves": {
                split: {name: m.to_dict() for name, m in by_name.items()} for split, by_name in self.k_curves.items()
            },
        }


@dataclass(frozen=True)
class Aggregate:
    """A finished run's metrics per split, and each split's headline metric."""

    metrics: dict[str, dict[str, MetricValue]]
    primary: dict[str, str]


# What a run whose samples all errored stores: no metrics at all.
NO_RESULT = Aggregate({}, {})


class Evaluation(ABC):
    """One planned run: its identity, the loaded model, and how its samples are produced and aggregated.

    The model belongs to the evaluation: ``execute`` closes it when the run ends, however it ends.
    """

    task: str
    task_version: str
    data_hash: str
    model: ModelBackend
    # What the run row keeps beyond its columns (merged with the model's training card).
    extra: dict[str, Any] | None = None

    @abstractmethod
    def evaluate(self, store: Store, run_id: str, progress: Progress) -> None:
        """Write every sample the run does not have yet (those already stored are skipped)."""

    @abstractmethod
    def aggregate(self, store: Store, run_id: str) -> Aggregate:
        """Per-split metrics over every stored sample of the run."""


class TaskSource(ABC):
    """Where tasks come from: ``PREFIX:NAME`` task names go to the source registered under PREFIX
    (entry point group ``harness.task_sources``); plain names are harness Task plugins."""

    prefix: ClassVar[str]

    @abstractmethod
    def plan(self, config: RunConfig) -> Evaluation:
        """Check the options, load the task and the model; raise HarnessError before any run row exists."""


def find_source(task: str) -> TaskSource | None:
    """The source registered for a ``PREFIX:NAME`` task, loaded lazily; None for a plain task name."""
    prefix, sep, _ = task.partition(":")
    entry = task_source_entry(prefix) if sep else None
    if entry is None:
        return None
    try:
        source = entry.load()
    except ImportError as exc:
        raise BadInput(f"--task {task}: its task source failed to import ({exc})") from None
    found = source() if isinstance(source, type) else source
    if not isinstance(found, TaskSource):
        raise BadInput(f"--task {task}: the source registered as '{prefix}' is not a harness TaskSource")
    return found


def execute(config: RunConfig, evaluation: Evaluation, label: str, progress: Progress = no_progress) -> RunSummary:
    """Run a planned evaluation into ``config.db``: open or resume its run, evaluate, complete."""
    try:
        store = Store(config.db)
        model = evaluation.model
        key = config.resume_key(evaluation.task_version, evaluation.data_hash, model.fingerprint)
        found = None if config.fresh else store.find_resumable(key)
        run_id = open_run(store, config, evaluation, label, key, found)
        reused = _reuse(store, run_id, found)
        started = time.perf_counter()
        try:
            evaluation.evaluate(store, run_id, progress)
        except BaseException:
            store.add_wall_time(run_id, time.perf_counter() - started)
            raise
        facts = store.sample_facts(run_id)
        result = evaluation.aggregate(store, run_id) if facts.has_result else NO_RESULT
        return complete_run(
            store,
            run_id,
            config,
            (evaluation.task, evaluation.task_version, label),
            result,
            time.perf_counter() - started,
            reused=reused,
            resumed_from=found[0] if found else None,
            facts=facts,
        )
    finally:
        evaluation.model.close()


def _reuse(store: Store, run_id: str, found: tuple[str, str] | None) -> int:
    """Samples the run starts with: those of the interrupted run it continues, or the good samples of the
    finished run it retries (copied into the new run)."""
    if found is None:
        return 0
    if found[1] == "complete":
        return store.copy_good_samples(found[0], run_id)
    return len(store.done_keys(run_id))


def complete_run(
    store: Store,
    run_id: str,
    config: RunConfig,
    identity: tuple[str, str, str],
    result: Aggregate,
    wall_s: float,
    reused: int = 0,
    resumed_from: str | None = None,
    facts: SampleFacts | None = None,
) -> RunSummary:
    """Store the metrics, mark the run complete and report it as stored; ``identity`` is (task, version, label).

    A run whose samples all errored stores no metrics (their zeros would read as a model that answered wrong).
    """
    facts = facts or store.sample_facts(run_id)
    if not facts.has_result:
        result = NO_RESULT
    store.finish_run(run_id, result.metrics, wall_s, primary=result.primary)
    run = store.get_run(run_id)
    assert run is not None
    task, version, label = identity
    return RunSummary(
        run_id=run_id,
        task=task,
        task_version=version,
        model=config.model,
        label=label,
        status=run.status,
        n_samples=run.n_samples or 0,
        n_errors=run.n_errors or 0,
        wall_s=run.wall_s or 0.0,
        metrics=result.metrics,
        primary=result.primary,
        reused=reused,
        resumed_from=resumed_from,
        cost_usd=run.cost_usd,
        cost_paid_usd=run.cost_paid_usd,
        tokens_in=run.tokens_in,
        tokens_out=run.tokens_out,
        errors_by_split=dict(facts.errors_by_split),
        error_causes=list(facts.error_causes),
        n_truncated=facts.n_truncated,
        n_cached=facts.n_cached,
        n_grammar_mismatch=facts.n_grammar_mismatch,
        n_constrained_fallback=facts.n_constrained_fallback,
        n_string_capped=facts.n_string_capped,
    )


def open_run(
    store: Store,
    config: RunConfig,
    evaluation: Evaluation,
    label: str,
    key: str,
    found: tuple[str, str] | None = None,
) -> str:
    """The run to write into: the matching unfinished run (``found``, continued in place), else a new one.

    A new run that follows a complete one (``found`` complete: some samples failed) names it in
    ``resumed_from``; ``execute`` copies its good samples.
    """
    if found is not None and found[1] != "complete":
        return found[0]
    model = evaluation.model
    card = model.training_card
    extra = ({"training_card": card} if card is not None else {}) | (evaluation.extra or {})
    return open_derived_run(
        store,
        key,
        {
            "task": evaluation.task,
            "task_version": evaluation.task_version,
            "data_hash": evaluation.data_hash,
            "label": label,
            "model_spec": model.fingerprint.get("spec", config.model),
            "model_fingerprint": model.fingerprint,
            "model_kind": model.model_kind,
            "model_params": model.params,
            "config": stored_config(config),
            "resumed_from": found[0] if found else None,
            "extra": extra or None,
        },
    )


def _git_sha() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def stored_config(config: RunConfig) -> dict[str, Any]:
    """The run's configuration as stored: no secrets, and file options relative to the working directory
    (an absolute path outside it names a machine: only its last part is kept)."""
    stored = config.model_dump(exclude={"db", "model_args"}) | {"model_args": _safe_args(config.model_args)}
    for name in ("data", "answers", "task_dir"):
        if stored.get(name) and Path(stored[name]).is_absolute():
            path = Path(stored[name])
            stored[name] = str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else path.name
    return stored


def _safe_args(args: dict[str, str]) -> dict[str, str]:
    """Model args as stored: secrets are dropped."""
    return {k: v for k, v in args.items() if not is_secret(k)}


def open_derived_run(store: Store, key: str, fields: dict[str, Any]) -> str:
    """A new ``running`` run row (a fresh id; this harness's version and commit stamped on); returns its id.

    ``fields`` as ``Store.create_run`` takes them. ``open_run`` and ``harness score`` (a run made from stored
    samples, not a model) both create runs through it.
    """
    run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    store.create_run(run_id, key, fields | {"harness_version": __version__, "git_sha": _git_sha()})
    return run_id
