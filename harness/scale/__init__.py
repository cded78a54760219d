"""Scale-out: one run's samples evaluated by Ray workers, one model backend each; the driver plans, resumes
and alone writes the store (``harness run --workers N [--ray-address ADDR] [--gpus-per-worker G]``).

Nothing here imports ``ray`` until a run asks for workers; without it the one-line error names the extra.
"""

from __future__ import annotations

from harness.scale.cluster import connect, import_ray, refuse_api_model
from harness.scale.ray_runner import NAMESPACE, WorkerFailed, WorkerPool, WorkerRecipe

__all__ = ["NAMESPACE", "WorkerFailed", "WorkerPool", "WorkerRecipe", "connect", "import_ray", "refuse_api_model"]
