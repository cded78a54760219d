"""The leaderboard: a Streamlit app over the results store, read-only.

``harness leaderboard --db PATH`` starts it; ``streamlit run leaderboard/app.py`` (with ``HARNESS_DB``)
does too from a checkout. SQL lives in :mod:`harness.leaderboard.queries` (no Streamlit there, so
benchmarks and notebooks can call it), page code in :mod:`harness.leaderboard.views`.
"""

from __future__ import annotations

from pathlib import Path

DB_ENV = "HARNESS_DB"
DEFAULT_DB = "results/harness.duckdb"


def app_path() -> Path:
    """The Streamlit script to hand to ``streamlit run``."""
    return Path(__file__).with_name("app.py")
