"""harness: does a small fine-tuned model beat the big API model on your task, and at what cost?

The public API, for notebooks and scripts::

    from harness import RunConfig, run_eval
    summary = run_eval(RunConfig(task="gis_command", model="smollm2-135m", limit=20))

``Task`` is the contract a task plugin implements, ``ModelBackend`` the one a model backend implements.
Everything else may move between releases. The names load on first use, so ``import harness`` (and the
CLI's ``--help``) imports neither the store nor any model library.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from harness.lifecycle import RunSummary
    from harness.models.base import ModelBackend
    from harness.runner import run_eval
    from harness.suite import Suite, run_suite
    from harness.task import RenderOptions, Task
    from harness.types import Example, Request, Response, RunConfig

_PUBLIC = {
    "run_eval": "harness.runner",
    "run_suite": "harness.suite",
    "Suite": "harness.suite",
    "RunSummary": "harness.lifecycle",
    "RunConfig": "harness.types",
    "Example": "harness.types",
    "Request": "harness.types",
    "Response": "harness.types",
    "Task": "harness.task",
    "RenderOptions": "harness.task",
    "ModelBackend": "harness.models.base",
}
__all__ = [
    "Example",
    "ModelBackend",
    "RenderOptions",
    "Request",
    "Response",
    "RunConfig",
    "RunSummary",
    "Suite",
    "Task",
    "__version__",
    "run_eval",
    "run_suite",
]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'harness' has no attribute {name!r}")
