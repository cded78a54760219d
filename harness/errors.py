"""The one error hierarchy of the library; only the CLI turns these into exit codes."""

from __future__ import annotations


class HarnessError(Exception):
    """A user-facing error with a one-line message naming the file, line or field and the fix."""

    exit_code = 2


class BadInput(HarnessError):
    """Bad input data, options or usage (exit 2)."""


class UnknownName(BadInput):
    """An unknown task, model, split or metric name (exit 2)."""


class MissingDependency(BadInput):
    """An optional dependency is not installed; the message says which extra to install."""


class StoreError(HarnessError):
    """The results store cannot be opened or is not comparable (exit 2)."""


class BatchFailed(BadInput):
    """A provider failed a whole batch (``--batch``): the message names the batch and the provider's reason (exit 2)."""


class BatchPending(HarnessError):
    """``--batch-wait`` ran out with provider batches still running (exit 3): re-run to collect, nothing is lost."""

    exit_code = 3


def missing_extra(module: str, extra: str) -> MissingDependency:
    """The one-line error for an optional import that failed."""
    return MissingDependency(f"{module} is not installed: pip install 'harness[{extra}]'")
