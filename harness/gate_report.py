"""A gate's options and report, and their renderings: the terminal table, the Markdown PR comment and JUnit XML.

The verdict names live here too: they are what every report shows, and :mod:`harness.gate` decides with them.
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
