"""``harness list``, ``export``, ``export-task`` and ``gate``: the commands that read the store and the registry."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from harness.cli.app import DEFAULT_DB, DbOption, app, fail, out, validated


class ListWhat(str, Enum):
    tasks = "tasks"
    models = "models"
    runs = "runs"


@app.command("list")
def list_(
    what: Annotated[ListWhat, typer.Argument(help="tasks, models or runs.")],
    db: DbOption = DEFAULT_DB,
    task_dir: Annotated[Path | None, typer.Option(help="Folder of extra tasks.")] = None,
) -> None:
    """List tasks, model specs, or the runs in the store."""
    if what is ListWhat.tasks:
        _list_tasks(str(task_dir) if task_dir else None)
    elif what is ListWhat.models:
        _list_models()
    else:
        _list_runs(db)


def _list_tasks(task_dir: str | None) -> None:
    from harness.registry import get_task, task_names

    table = Table("task", "version", "splits", "primary metric", "description")
    for name in task_names(task_dir):
        task = get_task(name, task_dir)
        table.add_row(name, task.version, ",".join(task.splits), task.primary_metric, task.description)
    out.print(table)


def _list_models() -> None:
    from harness.registry import model_factories

    table = Table("spec", "what")
    table.add_row("PATH", "a local transformers checkpoint (causal or seq2seq)")
    for name in sorted(model_factories()):
        if name in ("hf", "oracle"):  # the PATH row and the oracle's own row
            continue
        what = "built-in" if "-" in name else "prefix"
        table.add_row(name if what == "built-in" else f"{name}:...", what)
    table.add_row("oracle", "replays each task's own targets (a perfect score, for pipeline checks)")
    out.print(table)


def _list_runs(db: str) -> None:
    from harness.store import Store

    if not Path(db).exists():
        fail(f"{db}: no results store here: run `harness run` first or pass --db")
    table = Table("task", "label", "status", "samples", "errors", "wall s", "cost $", "started")
    table.add_column("run", no_wrap=True)
    for run in Store(db, read_only=True).list_runs():
        table.add_row(
            run.task,
            run.label,
            run.status,
            str(run.n_samples or ""),
            str(run.n_errors or 0),
            f"{run.wall_s:.1f}" if run.wall_s else "",
            f"{run.cost_usd:.4f}" if run.cost_usd is not None else "",
            run.started_at.strftime("%Y-%m-%d %H:%M"),
            run.run_id,
        )
    out.print(table)


@app.command()
def export(
    run: Annotated[str, typer.Option("--run", help="Run id, or a label (its latest complete run).")],
    out_path: Annotated[Path | None, typer.Option("--out", help="JSONL file to write, one sample per line.")] = None,
    baseline: Annotated[
        Path | None, typer.Option(help="Write a compact baseline file for `harness gate` instead (commit it).")
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Write every sample of a run as JSON lines, or a compact baseline file with --baseline."""
    from harness.export import export_samples, write_baseline

    if (out_path is None) == (baseline is None):
        fail("export: pass exactly one of --out FILE (every sample) or --baseline FILE (scores, for harness gate)")
    if baseline is not None:
        count = write_baseline(db, run, baseline)
        out.print(f"wrote a baseline of {count} samples to {baseline}")
    elif out_path is not None:
        count = export_samples(db, run, out_path)
        out.print(f"wrote {count} samples to {out_path}")


@app.command("export-task")
def export_task(
    task: Annotated[str, typer.Option(help="Task name, several separated by commas, or all.")],
    fmt: Annotated[str, typer.Option("--format", help="lm-eval: lm-evaluation-harness task YAMLs with JSONL docs.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write: new or empty (see --force).")],
    force: Annotated[bool, typer.Option(help="Write into a non-empty --out, replacing same-named files.")] = False,
    task_dir: Annotated[Path | None, typer.Option(help="Folder of extra tasks: DIR/<name>/task.py.")] = None,
) -> None:
    """Export tasks in another harness's format (lm-eval), with the prompts `run` sends a local chat model."""
    from harness.interop.lmeval.export import export_tasks

    summary = export_tasks(task, fmt, out_dir, force=force, task_dir=str(task_dir) if task_dir else None)
    for split in summary.splits:
        metrics = ", ".join(split.metrics) or "no metrics"
        out.print(escape(f"{split.lm_eval_task}: {split.task} {split.split}, {split.n_docs} docs; {metrics}"))
    for name, metric, splits, why in summary.left_out():
        out.print(escape(f"left out: {name} {metric} ({', '.join(splits)}): {why}"), soft_wrap=True)
    out.print(escape(f"wrote {len(summary.files)} files to {out_dir} (see its README.md); run:"))
    out.print(escape(summary.command()), soft_wrap=True, highlight=False)


@app.command()
def gate(
    baseline: Annotated[str, typer.Option(help="Run id, label (its latest complete run) or baseline file.")],
    candidate: Annotated[str, typer.Option(help="Run id, label (its latest complete run) or baseline file.")],
    task: Annotated[str | None, typer.Option(help="Only this task (a label then means its latest run of it).")] = None,
    split: Annotated[str | None, typer.Option(help="Comma-separated splits (default: every split both share).")] = None,
    metric: Annotated[str | None, typer.Option(help="Comma-separated metrics (default: each split's primary).")] = None,
    max_drop: Annotated[float, typer.Option(min=0.0, help="Largest drop tolerated, absolute (0.01 = 1 point).")] = 0.01,
    alpha: Annotated[float, typer.Option(min=0.0, max=1.0, help="Significance level of the paired tests.")] = 0.05,
    junit: Annotated[Path | None, typer.Option(help="Write JUnit XML here (one test case per comparison).")] = None,
    markdown: Annotated[Path | None, typer.Option(help="Write the Markdown report (a PR comment) here.")] = None,
    db: DbOption = DEFAULT_DB,
    store: Annotated[bool, typer.Option(help="Store the result in --db for the leaderboard's history.")] = True,
    seed: Annotated[int, typer.Option(help="Seed of the paired bootstrap.")] = 0,
) -> None:
    """Gate a candidate against a baseline: exit 1 on a significant regression, 2 if not comparable."""
    from harness.gate import GateOptions, render_table, run_gate, save_gate, to_junit, to_markdown

    def listed(value: str | None) -> tuple[str, ...] | None:
        return tuple(v.strip() for v in value.split(",") if v.strip()) or None if value else None

    options = validated(GateOptions, task=task, splits=listed(split), metrics=listed(metric), max_drop=max_drop,
                        alpha=alpha, seed=seed)  # fmt: skip
    report = run_gate(baseline, candidate, db, options)
    out.print(render_table(report))
    for note in report.notes:
        out.print(f"note: {escape(note)}")
    for path, text in ((junit, to_junit(report)), (markdown, to_markdown(report))):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if store:
        save_gate(report, db)
    out.print(escape(report.summary()))
    raise typer.Exit(report.exit_code)
