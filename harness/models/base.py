"""The Model contract: one async ``generate`` per backend, plus its fingerprint and capabilities."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from harness.errors import BadInput
from harness.types import ModelCaps, Request, Response


class ModelBackend(ABC):
    """A model the harness can ask. Backends only turn Requests into Responses.

    ``batch_size`` is how many requests one ``generate`` call takes (local models batch);
    ``concurrency`` is how many calls may be in flight at once (API models).
    """

    kind: ClassVar[str]  # "local", "api" or "replay"
    caps: ModelCaps = ModelCaps()
    batch_size: int = 1
    concurrency: int = 1

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

    @abstractmethod
    async def generate(self, requests: Sequence[Request]) -> list[Response]:
        """One Response per Request, in order; a failed sample sets ``Response.error``."""

    def close(self) -> None:  # noqa: B027 (optional hook, not abstract)
        """Release resources (threads, clients)."""


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
