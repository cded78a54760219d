"""What ``harness finetune`` takes (``FinetuneConfig``) and the progress callback it reports to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.paths import DEFAULT_DB
from harness.types import content_hash

# (event, step, loss): ("start", total_steps, None), ("advance", step, loss), ("end", step, None).
FinetuneProgress = Callable[[str, int, "float | None"], None]
NOT_IN_RESUME_KEY = {"max_steps", "eval_split", "fresh", "db", "save_every", "out", "card_url", "threads"}


class FinetuneConfig(BaseModel):
    """Everything ``harness finetune`` takes; a notebook builds the same object and calls ``finetune``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task: str
    base: str
    out: str
    method: Literal["full", "lora"] = "full"
    epochs: int = Field(default=3, ge=1)
    lr: float = Field(default=5e-5, gt=0)
    batch_size: int = Field(default=8, ge=1)
    # Stop after this many steps; the schedule still spans ``epochs``, so a larger value later continues.
    max_steps: int | None = Field(default=None, ge=1)
    seed: int = 0
    eval_split: str | None = None
    task_dir: str | None = None
    # Train on this file's examples (its train split when it names one) instead of the task's own.
    data: str | None = None
    # First N train examples (and first N of the evaluation split).
    limit: int | None = Field(default=None, ge=1)
    max_length: int = Field(default=1024, ge=8)
    save_every: int = Field(default=50, ge=1)
    # torch threads while training and evaluating (None: torch's default, one per physical core); process-wide.
    threads: int | None = Field(default=None, ge=1)
    fresh: bool = False
    db: str = DEFAULT_DB
    # Where the checkpoint or its card is published (a model hub or repository page): the card keeps it.
    card_url: str | None = None

    def resume_key(self) -> str:
        """What must match for a saved checkpoint to be continued (not max_steps: it only says when to stop;
        nor where the result is saved, evaluated or published, nor how many threads compute it)."""
        fields = self.model_dump(exclude=NOT_IN_RESUME_KEY)
        return content_hash(fields)
