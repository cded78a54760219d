"""The Task page's tables beyond every metric: k-curves, mean metric per sample tag, failure kinds.

Pure pandas over :mod:`harness.leaderboard.queries` frames, shared by the live page and the static export so
both show the same numbers.
"""

from __future__ import annotations

import pandas as pd

from harness.leaderboard.kcurves import CURVE_COLUMNS, SELECTORS, curves
from harness.leaderboard.tables import split_order, tag_group

__all__ = ["curve_table", "failure_pivot", "tag_groups", "tag_pivot"]


def _column(frame: pd.DataFrame, labels: dict[str, str]) -> pd.Series:
    return frame["run_id"].map(labels) + " · " + frame["split"]


def tag_groups(frame: pd.DataFrame) -> list[str]:
    """The tag groups of :func:`queries.tag_breakdown` rows (``cmd:buffer`` is in group ``cmd``), sorted."""
    return sorted(frame["tag"].map(tag_group).unique())


def tag_pivot(frame: pd.DataFrame, labels: dict[str, str], group: str) -> pd.DataFrame:
    """Mean metric per tag of one group (rows) and model · split (columns), and n, the largest count over runs."""
    rows = frame[frame["tag"].map(tag_group) == group]
    rows = rows.assign(column=_column(rows, labels))
    values = rows.pivot_table(index="tag", columns="column", values="value", aggfunc="first")
    counts = rows.groupby("tag")["n"].max().rename("n")
    table = values.join(counts).reset_index()
    table.columns.name = None
    return table


def failure_pivot(frame: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Counts of each failure kind (rows) per model · split (columns), 0 where a run had none of that kind."""
    rows = frame.assign(column=_column(frame, labels))
    index = ["source", "kind"] if "source" in rows.columns else ["kind"]
    wide = rows.pivot_table(index=index, columns="column", values="n", aggfunc="sum", fill_value=0)
    table = wide.reset_index()
    table.columns.name = None
    return table


def curve_table(metrics: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The Task page's k-curve table: per model, split (reading order), selector and k, the value with its CI, n,
    and what k attempts cost per example. Empty where no run has attempts."""
    frame = curves(metrics)
    if frame.empty:
        return pd.DataFrame(columns=["model", *CURVE_COLUMNS[1:]])
    frame = frame.assign(model=frame["run_id"].map(labels))
    order = {split: i for i, split in enumerate(split_order(list(frame["split"].unique())))}
    rank = {name: i for i, name in enumerate(SELECTORS)}
    frame = frame.assign(_split=frame["split"].map(order), _selector=frame["selector"].map(rank))
    frame = frame.sort_values(["model", "_split", "_selector", "k"])
    return frame[["model", *CURVE_COLUMNS[1:]]].reset_index(drop=True)
