"""The old import path of the Task contract (``harness.tasks.base``), kept for plugins written against it.

New code imports :mod:`harness.task` (Task, RenderOptions) and :mod:`harness.types` (MetricValue).
"""

from harness.task import RenderOptions, Task
from harness.types import MetricValue

__all__ = ["MetricValue", "RenderOptions", "Task"]
