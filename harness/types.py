"""Typed, frozen records that flow through the harness: Example → Request → Response → SampleResult.

This module imports nothing heavy (no torch, transformers or SDKs).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.paths import DEFAULT_DB


def is_number(value: Any) -> bool:
    """A real number: int or float, neither a bool nor NaN."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)


def is_secret(key: str) -> bool:
    """Whether an option's value is a secret, never stored or shown: by the key's ending, so ``api_key`` and
    ``hf_token`` are secrets and ``max_tokens`` is not."""
    return key.lower().endswith(("key", "token", "secret", "password"))


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: the form every hash in the harness is taken of."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def content_hash(value: Any, length: int = 16) -> str:
    """A short, stable hex digest of a JSON-serialisable value."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()[:length]


@dataclass(frozen=True)
class Example:
    """One evaluation item of a task.

    ``inputs`` holds the task-specific input fields (text, schema, messages, tools...),
    ``target`` the expected answer in the task's own form.
    """

    id: str
    split: str
    inputs: dict[str, Any]
    target: Any
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ToolCall:
    """One function call, as a model produced it or a task expects it."""

    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Message:
    """One chat turn."""

    role: Literal["system", "user", "assistant", "tool"]
    content: str


@dataclass(frozen=True)
class ModelCaps:
    """What a model backend can do, so one task can render for prompt mode and native mode."""

    chat_template: bool = False
    native_tools: bool = False
    structured_output: bool = False
    constrained_decoding: bool = False
    label_scores: bool = False
    # The classes of a classifier (label_scores backends): what it can answer.
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Request:
    """What a task asks of a model. Its hash, with the model fingerprint, is the cache key."""

    messages: tuple[Message, ...]
    max_tokens: int = 256
    tools: tuple[dict[str, Any], ...] | None = None
    response_schema: dict[str, Any] | None = None
    constrained: bool = False
    stop: tuple[str, ...] = ()
    temperature: float = 0.0
    seed: int | None = None
    # Nucleus sampling (``--top-p``): None leaves the distribution whole.
    top_p: float | None = None
    # Ask for the answer's probability (``Response.meta["confidence"]``) where the backend can give it.
    logprobs: bool = False
    # For label-scoring models (ModelCaps.label_scores): the candidate labels, and whether a set may be chosen.
    labels: tuple[str, ...] | None = None
    multi_label: bool = False
    # Which example asked, and which of its attempts (``--samples N``): only replay backends read them;
    # they are not part of the hash (an attempt's own seed and sampling are).
    example_id: str = field(default="", compare=False)
    attempt: int = field(default=0, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (for hashing, caching and export), without the example id and attempt."""
        data = asdict(self)
        data.pop("example_id")
        data.pop("attempt")
        # Fields absent unless used, so requests hash as they did before the fields existed.
        for name, unset in (("logprobs", False), ("labels", None), ("multi_label", False), ("top_p", None)):
            if data[name] == unset:
                data.pop(name)
        return data

    @property
    def hash(self) -> str:
        """Stable content hash of everything that can change the answer."""
        return content_hash(self.to_dict())

    @property
    def prompt_text(self) -> str:
        """The messages as plain text, for models without a chat template."""
        return "\n\n".join(m.content for m in self.messages)


@dataclass(frozen=True)
class Response:
    """What a model answered. One failed sample sets ``error`` instead of raising."""

    text: str = ""
    tool_calls: tuple[ToolCall, ...] | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    latency_ms: float | None = None
    cost_usd: float | None = None
    error: str | None = None
    # backend-specific facts worth keeping with the sample, e.g. {"constrained_fallback": True}
    meta: dict[str, Any] = field(default_factory=dict)
    # A label-scoring model's answer: the chosen labels (the task reads these instead of parsing ``text``).
    labels: tuple[str, ...] | None = None

    def with_latency(self, latency_ms: float) -> Response:
        """The same response, timed."""
        return replace(self, latency_ms=latency_ms)


@dataclass(frozen=True)
class Scored:
    """A task's verdict on one response: metric values plus the parsed output and extra facts."""

    scores: dict[str, float]
    parsed: Any = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SampleResult:
    """One row of the ``samples`` table."""

    example: Example
    request_hash: str
    response: Response
    scored: Scored
    # Which of the example's attempts this is (``--samples N``); a single-attempt run stores 0.
    attempt: int = 0


@dataclass(frozen=True)
class MetricValue:
    """One aggregated metric of one split: value with its 95% CI and sample count."""

    value: float
    ci_low: float | None
    ci_high: float | None
    n: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form used by --output-json."""
        return {"value": self.value, "ci_low": self.ci_low, "ci_high": self.ci_high, "n": self.n}


class RunConfig(BaseModel):
    """Everything ``harness run`` takes; a notebook builds the same object and calls ``run_eval``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task: str
    model: str
    data: str | None = None
    # Reference answers kept apart from the --data questions (BFCL's possible_answer files).
    answers: str | None = None
    splits: tuple[str, ...] | None = None
    limit: int | None = Field(default=None, ge=1)
    db: str = DEFAULT_DB
    label: str | None = None
    constrained: bool = False
    mode: Literal["prompt", "native"] = "prompt"
    batch_size: int = Field(default=8, ge=1)
    # torch threads for local models (None: torch's default, one per physical core).
    threads: int | None = Field(default=None, ge=1)
    # Calls in flight for API backends (None: the backend's default, 16); local backends keep theirs.
    concurrency: int | None = Field(default=None, ge=1)
    # The on-disk response cache (next to the DB, or $HARNESS_CACHE_DIR); False bypasses it.
    cache: bool = True
    model_args: dict[str, str] = Field(default_factory=dict)
    fresh: bool = False
    seed: int = 0
    shots: int = Field(default=0, ge=0)
    task_dir: str | None = None
    # lm_eval:NAME tasks only: simple_evaluate options (harness/interop/lmeval/run.py LM_EVAL_ARGS).
    lm_eval_args: dict[str, str] = Field(default_factory=dict)
    # Test-time scaling (issue 19): attempts per example, and the sampling they use (None: the task's
    # decoding, temperature 0; 0.7 when samples > 1).
    samples: int = Field(default=1, ge=1)
    temperature: float | None = Field(default=None, ge=0)
    top_p: float | None = Field(default=None, gt=0, le=1)
    # Scale-out on Ray (issue 18): workers, the cluster to join (None: a local instance), GPUs per worker.
    # They change where samples are computed, never what they are: not part of the resume key.
    workers: int | None = Field(default=None, ge=1)
    ray_address: str | None = None
    gpus_per_worker: float | None = Field(default=None, gt=0)
    # Provider batch APIs (issue 22): send API requests as batches at the batch price; how long to wait.
    batch: bool = False
    batch_wait: float | None = Field(default=None, ge=0)

    def resume_key(self, task_version: str, data_hash: str, fingerprint: dict[str, Any]) -> str:
        """Identity of a run for resuming: same task version, data, model and configuration."""
        return content_hash(
            {
                "task": self.task,
                "task_version": task_version,
                "data_hash": data_hash,
                "fingerprint": fingerprint,
                "splits": self.splits,
                "limit": self.limit,
                "mode": self.mode,
                "seed": self.seed,
                "shots": self.shots,
                "label": self.label,
                # Only when set, so a single-attempt run keeps the key it always had.
                **({"samples": self.samples} if self.samples != 1 else {}),
                **({"temperature": self.temperature} if self.temperature is not None else {}),
                **({"top_p": self.top_p} if self.top_p is not None else {}),
            }
        )
