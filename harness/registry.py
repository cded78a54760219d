"""The one registry: tasks and models come from entry points (``harness.tasks``, ``harness.models``).

Built-ins register through the same entry points in pyproject.toml as third-party plugins, so
there is no second list. ``--task-dir DIR`` adds tasks from ``DIR/<name>/task.py`` (a module
with a ``TASK`` attribute: a Task subclass or instance).
"""

from __future__ import annotations

import importlib.util
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

from harness.errors import BadInput, UnknownName
from harness.tasks.base import Task


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
        raise BadInput(f"{path}: define TASK = YourTask (a harness.tasks.base.Task subclass)")
    return _instantiate(module.TASK, str(path))


def _instantiate(obj: Any, where: str) -> Task:
    task = obj() if isinstance(obj, type) else obj
    if not isinstance(task, Task):
        raise BadInput(f"{where}: the registered object is not a harness Task")
    return task


def model_factories() -> dict[str, EntryPoint]:
    """Model entry points: built-in names (``smollm2-135m``) and spec prefixes (``replay``, ``openai``)."""
    return _group("harness.models")
