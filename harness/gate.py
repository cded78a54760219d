"""The regression gate: is a candidate worse than a baseline, per task, split and metric?

BASE and CAND are each a run id, a label (its latest complete run of each task) or a baseline file
written by ``harness export --baseline``. The comparison is paired on the example ids both sides
share: binary metrics with an exact McNemar test, continuous ones with a seeded paired bootstrap.
A comparison fails when the candidate is worse by more than ``max_drop`` and the difference is
significant at ``alpha``. Runs that cannot be compared raise BadInput with the reason.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from xml.etree import ElementTree as ET

from pydantic import BaseModel, ConfigDict, Field
from rich.markup import escape
from rich.table import Table

from harness.errors import BadInput
from harness.export import primary_metrics, read_baseline
from harness.metrics.stats import PAIRED_RESAMPLES, mcnemar_exact, paired_bootstrap
from harness.store import RunRecord, Store

FAIL, PASS, IMPROVED = "fail", "pass", "improved"
MARKDOWN_MARKER = "<!-- harness-gate -->"

Scores = dict[str, dict[str, dict[str, float]]]  # split -> example id -> metric -> value


class GateOptions(BaseModel):
    """What to compare and how strictly; the CLI's options, usable from a notebook."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task: str | None = None
    splits: tuple[str, ...] | None = None
    metrics: tuple[str, ...] | None = None
    max_drop: float = Field(default=0.01, ge=0.0)
    alpha: float = Field(default=0.05, gt=0.0, lt=1.0)
    resamples: int = Field(default=PAIRED_RESAMPLES, ge=PAIRED_RESAMPLES)
    seed: int = 0
    task_dir: str | None = None


@dataclass(frozen=True)
class GateSide:
    """One side of the gate for one task: where it came from and every sample's scores."""

    source: str
    task: str
    task_version: str
    data_hash: str
    label: str
    run_id: str | None
    primary_metrics: dict[str, str]
    task_dir: str | None
    scores: Scores

    def describe(self) -> str:
        """``label (run ID)`` or ``label (FILE)``."""
        return f"{self.label} ({self.source})"


@dataclass(frozen=True)
class Comparison:
    """One paired comparison: candidate − baseline on one task, split and metric."""

    task: str
    split: str
    metric: str
    test: str  # "mcnemar" or "bootstrap"
    n: int
    baseline: float
    candidate: float
    diff: float
    ci_low: float
    ci_high: float
    p_value: float
    verdict: str
    # binary metrics: pairs right in the baseline and wrong in the candidate, and the reverse
    regressions: int | None = None
    improvements: int | None = None


@dataclass(frozen=True)
class GateReport:
    """Everything one gate decided, ready to print, store or write as Markdown and JUnit."""

    gate_id: str
    created_at: datetime
    baseline: str
    candidate: str
    options: GateOptions
    comparisons: tuple[Comparison, ...]
    notes: tuple[str, ...]
    runs: dict[str, tuple[str | None, str | None]]  # task -> (baseline run id, candidate run id)

    @property
    def verdict(self) -> str:
        """``fail`` if any comparison failed, else ``improved`` if any improved, else ``pass``."""
        verdicts = {c.verdict for c in self.comparisons}
        return FAIL if FAIL in verdicts else IMPROVED if IMPROVED in verdicts else PASS

    @property
    def exit_code(self) -> int:
        """0 when the gate passes (improvements included), 1 on a regression."""
        return 1 if self.verdict == FAIL else 0

    def summary(self) -> str:
        """One line for the terminal and the JUnit suite."""
        count = {v: sum(c.verdict == v for c in self.comparisons) for v in (FAIL, IMPROVED)}
        return (
            f"gate {self.verdict}: {count[FAIL]} regression(s), {count[IMPROVED]} significant improvement(s) "
            f"in {len(self.comparisons)} comparison(s) "
            f"(max drop {self.options.max_drop:g}, alpha {self.options.alpha:g})"
        )


# ---- loading ------------------------------------------------------------------------------
def load_sides(ref: str, db: str | Path, task: str | None = None) -> list[GateSide]:
    """A run id, a label (latest complete run of each task, or of ``task``) or a baseline file."""
    if ref.endswith(".jsonl") or Path(ref).is_file():
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
    return [_side_from_run(store, r) for r in runs]


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
        task_dir=None,
        scores=baseline.scores,
    )


def _side_from_run(store: Store, run: RunRecord) -> GateSide:
    if run.status != "complete":
        raise BadInput(f"run {run.run_id} is {run.status}, not complete: re-run its command to finish it, then gate")
    scores: Scores = {}
    for split, example_id, values in store.sample_scores(run.run_id):
        scores.setdefault(split, {})[example_id] = {
            k: float(v) for k, v in values.items() if isinstance(v, (int, float)) and not math.isnan(v)
        }
    return GateSide(
        source=f"run {run.run_id}",
        task=run.task,
        task_version=run.task_version,
        data_hash=run.data_hash,
        label=run.label,
        run_id=run.run_id,
        primary_metrics={},
        task_dir=run.config.get("task_dir"),
        scores=scores,
    )


# ---- comparing ----------------------------------------------------------------------------
def run_gate(baseline: str, candidate: str, db: str | Path, options: GateOptions | None = None) -> GateReport:
    """Compare ``candidate`` with ``baseline`` on every task, split and metric they share."""
    options = options or GateOptions()
    base_sides = {side.task: side for side in load_sides(baseline, db, options.task)}
    cand_sides = {side.task: side for side in load_sides(candidate, db, options.task)}
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


def check_comparable(base: GateSide, cand: GateSide) -> None:
    """Raise BadInput unless both sides ran the same task version on the same data."""
    if base.task_version != cand.task_version:
        raise BadInput(
            f"task {base.task}: baseline is task version {base.task_version}, candidate {cand.task_version}: "
            "not comparable; re-run the baseline on this version"
        )
    if base.data_hash != cand.data_hash:
        raise BadInput(
            f"task {base.task}: baseline and candidate evaluated different data (data hash {base.data_hash} vs "
            f"{cand.data_hash}): run both with the same --split, --limit and --data"
        )


def compare_task(base: GateSide, cand: GateSide, options: GateOptions, notes: list[str]) -> list[Comparison]:
    """Every split and metric of one task, paired on shared example ids."""
    check_comparable(base, cand)
    comparisons = []
    for split in _splits(base, cand, options):
        ids = sorted(base.scores[split].keys() & cand.scores[split].keys())
        if not ids:
            raise BadInput(f"task {base.task} split {split}: baseline and candidate share no example ids")
        sizes = (len(base.scores[split]), len(cand.scores[split]))
        if len(ids) < max(sizes):
            notes.append(f"{base.task} · {split}: compared the {len(ids)} shared examples of {sizes[0]} / {sizes[1]}")
        for metric in _metrics(split, base, cand, options):
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


def _metrics(split: str, base: GateSide, cand: GateSide, options: GateOptions) -> list[str]:
    if options.metrics:
        return list(options.metrics)
    metric = cand.primary_metrics.get(split) or base.primary_metrics.get(split)
    if metric is None:
        task_dir = options.task_dir or cand.task_dir or base.task_dir
        metric = primary_metrics(base.task, task_dir, [split]).get(split)
    if metric is None:
        raise BadInput(f"task {base.task}: cannot load it here to find its primary metric: pass --metric or --task-dir")
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
    boot = paired_bootstrap(base_values, cand_values, resamples=options.resamples, seed=options.seed)
    regressions = improvements = None
    if all(v in (0.0, 1.0) for pair in pairs for v in pair):
        test = "mcnemar"
        regressions = sum(b > c for b, c in pairs)
        improvements = sum(c > b for b, c in pairs)
        p_value = mcnemar_exact(regressions, improvements)
    else:
        test, p_value = "bootstrap", boot.p_value
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
        verdict=decide(boot.mean, p_value, options),
        regressions=regressions,
        improvements=improvements,
    )


def decide(diff: float, p_value: float, options: GateOptions) -> str:
    """Fail on a significant drop larger than ``max_drop``; report a significant gain as improved."""
    if p_value < options.alpha and diff < -options.max_drop:
        return FAIL
    if p_value < options.alpha and diff > 0:
        return IMPROVED
    return PASS


# ---- storing and reporting ----------------------------------------------------------------
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


_ICONS = {FAIL: "❌ fail", PASS: "✅ pass", IMPROVED: "🚀 improved"}
_STYLES = {FAIL: "bold red", PASS: "green", IMPROVED: "bold cyan"}


def _p(value: float) -> str:
    return "<0.0001" if value < 1e-4 else f"{value:.4f}"


def _test_name(c: Comparison) -> str:
    if c.test == "mcnemar":
        return f"McNemar ({c.regressions}↓ {c.improvements}↑)"
    return "paired bootstrap"


def _diff(c: Comparison) -> str:
    return f"{c.diff:+.4f} [{c.ci_low:+.4f}, {c.ci_high:+.4f}]"


def render_table(report: GateReport) -> Table:
    """The terminal table: one row per task, split and metric."""
    table = Table(title=escape(f"harness gate · {report.candidate} vs {report.baseline}"), title_justify="left")
    for name in ("task", "split", "metric", "n", "baseline", "candidate", "Δ [95% CI]", "p", "test", "verdict"):
        table.add_column(name, justify="right" if name in ("n", "baseline", "candidate", "p") else "left")
    for c in report.comparisons:
        names = (escape(c.task), escape(c.split), escape(c.metric))
        values = (str(c.n), f"{c.baseline:.4f}", f"{c.candidate:.4f}", _diff(c), _p(c.p_value), _test_name(c))
        table.add_row(*names, *values, f"[{_STYLES[c.verdict]}]{c.verdict}[/]")
    return table


def to_markdown(report: GateReport) -> str:
    """A PR comment: verdict, what was compared, one table row per task/split/metric, notes."""
    headline = {FAIL: "❌ regression", PASS: "✅ pass", IMPROVED: "✅ pass, with significant improvements"}
    lines = [
        MARKDOWN_MARKER,
        f"### harness gate: {headline[report.verdict]}",
        "",
        f"Baseline: `{report.baseline}`  ",
        f"Candidate: `{report.candidate}`  ",
        f"Fails on a drop larger than {report.options.max_drop:g} that is significant at α = {report.options.alpha:g} "
        "(paired on shared example ids; exact McNemar for 0/1 metrics, paired bootstrap otherwise).",
        "",
        "| task | split | metric | n | baseline | candidate | Δ [95% CI] | p | test | verdict |",
        "|---|---|---|---:|---:|---:|---|---:|---|---|",
    ]
    for c in report.comparisons:
        lines.append(
            f"| {c.task} | {c.split} | {c.metric} | {c.n} | {c.baseline:.4f} | {c.candidate:.4f} | {_diff(c)} | "
            f"{_p(c.p_value)} | {_test_name(c)} | {_ICONS[c.verdict]} |"
        )
    if report.notes:
        lines += ["", *[f"- {note}" for note in report.notes]]
    lines += ["", f"<sub>{report.summary()} · {report.gate_id}</sub>", ""]
    return "\n".join(lines)


def to_junit(report: GateReport) -> str:
    """JUnit XML: one test case per task/split/metric, failed where the gate fails."""
    failures = sum(c.verdict == FAIL for c in report.comparisons)
    attrs = {"name": "harness gate", "tests": str(len(report.comparisons)), "failures": str(failures), "errors": "0"}
    root = ET.Element("testsuites", attrs)
    suite = ET.SubElement(root, "testsuite", {**attrs, "skipped": "0", "timestamp": report.created_at.isoformat()})
    properties = ET.SubElement(suite, "properties")
    for name, value in (("baseline", report.baseline), ("candidate", report.candidate), ("gate_id", report.gate_id)):
        ET.SubElement(properties, "property", {"name": name, "value": value})
    for c in report.comparisons:
        case = ET.SubElement(
            suite, "testcase", {"classname": f"harness.gate.{c.task}", "name": f"{c.split}/{c.metric}", "time": "0"}
        )
        detail = (
            f"baseline {c.baseline:.4f}, candidate {c.candidate:.4f}, diff {_diff(c)}, p {_p(c.p_value)} "
            f"({_test_name(c)}, n {c.n}): {c.verdict}"
        )
        if c.verdict == FAIL:
            drop, limits = -c.diff, f"{report.options.max_drop:g} (p {_p(c.p_value)} < {report.options.alpha:g})"
            message = f"{c.metric} dropped by {drop:.4f} > {limits}"
            ET.SubElement(case, "failure", {"message": message, "type": "regression"}).text = detail
        ET.SubElement(case, "system-out").text = detail
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
