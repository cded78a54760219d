"""``harness run`` and ``harness finetune``: the commands that evaluate and train."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from harness.cli.app import (
    DEFAULT_DB,
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_SAMPLE_ERRORS,
    DbOption,
    Mode,
    app,
    ci_column,
    col,
    console,
    fail,
    out,
    parse_model_args,
    print_rows,
    progress_bar,
    validated,
)
from harness.cli.summary import print_summary

if TYPE_CHECKING:
    from harness.finetune import FinetuneConfig
    from harness.lifecycle import RunSummary
    from harness.suite import RunOutcome, SuiteResult
    from harness.types import RunConfig


@app.command()
def run(
    ctx: typer.Context,
    task: Annotated[
        list[str] | None,
        typer.Option(
            help="Task name (see `harness list tasks`); several: a,b or repeat --task (each model runs each)."
        ),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(
            help="Checkpoint path, built-in (smollm2-135m), replay:FILE, oracle, openai:NAME...; repeat for several."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Suite file (YAML or JSON): tasks, models with their args, run options; options given here win.",
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="Your own examples instead of the built-in data (function_calling: also bfcl:CATEGORY)."),
    ] = None,
    answers: Annotated[
        Path | None, typer.Option(help="Answers to the --data questions, where kept apart (BFCL possible_answer).")
    ] = None,
    split: Annotated[str | None, typer.Option(help="Comma-separated splits (default: every split but train).")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="First N examples of each split.")] = None,
    db: DbOption = DEFAULT_DB,
    label: Annotated[
        str | None, typer.Option(help="Display name (default: the model's name and what changes its answers).")
    ] = None,
    constrained: Annotated[bool, typer.Option(help="Grammar-constrained decoding on local models.")] = False,
    mode: Annotated[
        Mode, typer.Option(help="prompt: tools/schema in the prompt; native: backend features.")
    ] = Mode.prompt,
    batch_size: Annotated[int, typer.Option(min=1, help="Requests per generate call for local models.")] = 8,
    threads: Annotated[
        int | None,
        typer.Option(min=1, help="torch threads for local models (default: torch's, one per physical core)."),
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="API requests in flight (default 16); local models keep their own.")
    ] = None,
    cache: Annotated[
        bool, typer.Option("--cache/--no-cache", help="Reuse cached API/model responses (next to --db).")
    ] = True,
    model_arg: Annotated[
        list[str] | None, typer.Option(help="Backend option KEY=VALUE (repeatable), e.g. dtype=bfloat16.")
    ] = None,
    output_json: Annotated[
        Path | None, typer.Option(help="Write the run summary as JSON here (a list of them for several runs).")
    ] = None,
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
    samples: Annotated[
        int, typer.Option(min=1, help="Attempts per example, each stored and scored (vote/verify/pass@k curves).")
    ] = 1,
    temperature: Annotated[
        float | None, typer.Option(min=0, help="Sampling temperature (default: 0; 0.7 when --samples > 1).")
    ] = None,
    top_p: Annotated[float | None, typer.Option(min=0, max=1, help="Nucleus sampling: keep this much mass.")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Local models: evaluate on N Ray workers, one model each.")
    ] = None,
    ray_address: Annotated[
        str | None, typer.Option(help="Join this Ray cluster (ray start --head) instead of starting a local one.")
    ] = None,
    gpus_per_worker: Annotated[float | None, typer.Option(help="GPUs each Ray worker holds.")] = None,
    batch: Annotated[
        bool, typer.Option("--batch", help="API models: send requests as provider batches, at the batch price.")
    ] = False,
    batch_wait: Annotated[
        float | None,
        typer.Option(min=0, help="--batch: seconds to wait for results before exiting 3 (re-run to collect)."),
    ] = None,
) -> None:
    """Evaluate models on tasks and store every sample; re-running the same command resumes.

    Several tasks (--task a,b) and models (--model x --model y), or a suite file (--config), run each
    task on each model, one run per pair, and end with one table. --task lm_eval:NAME runs an
    lm-evaluation-harness task (its registry, or YAML files in --task-dir) with lm-eval's own
    evaluator on the same local model, stored under split test.
    """
    from harness.suite import load_suite, make_suite, run_suite

    options, defaults = _suite_options(ctx)
    if config is None and not (task and model):
        fail("run: pass --task and --model (each may name several), or --config SUITE.yaml")
    suite = load_suite(config, options, defaults) if config else make_suite(defaults, options)
    result = run_suite(suite, _run_with_progress)
    if len(result.outcomes) == 1:
        _report_run(result.outcomes[0], output_json)
    else:
        _report_suite(result, output_json)


# `harness run` options → Suite fields (options not named here keep their name; None: not a suite field).
_SUITE_FIELD = {"task": "tasks", "model": "models", "split": "splits", "model_arg": "model_args",
                "lm_eval_arg": "lm_eval_args", "config": None, "output_json": None}  # fmt: skip


def _suite_options(ctx: typer.Context) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the command line gave (it overrides a suite file) and what came from the environment (it does not)."""
    given: dict[str, Any] = {}
    from_env: dict[str, Any] = {}
    for name, value in ctx.params.items():
        field = _SUITE_FIELD.get(name, name)
        source = getattr(ctx.get_parameter_source(name), "name", "")
        if field is None or source not in ("COMMANDLINE", "ENVIRONMENT"):
            continue
        (given if source == "COMMANDLINE" else from_env)[field] = _suite_value(name, value)
    return given, from_env


def _suite_value(name: str, value: Any) -> Any:
    if name == "task":
        return [part.strip() for item in value for part in item.split(",") if part.strip()]
    if name == "split":
        return tuple(s.strip() for s in value.split(",") if s.strip())
    if name in ("model_arg", "lm_eval_arg"):
        return parse_model_args(value, option="--" + name.replace("_", "-"))
    if isinstance(value, Enum):
        return value.value
    return str(value) if isinstance(value, Path) else value


def _report_run(outcome: RunOutcome, output_json: Path | None) -> None:
    """One run: its metrics tables and facts, as always; its bad input is the command's one-line error."""
    if outcome.error is not None:
        raise outcome.error
    summary = outcome.summary
    assert summary is not None
    print_summary(summary)
    _write_json(output_json, summary.to_dict())
    if summary.n_errors:
        console.print(f"[yellow]{summary.n_errors} sample(s) errored[/]: re-run the same command to retry them")
        raise typer.Exit(EXIT_SAMPLE_ERRORS)


SUITE_COLUMNS = (
    col("task"),
    col("label", "model label"),
    col("split"),
    col("metric", "primary metric"),
    col("value", fmt="{:.4f}", right=True),
    ci_column(),
    col("n", right=True),
    col("n_errors", "errors", right=True),
    col("status"),
    col("run_id", "run"),
)


def _report_suite(result: SuiteResult, output_json: Path | None) -> None:
    """Several runs: each failed pair's error, then one table; exit 2 if a pair failed, else 3 if samples errored."""
    for outcome in result.failed:
        where = f"{outcome.config.task} · {outcome.label}"
        console.print(f"[bold red]error:[/] {escape(where)}: {escape(str(outcome.error))}", soft_wrap=True)
    print_rows(SUITE_COLUMNS, result.rows())
    _write_json(output_json, result.to_dicts())
    if result.runs_with_errors:
        count = len(result.runs_with_errors)
        console.print(f"[yellow]{count} run(s) had errored samples[/]: re-run the same command to retry them")
    code = EXIT_BAD_INPUT if result.failed else EXIT_SAMPLE_ERRORS if result.runs_with_errors else EXIT_OK
    raise typer.Exit(code)


def _write_json(path: Path | None, document: Any) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2) + "\n")


def _run_with_progress(config: RunConfig) -> RunSummary:
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

    from harness.registry import default_label
    from harness.runner import run_eval

    label = config.label or default_label(config)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    resume = "interrupted: completed samples are stored; re-run the same command to resume"
    with progress_bar(columns, resume) as bar:
        ids: dict[str, Any] = {}

        def progress(event: str, split: str, count: int) -> None:
            if event == "start":
                bar.start()  # only once work begins, so an early error prints nothing else
                ids[split] = bar.add_task(f"{config.task} · {label} · {split}", total=count)
            elif event == "advance":
                bar.advance(ids[split], count)

        return run_eval(config, progress)


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
    threads: Annotated[
        int | None, typer.Option(min=1, help="torch threads (default: torch's, one per physical core).")
    ] = None,
    fresh: Annotated[bool, typer.Option(help="Start over instead of resuming from OUT/checkpoint.")] = False,
    db: DbOption = DEFAULT_DB,
    task_dir: Annotated[Path | None, typer.Option(help="Folder of extra tasks: DIR/<name>/task.py.")] = None,
) -> None:
    """Fine-tune a base model on a task's train split, rendered exactly as `run` renders it; re-running resumes."""
    from harness.finetune import FinetuneConfig

    config = validated(
        FinetuneConfig,
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
        threads=threads,
        fresh=fresh,
        db=db,
        task_dir=str(task_dir) if task_dir else None,
    )
    summary = _finetune_with_progress(config)
    loss = "n/a" if summary.final_train_loss is None else f"{summary.final_train_loss:.4f}"
    resumed = f", resumed from step {summary.resumed_from_step}" if summary.resumed_from_step else ""
    saved = f"saved {summary.kind} model ({summary.method}) to [bold]{escape(summary.out)}[/]"
    out.print(f"{saved}: {summary.steps} steps, final train loss {loss}, {summary.wall_s:.1f}s{resumed}")
    if summary.eval:
        shown = ", ".join(f"{k} {v:.4f}" for k, v in summary.eval["metrics"].items())
        out.print(f"eval on {summary.eval['split']} (run {summary.eval['run_id']}): {shown}")


def _finetune_with_progress(config: FinetuneConfig) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from harness.finetune import finetune as run_finetune

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with progress_bar(columns, "interrupted: re-run the same command to resume from the last saved step") as bar:
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

        return run_finetune(config, progress)
