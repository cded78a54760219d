"""The Task contract: data plus three small functions (load, render, score)."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from harness.errors import BadInput, UnknownName
from harness.types import Example, Message, MetricValue, ModelCaps, Request, Response, SampleResult, Scored


@dataclass(frozen=True)
class RenderOptions:
    """How to render: what the model can do and what the user asked for."""

    caps: ModelCaps = field(default_factory=ModelCaps)
    mode: str = "prompt"
    constrained: bool = False
    shots: tuple[Example, ...] = ()


class Task(ABC):
    """A benchmark task plugin.

    Subclasses set the class attributes, implement ``from_record``, ``user_prompt``,
    ``target_text`` and ``score``, and may override ``system_prompt``, ``request_options``
    and ``aggregate``.
    """

    name: ClassVar[str]
    version: ClassVar[str]
    splits: ClassVar[tuple[str, ...]]
    primary_metric: ClassVar[str]
    description: ClassVar[str] = ""
    # Directory holding the built-in {split}.jsonl files.
    data_dir: ClassVar[Path | None] = None

    # ---- data -------------------------------------------------------------------------
    def load(self, split: str) -> Iterable[Example]:
        """The built-in examples of one split."""
        from harness.data import read_records

        if split not in self.splits:
            raise UnknownName(f"task {self.name} has no split '{split}': choose from {', '.join(self.splits)}")
        if self.data_dir is None:
            raise BadInput(f"task {self.name} ships no data: pass --data FILE")
        path = self.data_dir / f"{split}.jsonl"
        for where, record in read_records(path):
            yield self.from_record(record, where, default_split=split)

    def load_data(self, path: str, answers: str | None = None) -> list[Example]:
        """The user's own examples (``--data``), in this task's format or a public one it reads.

        ``answers`` (``--answers``) is a separate file of reference answers, for public formats that keep
        them apart from the questions; tasks that read none refuse it.
        """
        from harness.data import read_records

        if answers:
            raise BadInput(f"--answers: task {self.name} takes its answers from the --data records themselves")
        return [self.from_record(rec, where, default_split="test") for where, rec in read_records(path)]

    @abstractmethod
    def from_record(self, record: dict[str, Any], where: str, default_split: str) -> Example:
        """Build an Example from one data record; ``where`` (``file:line``) goes into errors."""

    def labels(self, example: Example) -> dict[str, str] | None:
        """A classification task's candidate labels for an example (name → definition, in the task's order);
        None for a task that does not classify. Fine-tuning trains a classifier head on these."""
        return None

    # ---- rendering --------------------------------------------------------------------
    def check_options(self, opts: RenderOptions, examples: Sequence[Example]) -> None:  # noqa: B027 (optional hook)
        """Refuse (BadInput) a mode, option or model this task cannot serve on these examples, before any run starts."""

    def system_prompt(self, example: Example, opts: RenderOptions) -> str | None:
        """An optional system turn."""
        return None

    @abstractmethod
    def user_prompt(self, example: Example, opts: RenderOptions) -> str:
        """The user turn asking for this example's answer."""

    @abstractmethod
    def target_text(self, example: Example) -> str:
        """The canonical answer as text: what an oracle replays and fine-tuning trains on."""

    def request_options(self, example: Example, opts: RenderOptions) -> dict[str, Any]:
        """Extra Request fields (max_tokens, response_schema, tools, constrained)."""
        return {}

    def render(self, example: Example, opts: RenderOptions) -> Request:
        """The Request for one example; few-shot examples become earlier chat turns."""
        messages: list[Message] = []
        system = self.system_prompt(example, opts)
        if system:
            messages.append(Message("system", system))
        for shot in opts.shots:
            messages.append(Message("user", self.user_prompt(shot, opts)))
            messages.append(Message("assistant", self.target_text(shot)))
        messages.append(Message("user", self.user_prompt(example, opts)))
        return Request(messages=tuple(messages), example_id=example.id, **self.request_options(example, opts))

    # ---- scoring ----------------------------------------------------------------------
    @abstractmethod
    def score(self, example: Example, response: Response) -> Scored:
        """Per-sample metric values (a metric that does not apply is left out)."""

    # ---- test-time scaling (--samples N): read by the selectors, never given the target ----------
    def canonical_answer(self, example: Example, response: Response) -> str | None:
        """The answer in a canonical form, so equal answers vote together; None when nothing parsed.

        The runner calls it with the example's target removed. The default: no canonical form (a vote
        then has nothing to count and falls back to the earliest attempt).
        """
        return None

    def verify(self, example: Example, response: Response) -> bool | None:
        """Whether the answer passes the task's checks that need no reference; None: the task has no verifier.

        The runner calls it with the example's target removed: a verifier never reads the target.
        """
        return None

    def primary_metric_for(self, split: str) -> str:
        """The headline metric of a split (most tasks use one for all splits)."""
        return self.primary_metric

    def aggregate(self, split: str, results: Sequence[SampleResult], seed: int = 0) -> dict[str, MetricValue]:
        """Per-split metrics: the mean of every per-sample score with a 95% bootstrap CI."""
        from harness.metrics.stats import mean_with_ci

        columns: dict[str, list[float]] = {}
        for result in results:
            for metric, value in result.scored.scores.items():
                if value is not None and not math.isnan(value):
                    columns.setdefault(metric, []).append(float(value))
        return {metric: mean_with_ci(values, seed=seed) for metric, values in sorted(columns.items())}
