"""``harness compare A B``: is model A better than model B on each task and split, and at what cost?

A and B are each a run id or a label (its latest complete run of each task), as for the gate. For every
task and split both have, the primary metric of each side with its CI, the paired difference A − B on
the example ids they share (the gate's pairing and tests: :func:`harness.gate.compare_task`), and each
side's cost per 1,000 samples, latency and tokens from the store. Runs that are not comparable raise
BadInput (exit 2), exactly where the gate would. No task plugin is imported.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.errors import BadInput
from harness.gate import GateOptions, GateSide, compare_task, load_sides
from harness.metrics.stats import mean_with_ci
from harness.store import Store
from harness.store.schema import has_attempt_column

__all__ = [
    "SELECTORS",
    "CompareReport",
    "KComparison",
    "KSide",
    "SideStats",
    "SplitComparison",
    "compare",
    "cost_ratio_text",
    "k_metric",
    "k_metric_name",
    "k_table_rows",
    "to_json",
    "to_markdown",
]

BETTER, WORSE, UNDECIDED = "better", "worse", "not distinguishable"
MINUS = "\u2212"  # the verdicts print a real minus sign
# A run with several attempts per example (``--samples N``) stores, per split, ``SELECTOR@K`` rows for
# K in 1, 2, 4, ..., N: the primary metric when K attempts are spent and one answer is chosen (vote,
# verify), the pass@K upper bound and pass^K; and ``tokens@K`` / ``cost_usd@K`` per example at K.
SELECTORS = ("vote", "verify", "pass", "pass^")
K_METRIC = re.compile(r"^(?:(vote|verify|pass|tokens|cost_usd)@|(pass\^))([1-9][0-9]*)$")
UNPAIRED = "unpaired (CI overlap)"


def k_metric(name: str) -> tuple[str, int] | None:
    """``vote@4`` → ``("vote", 4)``; ``pass^4`` → ``("pass^", 4)``; None for any other metric."""
    match = K_METRIC.match(name)
    return (match.group(1) or match.group(2), int(match.group(3))) if match else None


def k_metric_name(selector: str, k: int | str) -> str:
    """How a selector's value at k is named in the store: ``vote@8``, ``pass^4``."""
    return f"{selector}{k}" if selector == "pass^" else f"{selector}@{k}"


@dataclass(frozen=True)
class SideStats:
    """One side on one split: its primary metric with the stored CI, and what its samples cost and took."""

    label: str
    run_id: str | None
    value: float
    ci_low: float | None
    ci_high: float | None
    n: int
    cost_usd: float | None  # the answers' price; None: not priced (no sample recorded a cost)
    cost_per_1k: float | None
    spent_usd: float | None  # what this run paid: cached answers cost nothing; None: not priced
    n_cached: int
    median_latency_ms: float | None
    p95_latency_ms: float | None
    tokens_in_per_sample: float | None
    tokens_out_per_sample: float | None


@dataclass(frozen=True)
class SplitComparison:
    """A against B on one task and split: both sides, and the paired difference A − B on shared ids."""

    task: str
    split: str
    metric: str
    test: str  # "mcnemar" (0/1 metric) or "bootstrap"
    n_paired: int
    a: SideStats
    b: SideStats
    diff: float
    ci_low: float
    ci_high: float
    p_value: float

    @property
    def verdict(self) -> str:
        """``better`` / ``worse`` when the difference's CI excludes 0, else ``not distinguishable``."""
        if self.ci_low > 0:
            return BETTER
        if self.ci_high < 0:
            return WORSE
        return UNDECIDED

    @property
    def cost_ratio(self) -> float | None:
        """A's cost per 1,000 samples over B's; None where either is not priced or B spent nothing."""
        return _ratio(self.a.cost_per_1k, self.b.cost_per_1k)


@dataclass(frozen=True)
class KSide:
    """One side at k attempts per example: ``vote@k`` (or the primary metric of a run without attempts, k = 1)."""

    label: str
    metric: str
    k: int
    value: float
    ci_low: float | None
    ci_high: float | None
    n: int
    cost_per_1k: float | None  # dollars per 1,000 examples at k attempts; None: not priced
    tokens_per_example: float | None  # tokens in + out per example at k attempts


@dataclass(frozen=True)
class KComparison:
    """A against B on one task and split where a side spent k attempts per example.

    The selector values are stored per run (no per-example values to pair), so the two are compared by their
    95% CIs: ``better`` / ``worse`` only where the intervals do not overlap.
    """

    task: str
    split: str
    k: int
    selector: str
    a: KSide
    b: KSide
    test: str = UNPAIRED

    @property
    def diff(self) -> float:
        """A's value minus B's."""
        return self.a.value - self.b.value

    @property
    def verdict(self) -> str:
        """``better`` / ``worse`` when the two CIs do not overlap, else ``not distinguishable``."""
        a_low, a_high = _bounds(self.a)
        b_low, b_high = _bounds(self.b)
        if a_low > b_high:
            return BETTER
        if a_high < b_low:
            return WORSE
        return UNDECIDED

    @property
    def cost_ratio(self) -> float | None:
        """A's cost per 1,000 examples over B's; None where either is not priced or B spent nothing."""
        return _ratio(self.a.cost_per_1k, self.b.cost_per_1k)


def _bounds(side: KSide) -> tuple[float, float]:
    """The side's CI, or its value alone where it has none."""
    low = side.value if side.ci_low is None else side.ci_low
    return low, side.value if side.ci_high is None else side.ci_high


@dataclass(frozen=True)
class CompareReport:
    """Every shared task and split of A against B, one verdict line per task, and notes on the pairing."""

    a: str
    b: str
    splits: tuple[SplitComparison, ...]
    notes: tuple[str, ...]
    costs: dict[str, tuple[float | None, float | None]]  # task -> (A, B) cost per 1,000 samples of the whole run
    k_rows: tuple[KComparison, ...] = ()  # where a side has several attempts per example: each k
    selector: str = "vote"

    def k_verdicts(self) -> dict[str, str]:
        """Per task where a side has attempts, one sentence at each split's largest k:
        ``A (vote@8) is better than B (exact_match) on t/test (+0.12, unpaired: CIs apart) at 3× the cost``."""
        lines = {}
        for task in dict.fromkeys(r.task for r in self.k_rows):
            largest: dict[str, KComparison] = {}
            for row in (r for r in self.k_rows if r.task == task):
                if row.split not in largest or row.k > largest[row.split].k:
                    largest[row.split] = row
            clauses = [_k_clause(row, first=i == 0, b=self.b) for i, row in enumerate(largest.values())]
            lines[task] = f"{self.a} " + "; ".join(clauses)
        return lines

    def verdicts(self) -> dict[str, str]:
        """One sentence per task: ``A is better than B on t/test (+0.12 [0.08, 0.16]) at 1/40 of the cost; ...``."""
        lines = {}
        for task in dict.fromkeys(s.task for s in self.splits):
            rows = [s for s in self.splits if s.task == task]
            clauses = [_clause(s, first=i == 0, b=self.b) for i, s in enumerate(rows)]
            cost = cost_ratio_text(*self.costs.get(task, (None, None)), a=self.a, b=self.b)
            clauses[0] += f" {cost}"
            lines[task] = f"{self.a} " + "; ".join(clauses)
        return lines


def compare(
    a: str,
    b: str,
    db: str | Path,
    task: str | None = None,
    splits: tuple[str, ...] | None = None,
    selector: str = "vote",
) -> CompareReport:
    """Compare A with B (run ids or labels) on every task and split they share; BadInput if not comparable.

    ``selector`` (vote, verify, pass, pass^) picks the stored ``SELECTOR@K`` values compared at each k where a
    side has several attempts per example.
    """
    if selector not in SELECTORS:
        raise BadInput(f"--selector {selector!r}: pick one of {', '.join(SELECTORS)}")
    a_sides = {s.task: s for s in load_sides(a, db, task)}
    b_sides = {s.task: s for s in load_sides(b, db, task)}
    tasks = [t for t in sorted(a_sides) if t in b_sides]
    if not tasks:
        raise BadInput(
            f"no task in common: {a} has {', '.join(sorted(a_sides))}, {b} has {', '.join(sorted(b_sides))}: "
            "pick runs of the same task"
        )
    notes = [f"task {t}: only in {ref}, not compared" for ref, sides in ((a, a_sides), (b, b_sides))
             for t in sorted(sides) if t not in tasks]  # fmt: skip
    options = GateOptions(splits=splits)
    store = Store(db, read_only=True)
    rows: list[SplitComparison] = []
    k_rows: list[KComparison] = []
    costs: dict[str, tuple[float | None, float | None]] = {}
    for name in tasks:
        side_a, side_b = a_sides[name], b_sides[name]
        # the gate tests candidate − baseline: B is the baseline, so every difference reads A − B
        for c in sorted(compare_task(side_b, side_a, options, notes), key=lambda c: _split_rank(c.split)):
            a_stats, b_stats = (
                _side_stats(store, side_a, c.split, c.metric),
                _side_stats(store, side_b, c.split, c.metric),
            )
            paired = {k: getattr(c, k) for k in ("task", "split", "metric", "test", "diff", "ci_low", "ci_high")}
            rows.append(SplitComparison(**paired, n_paired=c.n, a=a_stats, b=b_stats, p_value=c.p_value))
            k_rows += _k_comparisons(store, rows[-1], selector, notes)
        costs[name] = (_run_cost_per_1k(store, side_a), _run_cost_per_1k(store, side_b))
    names = _names(a, b, a_sides[tasks[0]], b_sides[tasks[0]])
    return CompareReport(
        a=names[0], b=names[1], splits=tuple(rows), notes=tuple(notes), costs=costs, k_rows=tuple(k_rows),
        selector=selector,
    )  # fmt: skip


def _split_rank(split: str) -> tuple[int, str]:
    """In distribution first, then out of it, then the rest by name."""
    return ({"test": 0, "ood": 1}.get(split, 2), split)


def _names(a: str, b: str, side_a: GateSide, side_b: GateSide) -> tuple[str, str]:
    """The sides' labels, or the references given where both runs carry the same label."""
    return (a, b) if side_a.label == side_b.label else (side_a.label, side_b.label)


_CACHED = "coalesce(TRY_CAST(json_extract(meta, '$.cached') AS BOOLEAN), false)"
# Attempt 0 alone, as the ordinary metrics are ("first"); a schema-3 file read as it is has no attempt column.
_SPLIT_STATS = f"""SELECT count(*), sum(cost_usd), median(latency_ms), quantile_cont(latency_ms, 0.95),
    avg(tokens_in), avg(tokens_out), CASE WHEN count(cost_usd) > 0 THEN coalesce(sum(cost_usd)
    FILTER (WHERE NOT {_CACHED}), 0) END, count(*) FILTER (WHERE {_CACHED})
    FROM samples WHERE run_id = ? AND split = ? AND FIRST_ATTEMPT"""
_K_METRICS = """SELECT metric, value, ci_low, ci_high, n FROM metrics
    WHERE run_id = ? AND split = ? AND (metric LIKE '%@%' OR metric LIKE 'pass^%')"""
_METRIC = "SELECT value, ci_low, ci_high, n FROM metrics WHERE run_id = ? AND split = ? AND metric = ?"


def _side_stats(store: Store, side: GateSide, split: str, metric: str) -> SideStats:
    """The stored metric and the split's cost, latency and tokens (a baseline file has only its scores)."""
    stored, usage = None, None
    if side.run_id is not None:
        with store.connect() as con:
            stored = con.execute(_METRIC, [side.run_id, split, metric]).fetchone()
            first = "attempt = 0" if has_attempt_column(con) else "TRUE"
            usage = con.execute(_SPLIT_STATS.replace("FIRST_ATTEMPT", first), [side.run_id, split]).fetchone()
    if stored is None or stored[0] is None:
        values = [s[metric] for s in side.scores[split].values() if metric in s]
        m = mean_with_ci(values)
        stored = (m.value, m.ci_low, m.ci_high, m.n)
    n, cost, median, p95, tokens_in, tokens_out, spent, cached = usage or (0, None, None, None, None, None, None, 0)
    return SideStats(
        label=side.label, run_id=side.run_id, value=float(stored[0]), ci_low=_num(stored[1]),
        ci_high=_num(stored[2]), n=int(stored[3]), cost_usd=_num(cost),
        cost_per_1k=None if cost is None or not n else 1000 * float(cost) / n, spent_usd=_num(spent),
        n_cached=int(cached or 0),
        median_latency_ms=_num(median), p95_latency_ms=_num(p95),
        tokens_in_per_sample=_num(tokens_in), tokens_out_per_sample=_num(tokens_out),
    )  # fmt: skip


def _k_metrics(store: Store, run_id: str | None, split: str) -> dict[tuple[str, int], tuple[Any, ...]]:
    """A run's stored ``NAME@K`` rows on a split: (name, k) -> (value, ci_low, ci_high, n)."""
    if run_id is None:
        return {}
    with store.connect() as con:
        rows = con.execute(_K_METRICS, [run_id, split]).fetchall()
    return {parsed: tuple(row[1:]) for row in rows if (parsed := k_metric(row[0])) is not None}


def _k_side(label: str, stored: dict[tuple[str, int], tuple[Any, ...]], selector: str, k: int) -> KSide:
    value, low, high, n = stored[(selector, k)]
    cost, tokens = stored.get(("cost_usd", k)), stored.get(("tokens", k))
    return KSide(
        label=label, metric=k_metric_name(selector, k), k=k, value=float(value), ci_low=_num(low), ci_high=_num(high),
        n=int(n), cost_per_1k=None if cost is None or cost[0] is None else 1000 * float(cost[0]),
        tokens_per_example=None if tokens is None else _num(tokens[0]),
    )  # fmt: skip


def _single_side(stats: SideStats, metric: str) -> KSide:
    """A run without attempts: its primary metric at k = 1, cost and tokens of its one answer per example."""
    tokens = None
    if stats.tokens_in_per_sample is not None or stats.tokens_out_per_sample is not None:
        tokens = (stats.tokens_in_per_sample or 0.0) + (stats.tokens_out_per_sample or 0.0)
    return KSide(
        label=stats.label, metric=metric, k=1, value=stats.value, ci_low=stats.ci_low, ci_high=stats.ci_high,
        n=stats.n, cost_per_1k=stats.cost_per_1k, tokens_per_example=tokens,
    )  # fmt: skip


def _k_comparisons(store: Store, row: SplitComparison, selector: str, notes: list[str]) -> list[KComparison]:
    """Where A or B stored ``SELECTOR@K`` rows on this split: A against B at each k (at the k both have where
    both have attempts; against the other's single answer where only one has)."""
    stored_a, stored_b = _k_metrics(store, row.a.run_id, row.split), _k_metrics(store, row.b.run_id, row.split)
    ks_a = sorted(k for name, k in stored_a if name == selector)
    ks_b = sorted(k for name, k in stored_b if name == selector)
    where = f"{row.task}/{row.split}"
    for stats, stored, ks in ((row.a, stored_a, ks_a), (row.b, stored_b, ks_b)):
        if stored and not ks:
            notes.append(f"{where}: {stats.label} stores no {selector}@K (its task has no such selector)")
    if ks_a and ks_b:
        ks = sorted(set(ks_a) & set(ks_b))
        if set(ks_a) != set(ks_b):
            notes.append(f"{where}: k compared only where both have it ({', '.join(map(str, ks)) or 'none'})")
    else:
        ks = ks_a or ks_b
    comparisons = []
    for k in ks:
        side_a = _k_side(row.a.label, stored_a, selector, k) if ks_a else _single_side(row.a, row.metric)
        side_b = _k_side(row.b.label, stored_b, selector, k) if ks_b else _single_side(row.b, row.metric)
        comparisons.append(KComparison(task=row.task, split=row.split, k=k, selector=selector, a=side_a, b=side_b))
    return comparisons


def _run_cost_per_1k(store: Store, side: GateSide) -> float | None:
    """``runs.cost_usd`` × 1000 / samples of the whole run; None where it is not priced."""
    if side.run_id is None:
        return None
    run = store.get_run(side.run_id)
    if run is None or run.cost_usd is None or not run.n_samples:
        return None
    return 1000 * run.cost_usd / run.n_samples


def _num(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


# ---- words ----------------------------------------------------------------------------------
def signed(value: float, digits: int = 2) -> str:
    """``+0.12`` or ``−0.31`` (a real minus sign)."""
    text = f"{value:+.{digits}f}"
    return text.replace("-", MINUS)


def interval(low: float, high: float, digits: int = 2) -> str:
    """``[0.08, 0.16]`` with real minus signs."""
    return f"[{low:.{digits}f}, {high:.{digits}f}]".replace("-", MINUS)


def _clause(row: SplitComparison, *, first: bool, b: str) -> str:
    where = f"on {row.task}/{row.split} ({signed(row.diff)} {interval(row.ci_low, row.ci_high)})"
    if row.verdict == UNDECIDED:
        return f"is not distinguishable from {b} {where}" if first else f"not distinguishable {where}"
    return f"is {row.verdict} than {b} {where}" if first else f"{row.verdict} {where}"


def _k_clause(row: KComparison, *, first: bool, b: str) -> str:
    apart = "CIs overlap" if row.verdict == UNDECIDED else "CIs apart"
    where = f"on {row.task}/{row.split} ({signed(row.diff)}, unpaired: {apart})"
    cost = cost_ratio_text(row.a.cost_per_1k, row.b.cost_per_1k, a=row.a.label, b=row.b.label)
    if first:
        verdict = f"from {b}" if row.verdict == UNDECIDED else f"than {b}"
        return f"({row.a.metric}) is {row.verdict} {verdict} ({row.b.metric}) {where} {cost}"
    return f"{row.verdict} {where}, {row.a.metric} vs {row.b.metric}, {cost}"


def cost_ratio_text(a_cost: float | None, b_cost: float | None, *, a: str = "A", b: str = "B") -> str:
    """How A's cost compares with B's: ``at 1/40 of the cost``, ``at 3× the cost``, ``(A not priced)``."""
    unpriced = [name for name, cost in ((a, a_cost), (b, b_cost)) if cost is None]
    if unpriced:
        return f"(cost: {' and '.join(unpriced)} not priced)"
    assert a_cost is not None and b_cost is not None
    if a_cost == b_cost:
        return "at the same cost" + (" (no money spent)" if a_cost == 0 else "")
    if a_cost == 0:
        return f"at no cost ({b}: ${b_cost:.4g} per 1,000 samples)"
    if b_cost == 0:
        return f"at ${a_cost:.4g} per 1,000 samples ({b}: no cost)"
    ratio = a_cost / b_cost
    if ratio < 1:
        return f"at 1/{b_cost / a_cost:.3g} of the cost"
    return f"at {ratio:.3g}\u00d7 the cost"


def cost_text(stats: SideStats) -> str:
    """A side's cost per 1,000 samples: ``$1.20`` or ``not priced``."""
    return "not priced" if stats.cost_per_1k is None else f"${stats.cost_per_1k:.4g}"


def spent_text(stats: SideStats) -> str:
    """What the side's run paid on the split: ``$0.08``, ``$0 (40 cached)``; ``—`` where not priced."""
    if stats.spent_usd is None:
        return "—"
    return f"${stats.spent_usd:.4g}" + (f" ({stats.n_cached} cached)" if stats.n_cached else "")


def _opt(value: float | None, fmt: str) -> str:
    return "—" if value is None else fmt.format(value)


def table_rows(report: CompareReport) -> list[dict[str, str]]:
    """The comparison as rows of text, one per task and split (the CLI's table, the Markdown, the Versus page)."""
    rows = []
    for s in report.splits:
        ci = {side: "" if st.ci_low is None or st.ci_high is None else f" [{st.ci_low:.3f}, {st.ci_high:.3f}]"
              for side, st in (("a", s.a), ("b", s.b))}  # fmt: skip
        rows.append(
            {
                "task/split": f"{s.task}/{s.split}",
                "metric": s.metric,
                report.a: f"{s.a.value:.3f}{ci['a']}",
                report.b: f"{s.b.value:.3f}{ci['b']}",
                f"{report.a} − {report.b}": f"{signed(s.diff, 3)} {interval(s.ci_low, s.ci_high, 3)}",
                "p": f"{s.p_value:.3g}",
                "n": str(s.n_paired),
                "verdict": s.verdict,
                f"$/1k {report.a}": cost_text(s.a),
                f"$/1k {report.b}": cost_text(s.b),
                "cost ratio": _opt(s.cost_ratio, "{:.3g}"),
                "spent": f"{spent_text(s.a)} vs {spent_text(s.b)}",
                "latency p50/p95 ms": f"{_opt(s.a.median_latency_ms, '{:.0f}')}/{_opt(s.a.p95_latency_ms, '{:.0f}')}"
                f" vs {_opt(s.b.median_latency_ms, '{:.0f}')}/{_opt(s.b.p95_latency_ms, '{:.0f}')}",
                "tokens in/out per sample": f"{_opt(s.a.tokens_in_per_sample, '{:.0f}')}/"
                f"{_opt(s.a.tokens_out_per_sample, '{:.0f}')} vs {_opt(s.b.tokens_in_per_sample, '{:.0f}')}/"
                f"{_opt(s.b.tokens_out_per_sample, '{:.0f}')}",
            }
        )
    return rows


def _k_value(side: KSide) -> str:
    ci = "" if side.ci_low is None or side.ci_high is None else f" [{side.ci_low:.3f}, {side.ci_high:.3f}]"
    return f"{side.metric} {side.value:.3f}{ci}"


def _k_cost(side: KSide) -> str:
    return "not priced" if side.cost_per_1k is None else f"${side.cost_per_1k:.4g}"


def k_table_rows(report: CompareReport) -> list[dict[str, str]]:
    """The comparison at each k where a side has several attempts per example, as rows of text."""
    return [
        {
            "task/split": f"{r.task}/{r.split}",
            "k": str(r.k),
            report.a: _k_value(r.a),
            report.b: _k_value(r.b),
            f"{report.a} − {report.b}": signed(r.diff, 3),
            "test": r.test,
            "verdict": r.verdict,
            f"$/1k examples {report.a}": _k_cost(r.a),
            f"$/1k examples {report.b}": _k_cost(r.b),
            "cost ratio at k": _opt(r.cost_ratio, "{:.3g}"),
            "tokens per example": f"{_opt(r.a.tokens_per_example, '{:.0f}')} vs "
            f"{_opt(r.b.tokens_per_example, '{:.0f}')}",
        }
        for r in report.k_rows
    ]


def _md_table(rows: list[dict[str, str]]) -> list[str]:
    if not rows:
        return []
    header = list(rows[0])
    lines = ["", "| " + " | ".join(_md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(_md_cell(r[h]) for h in header) + " |" for r in rows]


def to_markdown(report: CompareReport) -> str:
    """The comparison as Markdown: verdicts, the table, notes."""
    lines = [f"## {report.a} vs {report.b}", ""]
    lines += [f"- {_md_cell(v)}" for v in report.verdicts().values()]
    lines += _md_table(table_rows(report))
    if report.k_rows:
        title = k_metric_name(report.selector, "k")
        lines += ["", f"### At k attempts per example ({title}; unpaired: compared by CI overlap)", ""]
        lines += [f"- {_md_cell(v)}" for v in report.k_verdicts().values()]
        lines += _md_table(k_table_rows(report))
    if report.notes:
        lines += ["", *(f"note: {_md_cell(n)}" for n in report.notes)]
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_json(report: CompareReport) -> str:
    """The comparison as JSON: every number, each split's verdict and the verdict lines."""
    payload = {
        "a": report.a,
        "b": report.b,
        "splits": [{**asdict(s), "verdict": s.verdict, "cost_ratio": s.cost_ratio} for s in report.splits],
        "costs_per_1k": {t: {"a": c[0], "b": c[1]} for t, c in report.costs.items()},
        "verdicts": report.verdicts(),
        "selector": report.selector,
        "k_rows": [
            {**asdict(r), "diff": r.diff, "verdict": r.verdict, "cost_ratio": r.cost_ratio} for r in report.k_rows
        ],
        "k_verdicts": report.k_verdicts(),
        "notes": list(report.notes),
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _ratio(a: float | None, b: float | None) -> float | None:
    """``a / b``; None where either is unknown or ``b`` is 0 (a cost ratio against nothing spent)."""
    return None if a is None or b is None or b == 0 else a / b
