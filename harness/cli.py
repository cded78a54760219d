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


def parse_model_args(pairs: list[str], option: str = "--model-arg") -> dict[str, str]:
    """``KEY=VALUE`` strings into a dict, with a one-line error for anything else."""
    args: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            example = "dtype=bfloat16" if option == "--model-arg" else "apply_chat_template=true"
            fail(f"{option} '{pair}': expected KEY=VALUE, e.g. {option} {example}")
        args[key.strip()] = value
    return args


@app.command()
def run(
    task: Annotated[str, typer.Option(help="Task name (see `harness list tasks`).")],
    model: Annotated[
        str, typer.Option(help="Checkpoint path, built-in name (smollm2-135m), replay:FILE, oracle, openai:NAME...")
    ],
    data: Annotated[Path | None, typer.Option(help="Your own examples instead of the built-in data.")] = None,
    answers: Annotated[
        Path | None, typer.Option(help="Answers to the --data questions, where kept apart (BFCL possible_answer).")
    ] = None,
    split: Annotated[str | None, typer.Option(help="Comma-separated splits (default: every split but train).")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="First N examples of each split.")] = None,
    db: DbOption = DEFAULT_DB,
    label: Annotated[str | None, typer.Option(help="Display name (default: derived from --model).")] = None,
    constrained: Annotated[bool, typer.Option(help="Grammar-constrained decoding on local models.")] = False,
    mode: Annotated[
        Mode, typer.Option(help="prompt: tools/schema in the prompt; native: backend features.")
    ] = Mode.prompt,
    batch_size: Annotated[int, typer.Option(min=1, help="Requests per generate call for local models.")] = 8,
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="API requests in flight (default 16); local models keep their own.")
    ] = None,
    cache: Annotated[
        bool, typer.Option("--cache/--no-cache", help="Reuse cached API/model responses (next to --db).")
    ] = True,
    model_arg: Annotated[
        list[str] | None, typer.Option(help="Backend option KEY=VALUE (repeatable), e.g. dtype=bfloat16.")
    ] = None,
    output_json: Annotated[Path | None, typer.Option(help="Write the run summary as JSON here.")] = None,
    fresh: Annotated[bool, typer.Option(help="Start a new run instead of resuming an unfinished one.")] = False,
    seed: Annotated[int, typer.Option(help="Seed for few-shot sampling, bootstrap and decoding.")] = 0,
    shots: Annotated[int, typer.Option(min=0, help="K train examples shown as earlier chat turns.")] = 0,
    task_dir: Annotated[
        Path | None, typer.Option(help="Folder of extra tasks: DIR/<name>/task.py (lm_eval:NAME: YAML tasks).")
    ] = None,
    lm_eval_arg: Annotated[
        list[str] | None,
        typer.Option(help="lm_eval:NAME tasks: evaluator option KEY=VALUE, e.g. apply_chat_template=true."),
    ] = None,
) -> None:
    """Evaluate a model on a task and store every sample; re-running the same command resumes.

    --task lm_eval:NAME runs an lm-evaluation-harness task (its registry, or YAML files in --task-dir)
    with lm-eval's own evaluator on the same local model, stored under split test.
    """
    from pydantic import ValidationError

    from harness.types import RunConfig

    try:
        config = RunConfig(
            task=task,
            model=model,
            data=str(data) if data else None,
            answers=str(answers) if answers else None,
            splits=tuple(s.strip() for s in split.split(",") if s.strip()) if split else None,
            limit=limit,
            db=db,
            label=label,
            constrained=constrained,
            mode=mode.value,
            batch_size=batch_size,
            concurrency=concurrency,
            cache=cache,
            model_args=parse_model_args(model_arg or []),
            fresh=fresh,
            seed=seed,
            shots=shots,
            task_dir=str(task_dir) if task_dir else None,
            lm_eval_args=parse_model_args(lm_eval_arg or [], option="--lm-eval-arg"),
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
    cost = f", ${summary.cost_usd:.4f}" if summary.cost_usd is not None else ""
    tokens = f", {summary.tokens_in} tokens in / {summary.tokens_out} out" if summary.tokens_in is not None else ""
    out.print(
        f"run [bold]{summary.run_id}[/] {summary.status}: {summary.n_samples} samples, "
        f"{summary.n_errors} errors, {summary.wall_s:.1f}s{cost}{tokens}{reused}  (* primary metric)"
    )


class Method(str, Enum):
    full = "full"
    lora = "lora"


@app.command()
def finetune(
    task: Annotated[str, typer.Option(help="Task whose train split is trained on (see `harness list tasks`).")],
    base: Annotated[str, typer.Option(help="Base checkpoint path or built-in name (smollm2-135m).")],
    out_dir: Annotated[
        Path, typer.Option("--out", help="Output directory: model, training.json, README card, checkpoint/.")
    ],
    method: Annotated[Method, typer.Option(help="full: every weight; lora: a LoRA adapter (r=8).")] = Method.full,
    epochs: Annotated[int, typer.Option(min=1, help="Passes over the train split (the schedule's length).")] = 3,
    lr: Annotated[float, typer.Option(min=0.0, help="Peak learning rate (AdamW, linear decay).")] = 5e-5,
    batch_size: Annotated[int, typer.Option(min=1, help="Examples per optimizer step.")] = 8,
    max_steps: Annotated[
        int | None, typer.Option(min=1, help="Stop after N steps (a later run with a larger N continues).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of initialisation, data order and dropout.")] = 0,
    eval_split: Annotated[
        str | None, typer.Option(help="Evaluate the saved model on this split; the card keeps the run id and metrics.")
    ] = None,
    card_url: Annotated[
        str | None,
        typer.Option(help="Where you publish the model (a model hub or repository page): the leaderboard links to it."),
    ] = None,
    data: Annotated[Path | None, typer.Option(help="Train on your own examples (their train split) instead.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="First N train examples (and of --eval-split).")] = None,
    max_length: Annotated[int, typer.Option(min=8, help="Tokens per example; longer prompts lose their start.")] = 1024,
    save_every: Annotated[int, typer.Option(min=1, help="Save the resumable checkpoint every N steps.")] = 50,
    fresh: Annotated[bool, typer.Option(help="Start over instead of resuming from OUT/checkpoint.")] = False,
    db: DbOption = DEFAULT_DB,
    task_dir: Annotated[Path | None, typer.Option(help="Folder of extra tasks: DIR/<name>/task.py.")] = None,
) -> None:
    """Fine-tune a base model on a task's train split, rendered exactly as `run` renders it; re-running resumes."""
    from pydantic import ValidationError

    from harness.finetune import FinetuneConfig

    try:
        config = FinetuneConfig(
            task=task,
            base=base,
            out=str(out_dir),
            method=method.value,
            epochs=epochs,
            lr=lr,
            batch_size=batch_size,
            max_steps=max_steps,
            seed=seed,
            eval_split=eval_split,
            card_url=card_url,
            data=str(data) if data else None,
            limit=limit,
            max_length=max_length,
            save_every=save_every,
            fresh=fresh,
            db=db,
            task_dir=str(task_dir) if task_dir else None,
        )
    except ValidationError as exc:
        fail(f"invalid option: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}")
    summary = _finetune_with_progress(config)
    loss = "n/a" if summary.final_train_loss is None else f"{summary.final_train_loss:.4f}"
    resumed = f", resumed from step {summary.resumed_from_step}" if summary.resumed_from_step else ""
    saved = f"saved {summary.kind} model ({summary.method}) to [bold]{escape(summary.out)}[/]"
    out.print(f"{saved}: {summary.steps} steps, final train loss {loss}, {summary.wall_s:.1f}s{resumed}")
    if summary.eval:
        shown = ", ".join(f"{k} {v:.4f}" for k, v in summary.eval["metrics"].items())
        out.print(f"eval on {summary.eval['split']} (run {summary.eval['run_id']}): {shown}")


def _finetune_with_progress(config: Any) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from harness.finetune import finetune as run_finetune

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    bar = Progress(*columns, console=console)
    ids: dict[str, Any] = {}

    def progress(event: str, step: int, loss: float | None) -> None:
        if event == "start":
            bar.start()
            ids["train"] = bar.add_task(f"finetune {config.task}", total=step, loss="-")
        elif event == "advance":
            if loss is None:
                bar.update(ids["train"], advance=step)
            else:
                bar.update(ids["train"], advance=step, loss=f"{loss:.4f}")
        elif event == "end":
            bar.stop()

    try:
        return run_finetune(config, progress)
    except KeyboardInterrupt:
        bar.stop()
        fail("interrupted: re-run the same command to resume from the last saved step", 130)
    finally:
        bar.stop()


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
    from harness.lmeval.export import export_tasks

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
    task_dir: Annotated[Path | None, typer.Option(help="Folder of extra tasks (to find primary metrics).")] = None,
) -> None:
    """Gate a candidate against a baseline: exit 1 on a significant regression, 2 if not comparable."""
    from pydantic import ValidationError

    from harness.gate import GateOptions, render_table, run_gate, save_gate, to_junit, to_markdown

    def listed(value: str | None) -> tuple[str, ...] | None:
        return tuple(v.strip() for v in value.split(",") if v.strip()) or None if value else None

    try:
        options = GateOptions(task=task, splits=listed(split), metrics=listed(metric), max_drop=max_drop, alpha=alpha,
                              seed=seed, task_dir=str(task_dir) if task_dir else None)  # fmt: skip
    except ValidationError as exc:
        fail(f"invalid option: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}")
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


@app.command("fake-server")
def fake_server(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 8000,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    task: Annotated[str | None, typer.Option(help="Answer with this task's targets (an oracle).")] = None,
    data: Annotated[Path | None, typer.Option(help="The task's examples from this file instead.")] = None,
    task_dir: Annotated[Path | None, typer.Option(help="Folder of extra tasks.")] = None,
    replay: Annotated[
        Path | None, typer.Option(help="Answer from a replay file: {prompt, output} lines, or {id, output} + --task.")
    ] = None,
    text: Annotated[str | None, typer.Option(help="Fixed answer (or the answer to prompts the script lacks).")] = None,
    latency_ms: Annotated[float, typer.Option(min=0, help="Latency per answer.")] = 0.0,
    jitter_ms: Annotated[float, typer.Option(min=0, help="Latency varies by ± this much.")] = 0.0,
    rate_429: Annotated[float, typer.Option(min=0, max=1, help="Share of requests answered 429.")] = 0.0,
    retry_after: Annotated[float, typer.Option(min=0, help="Retry-After seconds sent with a 429.")] = 1.0,
    rate_500: Annotated[float, typer.Option(min=0, max=1, help="Share of requests answered 500.")] = 0.0,
    rate_timeout: Annotated[float, typer.Option(min=0, max=1, help="Share of requests never answered.")] = 0.0,
    rate_malformed: Annotated[float, typer.Option(min=0, max=1, help="Share of tool calls with broken JSON.")] = 0.0,
    seed: Annotated[int, typer.Option(help="Seed of the fault draws.")] = 0,
) -> None:
    """Serve a fake OpenAI (/v1/chat/completions) and Anthropic (/v1/messages) API for dry runs without keys."""
    from harness.fake_server import FakeServer, Faults, main_loop, script_from_options

    script = script_from_options(
        text, task, str(replay) if replay else None, str(data) if data else None, str(task_dir) if task_dir else None
    )
    faults = Faults(
        latency_ms=latency_ms,
        jitter_ms=jitter_ms,
        rate_429=rate_429,
        retry_after_s=retry_after,
        rate_500=rate_500,
        rate_timeout=rate_timeout,
        rate_malformed=rate_malformed,
        seed=seed,
    )

    def announce(server: FakeServer) -> None:
        console.print(
            f"fake API on {server.url}: --model openai:NAME --model-arg base_url={server.openai_url} "
            f"| --model anthropic:NAME --model-arg base_url={server.anthropic_url} (any key; Ctrl-C stops)",
            highlight=False,
            soft_wrap=True,
        )

    try:
        main_loop(FakeServer(script, faults, host=host, port=port), announce)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port} ({exc.strerror or exc}): choose another --port")


@app.command()
def leaderboard(
    db: DbOption = DEFAULT_DB,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve the web page on.")] = 8501,
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0 shares it on the network).")] = "127.0.0.1",
) -> None:
    """Serve the leaderboard web page (Streamlit) on the results store, read-only; Ctrl-C stops."""
    from harness.leaderboard.serve import serve

    serve(db, port=port, host=host)  # Streamlit prints the URL


def main() -> None:
    """Console entry point: HarnessError becomes a one-line message and exit code 2."""
    try:
        app()
    except HarnessError as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
