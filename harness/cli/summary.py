"""What ``harness run`` prints when a run ends: its metrics per split and what the run did.

Numbers that do not mean what they seem say so next to them: errored samples (scored as wrong) in each
split's table and their most common causes, outputs cut at the token budget, answers from the response
cache, and a run whose samples all errored, which has no metrics at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from harness.cli.app import out

if TYPE_CHECKING:
    from harness.lifecycle import RunSummary

# Error causes shown; the rest are counted in one line.
SHOWN_CAUSES = 3
CAUSE_CHARS = 240


def print_summary(summary: RunSummary) -> None:
    """The run's metrics per split (the primary one starred), one line of facts, then what to be wary of."""
    for split, metrics in summary.metrics.items():
        out.print(_split_table(summary, split, metrics))
    for split in summary.k_curves:
        out.print(k_curve_table(summary, split))
    reused = f", {summary.reused} reused from an earlier attempt" if summary.reused else ""
    cost = cost_text(summary.cost_paid_usd, summary.cost_usd)
    tokens = f", {summary.tokens_in} tokens in / {summary.tokens_out} out" if summary.tokens_in is not None else ""
    starred = "  (* primary metric)" if summary.metrics else ""
    out.print(
        f"run [bold]{summary.run_id}[/] {summary.status}: {summary.n_samples} samples, "
        f"{summary.n_errors} errors, {summary.wall_s:.1f}s{cost}{tokens}{reused}{starred}"
    )
    for line in summary_notes(summary):
        out.print(line, soft_wrap=True)  # whole lines: an error message is read and searched as it is


def _split_table(summary: RunSummary, split: str, metrics: dict) -> Table:
    """One split's metrics; a split with errored samples says how many are in its numbers."""
    title = escape(f"{summary.task} · {split} · {summary.label}")
    errors = summary.errors_by_split.get(split, 0)
    caption = f"[yellow]{errors} errored sample(s) scored as wrong[/]" if errors else None
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("95% CI", justify="right")
    table.add_column("n", justify="right")
    for name, m in metrics.items():
        ci = "" if m.ci_low is None else f"[{m.ci_low:.3f}, {m.ci_high:.3f}]"
        star = " *" if name == summary.primary.get(split) else ""
        table.add_row(escape(f"{name}{star}"), f"{m.value:.4f}", ci, str(m.n))
    return table


def k_curve_table(summary: RunSummary, split: str) -> Table:
    """One split's k-curve (``--samples N``): each selector's primary metric, and the spend, at every k."""
    from harness.metrics.selection import metric_name, parse_metric_name

    curves = summary.k_curves[split]
    ks = sorted({parsed[1] for parsed in map(parse_metric_name, curves) if parsed})
    primary = summary.primary.get(split, "primary metric")
    title = escape(f"{summary.task} · {split} · {summary.label} · {primary} by attempts k")
    caption = (
        "vote: majority over canonical answers; verify: vote among answers passing the task's verifier; "
        "pass@k: any of k correct (an upper bound: an oracle picks); pass^k: all k correct; "
        "tokens and $: spent per example"
    )
    table = Table(title=title, title_justify="left", caption=escape(caption), caption_justify="left")
    for column in ("k", "vote", "verify", "pass@k", "pass^k", "tokens", "$ / example"):
        table.add_column(column, justify="right")
    for k in ks:
        cells = [_k_cell(curves.get(metric_name(family, k))) for family in ("vote", "verify", "pass", "pass^")]
        tokens, cost = curves.get(metric_name("tokens", k)), curves.get(metric_name("cost_usd", k))
        table.add_row(
            str(k), *cells, "" if tokens is None else f"{tokens.value:.0f}", "" if cost is None else f"{cost.value:.6f}"
        )
    return table


def _k_cell(m: object) -> str:
    """A selector value with its CI, or a dash where the task has no such selector (no verifier)."""
    from harness.types import MetricValue

    if not isinstance(m, MetricValue):
        return "-"
    ci = "" if m.ci_low is None else f" [{m.ci_low:.3f}, {m.ci_high:.3f}]"
    return f"{m.value:.3f}{ci}"


def cost_text(paid: float | None, produced: float | None) -> str:
    """``, $0.0012 paid``, and what producing the answers cost when the cache made it differ."""
    if paid is None and produced is None:
        return ""
    if paid is None:  # a run stored before paid costs were kept
        return f", ${produced:.4f}"
    shown = f", ${paid:.4f} paid"
    if produced is not None and abs(produced - paid) > 5e-7:
        shown += f" (${produced:.4f} to produce; cached answers cost nothing again)"
    return shown


def summary_notes(summary: RunSummary) -> list[str]:
    """The lines under the facts: no result, error causes, cut outputs, cached answers (rich markup)."""
    notes: list[str] = []
    if summary.n_samples and summary.n_errors >= summary.n_samples:
        notes.append(
            "[bold red]no metrics[/]: every sample errored, so this run measured nothing; "
            "the leaderboard, gate and compare leave it out"
        )
    if summary.error_causes:
        notes.append("most common errors:")
        notes += [f"  {escape(_short(cause))} × {n}" for cause, n in summary.error_causes[:SHOWN_CAUSES]]
        rest = summary.n_errors - sum(n for _, n in summary.error_causes[:SHOWN_CAUSES])
        if rest > 0:
            notes.append(f"  and {rest} more with other errors")
    if summary.n_truncated:
        notes.append(
            f"[yellow]{summary.n_truncated} of {summary.n_samples} outputs cut at the token budget[/] "
            "(generation stopped at max_tokens, not at the end of an answer); scored as they are"
        )
    if summary.n_grammar_mismatch:
        notes.append(
            f"[yellow]{summary.n_grammar_mismatch} constrained answer(s) finished and still failed validation[/] "
            "(grammar_mismatch: the grammar engine did not express the schema, not a model error)"
        )
    if summary.n_constrained_fallback:
        notes.append(
            f"[yellow]{summary.n_constrained_fallback} sample(s) decoded without a grammar[/]: the engine refused "
            "their schema (meta.constrained_error says why; try --model-arg grammar=llguidance or xgrammar)"
        )
    if summary.n_string_capped:
        notes.append(f"{summary.n_string_capped} constrained row(s) had a string cut at max_string_tokens")
    if summary.n_cached:
        notes.append(
            f"{summary.n_cached} of {summary.n_samples} answers from the cache (not asked again): "
            "pass --no-cache to ask the model"
        )
    return notes


def _short(cause: str) -> str:
    """An error's first line, cut to a screen's width or so."""
    first = cause.strip().splitlines()[0] if cause.strip() else "(empty error)"
    return first if len(first) <= CAUSE_CHARS else first[: CAUSE_CHARS - 1] + "…"
