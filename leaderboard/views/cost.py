"""Cost and latency: quality against cost per 1,000 samples and against median latency, with Pareto fronts."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from harness.leaderboard import tables
from harness.leaderboard.board import Board, data_version_picker, task_picker
from harness.leaderboard.tables import split_order


def render(board: Board) -> None:
    """The Cost and latency page."""
    st.header("Cost and latency")
    long = board.overview()
    task = task_picker("cost_task", sorted(long["task"].unique()) if not long.empty else [])
    if task is None:
        return
    version = data_version_picker(long, task, key="cost_data")
    rows = long[(long["task"] == task) & (long["data_hash"] == version)]
    split = st.selectbox("Split", split_order(list(rows["split"].unique())), key="cost_split")
    points = cost_points(board, rows[rows["split"] == split])
    metric = str(points["metric"].iloc[0])
    left, right = st.columns(2)
    with left:
        st.altair_chart(_chart(points, "cost_per_1k", "cost per 1,000 samples (USD)", metric))
    with right:
        st.altair_chart(_chart(points, "median_latency_ms", "median latency (ms)", metric))
    columns = ["label", "kind", "size", "quality", "cost_per_1k", "median_latency_ms", "p90_latency_ms", "n"]
    table = points[[*columns, "n_errors", "pareto_cost", "pareto_latency"]].sort_values("quality", ascending=False)
    st.dataframe(table, hide_index=True)
    st.caption(
        f"Quality = {metric} on {split}. Cost from the samples' recorded cost (none recorded counts as 0, "
        "e.g. local models); latency per sample as the backend measured it. Pareto = no other model is "
        "both cheaper (faster) and at least as good."
    )


def cost_points(board: Board, rows: pd.DataFrame) -> pd.DataFrame:
    """One point per model: quality of the split joined with its cost and latency."""
    return tables.cost_points(rows, board.q("cost_latency", tuple(rows["run_id"])))


def _chart(points: pd.DataFrame, x: str, title: str, metric: str) -> alt.LayerChart | alt.FacetChart:
    flag = "pareto_cost" if x == "cost_per_1k" else "pareto_latency"
    data = points.dropna(subset=[x])
    base = alt.Chart(data).encode(
        # cost has zeros (local models): symlog; latency is positive and spans decades: log
        x=alt.X(f"{x}:Q", title=title, scale=alt.Scale(type="symlog" if x == "cost_per_1k" else "log")),
        y=alt.Y("quality:Q", title=metric, scale=alt.Scale(zero=False)),
    )
    dots = base.mark_circle(size=120).encode(
        color=alt.Color("kind:N"),
        tooltip=["label", "kind", "size", alt.Tooltip("quality:Q", format=".3f"), alt.Tooltip(f"{x}:Q", format=".4g")],
    )
    names = base.mark_text(align="left", dx=8, fontSize=11).encode(text="label:N")
    front = (
        alt.Chart(data[data[flag]].sort_values(x))
        .mark_line(strokeDash=[4, 3], color="gray")
        .encode(x=f"{x}:Q", y="quality:Q")
    )
    return alt.layer(front, dots, names)
