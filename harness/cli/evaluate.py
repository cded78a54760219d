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
    EXIT_SAMPLE_ERRORS,
    DbOption,
    Mode,
    app,
    console,
    out,
    parse_model_args,
    progress_bar,
    validated,
)
from harness.cli.summary import print_summary

if TYPE_CHECKING:
    from harness.finetune import FinetuneConfig
    from harness.lifecycle import RunSummary
    from harness.types import RunConfig


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
    from harness.types import RunConfig

    config = validated(
        RunConfig,
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
    summary = _run_with_progress(config)
    print_summary(summary)
    if output_json:
        output_json.parent.mkdir(parents=True, exist_ok=True)
        output_json.write_text(json.dumps(summary.to_dict(), indent=2) + "\n")
    if summary.n_errors:
        console.print(f"[yellow]{summary.n_errors} sample(s) errored[/]: re-run the same command to retry them")
        raise typer.Exit(EXIT_SAMPLE_ERRORS)


def _run_with_progress(config: RunConfig) -> RunSummary:
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

    from harness.runner import run_eval

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    resume = "interrupted: completed samples are stored; re-run the same command to resume"
    with progress_bar(columns, resume) as bar:
        ids: dict[str, Any] = {}

        def progress(event: str, split: str, count: int) -> None:
            if event == "start":
                bar.start()  # only once work begins, so an early error prints nothing else
                ids[split] = bar.add_task(f"{config.task} · {split}", total=count)
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
