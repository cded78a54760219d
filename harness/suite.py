"""Several tasks × several models in one call: a suite, one run per (task, model) pair, one table at the end.

``harness run --task a,b --model x --model y`` and ``harness run --config suite.yaml`` both build a
:class:`Suite` and call :func:`run_suite`; a notebook can do the same::

    from harness.suite import load_suite, run_suite
    result = run_suite(load_suite("suite.yaml"))
    result.rows()  # task, label, split, primary metric, value, CI, n, errors, run id

A suite file (YAML or JSON) holds the fields of :class:`Suite`: ``tasks`` (names, or ``{name, data,
answers, splits, limit}``), ``models`` (specs, or ``{spec, label, args, mode, constrained, shots}``) and the
run options every pair shares. An unknown field is an error that names the file and the field.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.errors import BadInput, HarnessError, MissingDependency
from harness.lifecycle import RunSummary, find_source
from harness.paths import DEFAULT_DB
from harness.registry import default_label, get_task
from harness.runner import run_eval
from harness.types import RunConfig

__all__ = ["ModelEntry", "RunOutcome", "Suite", "SuiteResult", "TaskEntry", "load_suite", "make_suite", "run_suite"]

Scalar = str | bool | int | float
Mode = Literal["prompt", "native"]


def _listed(value: Any) -> Any:
    """A comma-separated string as a list (``test,ood``); anything else as it is, for pydantic to check."""
    return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value


class TaskEntry(BaseModel):
    """One task of a suite, with the examples it runs on when they are not the suite's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    data: str | None = None
    answers: str | None = None
    splits: tuple[str, ...] | None = None
    limit: int | None = Field(default=None, ge=1)

    _split_list = field_validator("splits", mode="before")(_listed)


class ModelEntry(BaseModel):
    """One model configuration of a suite: a spec, its ``--model-arg`` values and its own answer-changing options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    spec: str = Field(min_length=1)
    label: str | None = None
    args: dict[str, Scalar] = Field(default_factory=dict)
    mode: Mode | None = None
    constrained: bool | None = None
    shots: int | None = Field(default=None, ge=0)
    # Attempts per example and their sampling, per model: "small with k samples vs large with one".
    samples: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0)
    top_p: float | None = Field(default=None, gt=0, le=1)
    batch: bool | None = None


class Suite(BaseModel):
    """Tasks × models and the run options they share (a model or task entry may override its own)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tasks: tuple[TaskEntry, ...] = Field(min_length=1)
    models: tuple[ModelEntry, ...] = Field(min_length=1)
    splits: tuple[str, ...] | None = None
    limit: int | None = Field(default=None, ge=1)
    db: str = DEFAULT_DB
    mode: Mode = "prompt"
    constrained: bool = False
    shots: int = Field(default=0, ge=0)
    seed: int = 0
    batch_size: int = Field(default=8, ge=1)
    threads: int | None = Field(default=None, ge=1)
    concurrency: int | None = Field(default=None, ge=1)
    cache: bool = True
    fresh: bool = False
    task_dir: str | None = None
    lm_eval_args: dict[str, Scalar] = Field(default_factory=dict)
    samples: int = Field(default=1, ge=1)
    temperature: float | None = Field(default=None, ge=0)
    top_p: float | None = Field(default=None, gt=0, le=1)
    workers: int | None = Field(default=None, ge=1)
    ray_address: str | None = None
    gpus_per_worker: float | None = Field(default=None, gt=0)
    batch: bool = False
    batch_wait: float | None = Field(default=None, ge=0)

    @field_validator("tasks", mode="before")
    @classmethod
    def _task_entries(cls, value: Any) -> Any:
        return _task_items(value)

    @field_validator("models", mode="before")
    @classmethod
    def _model_entries(cls, value: Any) -> Any:
        return _model_items(value)

    _split_list = field_validator("splits", mode="before")(_listed)

    def configs(self) -> list[RunConfig]:
        """One RunConfig per (task, model) pair, task by task, models in their order."""
        return [self._config(task, model) for task in self.tasks for model in self.models]

    def _config(self, task: TaskEntry, model: ModelEntry) -> RunConfig:
        return RunConfig(
            task=task.name,
            model=model.spec,
            data=task.data,
            answers=task.answers,
            splits=task.splits or self.splits,
            limit=task.limit or self.limit,
            db=self.db,
            label=model.label,
            constrained=self.constrained if model.constrained is None else model.constrained,
            mode=model.mode or self.mode,
            shots=self.shots if model.shots is None else model.shots,
            seed=self.seed,
            batch_size=self.batch_size,
            threads=self.threads,
            concurrency=self.concurrency,
            cache=self.cache,
            fresh=self.fresh,
            task_dir=self.task_dir,
            model_args=_as_text(model.args),
            lm_eval_args=_as_text(self.lm_eval_args),
            samples=self.samples if model.samples is None else model.samples,
            temperature=self.temperature if model.temperature is None else model.temperature,
            top_p=self.top_p if model.top_p is None else model.top_p,
            workers=self.workers,
            ray_address=self.ray_address,
            gpus_per_worker=self.gpus_per_worker,
            batch=self.batch if model.batch is None else model.batch,
            batch_wait=self.batch_wait,
        )


def _is_list(value: Any) -> bool:
    return isinstance(value, list | tuple)


def _task_items(value: Any) -> Any:
    """Task entries as dicts: a name is ``{name}``, a string ``a,b`` two of them; anything else is left to pydantic."""
    value = _listed(value)
    return [{"name": v} if isinstance(v, str) else _copy(v) for v in value] if _is_list(value) else value


def _model_items(value: Any) -> Any:
    """Model entries as dicts: a spec is ``{spec}`` (one string is one model); anything else is left to pydantic."""
    value = [value] if isinstance(value, str) else value
    return [{"spec": v} if isinstance(v, str) else _copy(v) for v in value] if _is_list(value) else value


def _copy(value: Any) -> Any:
    return dict(value) if isinstance(value, Mapping) else value


def _as_text(args: Mapping[str, Scalar]) -> dict[str, str]:
    """Option values as the command line gives them (``true``, ``64``), whatever type the file wrote."""
    return {key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in args.items()}


# Options of `harness run` that belong to the model or task entries rather than to the suite.
_ENTRY_OPTIONS = ("model_args", "label", "data", "answers")
# Run options a task or model entry may set for itself; given on the command line, they win over the entries' too.
_TASK_OWN = ("splits", "limit")
_MODEL_OWN = ("mode", "constrained", "shots")


def load_suite(
    path: str | Path, options: Mapping[str, Any] | None = None, defaults: Mapping[str, Any] | None = None
) -> Suite:
    """A suite file (YAML or JSON); ``options`` (the command line's) win over it, ``defaults`` fill its gaps."""
    return make_suite({**(defaults or {}), **read_suite_file(Path(path))}, options or {}, where=str(path))


def make_suite(fields: Mapping[str, Any], options: Mapping[str, Any], where: str = "harness run") -> Suite:
    """A validated suite from ``fields`` with ``options`` applied.

    Args:
        options: Suite fields, plus ``model_args`` and ``label`` (for every model / the one model) and
            ``data`` and ``answers`` (for the one task), as ``harness run`` options give them.
        where: what the fields came from, named in errors (a file path).
    """
    merged = {**fields, **{k: v for k, v in options.items() if k not in _ENTRY_OPTIONS}}
    for key, as_items in (("tasks", _task_items), ("models", _model_items)):
        if key in merged:
            merged[key] = as_items(merged[key])
    _apply_to_models(merged, options)
    _apply_to_tasks(merged, options)
    try:
        return Suite.model_validate(merged)
    except ValidationError as exc:
        raise _invalid(exc, where) from None


def _apply_to_models(merged: dict[str, Any], options: Mapping[str, Any]) -> None:
    models = merged.get("models")
    if not isinstance(models, list) or not ({"model_args", "label", *_MODEL_OWN} & set(options)):
        return
    if "label" in options and len(models) > 1:
        raise BadInput("--label names one model's runs: for several models, give each a label in a suite file")
    for entry in (m for m in models if isinstance(m, dict)):
        if "model_args" in options:
            entry["args"] = {**(entry.get("args") or {}), **options["model_args"]}
        if "label" in options:
            entry["label"] = options["label"]
        for key in set(_MODEL_OWN) & set(options):
            entry.pop(key, None)


def _apply_to_tasks(merged: dict[str, Any], options: Mapping[str, Any]) -> None:
    tasks = merged.get("tasks")
    given = {key: options[key] for key in ("data", "answers") if key in options}
    if not isinstance(tasks, list):
        return
    if given and len(tasks) > 1:
        raise BadInput("--data holds one task's examples: give one --task, or each task its data in a suite file")
    for entry in (t for t in tasks if isinstance(t, dict)):
        entry.update(given)
        for key in set(_TASK_OWN) & set(options):
            entry.pop(key, None)


_ENTRY_TYPES: dict[str, type[BaseModel]] = {"tasks": TaskEntry, "models": ModelEntry}


def _invalid(exc: ValidationError, where: str) -> BadInput:
    """The first validation error as one line naming the file and the field, with the fields allowed there."""
    error = exc.errors()[0]
    loc = [str(part) for part in error["loc"]]
    field = ".".join(loc) or "(the whole file)"
    if error["type"] != "extra_forbidden":
        return BadInput(f"{where}: {field}: {error['msg']}")
    owner = _ENTRY_TYPES.get(loc[0], Suite) if len(loc) > 1 else Suite
    allowed = list(owner.model_fields)
    close = difflib.get_close_matches(loc[-1], allowed, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return BadInput(f"{where}: {field}: unknown field{hint}: use one of {', '.join(allowed)}")


def read_suite_file(path: Path) -> dict[str, Any]:
    """A suite file's fields: YAML (``.yaml``, ``.yml``) or JSON (``.json``)."""
    if not path.is_file():
        raise BadInput(f"{path}: no such suite file: pass --config FILE (YAML or JSON)")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        try:
            fields = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadInput(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    else:
        fields = _read_yaml(path, text)
    if not isinstance(fields, dict):
        raise BadInput(f"{path}: a suite is a mapping of fields (tasks, models, ...), not {type(fields).__name__}")
    return fields


def _read_yaml(path: Path, text: str) -> Any:
    try:
        import yaml
    except ImportError:
        raise MissingDependency(f"{path}: YAML needs PyYAML: pip install pyyaml (or write the suite as JSON)") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise BadInput(f"{path}{line}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None


@dataclass(frozen=True)
class RunOutcome:
    """One (task, model) pair of a suite: its run's summary, or the error that stopped it before it ran."""

    config: RunConfig
    label: str
    summary: RunSummary | None = None
    error: HarnessError | None = None


@dataclass(frozen=True)
class SuiteResult:
    """Every pair's outcome, in the suite's order."""

    outcomes: tuple[RunOutcome, ...]

    @property
    def failed(self) -> list[RunOutcome]:
        """The pairs that did not run (bad input found when their run was planned)."""
        return [o for o in self.outcomes if o.error is not None]

    @property
    def runs_with_errors(self) -> list[RunOutcome]:
        """The pairs whose run finished with errored samples."""
        return [o for o in self.outcomes if o.summary is not None and o.summary.n_errors]

    def rows(self) -> list[dict[str, Any]]:
        """One row per pair and split: task, label, split, primary metric, value, CI, n, errors, status, run id."""
        return [row for outcome in self.outcomes for row in _outcome_rows(outcome)]

    def to_dicts(self) -> list[dict[str, Any]]:
        """Each run's ``--output-json`` document, or ``{task, model, label, error}`` for a pair that did not run."""
        return [
            o.summary.to_dict()
            if o.summary is not None
            else {"task": o.config.task, "model": o.config.model, "label": o.label, "error": str(o.error)}
            for o in self.outcomes
        ]


def _outcome_rows(outcome: RunOutcome) -> list[dict[str, Any]]:
    summary = outcome.summary
    base = {"task": outcome.config.task, "label": outcome.label}
    if summary is None:
        return [base | _metric_fields(None, None, None) | {"n_errors": None, "status": "failed", "run_id": None}]
    facts = {"n_errors": summary.n_errors, "status": summary.status, "run_id": summary.run_id}
    if not summary.metrics:
        return [base | _metric_fields(None, None, None) | facts]
    rows = []
    for split, metrics in summary.metrics.items():
        name = summary.primary.get(split) or min(metrics, default=None)
        rows.append(base | _metric_fields(split, name, metrics.get(name) if name else None) | facts)
    return rows


def _metric_fields(split: str | None, name: str | None, metric: Any) -> dict[str, Any]:
    return {
        "split": split,
        "metric": name,
        "value": None if metric is None else metric.value,
        "ci_low": None if metric is None else metric.ci_low,
        "ci_high": None if metric is None else metric.ci_high,
        "n": None if metric is None else metric.n,
    }


def run_suite(suite: Suite, run: Callable[[RunConfig], RunSummary] = run_eval) -> SuiteResult:
    """Run every (task, model) pair of ``suite``, each its own run; a pair's HarnessError becomes its outcome.

    Raises HarnessError before any run when a task is unknown or two runs of one task would share a label.

    Args:
        run: how one pair runs (``run_eval``; the CLI passes one that draws progress bars).
    """
    configs = suite.configs()
    check_suite(suite, configs)
    outcomes = []
    for config in configs:
        label = config.label or default_label(config)
        try:
            outcomes.append(RunOutcome(config, label, summary=run(config)))
        except HarnessError as exc:
            outcomes.append(RunOutcome(config, label, error=exc))
    return SuiteResult(tuple(outcomes))


def check_suite(suite: Suite, configs: list[RunConfig]) -> None:
    """What can be checked before anything runs: every task exists, and no two runs of a task share a label."""
    for task in dict.fromkeys(t.name for t in suite.tasks):
        if find_source(task) is None:
            get_task(task, suite.task_dir)
    labels = Counter((c.task, c.label or default_label(c)) for c in configs)
    for (task, label), count in labels.items():
        if count > 1:
            raise BadInput(
                f"{count} runs of task {task} would share the label '{label}' and hide each other in the "
                "leaderboard: give each model entry its own label, or drop the repeats"
            )
