"""The one registry: tasks, task sources and models come from entry points (``harness.tasks``,
``harness.task_sources``, ``harness.models``).

Built-ins register through the same entry points in pyproject.toml as third-party plugins, so
there is no second list. ``--task-dir DIR`` adds tasks from ``DIR/<name>/task.py`` (a module
with a ``TASK`` attribute: a Task subclass or instance). A task name ``PREFIX:NAME`` belongs to the
task source registered as PREFIX (``lm_eval:hellaswag``).
"""

from __future__ import annotations

import difflib
import hashlib
import importlib.util
from dataclasses import replace
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import BadInput, UnknownName
from harness.models.base import LoadOptions, ModelBackend
from harness.task import Task
from harness.types import is_secret

if TYPE_CHECKING:
    from harness.types import RunConfig


@cache
def _group(group: str) -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=group)}


def task_names(task_dir: str | None = None) -> list[str]:
    """Names of every task: registered ones and those under ``task_dir``."""
    names = set(_group("harness.tasks"))
    if task_dir:
        names |= {p.parent.name for p in Path(task_dir).glob("*/task.py")}
    return sorted(names)


def get_task(name: str, task_dir: str | None = None) -> Task:
    """An instance of the named task."""
    if task_dir:
        module_path = Path(task_dir) / name / "task.py"
        if module_path.exists():
            return _task_from_file(module_path)
    entry = _group("harness.tasks").get(name)
    if entry is None:
        known = ", ".join(task_names(task_dir)) or "none registered: is harness installed (pip install -e .)?"
        raise UnknownName(f"unknown task '{name}': choose from {known}")
    try:
        loaded = entry.load()
    except Exception as exc:
        raise BadInput(f"task '{name}' is registered but failed to import ({type(exc).__name__}: {exc})") from None
    return _instantiate(loaded, name)


def _task_from_file(path: Path) -> Task:
    spec = importlib.util.spec_from_file_location(f"harness_user_task_{path.parent.name}", path)
    if spec is None or spec.loader is None:
        raise BadInput(f"{path}: cannot import the task module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, "TASK"):
        raise BadInput(f"{path}: define TASK = YourTask (a harness.task.Task subclass)")
    return _instantiate(module.TASK, str(path))


def _instantiate(obj: Any, where: str) -> Task:
    task = obj() if isinstance(obj, type) else obj
    if not isinstance(task, Task):
        raise BadInput(f"{where}: the registered object is not a harness Task")
    return task


def task_source_entry(prefix: str) -> EntryPoint | None:
    """The ``harness.task_sources`` entry point registered as ``prefix`` (``lm_eval``), if any."""
    return _group("harness.task_sources").get(prefix)


def model_factories() -> dict[str, EntryPoint]:
    """Model entry points: built-in names (``smollm2-135m``) and spec prefixes (``replay``, ``openai``)."""
    return _group("harness.models")


def resolve_model(spec: str, args: dict[str, str] | None = None, opts: LoadOptions | None = None) -> ModelBackend:
    """Build the backend a spec names: ``PREFIX:TARGET``, a built-in name, or a checkpoint path.

    Args:
        spec: e.g. ``./ckpt``, ``smollm2-135m``, ``replay:outputs.jsonl``, ``openai:gpt-4o``, ``oracle``.
        args: ``--model-arg`` values, validated by the backend.
    """
    factories = model_factories()
    args = dict(args or {})
    opts = opts or LoadOptions()
    if opts.load_named is None:
        opts = replace(opts, load_named=load_named)
    prefix, sep, target = spec.partition(":")
    if sep and prefix in factories and len(prefix) > 1:  # len>1: not a Windows drive letter
        return factories[prefix].load()(spec, target, args, opts)
    if spec in factories:
        return factories[spec].load()(spec, spec, args, opts)
    if Path(spec).exists():
        return factories["hf"].load()(spec, spec, args, opts)
    raise UnknownName(unknown_model(spec))


def unknown_model(spec: str) -> str:
    """The error for a spec that names no checkpoint, built-in model or prefix: a missing path, or a close match."""
    names, prefixes = model_names_and_prefixes()
    choices = f"built-in models: {', '.join(names)}; prefixes: {', '.join(p + ':' for p in prefixes)}"
    if "/" in spec or "\\" in spec or spec.startswith("."):
        return f"unknown model '{spec}': no such checkpoint directory: {spec} ({choices})"
    close = difflib.get_close_matches(spec, names + prefixes, n=1, cutoff=0.7)
    hint = f"did you mean {close[0]}? Give" if close else "give"
    return f"unknown model '{spec}': {hint} a checkpoint directory or one of ({choices})"


def model_names_and_prefixes() -> tuple[list[str], list[str]]:
    """The registered models used bare (``smollm2-135m``, ``oracle``) and the spec prefixes (``openai``), sorted.

    A factory says it is used bare with ``bare_name = True`` (the oracle); without it, a name with a dash is a
    built-in model and any other a prefix. ``hf`` (a checkpoint path needs no prefix) is left out.
    """
    names: list[str] = []
    prefixes: list[str] = []
    for name, entry in sorted(model_factories().items()):
        if name == "hf":
            continue
        try:
            bare = bool(getattr(entry.load(), "bare_name", "-" in name))
        except Exception:  # a plugin that fails to import still gets listed
            bare = "-" in name
        (names if bare else prefixes).append(name)
    return names, prefixes


def load_named(name: str, args: dict[str, str], opts: LoadOptions) -> ModelBackend | None:
    """The model registered as ``name`` (a built-in such as smollm2-135m), or None when no model has that name."""
    factories = model_factories()
    if name not in factories or name == "hf":
        return None
    if opts.load_named is None:
        opts = replace(opts, load_named=load_named)
    return factories[name].load()(name, name, args, opts)


# --model-arg keys that change how or where answers are fetched, never what they are (or that hold secrets).
OPERATIONAL_ARGS = frozenset(
    {"device", "continuous", "trust_remote_code", "base_url", "api_key_env"}
    | {"max_retries", "timeout", "backoff", "rpm", "tpm", "price_in", "price_out"}
)
_SHOWN_VALUE_CHARS = 32


def default_label(config: RunConfig) -> str:
    """A run's display name: the model's name, then what changes its answers, e.g. ``smollm2-135m[native,shots=3]``.

    In the brackets, in this order and only where they differ from the default: ``native`` (``--mode``),
    ``constrained``, ``shots=K``, ``seed=N``, then the ``--model-arg`` and ``--lm-eval-arg`` values that
    change answers, sorted by key. A long value, or one with spaces or brackets, shows as ``#`` and 8 hex
    digits of its hash.
    """
    name = _model_name(config.model)
    parts = ["native"] if config.mode == "native" else []
    parts += ["constrained"] if config.constrained else []
    parts += [f"shots={config.shots}"] if config.shots else []
    parts += [f"seed={config.seed}"] if config.seed else []
    args = {k: v for k, v in config.model_args.items() if k not in OPERATIONAL_ARGS and not is_secret(k)}
    for key, value in sorted(args.items()) + sorted(config.lm_eval_args.items()):
        parts.append(f"{key}={_shown_value(str(value).strip())}")
    return f"{name}[{','.join(parts)}]" if parts else name


def _model_name(spec: str) -> str:
    """A spec's short name: a path's last component, otherwise the spec itself."""
    prefix, sep, target = spec.partition(":")
    if sep and prefix in ("replay", "hf"):
        return f"{prefix}:{Path(target).name}"
    if Path(spec).exists() or "/" in spec:
        return Path(spec.rstrip("/")).name or spec
    return spec


def _shown_value(value: str) -> str:
    if len(value) <= _SHOWN_VALUE_CHARS and not any(c.isspace() or c in "[]" for c in value):
        return value
    return "#" + hashlib.sha256(value.encode()).hexdigest()[:8]
