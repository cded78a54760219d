"""The saved model and its card: ``save_pretrained`` (or the LoRA adapter), ``training.json``, the README card,
and the optional evaluation whose run id and metrics the card keeps.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

from harness import __version__
from harness.errors import BadInput
from harness.finetune.config import FinetuneConfig
from harness.finetune.encode import LORA, Base, Encoded
from harness.finetune.loop import TrainState
from harness.models.hf import TRAINING_CARD
from harness.registry import model_factories
from harness.task import RenderOptions, Task
from harness.types import Example, RunConfig

LOSS_WINDOW = 20  # first/final_train_loss: means over the first and last this-many steps (fewer in short runs)
WEB_SCHEMES = ("https://", "http://")


def check_card_url(url: str | None) -> None:
    """Refuse a ``--card-url`` that is not an http(s) address (the leaderboard links only to those)."""
    if url is not None and not (url.lower().startswith(WEB_SCHEMES) and len(url) > len("https://")):
        raise BadInput(f"--card-url {url}: not an http(s) URL: give the page where the model is published")


def save_final(config: FinetuneConfig, base: Base, out: Path) -> None:
    """The model (or adapter) and tokenizer with ``save_pretrained``; earlier outputs are replaced."""
    out.mkdir(parents=True, exist_ok=True)
    for item in out.iterdir():
        if item.is_file() and item.name != TRAINING_CARD:
            item.unlink()
    if config.method == "lora":
        # Where harness run finds the base: a built-in name, or the path relative to the adapter.
        stored = config.base if config.base in model_factories() else os.path.relpath(config.base, out)
        base.model.peft_config["default"].base_model_name_or_path = stored
        with warnings.catch_warnings():  # peft looks for the base's config to check the vocabulary: not needed
            warnings.simplefilter("ignore")
            base.model.save_pretrained(out, save_embedding_layers=False)
    else:
        base.model.save_pretrained(out)
    base.tokenizer.save_pretrained(out)


def portable(path: str | None) -> str | None:
    """A path as the card stores it: relative as given, or relative to the working directory, else its name."""
    if not path or not Path(path).is_absolute():
        return path
    resolved = Path(path)
    return str(resolved.relative_to(Path.cwd())) if resolved.is_relative_to(Path.cwd()) else resolved.name


def training_card(
    config: FinetuneConfig, task: Task, base: Base, examples: list[Example], encoded: list[Encoded], state: TrainState
) -> dict[str, Any]:
    """The ``training.json`` document: no machine paths."""
    import torch

    from harness.runner import data_hash

    size = max(1, min(LOSS_WINDOW, len(state.losses) // 4))  # short runs: first and last windows stay apart
    window, first = state.losses[-size:], state.losses[:size]
    hyper = config.model_dump(include={"epochs", "lr", "batch_size", "max_steps", "seed", "max_length", "limit"})
    card: dict[str, Any] = {
        "task": task.name,
        "task_version": task.version,
        "data_hash": data_hash({"train": examples}),
        "data": portable(config.data),
        "task_dir": portable(config.task_dir),
        "n_train": len(examples),
        "n_truncated": sum(e.truncated for e in encoded),
        "base": portable(config.base),
        "base_fingerprint": base.fingerprint,
        "kind": base.kind,
        "method": config.method,
        "hyperparameters": {**hyper, "optimizer": "AdamW", "schedule": "linear", "grad_clip": 1.0},
        "steps": state.step,
        "wall_s": round(state.wall_s, 3),
        "threads": torch.get_num_threads(),  # --threads, else torch's default
        "first_train_loss": sum(first) / len(first) if first else None,
        "final_train_loss": sum(window) / len(window) if window else None,
        "harness_version": __version__,
    }
    if config.card_url:
        card["url"] = config.card_url
    if config.method == "lora":
        card["hyperparameters"]["lora"] = LORA
    if base.kind == "classifier":
        card["labels"] = base.labels
        card["multi_label"] = base.multi_label
    return card


def write_card(out: Path, card: dict[str, Any]) -> None:
    """``training.json`` and the short README card."""
    (out / TRAINING_CARD).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [
        f"# {card['task']} · fine-tuned from {card['base']}",
        "",
        f"Trained with `harness finetune` ({card['method']}, {card['kind']}) on {card['n_train']} train examples "
        f"of task `{card['task']}` {card['task_version']} (data hash `{card['data_hash']}`).",
        "",
        f"- steps: {card['steps']}, wall time {card['wall_s']:.1f} s",
        f"- train loss: {fmt(card['first_train_loss'])} (first steps) → {fmt(card['final_train_loss'])} (last steps)",
        f"- hyperparameters: {json.dumps(card['hyperparameters'])}",
    ]
    if card.get("eval"):
        ev = card["eval"]
        shown = ", ".join(f"{k} {v:.4f}" for k, v in ev["metrics"].items())
        lines.append(f"- evaluation on `{ev['split']}` (run `{ev['run_id']}`): {shown}")
    if card.get("url"):
        lines.append(f"- published at <{card['url']}>")
    lines += ["", f"Evaluate: `harness run --task {card['task']} --model <this directory>`", ""]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


def fmt(value: float | None) -> str:
    """A loss for the card."""
    return "n/a" if value is None else f"{value:.4f}"


def eval_config(config: FinetuneConfig, out: Path) -> RunConfig:
    """The ``harness run`` of ``--eval-split`` on the saved model."""
    return RunConfig(
        task=config.task,
        model=str(out),
        data=config.data,
        splits=(str(config.eval_split),),
        limit=config.limit,
        db=config.db,
        batch_size=config.batch_size,
        threads=config.threads,
        seed=config.seed,
        task_dir=config.task_dir,
    )


def eval_examples(task: Task, config: FinetuneConfig) -> list[Example]:
    """The examples ``--eval-split`` will evaluate (none without it), read before anything is trained or written."""
    from harness.runner import select_examples

    split = config.eval_split
    if not split:
        return []
    from_data = task.load_data(config.data) if config.data else None
    available = list(dict.fromkeys(e.split for e in from_data)) if from_data is not None else list(task.splits)
    if split not in available:
        source = config.data or f"task {task.name}"
        raise BadInput(f"--eval-split {split}: {source} has no split '{split}': choose from {', '.join(available)}")
    return select_examples(task, eval_config(config, Path(config.out)))[split]


def check_eval_served(task: Task, base: Base, examples: list[Example]) -> None:
    """Refuse an ``--eval-split`` the trained model could not be evaluated on (the task's check, as a run makes it)."""
    if not examples:
        return
    try:
        task.check_options(RenderOptions(caps=base.caps, mode="prompt", constrained=False), examples)
    except BadInput as exc:
        raise BadInput(f"--eval-split {examples[0].split}: {exc}") from None


def evaluate(config: FinetuneConfig, out: Path) -> dict[str, Any]:
    """``run_eval`` on the saved model for ``eval_split``: its run id and metric values."""
    from harness.runner import run_eval

    summary = run_eval(eval_config(config, out))
    split = str(config.eval_split)
    metrics = {name: m.value for name, m in summary.metrics.get(split, {}).items()}
    return {"run_id": summary.run_id, "split": split, "metrics": metrics, "primary": summary.primary.get(split)}
