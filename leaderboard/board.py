"""What every page shares: the store being shown, cached queries, and safe text helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from harness.leaderboard import queries
from harness.store import Store

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached(name: str, db: str, stamp: tuple[int, int, int], args: tuple[Any, ...]) -> Any:
    # ``stamp`` is only part of the key: a store that changed gets fresh results.
    return getattr(queries, name)(db, *args)


@dataclass(frozen=True)
class Board:
    """The store the app shows, read-only, and its modification stamp (the cache key)."""

    db: str
    stamp: tuple[int, int, int]

    @classmethod
    def open(cls, db: str) -> Board:
        """Check the store exists and stamp it (raises StoreError with the fix when it does not)."""
        Store(db, read_only=True)
        return cls(db, queries.store_stamp(db))

    def q(self, name: str, *args: Any) -> Any:
        """Call ``queries.<name>(db, *args)``, cached until the store changes."""
        return _cached(name, self.db, self.stamp, args)

    def runs(self, latest_only: bool = True) -> pd.DataFrame:
        """Complete runs (latest per label, task and data by default)."""
        return self.q("runs", latest_only)

    def overview(self) -> pd.DataFrame:
        """Primary metric per (latest run, split)."""
        return self.q("overview")


def md(text: object) -> str:
    """Text made inert for a Markdown element (labels are user input): every special character escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def run_title(row: pd.Series | dict[str, Any]) -> str:
    """How a run is named in pickers: label · task · start time · id, and its errored samples if any."""
    started = pd.Timestamp(row["started_at"]).strftime("%Y-%m-%d %H:%M")
    errors = row.get("n_errors")
    flagged = f" · {int(errors)} errored" if errors is not None and not pd.isna(errors) and errors > 0 else ""
    return f"{row['label']} · {row['task']} · {started} · {row['run_id']}{flagged}"


def task_picker(key: str, tasks: list[str]) -> str | None:
    """A task selector shared by pages; with no complete run yet, says how to make one."""
    if not tasks:
        st.info("No complete runs in this store yet: `harness run --task ... --model ...` adds some.")
        return None
    return st.selectbox("Task", tasks, key=key)


def data_version_picker(long: pd.DataFrame, task: str, key: str) -> str | None:
    """When a task was run on several data versions, let the user pick one (the most common by default)."""
    from harness.leaderboard.tables import default_data_hash

    rows = long[long["task"] == task]
    if rows.empty:
        return None
    hashes = rows.groupby("data_hash")["label"].nunique().sort_values(ascending=False)
    default = default_data_hash(rows)
    if len(hashes) == 1:
        return default
    options = list(hashes.index)
    return st.selectbox(
        f"Data version of {task}",
        options,
        index=options.index(default),
        key=key,
        format_func=lambda h: f"{h} ({hashes[h]} models)",
        help="Runs on different data are not comparable: one data version per table.",
    )
