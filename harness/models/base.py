"""The Model contract: one async ``generate`` per backend, its fingerprint, capabilities and call policy.

Everything the runner and the wrapper use is declared here, with a default where a backend may
leave it out, so neither ever probes a backend for optional attributes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from harness.errors import BadInput
from harness.models.limits import Policy
from harness.types import ModelCaps, Request, Response


class ModelBackend(ABC):
    """A model the harness can ask. Backends only turn Requests into Responses.

    ``batch_size`` is how many requests one ``generate`` call takes (local models batch);
    ``concurrency`` is how many calls may be in flight at once (API models); ``policy`` is how the
    wrapper retries, limits and prices the calls (API backends bring theirs from ``--model-arg``).
    """

    kind: ClassVar[str]  # "local", "api", "replay", or "wrapped" (the wrapper)
    caps: ModelCaps = ModelCaps()
    batch_size: int = 1
    concurrency: int = 1
    policy: Policy = Policy()
    # Answers come through a provider batch API (``--batch``): priced at the batch price.
    batched: bool = False

    @property
    @abstractmethod
    def fingerprint(self) -> dict[str, Any]:
        """What identifies this model in the store: never a key or a machine path."""

    @property
    def params(self) -> int | None:
        """Parameter count, where known."""
        return None

    @property
    def model_kind(self) -> str:
        """For the leaderboard: 'local-base', 'local-finetuned', 'api' or 'replay'."""
        return self.kind

    @property
    def training_card(self) -> dict[str, Any] | None:
        """The card of a fine-tuned checkpoint (its ``training.json``, no machine paths), else None."""
        return None

    @property
    def max_attempts(self) -> int | None:
        """The most different attempts per example this model can give (``--samples`` above it is refused);
        None: any (models decode again; a replay file holds a fixed number of outputs per id)."""
        return None

    @abstractmethod
    async def generate(self, requests: Sequence[Request], keys: Sequence[str] | None = None) -> list[Response]:
        """One Response per Request, in order; a failed sample sets ``Response.error``.

        Args:
            keys: the requests' hashes (cache keys) when the caller has them; backends that do not cache ignore them.
        """

    def close(self) -> None:  # noqa: B027 (optional hook, not abstract)
        """Release resources (threads, model weights)."""

    async def aclose(self) -> None:  # noqa: B027 (optional hook, not abstract)
        """Release what belongs to the running event loop (HTTP clients); the runner calls it before the loop ends."""


class BackendArgs(BaseModel):
    """Base for a backend's ``--model-arg`` options: an unknown key is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def parse(cls, args: dict[str, str], spec: str) -> Any:
        """Validate ``--model-arg`` values, naming the bad key and what it accepts."""
        try:
            return cls(**args)
        except ValidationError as exc:
            error = exc.errors()[0]
            key = ".".join(str(p) for p in error["loc"]) or "?"
            if error["type"] == "extra_forbidden":
                allowed = ", ".join(cls.model_fields) or "none"
                raise BadInput(f"--model-arg {key}: not an option of model '{spec}': use one of {allowed}") from None
            raise BadInput(f"--model-arg {key}={args.get(key)!r}: {error['msg']}") from None


@dataclass(frozen=True)
class LoadOptions:
    """Run options a backend needs when it is built (every factory gets them; most read a few)."""

    batch_size: int = 8
    constrained: bool = False
    seed: int = 0
    mode: str = "prompt"
    # torch threads for local models (None: torch's default, one per physical core); process-wide.
    threads: int | None = None
    # The task being run (its name), for models that answer per task: the oracle names itself after it.
    task: str = ""
    # Example id → the task's target text, computed when called; only the oracle calls it.
    references: Callable[[], Mapping[str, str]] | None = None
    # How a LoRA adapter reaches a base given by a registered name (smollm2-135m); resolve_model fills it,
    # so backends need not import the registry.
    load_named: Callable[[str, dict[str, str], LoadOptions], ModelBackend | None] | None = None
