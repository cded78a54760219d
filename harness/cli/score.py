"""``harness score RUN``: score a stored run's outputs again with the current task code, into a new run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from harness.cli.app import DEFAULT_DB, DbOption, app, console, fail, out
from harness.cli.summary import print_summary
from harness.errors import HarnessError


@app.command("score")
def score(
    run: Annotated[str, typer.Argument(help="Run id, or a label (its latest complete run).")],
    task_dir: Annotated[
        Path | None,
        typer.Option(help="Folder with <task>/task.py for a task outside the package (default: the run's own)."),
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Re-score a complete run's stored outputs with the current task code into a new run; no model is called."""
    from harness.rescore import rescore

    try:
        summary = rescore(run, db, task_dir=str(task_dir) if task_dir else None)
    except HarnessError as exc:  # incomplete run, task gone, data changed: one line, exit 2
        fail(str(exc), exc.exit_code)
    print_summary(summary)
    out.print(
        f"re-scored run {escape(summary.rescored_from)} with {escape(summary.task)} v{escape(summary.task_version)}: "
        f"new run [bold]{escape(summary.run_id)}[/] (outputs, latency, tokens and cost are the original run's)",
        soft_wrap=True,
        highlight=False,
    )
    if summary.n_errors:
        console.print(
            f"[yellow]{summary.n_errors} sample(s) errored in the original run[/] and stay errored: "
            "`harness run` with the run's options retries them"
        )
