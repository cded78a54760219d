"""Model spec strings → backends, through the ``harness.models`` entry points."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from harness.errors import UnknownName
from harness.models.base import ModelBackend
from harness.registry import model_factories


@dataclass(frozen=True)
class LoadOptions:
    """Run options a backend needs when it is built."""

    batch_size: int = 8
    constrained: bool = False
    seed: int = 0
    mode: str = "prompt"


class ModelFactory(Protocol):
    def __call__(self, spec: str, target: str, args: dict[str, str], opts: LoadOptions) -> ModelBackend: ...


def resolve_model(spec: str, args: dict[str, str] | None = None, opts: LoadOptions | None = None) -> ModelBackend:
    """Build the backend a spec names: ``PREFIX:TARGET``, a built-in name, or a checkpoint path.

    Args:
        spec: e.g. ``./ckpt``, ``smollm2-135m``, ``replay:outputs.jsonl``, ``openai:gpt-4o``.
        args: ``--model-arg`` values, validated by the backend.
    """
    factories = model_factories()
    args = dict(args or {})
    opts = opts or LoadOptions()
    prefix, sep, target = spec.partition(":")
    if sep and prefix in factories and len(prefix) > 1:  # len>1: not a Windows drive letter
        return factories[prefix].load()(spec, target, args, opts)
    if spec in factories:
        return factories[spec].load()(spec, spec, args, opts)
    if Path(spec).exists():
        return factories["hf"].load()(spec, spec, args, opts)
    names = sorted(n for n in factories if n not in ("hf",))
    raise UnknownName(
        f"unknown model '{spec}': give a checkpoint directory, a built-in name, or a prefix "
        f"({', '.join(names)}), e.g. smollm2-135m or replay:outputs.jsonl"
    )


def default_label(spec: str) -> str:
    """A display name from a spec: a path's last component, otherwise the spec itself."""
    prefix, sep, target = spec.partition(":")
    if sep and prefix in ("replay", "hf"):
        return f"{prefix}:{Path(target).name}"
    if Path(spec).exists() or "/" in spec:
        return Path(spec.rstrip("/")).name or spec
    return spec
