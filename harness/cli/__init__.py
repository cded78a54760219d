"""The ``harness`` command: a thin layer that parses, calls the library, and prints.

Heavy modules (torch, transformers, SDKs, duckdb) are never imported here; commands import the library
lazily so ``harness --help`` and ``harness list`` stay fast. Commands live by what they do: evaluate (run,
finetune), results (list, export, export-task, gate) and serve (fake-server, leaderboard).
"""

from __future__ import annotations

import sys

from rich.markup import escape

from harness.cli import compare, evaluate, results, score, serve  # noqa: F401 (each registers its commands on app)
from harness.cli.app import app, console
from harness.errors import HarnessError

__all__ = ["app", "main"]


def main() -> None:
    """Console entry point: HarnessError becomes a one-line message and its exit code (2 for bad input)."""
    try:
        app()
    except HarnessError as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
