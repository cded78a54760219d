"""History: one model's metric across its runs (commits, data versions), its training card and gate results."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from harness.leaderboard.board import Board, md
from harness.leaderboard.tables import card_link, card_rows, parse_card, split_order

ROW_PX = 35  # a dataframe row's height


def render(board: Board) -> None:
    """The History page."""
    st.header("History")
    runs = board.runs(latest_only=False)
    if runs.empty:
        st.info("No complete runs in this store yet.")
        return
    left, middle, right = st.columns(3)
    label = left.selectbox("Model", sorted(runs["label"].unique()), key="hist_label")
    tasks = sorted(runs.loc[runs["label"] == label, "task"].unique())
    task = middle.selectbox("Task", tasks, key="hist_task")
    frame = board.q("history", label, task)
    if frame.empty:
        st.info("These runs stored no metrics.")
        return
    names = sorted(frame["metric"].unique())
    default = _primary(board, label, task, names)
    metric = right.selectbox("Metric", names, index=names.index(default), key="hist_metric")
    frame = frame[frame["metric"] == metric].assign(git_sha=lambda f: f["git_sha"].fillna(""))
    chart = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("started_at:T", title="run started"),
            y=alt.Y("value:Q", title=metric, scale=alt.Scale(zero=False)),
            color=alt.Color("split:N", sort=split_order(list(frame["split"].unique()))),
            tooltip=["run_id", "git_sha", "split", alt.Tooltip("value:Q", format=".3f"), "ci_low", "ci_high"],
        )
    )
    st.altair_chart(chart)
    index = ["started_at", "run_id", "git_sha", "data_hash", "errors"]
    wide = frame.rename(columns={"n_errors": "errors"}).pivot_table(
        index=index, columns="split", values="value", aggfunc="first"
    )
    wide = wide[[s for s in split_order(list(wide.columns)) if s in wide.columns]]
    st.dataframe(wide.reset_index().sort_values("started_at", ascending=False), hide_index=True)
    st.caption("errors: samples of the run that errored (no answer), scored as wrong in its numbers.")
    _training_card(runs[(runs["label"] == label) & (runs["task"] == task)])
    _gates(board, label, task, tuple(frame["run_id"].unique()))


def _primary(board: Board, label: str, task: str, names: list[str]) -> str:
    long = board.overview()
    rows = long[(long["label"] == label) & (long["task"] == task)]
    wanted = rows.loc[rows["split"] == "test", "metric"]
    return str(wanted.iloc[0]) if not wanted.empty and wanted.iloc[0] in names else names[0]


def _training_card(runs: pd.DataFrame) -> None:
    """The card stored with the model's latest run that has one: what was trained, how, and its evaluation."""
    carried = runs[runs["training_card"].notna()].sort_values("started_at", ascending=False)
    if carried.empty:
        return
    row = carried.iloc[0]
    card, link = parse_card(row["training_card"]), card_link(row["training_card"])
    if not card and not link:
        return
    st.subheader("Training card")
    note = f"The checkpoint's training.json as stored with run {row['run_id']}."
    evaluated = (card or {}).get("eval")
    if isinstance(evaluated, dict) and evaluated.get("run_id"):
        note += f" Evaluated after training in run {evaluated['run_id']} on {evaluated.get('split')}."
    st.caption(md(note))
    if link:
        st.link_button("Published model and card", link)
    if card:
        rows = card_rows(card)
        # Every row without scrolling, up to a page (an int: older Streamlit has no height="content").
        st.dataframe(rows, hide_index=True, height=min(ROW_PX * (len(rows) + 1) + 3, 900))


def _gates(board: Board, label: str, task: str, run_ids: tuple[str, ...]) -> None:
    gates = board.q("gates", label, task, run_ids)
    if gates is None or gates.empty:
        return  # no gate has checked this model yet
    st.subheader("Gate results")
    st.caption("`harness gate` comparisons that name this model or one of its runs, newest first.")
    st.dataframe(gates, hide_index=True)
