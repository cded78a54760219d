"""The leaderboard: a Streamlit app over the results store, read-only.

``harness leaderboard --db PATH`` starts it; ``streamlit run leaderboard/app.py`` (with ``HARNESS_DB``)
does too from a checkout (this folder installs as
``harness.leaderboard``). SQL lives in :mod:`harness.leaderboard.queries` (no Streamlit there, so
benchmarks and notebooks can call it), page code in :mod:`harness.leaderboard.views`.
"""

from __future__ import annotations

from pathlib import Path

from harness.paths import DB_ENV, DEFAULT_DB

__all__ = ["DB_ENV", "DEFAULT_DB", "app_path"]


def app_path() -> Path:
    """The Streamlit script to hand to ``streamlit run``."""
    return Path(__file__).with_name("app.py")
