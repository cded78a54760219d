"""The training loop: AdamW with linear decay, per-batch padding, and resumable checkpoints in ``OUT/checkpoint/``.

The example order of every epoch is a seeded permutation, and the checkpoint holds the weights training
changes, the optimizer, the scheduler, the losses and the RNG state: a resumed training ends with the
same weights as one that ran straight through.
"""

from __future__ import annotations

import math
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import BadInput
from harness.finetune.config import FinetuneConfig, FinetuneProgress
from harness.finetune.encode import Base, Encoded, collate

CHECKPOINT_DIR = "checkpoint"
STATE_FILE = "state.pt"


@dataclass
class TrainState:
    """Where training stands: saved in ``checkpoint/`` and restored on resume."""

    step: int = 0
    total: int = 0
    losses: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    resumed_from: int = 0


def epoch_order(n: int, seed: int, epoch: int) -> list[int]:
    """The example order of one epoch: a seeded permutation, the same on every run and every resume."""
    import torch

    generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return [int(i) for i in torch.randperm(n, generator=generator)]


def batch_indices(step: int, n: int, config: FinetuneConfig) -> list[int]:
    """The examples of global step ``step``."""
    per_epoch = math.ceil(n / config.batch_size)
    order = epoch_order(n, config.seed, step // per_epoch)
    start = (step % per_epoch) * config.batch_size
    return order[start : start + config.batch_size]


def train(
    config: FinetuneConfig, base: Base, encoded: list[Encoded], out: Path, progress: FinetuneProgress
) -> TrainState:
    """AdamW with linear decay over ``epochs``; stops at ``max_steps``; checkpoints every ``save_every`` steps."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    model = base.model
    horizon = config.epochs * math.ceil(len(encoded) / config.batch_size)
    stop = min(config.max_steps or horizon, horizon)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=0.0)
    scheduler = get_linear_schedule_with_warmup(optimizer, 0, horizon)
    state = TrainState(total=stop)
    checkpoint = out / CHECKPOINT_DIR
    if config.fresh:
        shutil.rmtree(checkpoint, ignore_errors=True)
    elif (checkpoint / STATE_FILE).is_file():
        state = restore_checkpoint(checkpoint, config, model, optimizer, scheduler)
        state.total, state.resumed_from = stop, state.step
    pad_id = base.tokenizer.pad_token_id if base.tokenizer.pad_token_id is not None else base.tokenizer.eos_token_id
    device = next(model.parameters()).device
    model.train()
    progress("start", stop, None)
    progress("advance", min(state.step, stop), None)
    started = time.perf_counter()
    while state.step < stop:
        batch = collate([encoded[i] for i in batch_indices(state.step, len(encoded), config)], base.kind, pad_id)
        loss = model(**{k: v.to(device) for k, v in batch.items()}).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        state.step += 1
        state.losses.append(float(loss.detach()))
        progress("advance", 1, state.losses[-1])
        if state.step % config.save_every == 0 or state.step == stop:
            state.wall_s += time.perf_counter() - started
            started = time.perf_counter()
            save_checkpoint(checkpoint, config, model, optimizer, scheduler, state)
    state.wall_s += time.perf_counter() - started
    progress("end", state.step, None)
    model.eval()
    return state


def trainable_state(model: Any) -> dict[str, Any]:
    """The parameters training changes (all of them, or the adapter's), detached copies."""
    return {name: p.detach().clone() for name, p in model.named_parameters() if p.requires_grad}


def save_checkpoint(
    checkpoint: Path, config: FinetuneConfig, model: Any, optimizer: Any, scheduler: Any, state: TrainState
) -> None:
    """Write the resumable state atomically: weights, optimizer, scheduler, step, losses and RNG."""
    import torch

    checkpoint.mkdir(parents=True, exist_ok=True)
    data = {
        "key": config.resume_key(),
        "step": state.step,
        "losses": state.losses,
        "wall_s": state.wall_s,
        "weights": trainable_state(model),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }
    temp = checkpoint / f".{STATE_FILE}.tmp"
    torch.save(data, temp)
    os.replace(temp, checkpoint / STATE_FILE)


def restore_checkpoint(
    checkpoint: Path, config: FinetuneConfig, model: Any, optimizer: Any, scheduler: Any
) -> TrainState:
    """Load a saved state into the model, optimizer and scheduler; refuse one trained with other settings."""
    import torch

    try:
        data = torch.load(checkpoint / STATE_FILE, map_location="cpu", weights_only=True)
    except Exception as exc:  # a truncated or foreign file
        raise BadInput(
            f"{checkpoint / STATE_FILE}: unreadable ({type(exc).__name__}): pass --fresh to start over"
        ) from None
    if data.get("key") != config.resume_key():
        raise BadInput(
            f"--out {checkpoint.parent}: holds a training with other settings: pass --fresh to start over, "
            "or choose another --out"
        )
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, value in data["weights"].items():
            params[name].copy_(value)
    optimizer.load_state_dict(data["optimizer"])
    scheduler.load_state_dict(data["scheduler"])
    torch.set_rng_state(data["rng"])
    if data["cuda_rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(data["cuda_rng"])
    return TrainState(step=int(data["step"]), losses=list(data["losses"]), wall_s=float(data["wall_s"]))
