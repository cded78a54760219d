"""The leaderboard's Streamlit script: ``streamlit run`` it with ``HARNESS_DB`` set, or use ``harness leaderboard``."""

from __future__ import annotations

import os
from collections.abc import Callable

import streamlit as st

from harness.errors import HarnessError
from harness.leaderboard import DB_ENV, DEFAULT_DB
from harness.leaderboard.board import Board, md
from harness.leaderboard.views import cost, history, overview, samples, task, versus

PAGES: dict[str, tuple[str, Callable[[Board], None]]] = {
    "overview": ("Overview", overview.render),
    "task": ("Task", task.render),
    "cost": ("Cost and latency", cost.render),
    "samples": ("Samples", samples.render),
    "history": ("History", history.render),
    "versus": ("Versus", versus.render),
}


def _page_from_url() -> str:
    """The page named by ``?page=`` (so a page can be linked and screenshotted), else the overview."""
    wanted = st.query_params.get("page", "overview")
    return wanted if wanted in PAGES else "overview"


def main() -> None:
    """Draw the page the sidebar (or the URL) selects."""
    st.set_page_config(page_title="harness leaderboard", layout="wide")
    db = os.environ.get(DB_ENV, DEFAULT_DB)
    try:
        board = Board.open(db)
    except HarnessError as exc:
        st.error(str(exc))
        return
    slugs = list(PAGES)
    if "page" not in st.session_state:
        st.session_state["page"] = _page_from_url()
    page = st.sidebar.radio("Page", slugs, format_func=lambda s: PAGES[s][0], key="page")
    st.query_params["page"] = page
    st.sidebar.caption(md(f"Store: {os.path.basename(db)} (read-only)"))  # the name only: no machine path on screen
    PAGES[page][1](board)


if __name__ == "__main__":
    main()
