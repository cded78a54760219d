"""The regression gate: is a candidate worse than a baseline, per task, split and metric?

BASE and CAND are each a run id, a label (its latest complete run of each task) or a baseline file
written by ``harness export --baseline``. The comparison is paired on the example ids both sides
share whose input and target are the same (a hash per example): binary metrics with an exact
McNemar test, continuous ones with a seeded paired bootstrap. A comparison fails when the candidate
is worse by more than ``max_drop`` and the difference is significant at ``alpha``; each also reports
the smallest drop its test could detect on its n. Runs that cannot be compared raise BadInput.

The default metric of a split is its primary metric as the store (or the baseline file) records it;
no task plugin is imported. Reports are rendered by :mod:`harness.gate_report`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness.errors import BadInput
from harness.export import example_hash, read_baseline, require_results
from harness.gate_report import (
    FAIL,
    IMPROVED,
    INCONCLUSIVE,
    MARKDOWN_MARKER,
    PASS,
    UNDERPOWERED,
    Comparison,
    GateOptions,
    GateReport,
    render_table,
    to_junit,
    to_markdown,
)
from harness.metrics.selection import Attempt, attempt_from, example_values, has_verifier, parse_metric_name
from harness.metrics.stats import mcnemar_exact, mcnemar_min_detectable_drop, paired_bootstrap
from harness.store import RunRecord, Store
from harness.types import is_number

__all__ = [
    "FAIL",
    "IMPROVED",
    "INCONCLUSIVE",
    "MARKDOWN_MARKER",
    "PASS",
    "UNDERPOWERED",
    "Comparison",
    "GateOptions",
    "GateReport",
    "GateSide",
    "compare_task",
    "load_sides",
    "render_table",
    "run_gate",
    "save_gate",
    "to_junit",
    "to_markdown",
]

Scores = dict[str, dict[str, dict[str, float]]]  # split -> example id -> metric -> value
Hashes = dict[str, dict[str, str]]  # split -> example id -> hash of its input and target


@dataclass(frozen=True)
class GateSide:
    """One side of the gate for one task: where it came from and every sample's scores."""

    source: str
    task: str
    task_version: str
    data_hash: str
    label: str
    run_id: str | None
    primary_metrics: dict[str, str]  # split -> metric, as stored with the run or in the file's header
    scores: Scores
    input_hashes: Hashes | None = None  # None: a baseline file written before files carried them

    def describe(self) -> str:
        """``label (run ID)`` or ``label (FILE)``."""
        return f"{self.label} ({self.source})"


def load_sides(
    ref: str, db: str | Path, task: str | None = None, metrics: Iterable[str] | None = None
) -> list[GateSide]:
    """A run id, a label (latest complete run of each task, or of ``task``) or a baseline file.

    Selector metrics among ``metrics`` (``vote@8``, ``pass@4``...) are computed per example from a run's
    stored attempts; a baseline file has none.
    """
    selectors = [name for name in metrics or () if parse_metric_name(name)]
    if ref.endswith(".jsonl") or Path(ref).is_file():
        if selectors:
            raise BadInput(
                f"--metric {selectors[0]}: {ref} is a baseline file, which keeps one attempt per example: "
                "gate a selector metric between runs in the store"
            )
        side = _side_from_file(ref)
        if task and side.task != task:
            raise BadInput(f"{ref}: a baseline of task {side.task}, not of --task {task}")
        return [side]
    if not Path(db).exists():
        raise BadInput(
            f"'{ref}' is not a baseline file, and there is no results store at {db} to look it up: pass --db"
        )
    store = Store(db, read_only=True)
    run = store.get_run(ref)
    if run is not None:
        if task and run.task != task:
            raise BadInput(f"run {ref} is of task {run.task}, not of --task {task}")
        runs = [run]
    else:
        runs = store.latest_complete_runs(ref, task)
        if not runs:
            on_task = f" on task {task}" if task else ""
            raise BadInput(f"no run id or complete run labelled '{ref}'{on_task} in {db}: see `harness list runs`")
    return [_side_from_run(store, r, selectors) for r in runs]


def _side_from_file(path: str) -> GateSide:
    baseline = read_baseline(path)
    header = baseline.header
    return GateSide(
        source=path,
        task=baseline.task,
        task_version=header["task_version"],
        data_hash=header["data_hash"],
        label=str(header.get("label") or Path(path).stem),
        run_id=header.get("run_id"),
        primary_metrics=dict(header.get("primary_metrics") or {}),
        scores=baseline.scores,
        input_hashes=baseline.input_hashes,
    )


def _side_from_run(store: Store, run: RunRecord, selectors: Sequence[str] = ()) -> GateSide:
    if run.status != "complete":
        raise BadInput(f"run {run.run_id} is {run.status}, not complete: re-run its command to finish it, then gate")
    require_results(run)
    scores: Scores = {}
    hashes: Hashes = {}
    primary = store.primary_metrics(run.run_id)
    attempts: dict[str, dict[str, list[Attempt]]] = {}
    for row in store.iter_samples(run.run_id):
        split, example_id = row["split"], row["example_id"]
        if row["attempt"] == 0:  # the task's own metrics are attempt 0's, as the run's metrics are
            values = row["scores"] or {}
            scores.setdefault(split, {})[example_id] = {k: float(v) for k, v in values.items() if is_number(v)}
            hashes.setdefault(split, {})[example_id] = example_hash(row["input"], row["target"])
        found = _row_attempt(row, primary.get(split, "")) if selectors else None
        if found is not None:
            attempts.setdefault(split, {}).setdefault(example_id, []).append(found)
    for name in selectors:
        _add_selector(run, name, attempts, scores)
    return GateSide(
        source=f"run {run.run_id}",
        task=run.task,
        task_version=run.task_version,
        data_hash=run.data_hash,
        label=run.label,
        run_id=run.run_id,
        primary_metrics=primary,
        scores=scores,
        input_hashes=hashes,
    )


def _row_attempt(row: dict[str, Any], primary: str) -> Attempt | None:
    """A stored sample as the selectors read it."""
    tokens = (row["tokens_in"], row["tokens_out"])
    return attempt_from(row["attempt"], row["scores"], row["details"], primary, tokens, row["cost_usd"])


def _add_selector(run: RunRecord, name: str, attempts: dict[str, dict[str, list[Attempt]]], scores: Scores) -> None:
    """Each example's value of a selector metric (``vote@8``) from its stored attempts, as the run stored its mean."""
    family, k = parse_metric_name(name) or ("", 0)
    samples = int(run.config.get("samples") or 1)
    if samples < k:
        raise BadInput(
            f"--metric {name}: run {run.run_id} ({run.label}) has {samples} attempt(s) per example: "
            f"run it with --samples {k} or more, or gate a smaller k"
        )
    for split, examples in attempts.items():
        verifier = has_verifier(examples)
        if family == "verify" and not verifier:
            raise BadInput(
                f"--metric {name}: task {run.task} has no verifier (no attempt of run {run.run_id} was verified): "
                f"gate vote@{k} or pass@{k} instead"
            )
        seed = int(run.config.get("seed") or 0)
        for example_id, found in examples.items():
            if len(found) >= k and example_id in scores.get(split, {}):
                values = example_values(found, k, seed=seed, example_id=example_id, verifier=verifier)
                scores[split][example_id][name] = values[name]


# ---- comparing ----------------------------------------------------------------------------
def run_gate(baseline: str, candidate: str, db: str | Path, options: GateOptions | None = None) -> GateReport:
    """Compare ``candidate`` with ``baseline`` on every task, split and metric they share."""
    options = options or GateOptions()
    base_sides = {side.task: side for side in load_sides(baseline, db, options.task, options.metrics)}
    cand_sides = {side.task: side for side in load_sides(candidate, db, options.task, options.metrics)}
    tasks = [task for task in sorted(cand_sides) if task in base_sides]
    if not tasks:
        raise BadInput(
            f"no task in common: baseline has {', '.join(sorted(base_sides))}, "
            f"candidate has {', '.join(sorted(cand_sides))}"
        )
    notes = [
        f"task {t}: only in the {where}, not compared"
        for where, sides in (("baseline", base_sides), ("candidate", cand_sides))
        for t in sorted(sides)
        if t not in tasks
    ]
    comparisons: list[Comparison] = []
    for task in tasks:
        comparisons.extend(compare_task(base_sides[task], cand_sides[task], options, notes))
    return GateReport(
        gate_id=f"gate-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}",
        created_at=datetime.now(timezone.utc).replace(tzinfo=None),
        baseline=_describe(base_sides[t] for t in tasks),
        candidate=_describe(cand_sides[t] for t in tasks),
        options=options,
        comparisons=tuple(comparisons),
        notes=tuple(notes),
        runs={t: (base_sides[t].run_id, cand_sides[t].run_id) for t in tasks},
    )


def _describe(sides: Iterable[GateSide]) -> str:
    return "; ".join(dict.fromkeys(side.describe() for side in sides))


def check_comparable(base: GateSide, cand: GateSide, notes: list[str]) -> None:
    """Raise BadInput unless both sides ran the same task version; note how differing data is paired."""
    if base.task_version != cand.task_version:
        raise BadInput(
            f"task {base.task}: baseline is task version {base.task_version}, candidate {cand.task_version}: "
            "not comparable; re-run the baseline on this version"
        )
    if base.data_hash == cand.data_hash:
        return  # the very same examples: pairing by id is exact
    unhashed = [s.source for s in (base, cand) if s.input_hashes is None]
    if unhashed:
        notes.append(
            f"task {base.task}: the sides evaluated different data (data hash {base.data_hash} vs {cand.data_hash}) "
            f"and {unhashed[0]} has no per-example input hashes (an older baseline file): paired on example ids "
            "alone, inputs unchecked; re-export it with `harness export --baseline`"
        )
    else:
        notes.append(
            f"task {base.task}: the sides evaluated different data (data hash {base.data_hash} vs {cand.data_hash}): "
            "paired on the example ids they share, whose input and target are the same"
        )


def shared_ids(base: GateSide, cand: GateSide, split: str) -> list[str]:
    """The example ids of ``split`` on both sides; BadInput if none, or if any shared id's input differs."""
    ids = sorted(base.scores[split].keys() & cand.scores[split].keys())
    if not ids:
        raise BadInput(f"task {base.task} split {split}: baseline and candidate share no example ids")
    if base.data_hash == cand.data_hash or base.input_hashes is None or cand.input_hashes is None:
        return ids
    base_hashes, cand_hashes = base.input_hashes.get(split, {}), cand.input_hashes.get(split, {})
    differ = [i for i in ids if base_hashes.get(i) != cand_hashes.get(i)]
    if differ:
        raise BadInput(
            f"task {base.task} split {split}: {len(differ)} of {len(ids)} shared example ids have a different input "
            f"or target (e.g. '{differ[0]}'): not comparable; run both on the same data, or regenerate the baseline"
        )
    return ids


def compare_task(base: GateSide, cand: GateSide, options: GateOptions, notes: list[str]) -> list[Comparison]:
    """Every split and metric of one task, paired on shared example ids with the same inputs."""
    check_comparable(base, cand, notes)
    comparisons = []
    for split in _splits(base, cand, options):
        ids = shared_ids(base, cand, split)
        sizes = (len(base.scores[split]), len(cand.scores[split]))
        if len(ids) < max(sizes):
            notes.append(f"{base.task} · {split}: compared the {len(ids)} shared examples of {sizes[0]} / {sizes[1]}")
        for metric in _metrics(split, base, cand, ids, options, notes):
            comparisons.append(compare_metric(base, cand, split, metric, ids, options))
    return comparisons


def _splits(base: GateSide, cand: GateSide, options: GateOptions) -> list[str]:
    if options.splits:
        for split in options.splits:
            if split not in base.scores or split not in cand.scores:
                raise BadInput(
                    f"task {base.task}: split '{split}' has no shared examples "
                    f"(baseline has {', '.join(sorted(base.scores)) or 'none'}; "
                    f"candidate has {', '.join(sorted(cand.scores)) or 'none'})"
                )
        return list(options.splits)
    splits = [split for split in sorted(cand.scores) if split in base.scores]
    if not splits:
        raise BadInput(f"task {base.task}: baseline and candidate share no split, so no examples")
    return splits


def _metrics(
    split: str, base: GateSide, cand: GateSide, ids: list[str], options: GateOptions, notes: list[str]
) -> list[str]:
    """``--metric``, else the split's stored primary metric, else (said in a note) its first shared metric by name."""
    if options.metrics:
        return list(options.metrics)
    metric = cand.primary_metrics.get(split) or base.primary_metrics.get(split)
    if metric is not None:
        return [metric]
    shared = {m for i in ids for m in base.scores[split][i]} & {m for i in ids for m in cand.scores[split][i]}
    if not shared:
        raise BadInput(f"task {base.task} split {split}: no metric is scored on both sides: nothing to compare")
    metric = min(shared)
    notes.append(
        f"{base.task} · {split}: no primary metric stored with either side; compared {metric}, "
        "the first metric by name (choose with --metric)"
    )
    return [metric]


def compare_metric(
    base: GateSide, cand: GateSide, split: str, metric: str, ids: list[str], options: GateOptions
) -> Comparison:
    """One paired test: exact McNemar for a 0/1 metric, paired bootstrap otherwise."""
    pairs = [
        (base.scores[split][i][metric], cand.scores[split][i][metric])
        for i in ids
        if metric in base.scores[split][i] and metric in cand.scores[split][i]
    ]
    if not pairs:
        known = sorted({m for i in ids for m in cand.scores[split][i]})
        raise BadInput(
            f"task {base.task} split {split}: no shared example has metric '{metric}' on both sides: "
            f"choose from {', '.join(known) or 'none'}"
        )
    base_values, cand_values = [b for b, _ in pairs], [c for _, c in pairs]
    boot = paired_bootstrap(
        base_values, cand_values, resamples=options.resamples, seed=options.seed, alpha=options.alpha
    )
    regressions = improvements = None
    if all(v in (0.0, 1.0) for pair in pairs for v in pair):
        test = "mcnemar"
        regressions = sum(b > c for b, c in pairs)
        improvements = sum(c > b for b, c in pairs)
        p_value = mcnemar_exact(regressions, improvements)
        detectable = mcnemar_min_detectable_drop(len(pairs), options.alpha)
    else:
        test, p_value, detectable = "bootstrap", boot.p_value, boot.min_detectable
    underpowered = detectable is None or detectable > options.max_drop
    return Comparison(
        task=base.task,
        split=split,
        metric=metric,
        test=test,
        n=len(pairs),
        baseline=sum(base_values) / len(pairs),
        candidate=sum(cand_values) / len(pairs),
        diff=boot.mean,
        ci_low=boot.ci_low,
        ci_high=boot.ci_high,
        p_value=p_value,
        verdict=decide(boot.mean, p_value, options, ci_high=boot.ci_high, underpowered=underpowered),
        regressions=regressions,
        improvements=improvements,
        min_detectable_drop=detectable,
        underpowered=underpowered,
    )


def decide(
    diff: float, p_value: float, options: GateOptions, *, ci_high: float | None = None, underpowered: bool = False
) -> str:
    """The verdict of one comparison (docs/gating.md): fail, underpowered, improved, inconclusive or pass.

    A significant drop beyond ``max_drop`` fails. Otherwise, under ``require_power``, a comparison that
    cannot detect such a drop is underpowered. A significant gain is improved. A drop whose CI lies
    wholly beyond ``max_drop`` but is not significant is inconclusive: the test decides, so it passes,
    with a warning.
    """
    significant = p_value < options.alpha
    if significant and diff < -options.max_drop:
        return FAIL
    if options.require_power and underpowered:
        return UNDERPOWERED
    if significant and diff > 0:
        return IMPROVED
    if not significant and ci_high is not None and ci_high < -options.max_drop:
        return INCONCLUSIVE
    return PASS


# ---- storing ------------------------------------------------------------------------------
def save_gate(report: GateReport, db: str | Path) -> None:
    """Append the gate's comparisons to the store's ``gates`` table (the leaderboard's history)."""
    rows = [
        {
            "gate_id": report.gate_id,
            "created_at": report.created_at,
            "baseline": report.baseline,
            "candidate": report.candidate,
            "baseline_run": report.runs[c.task][0],
            "candidate_run": report.runs[c.task][1],
            "max_drop": report.options.max_drop,
            "alpha": report.options.alpha,
            "gate_verdict": report.verdict,
            "baseline_value": c.baseline,
            "candidate_value": c.candidate,
            **{k: getattr(c, k) for k in ("task", "split", "metric", "test", "n", "diff", "ci_low", "ci_high")},
            "p_value": c.p_value,
            "verdict": c.verdict,
        }
        for c in report.comparisons
    ]
    Store(db).write_gate(rows)
