"""Cost and latency: quality against cost per 1,000 examples (or tokens) and against median latency, with Pareto
fronts; a run with several attempts per example is one point per k, joined by a line (its k-curve)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from harness.compare import k_metric_name
from harness.leaderboard import tables
from harness.leaderboard.board import Board, data_version_picker, task_picker
from harness.leaderboard.kcurves import SELECTOR_TITLES, curves, selectors_in
from harness.leaderboard.tables import split_order

AXES = {"cost_per_1k": "cost per 1,000 examples (USD)", "tokens_per_example": "tokens per example (in + out)"}
FRONTS = {"cost_per_1k": "pareto_cost", "tokens_per_example": "pareto_tokens", "median_latency_ms": "pareto_latency"}


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
    split_rows = rows[rows["split"] == split]
    curve_rows = split_curves(board, split_rows)
    selector = _selector_picker(curve_rows)
    points = cost_points(board, split_rows, curve_rows, selector)
    metric = str(split_rows["metric"].iloc[0])
    axis = st.radio(
        "Cost axis", list(AXES), index=list(AXES).index(tables.cost_axis(points)), format_func=AXES.__getitem__,
        key="cost_axis", horizontal=True,
    )  # fmt: skip
    left, right = st.columns(2)
    with left:
        st.altair_chart(chart(points, axis, AXES[axis], metric))
    with right:
        once = points[points["k"] == points.groupby("run_id")["k"].transform("min")]
        st.altair_chart(chart(once, "median_latency_ms", "median latency per answer (ms)", metric))
    st.dataframe(tables.cost_table(points), hide_index=True)
    attempts = (
        f" A model run with several attempts per example is one point per k ({SELECTOR_TITLES[selector]}: "
        f"{k_metric_name(selector, 'k')} at the cost of k attempts, cost_usd@k and tokens@k per example), "
        "joined by a line; its "
        "k = 1 point is the mean over single attempts, which can differ a little from the overview's attempt 0."
        if not curve_rows.empty
        else ""
    )
    st.caption(
        f"Quality = {metric} on {split}. Cost from the samples' recorded cost (none recorded counts as 0, "
        "e.g. local models); latency per answer as the backend measured it. Pareto = no other point is "
        f"both cheaper (faster) and at least as good.{attempts}"
    )


def split_curves(board: Board, split_rows: pd.DataFrame) -> pd.DataFrame:
    """The k-curves of these runs on their split (empty where no run has attempts)."""
    found = curves(board.q("metrics", tuple(split_rows["run_id"])))
    return found[found["split"].isin(set(split_rows["split"]))]


def _selector_picker(curve_rows: pd.DataFrame) -> str:
    present = selectors_in(curve_rows)
    if not present:
        return "vote"
    return str(
        st.radio(
            "Quality of a model with attempts",
            present,
            format_func=SELECTOR_TITLES.__getitem__,
            key="cost_selector",
            horizontal=True,
            help="How one answer is chosen from k attempts (pass@k is an upper bound, not a choice).",
        )
    )


def cost_points(board: Board, rows: pd.DataFrame, curve_rows: pd.DataFrame, selector: str) -> pd.DataFrame:
    """One point per model (per k for a model with attempts): quality of the split with its cost and latency."""
    return tables.cost_points(rows, board.q("cost_latency", tuple(rows["run_id"])), curve_rows, selector)


def chart(points: pd.DataFrame, x: str, title: str, metric: str) -> alt.LayerChart | alt.FacetChart:
    """Quality against ``x``: a dot per point, a line through each run's k points, the Pareto front dashed."""
    data = points.dropna(subset=[x]).sort_values(["label", "k"])
    # cost has zeros (local models): symlog; latency and tokens are positive and span decades: log
    scale = alt.Scale(type="symlog" if x == "cost_per_1k" else "log")
    base = alt.Chart(data).encode(
        x=alt.X(f"{x}:Q", title=title, scale=scale), y=alt.Y("quality:Q", title=metric, scale=alt.Scale(zero=False))
    )
    tooltip = ["label", "kind", "size", "selector", "k", alt.Tooltip("quality:Q", format=".3f"),
               alt.Tooltip(f"{x}:Q", format=".4g")]  # fmt: skip
    curve = base.transform_filter(alt.datum.selector != "first").mark_line(opacity=0.6)
    curve = curve.encode(color=alt.Color("kind:N"), detail="label:N", order="k:Q")
    dots = base.mark_circle(size=120).encode(color=alt.Color("kind:N"), tooltip=tooltip)
    last = data[data["k"] == data.groupby("label")["k"].transform("max")]
    names = alt.Chart(last).mark_text(align="left", dx=8, fontSize=11).encode(x=f"{x}:Q", y="quality:Q", text="label:N")
    ks = base.transform_filter(alt.datum.selector != "first").mark_text(dy=-10, fontSize=9, color="gray")
    front = (
        alt.Chart(data[data[FRONTS[x]]].sort_values(x))
        .mark_line(strokeDash=[4, 3], color="gray")
        .encode(x=f"{x}:Q", y="quality:Q")
    )
    return alt.layer(front, curve, dots, ks.encode(text="k:Q"), names)
