"""``finetune``: train a base model on a task's train split, rendered exactly as evaluation renders it.

Three kinds of training, chosen from the base checkpoint and the task:

- causal LMs: the prompt is ``render_prompt`` of the task's Request (chat template and generation
  prompt, as ``harness run`` builds it); the loss covers only the answer, ``target_text`` + EOS;
- seq2seq models: the same prompt text is the encoder input, ``target_text`` + EOS the decoder labels;
- encoders (or sequence classifiers) on a task with a label set (intent): a classification head over
  the task's labels (``Task.labels``, whatever ``--limit`` keeps), softmax cross-entropy, or BCE when the
  train data has multi-label examples.

A plain PyTorch loop (AdamW, linear decay over ``epochs``, clipping at 1.0, per-batch padding)
saves ``OUT/checkpoint/`` every ``save_every`` steps, so the same command resumes; the final model is
saved with ``save_pretrained`` (or as a LoRA adapter) with ``training.json`` and a README card.
torch, transformers and peft are imported inside the functions that need them.

This module is the public API and the orchestration; the work is in ``config`` (the options),
``encode`` (the base and the examples as ids), ``loop`` (training and checkpoints) and ``card``
(the saved model, its card and the evaluation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import BadInput
from harness.finetune.card import (
    check_card_url,
    check_eval_served,
    eval_config,
    eval_examples,
    evaluate,
    portable,
    save_final,
    training_card,
    write_card,
)
from harness.finetune.config import FinetuneConfig, FinetuneProgress
from harness.finetune.encode import (
    IGNORE,
    LORA,
    Base,
    Encoded,
    add_lora,
    base_directory,
    base_kind,
    collate,
    encode_examples,
    load_base,
    load_classifier_base,
    load_generative_base,
    task_labels,
)
from harness.finetune.loop import CHECKPOINT_DIR, TrainState, restore_checkpoint, save_checkpoint, train
from harness.models.hf import TRAINING_CARD
from harness.registry import get_task
from harness.task import Task
from harness.types import Example

__all__ = [
    "CHECKPOINT_DIR",
    "IGNORE",
    "LORA",
    "Base",
    "Encoded",
    "FinetuneConfig",
    "FinetuneProgress",
    "FinetuneSummary",
    "TrainState",
    "add_lora",
    "base_directory",
    "base_kind",
    "check_card_url",
    "check_eval_served",
    "check_out_dir",
    "collate",
    "encode_examples",
    "eval_config",
    "eval_examples",
    "evaluate",
    "finetune",
    "load_base",
    "load_classifier_base",
    "load_generative_base",
    "portable",
    "restore_checkpoint",
    "save_checkpoint",
    "save_final",
    "task_labels",
    "train",
    "train_examples",
    "training_card",
    "write_card",
]


@dataclass
class FinetuneSummary:
    """What a finished training reports (``training.json`` holds the same)."""

    out: str
    kind: str
    method: str
    steps: int
    total_steps: int
    n_train: int
    wall_s: float
    final_train_loss: float | None
    first_train_loss: float | None
    resumed_from_step: int = 0
    eval: dict[str, Any] | None = None
    card: dict[str, Any] = field(default_factory=dict)


# ---- entry point ------------------------------------------------------------------------------------


def finetune(config: FinetuneConfig, progress: FinetuneProgress | None = None) -> FinetuneSummary:
    """Train ``config.base`` on ``config.task``'s train split and save the model and its card in ``config.out``.

    Raises BadInput before anything is written when the task, base, method, output or evaluation split is wrong.
    """
    check_card_url(config.card_url)
    task = get_task(config.task, config.task_dir)
    examples = train_examples(task, config)
    to_evaluate = eval_examples(task, config)
    out = Path(config.out)
    check_out_dir(out)
    import torch

    if config.threads is not None:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)  # head and adapter initialisation
    base = load_base(config, task, examples)
    if config.method == "lora":
        base.model = add_lora(base)
    encoded = encode_examples(task, base, examples, config.max_length)
    check_eval_served(task, base, to_evaluate)
    result = train(config, base, encoded, out, progress or (lambda *_: None))
    save_final(config, base, out)
    card = training_card(config, task, base, examples, encoded, result)
    write_card(out, card)
    if config.eval_split:
        card["eval"] = evaluate(config, out)
        write_card(out, card)
    return FinetuneSummary(
        out=config.out,
        kind=base.kind,
        method=config.method,
        steps=result.step,
        total_steps=result.total,
        n_train=len(examples),
        wall_s=result.wall_s,
        final_train_loss=card["final_train_loss"],
        first_train_loss=card["first_train_loss"],
        resumed_from_step=result.resumed_from,
        eval=card.get("eval"),
        card=card,
    )


def train_examples(task: Task, config: FinetuneConfig) -> list[Example]:
    """The train examples: the task's train split or ``--data`` (its train split when it has one), first N."""
    if config.data:
        loaded = task.load_data(config.data)
        train = [e for e in loaded if e.split == "train"] or loaded
    else:
        if "train" not in task.splits:
            raise BadInput(f"--task {task.name}: the task has no train split: pass --data FILE with training examples")
        train = list(task.load("train"))
    train = train[: config.limit] if config.limit else train
    if not train:
        raise BadInput(f"--task {task.name}: no training examples: check --data or --limit")
    return train


def check_out_dir(out: Path) -> None:
    """Refuse an output directory that holds something other than an earlier ``harness finetune`` output."""
    if out.exists() and not out.is_dir():
        raise BadInput(f"--out {out}: is a file: give a directory (it is created if missing)")
    if out.is_dir() and any(out.iterdir()):
        ours = (out / CHECKPOINT_DIR).is_dir() or (out / TRAINING_CARD).is_file()
        if not ours:
            raise BadInput(f"--out {out}: directory is not empty and holds no earlier training: choose a new directory")
