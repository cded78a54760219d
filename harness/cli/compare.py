"""``harness compare A B``: the product's question in one command: is A better than B, and at what cost?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from harness.cli.app import DEFAULT_DB, DbOption, app, col, fail, out, print_rows, validated
from harness.errors import HarnessError


@app.command("compare")
def compare(
    a: Annotated[str, typer.Argument(metavar="A", help="Run id or label (its latest complete run of each task).")],
    b: Annotated[str, typer.Argument(metavar="B", help="Run id or label to compare A with.")],
    task: Annotated[str | None, typer.Option(help="Only this task (a label then means its latest run of it).")] = None,
    split: Annotated[str | None, typer.Option(help="Comma-separated splits (default: every split both share).")] = None,
    markdown: Annotated[Path | None, typer.Option(help="Write the comparison as Markdown here.")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write every number as JSON here.")] = None,
    selector: Annotated[
        str,
        typer.Option(
            help="Where a run has several attempts per example: compare SELECTOR@k (vote, verify, pass, pass^)."
        ),
    ] = "vote",
    db: DbOption = DEFAULT_DB,
) -> None:
    """Compare A with B per task and split: paired difference, cost, latency, tokens; exit 2 if not comparable."""
    from harness.compare import compare as compare_runs
    from harness.compare import k_table_rows, table_rows, to_json, to_markdown
    from harness.gate import GateOptions

    splits = tuple(s.strip() for s in split.split(",") if s.strip()) if split else None
    options = validated(GateOptions, task=task, splits=splits or None)
    try:
        report = compare_runs(a, b, db, task=options.task, splits=options.splits, selector=selector)
    except HarnessError as exc:  # not comparable, unknown run: one line, exit 2
        fail(str(exc), exc.exit_code)
    rows = table_rows(report)
    print_rows([col(key) for key in rows[0]] if rows else [], rows)
    k_rows = k_table_rows(report)
    if k_rows:  # a run with several attempts per example: the same at each k, compared by CI overlap
        print_rows([col(key) for key in k_rows[0]], k_rows)
    for note in report.notes:
        out.print(f"note: {escape(note)}", soft_wrap=True)
    for line in [*report.verdicts().values(), *report.k_verdicts().values()]:
        out.print(escape(line), soft_wrap=True, highlight=False)
    for path, text in ((markdown, to_markdown(report)), (json_path, to_json(report))):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
