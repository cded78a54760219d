"""A gate's options and report, and their renderings: the terminal table, the Markdown PR comment and JUnit XML.

The verdict names live here too: they are what every report shows, and :mod:`harness.gate` decides with them.
So do the warnings (a slice too small to detect a drop of ``max_drop``; an interval that says "drop" where
the test says "noise"): they are read off the comparisons, so every report shows the same ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree as ET

from pydantic import BaseModel, ConfigDict, Field
from rich.markup import escape
from rich.table import Table

from harness.metrics.stats import PAIRED_RESAMPLES

FAIL, PASS, IMPROVED = "fail", "pass", "improved"
# a drop beyond max_drop whose CI excludes it, but p >= alpha: not a failure, and not a clean pass
INCONCLUSIVE = "inconclusive"
# --require-power: the slice cannot detect a drop of max_drop at alpha (exit 2 unless a comparison failed)
UNDERPOWERED = "underpowered"
MARKDOWN_MARKER = "<!-- harness-gate -->"


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
    # fail (exit 2) instead of warning where a comparison cannot detect a drop of max_drop at alpha
    require_power: bool = False


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
    # the smallest drop this comparison's test could call significant at alpha; None: no drop at all
    min_detectable_drop: float | None = None
    underpowered: bool = False  # min_detectable_drop is None or above max_drop

    @property
    def where(self) -> str:
        """``task · split · metric``, as warnings name a comparison."""
        return f"{self.task} · {self.split} · {self.metric}"


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
        """``fail`` if any comparison failed, else ``underpowered``, ``improved`` or ``pass`` in that order."""
        verdicts = {c.verdict for c in self.comparisons}
        return next((v for v in (FAIL, UNDERPOWERED, IMPROVED) if v in verdicts), PASS)

    @property
    def exit_code(self) -> int:
        """0 when the gate passes (improvements included), 1 on a regression, 2 on ``--require-power`` unmet."""
        return {FAIL: 1, UNDERPOWERED: 2}.get(self.verdict, 0)

    @property
    def warnings(self) -> tuple[str, ...]:
        """One line per comparison that cannot detect a drop of ``max_drop``, or whose CI and test disagree."""
        return tuple(line for c in self.comparisons for line in comparison_warnings(c, self.options))

    def summary(self) -> str:
        """One line for the terminal and the JUnit suite."""
        count = {v: sum(c.verdict == v for c in self.comparisons) for v in (FAIL, IMPROVED, INCONCLUSIVE)}
        line = (
            f"gate {self.verdict}: {count[FAIL]} regression(s), {count[IMPROVED]} significant improvement(s) "
            f"in {len(self.comparisons)} comparison(s) "
            f"(max drop {self.options.max_drop:g}, alpha {self.options.alpha:g})"
        )
        if count[INCONCLUSIVE]:
            line += f"; {count[INCONCLUSIVE]} inconclusive"
        weak = sum(c.underpowered for c in self.comparisons)
        if weak:
            line += f"; {weak} cannot detect a drop of {self.options.max_drop:g}"
            line += ": use more examples" if self.options.require_power else " (see warnings)"
        return line


def comparison_warnings(c: Comparison, options: GateOptions) -> list[str]:
    """The warnings one comparison raises: too small a slice for ``max_drop``, and a CI the test overrules."""
    lines = [power_warning(c, options)] if c.underpowered else []
    if c.verdict == INCONCLUSIVE:
        lines.append(inconclusive_warning(c, options))
    return lines


def power_warning(c: Comparison, options: GateOptions) -> str:
    """``this slice cannot detect a drop of 0.01: the smallest detectable at alpha 0.05 is 0.60 with n=10``."""
    head = f"{c.where}: this slice cannot detect a drop of {options.max_drop:g}"
    if c.min_detectable_drop is None:
        return f"{head}: no drop is detectable at alpha {options.alpha:g} with n={c.n}; use more examples"
    smallest = _amount(c.min_detectable_drop, options.max_drop)
    return f"{head}: the smallest detectable at alpha {options.alpha:g} is {smallest} with n={c.n}; use more examples"


def inconclusive_warning(c: Comparison, options: GateOptions) -> str:
    """Why a drop whose CI lies beyond ``max_drop`` still passes: the test is not significant."""
    return (
        f"{c.where}: inconclusive: a drop of {-c.diff:.4f} whose 95% CI [{c.ci_low:+.4f}, {c.ci_high:+.4f}] lies "
        f"below -{options.max_drop:g}, but {_test_name(c)} p = {_p(c.p_value)} >= alpha {options.alpha:g} on "
        f"n={c.n}: not significant, so not a failure (the test decides; a bootstrap CI is approximate on few examples)"
    )


def _amount(value: float, above: float) -> str:
    """``0.60``; more digits where two would not show that ``value`` exceeds ``above``."""
    short = f"{value:.2f}" if value >= 0.1 else f"{value:.2g}"
    return short if float(short) > above else f"{value:.4g}"


# ---- rendering ----------------------------------------------------------------------------

_ICONS = {
    FAIL: "❌ fail",
    PASS: "✅ pass",
    IMPROVED: "🚀 improved",
    INCONCLUSIVE: "⚠️ inconclusive",
    UNDERPOWERED: "⚠️ underpowered",
}
_STYLES = {FAIL: "bold red", PASS: "green", IMPROVED: "bold cyan", INCONCLUSIVE: "yellow", UNDERPOWERED: "bold yellow"}


def _p(value: float) -> str:
    return "<0.0001" if value < 1e-4 else f"{value:.4f}"


def _test_name(c: Comparison) -> str:
    if c.test == "mcnemar":
        return f"McNemar ({c.regressions}↓ {c.improvements}↑)"
    return "paired bootstrap"


def _diff(c: Comparison) -> str:
    return f"{c.diff:+.4f} [{c.ci_low:+.4f}, {c.ci_high:+.4f}]"


def _detectable(c: Comparison, warn: str = "") -> str:
    """The minimum detectable drop, ``none`` where no drop is detectable; ``warn`` marks an underpowered one."""
    value = "none" if c.min_detectable_drop is None else f"{c.min_detectable_drop:.4f}"
    return f"{warn}{value}" if c.underpowered else value


def render_table(report: GateReport) -> Table:
    """The terminal table: one row per task, split and metric."""
    table = Table(title=escape(f"harness gate · {report.candidate} vs {report.baseline}"), title_justify="left")
    numbers = ("n", "baseline", "candidate", "p", "min drop")
    for name in ("task", "split", "metric", *numbers[:3], "Δ [95% CI]", "p", "min drop", "test", "verdict"):
        table.add_column(name, justify="right" if name in numbers else "left")
    for c in report.comparisons:
        names = (escape(c.task), escape(c.split), escape(c.metric))
        detectable = f"[yellow]{_detectable(c, '⚠ ')}[/]" if c.underpowered else _detectable(c)
        values = (str(c.n), f"{c.baseline:.4f}", f"{c.candidate:.4f}", _diff(c), _p(c.p_value), detectable)
        table.add_row(*names, *values, _test_name(c), f"[{_STYLES[c.verdict]}]{c.verdict}[/]")
    table.caption = "min drop: the smallest drop the test can call significant at alpha on this n"
    table.caption_justify = "left"
    return table


def to_markdown(report: GateReport) -> str:
    """A PR comment: verdict, what was compared, one table row per task/split/metric, warnings, notes."""
    options = report.options
    headline = {
        FAIL: "❌ regression",
        UNDERPOWERED: f"⚠️ underpowered: a slice cannot detect a drop of {options.max_drop:g}",
        PASS: "✅ pass",
        IMPROVED: "✅ pass, with significant improvements",
    }
    power = " It also fails where a slice cannot detect that drop (`--require-power`)." if options.require_power else ""
    lines = [
        MARKDOWN_MARKER,
        f"### harness gate: {headline[report.verdict]}",
        "",
        f"Baseline: `{report.baseline}`  ",
        f"Candidate: `{report.candidate}`  ",
        f"Fails on a drop larger than {options.max_drop:g} that is significant at α = {options.alpha:g} "
        "(paired on shared example ids; exact McNemar for 0/1 metrics, paired bootstrap otherwise)."
        f"{power} *min drop*: the smallest drop the test could call significant at α on this n.",
        "",
        "| task | split | metric | n | baseline | candidate | Δ [95% CI] | p | min drop | test | verdict |",
        "|---|---|---|---:|---:|---:|---|---:|---:|---|---|",
    ]
    for c in report.comparisons:
        lines.append(
            f"| {c.task} | {c.split} | {c.metric} | {c.n} | {c.baseline:.4f} | {c.candidate:.4f} | {_diff(c)} | "
            f"{_p(c.p_value)} | {_detectable(c, '⚠️ ')} | {_test_name(c)} | {_ICONS[c.verdict]} |"
        )
    if report.warnings:
        lines += ["", *[f"- ⚠️ {warning}" for warning in report.warnings]]
    if report.notes:
        lines += ["", *[f"- {note}" for note in report.notes]]
    lines += ["", f"<sub>{report.summary()} · {report.gate_id}</sub>", ""]
    return "\n".join(lines)


def to_junit(report: GateReport) -> str:
    """JUnit XML: one test case per task/split/metric; a regression fails, an unmet ``--require-power`` errs."""
    failures = sum(c.verdict == FAIL for c in report.comparisons)
    errors = sum(c.verdict == UNDERPOWERED for c in report.comparisons)
    attrs = {"name": "harness gate", "tests": str(len(report.comparisons)), "failures": str(failures)}
    attrs["errors"] = str(errors)
    root = ET.Element("testsuites", attrs)
    suite = ET.SubElement(root, "testsuite", {**attrs, "skipped": "0", "timestamp": report.created_at.isoformat()})
    properties = ET.SubElement(suite, "properties")
    for name, value in (("baseline", report.baseline), ("candidate", report.candidate), ("gate_id", report.gate_id)):
        ET.SubElement(properties, "property", {"name": name, "value": value})
    for c in report.comparisons:
        _junit_case(suite, c, report.options)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _junit_case(suite: ET.Element, c: Comparison, options: GateOptions) -> None:
    case = ET.SubElement(
        suite, "testcase", {"classname": f"harness.gate.{c.task}", "name": f"{c.split}/{c.metric}", "time": "0"}
    )
    detail = (
        f"baseline {c.baseline:.4f}, candidate {c.candidate:.4f}, diff {_diff(c)}, p {_p(c.p_value)} "
        f"({_test_name(c)}, n {c.n}), min detectable drop {_detectable(c)} at alpha {options.alpha:g}: {c.verdict}"
    )
    warnings = comparison_warnings(c, options)
    if c.verdict == FAIL:
        drop, limits = -c.diff, f"{options.max_drop:g} (p {_p(c.p_value)} < {options.alpha:g})"
        message = f"{c.metric} dropped by {drop:.4f} > {limits}"
        ET.SubElement(case, "failure", {"message": message, "type": "regression"}).text = detail
    elif c.verdict == UNDERPOWERED:
        ET.SubElement(case, "error", {"message": power_warning(c, options), "type": "underpowered"}).text = detail
    ET.SubElement(case, "system-out").text = detail
    if warnings:
        ET.SubElement(case, "system-err").text = "\n".join(f"warning: {line}" for line in warnings)
