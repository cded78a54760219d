"""The ``harness`` command: a thin layer that parses, calls the library, and prints.

Heavy modules (torch, transformers, SDKs) are never imported here; commands import the library
lazily so ``harness --help`` and ``harness list`` stay fast.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from harness.errors import HarnessError

if TYPE_CHECKING:
    from harness.runner import RunSummary

app = typer.Typer(
    name="harness",
    help="Benchmark small fine-tuned models against API baselines: run tasks, store results, compare.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console(stderr=True)
out = Console()

EXIT_OK, EXIT_GATE_FAILED, EXIT_BAD_INPUT, EXIT_SAMPLE_ERRORS = 0, 1, 2, 3
DEFAULT_DB = "results/harness.duckdb"

DbOption = Annotated[str, typer.Option("--db", help="DuckDB results file (env HARNESS_DB).", envvar="HARNESS_DB")]


class Mode(str, Enum):
    prompt = "prompt"
    native = "native"


class ListWhat(str, Enum):
    tasks = "tasks"
    models = "models"
    runs = "runs"


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print a one-line error and exit."""
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def parse_model_args(pairs: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` strings into a dict, with a one-line error for anything else."""
    args: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            fail(f"--model-arg '{pair}': expected KEY=VALUE, e.g. --model-arg dtype=bfloat16")
        args[key.strip()] = value
    return args


@app.command()
def run(
    task: Annotated[str, typer.Option(help="Task name (see `harness list tasks`).")],
    model: Annotated[
        str, typer.Option(help="Checkpoint path, built-in name (smollm2-135m), replay:FILE, oracle, openai:NAME...")
    ],
    data: Annotated[Path | None, typer.Option(help="Your own examples instead of the built-in data.")] = None,
    split: Annotated[str | None, typer.Option(help="Comma-separated splits (default: every split but train).")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="First N examples of each split.")] = None,
    db: DbOption = DEFAULT_DB,
    label: Annotated[str | None, typer.Option(help="Display name (default: derived from --model).")] = None,
    constrained: Annotated[bool, typer.Option(help="Grammar-constrained decoding on local models.")] = False,
    mode: Annotated[Mode, typer.Option(help="prompt: tools/schema in the prompt; native: backend features.")] = Mode.prompt,
    batch_size: Annotated[int, typer.Option(min=1, help="Requests per generate call for local models.")] = 8,
    model_arg: Annotated[
        list[str] | None, typer.Option(help="Backend option KEY=VALUE (repeatable), e.g. dtype=bfloat16.")
    ] = None,
    output_json: Annotated[Path | None, typer.Option(help="Write the run summary as JSON here.")] = None,
    fresh: Annotated[bool, typer.Option(help="Start a new run instead of resuming an unfinished one.")] = False,
    seed: Annotated[int, typer.Option(help="Seed for few-shot sampling, bootstrap and decoding.")] = 0,
    shots: Annotated[int, typer.Option(min=0, help="K train examples shown as earlier chat turns.")] = 0,
    task_dir: Annotated[Path | None, typer.Option(help="Folder of extra tasks: DIR/<name>/task.py.")] = None,
) -> None:
    """Evaluate a model on a task and store every sample; re-running the same command resumes."""
    from pydantic import ValidationError

    from harness.types import RunConfig

    try:
        config = RunConfig(
            task=task,
            model=model,
            data=str(data) if data else None,
            splits=tuple(s.strip() for s in split.split(",") if s.strip()) if split else None,
            limit=limit,
            db=db,
            label=label,
            constrained=constrained,
            mode=mode.value,
            batch_size=batch_size,
            model_args=parse_model_args(model_arg or []),
            fresh=fresh,
            seed=seed,
            shots=shots,
            task_dir=str(task_dir) if task_dir else None,
        )
    except ValidationError as exc:
        fail(f"invalid option: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}")
    summary = _run_with_progress(config)
    _print_summary(summary)
    if output_json:
        output_json.parent.mkdir(parents=True, exist_ok=True)
        output_json.write_text(json.dumps(summary.to_dict(), indent=2) + "\n")
    if summary.n_errors:
        console.print(f"[yellow]{summary.n_errors} sample(s) errored[/]: re-run the same command to retry them")
        raise typer.Exit(EXIT_SAMPLE_ERRORS)


def _run_with_progress(config: Any) -> RunSummary:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from harness.runner import run_eval

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    bar = Progress(*columns, console=console)
    ids: dict[str, Any] = {}

    def progress(event: str, split: str, count: int) -> None:
        if event == "start":
            bar.start()  # only once work begins, so an early error prints nothing else
            ids[split] = bar.add_task(f"{config.task} · {split}", total=count)
        elif event == "advance":
            bar.advance(ids[split], count)

    try:
        return run_eval(config, progress)
    except KeyboardInterrupt:
        bar.stop()
        fail("interrupted: completed samples are stored; re-run the same command to resume", 130)
    finally:
        bar.stop()


def _print_summary(summary: RunSummary) -> None:
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
    out.print(
        f"run [bold]{summary.run_id}[/] {summary.status}: {summary.n_samples} samples, "
        f"{summary.n_errors} errors, {summary.wall_s:.1f}s{reused}  (* primary metric)"
    )


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
        if name == "hf":
            continue
        what = "built-in" if "-" in name else "prefix"
        table.add_row(name if what == "built-in" else f"{name}:...", what)
    table.add_row("oracle", "replays each task's own targets (a perfect score, for pipeline checks)")
    out.print(table)


def _list_runs(db: str) -> None:
    from harness.store import Store

    if not Path(db).exists():
        fail(f"{db}: no results store here: run `harness run` first or pass --db")
    table = Table("task", "label", "status", "samples", "errors", "wall s", "started")
    table.add_column("run", no_wrap=True)
    for run in Store(db, read_only=True).list_runs():
        table.add_row(
            run.task,
            run.label,
            run.status,
            str(run.n_samples or ""),
            str(run.n_errors or 0),
            f"{run.wall_s:.1f}" if run.wall_s else "",
            run.started_at.strftime("%Y-%m-%d %H:%M"),
            run.run_id,
        )
    out.print(table)


@app.command()
def export(
    run: Annotated[str, typer.Option("--run", help="Run id, or a label (its latest complete run).")],
    out_path: Annotated[Path, typer.Option("--out", help="JSONL file to write, one sample per line.")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Write every sample of a run as JSON lines."""
    from harness.export import export_samples

    count = export_samples(db, run, out_path)
    out.print(f"wrote {count} samples to {out_path}")


def main() -> None:
    """Console entry point: HarnessError becomes a one-line message and exit code 2."""
    try:
        app()
    except HarnessError as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
