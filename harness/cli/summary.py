"""What ``harness run`` prints when a run ends: its metrics per split and what the run did."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from harness.cli.app import out

if TYPE_CHECKING:
    from harness.lifecycle import RunSummary


def print_summary(summary: RunSummary) -> None:
    """The run's metrics per split (the primary one starred) and one line of facts."""
    for split, metrics in summary.metrics.items():
        table = Table(title=f"{summary.task} · {split} · {summary.label}", title_justify="left")
        table.add_column("metric")
        table.add_column("value", justify="right")
        table.add_column("95% CI", justify="right")
        table.add_column("n", justify="right")
        for name, m in metrics.items():
            ci = "" if m.ci_low is None else f"[{m.ci_low:.3f}, {m.ci_high:.3f}]"
            star = " *" if name == summary.primary.get(split) else ""
            table.add_row(f"{name}{star}", f"{m.value:.4f}", ci, str(m.n))
        out.print(table)
    reused = f", {summary.reused} reused from an earlier attempt" if summary.reused else ""
    cost = f", ${summary.cost_usd:.4f}" if summary.cost_usd is not None else ""
    tokens = f", {summary.tokens_in} tokens in / {summary.tokens_out} out" if summary.tokens_in is not None else ""
    out.print(
        f"run [bold]{summary.run_id}[/] {summary.status}: {summary.n_samples} samples, "
        f"{summary.n_errors} errors, {summary.wall_s:.1f}s{cost}{tokens}{reused}  (* primary metric)"
    )
