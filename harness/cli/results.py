"""``harness list``, ``export``, ``export-task`` and ``gate``: the commands that read the store and the registry."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from harness.cli.app import (
    DEFAULT_DB,
    Column,
    DbOption,
    Format,
    app,
    ci_column,
    col,
    fail,
    out,
    print_rows,
    validated,
)

if TYPE_CHECKING:
    from harness.store import Store


class ListWhat(str, Enum):
    tasks = "tasks"
    models = "models"
    runs = "runs"


@app.command("list")
def list_(
    what: Annotated[ListWhat, typer.Argument(help="tasks, models or runs.")],
    db: DbOption = DEFAULT_DB,
    task_dir: Annotated[Path | None, typer.Option(help="Folder of extra tasks.")] = None,
    fmt: Annotated[
        Format,
        typer.Option("--format", help="table (plain, uncut lines when not a terminal), json or csv (every field)."),
    ] = Format.table,
) -> None:
    """List tasks, model specs, or the runs in the store (one row per run and split, with its primary metric)."""
    if what is ListWhat.tasks:
        print_rows(TASK_COLUMNS, _task_rows(str(task_dir) if task_dir else None), fmt)
    elif what is ListWhat.models:
        print_rows(MODEL_COLUMNS, _model_rows(), fmt)
    else:
        print_rows(RUN_COLUMNS, _run_rows(db), fmt)


TASK_COLUMNS = (col("task"), col("version"), col("splits"), col("primary_metric", "primary metric"), col("description"))
MODEL_COLUMNS = (col("spec"), col("what"))


def _task_rows(task_dir: str | None) -> list[dict[str, Any]]:
    from harness.registry import get_task, task_names

    rows = []
    for name in task_names(task_dir):
        task = get_task(name, task_dir)
        rows.append({"task": name, "version": task.version, "splits": ",".join(task.splits),
                     "primary_metric": task.primary_metric, "description": task.description})  # fmt: skip
    return rows


def _model_rows() -> list[dict[str, Any]]:
    from harness.registry import model_factories

    rows = [{"spec": "PATH", "what": "a local transformers checkpoint (causal or seq2seq)"}]
    for name in sorted(model_factories()):
        if name in ("hf", "oracle"):  # the PATH row and the oracle's own row
            continue
        what = "built-in" if "-" in name else "prefix"
        rows.append({"spec": name if what == "built-in" else f"{name}:...", "what": what})
    rows.append({"spec": "oracle", "what": "replays each task's own targets (a perfect score, for pipeline checks)"})
    return rows


RUN_COLUMNS = (
    col("task"),
    col("label"),
    col("mode"),
    Column("constrained", lambda row: "yes" if row["constrained"] else ""),
    col("shots", right=True),
    col("status"),
    col("split"),
    Column("primary metric", lambda row: _metric_name(row["metric"], row["is_primary"])),
    col("value", fmt="{:.4f}", right=True),
    ci_column(),
    col("n", right=True),
    col("n_errors", "errors", right=True),
    col("wall_s", "wall s", fmt="{:.1f}", right=True),
    col("cost_paid_usd", "paid $", fmt="{:.4f}", right=True),
    Column("started", lambda row: row["started_at"][:16].replace("T", " ")),
    col("run_id", "run"),
)


def _metric_name(metric: str | None, is_primary: bool | None) -> str:
    """A split's primary metric; one stored without it shows its first metric by name, and says so."""
    if metric is None:
        return ""
    return metric if is_primary else f"{metric} (first by name)"


def _run_rows(db: str) -> list[dict[str, Any]]:
    """The latest runs, one row per run and split with the split's primary metric (one row while running)."""
    from harness.store import Store

    if not Path(db).exists():
        fail(f"{db}: no results store here: run `harness run` first or pass --db")
    store = Store(db, read_only=True)
    runs = store.list_runs()
    metrics = _primary_metrics(store, [run.run_id for run in runs])
    rows = []
    for run in runs:
        facts = {
            "run_id": run.run_id,
            "task": run.task,
            "label": run.label,
            "model": run.model_spec,
            "mode": run.config.get("mode", "prompt"),
            "constrained": bool(run.config.get("constrained")),
            "shots": run.config.get("shots", 0),
            "status": run.status,
        }
        after = {"n_samples": run.n_samples, "n_errors": run.n_errors or 0, "wall_s": _rounded(run.wall_s),
                 "cost_usd": run.cost_usd, "cost_paid_usd": run.cost_paid_usd,
                 "started_at": run.started_at.isoformat(timespec="seconds")}  # fmt: skip
        for split_metric in metrics.get(run.run_id) or [dict.fromkeys(_METRIC_FIELDS)]:
            rows.append(facts | split_metric | after)
    return rows


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)


_METRIC_FIELDS = ("split", "metric", "is_primary", "value", "ci_low", "ci_high", "n")


def _primary_metrics(store: Store, run_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each run's primary metric per split (``test`` first); a split stored without one: its first metric by name."""
    from harness.store import primary_sql

    with store.connect() as con:
        rows = con.execute(
            f"""SELECT m.run_id, m.split, m.metric, p.metric IS NOT NULL, m.value, m.ci_low, m.ci_high, m.n
                FROM metrics m LEFT JOIN ({primary_sql(con)}) p
                    ON p.run_id = m.run_id AND p.split = m.split AND p.metric = m.metric
                WHERE list_contains(?, m.run_id)
                ORDER BY m.run_id, m.split <> 'test', m.split, p.metric IS NULL, m.metric""",
            [run_ids],
        ).fetchall()
    by_run: dict[str, list[dict[str, Any]]] = {}
    for run_id, *values in rows:
        splits = by_run.setdefault(run_id, [])
        if not splits or splits[-1]["split"] != values[0]:
            splits.append(dict(zip(_METRIC_FIELDS, values, strict=True)))
    return by_run


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
    require_power: Annotated[
        bool,
        typer.Option(
            help="Fail (exit 2) where a slice cannot detect a drop of --max-drop at --alpha, instead of warning."
        ),
    ] = False,
) -> None:
    """Gate a candidate against a baseline: exit 1 on a significant regression, 2 if not comparable."""
    from harness.gate import GateOptions, render_table, run_gate, save_gate, to_junit, to_markdown

    def listed(value: str | None) -> tuple[str, ...] | None:
        return tuple(v.strip() for v in value.split(",") if v.strip()) or None if value else None

    options = validated(GateOptions, task=task, splits=listed(split), metrics=listed(metric), max_drop=max_drop,
                        alpha=alpha, seed=seed, require_power=require_power)  # fmt: skip
    report = run_gate(baseline, candidate, db, options)
    out.print(render_table(report))
    for note in report.notes:
        out.print(f"note: {escape(note)}")
    for warning in report.warnings:
        out.print(f"warning: {escape(warning)}")
    for path, text in ((junit, to_junit(report)), (markdown, to_markdown(report))):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if store:
        save_gate(report, db)
    out.print(escape(report.summary()))
    raise typer.Exit(report.exit_code)
