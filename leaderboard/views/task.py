"""Task: every metric per split and model, k-curves of runs with attempts, breakdowns by sample tag, labels and
failure kinds, ID→OOD drop."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from harness.leaderboard.board import Board, data_version_picker, task_picker
from harness.leaderboard.breakdowns import curve_table, failure_pivot, tag_groups, tag_pivot
from harness.leaderboard.kcurves import SELECTOR_TITLES, without_k_metrics
from harness.leaderboard.queries import TRUNCATED
from harness.leaderboard.tables import (
    DROP,
    column_name,
    every_metric_table,
    overview_table,
    per_label_f1,
    split_order,
)


def render(board: Board) -> None:
    """The Task page."""
    st.header("Task")
    long = board.overview()
    task = task_picker("task_task", sorted(long["task"].unique()) if not long.empty else [])
    if task is None:
        return
    version = data_version_picker(long, task, key="task_data")
    rows = long[(long["task"] == task) & (long["data_hash"] == version)]
    runs = rows.drop_duplicates("run_id").set_index("run_id")
    run_ids = tuple(runs.index)
    labels = runs["label"].to_dict()
    metrics = board.q("metrics", run_ids)
    _all_metrics(metrics, labels, board.q("cost_latency", run_ids))
    _k_curves(curve_table(metrics, labels))
    _drop_chart(rows, task)
    _breakdown(board, metrics, run_ids, labels, task, rows)
    _failures(board, run_ids, labels)
    _label_view(board, runs, split_order(list(rows["split"].unique())))


def _all_metrics(metrics: pd.DataFrame, labels: dict[str, str], counts: pd.DataFrame) -> None:
    """Every metric per model and split; an ``errors`` column where some split has errored samples."""
    st.subheader("Every metric")
    with_ci = st.toggle("Show 95% CI", value=False, key="task_ci")
    if with_ci:
        metrics = metrics.assign(value=metrics.apply(_with_ci, axis=1))
    wide = every_metric_table(metrics, counts, labels)
    if "errors" in wide.columns:
        st.caption("errors: samples that errored (no answer), scored as wrong in that row's metrics.")
    st.dataframe(wide, hide_index=True)


def _k_curves(table: pd.DataFrame) -> None:
    """Per model with several attempts per example: each selector's value (95% CI band) against k."""
    if table.empty:
        return  # no run of this task has attempts
    st.subheader("k-curves")
    ks = sorted(int(k) for k in table["k"].unique())
    color = alt.Color("selector:N", sort=list(SELECTOR_TITLES), scale=alt.Scale(scheme="tableau10"))
    x = alt.X("k:Q", scale=alt.Scale(type="log", base=2), axis=alt.Axis(values=ks), title="attempts per example (k)")
    band = (
        alt.Chart()
        .mark_area(opacity=0.15)
        .encode(x=x, y=alt.Y("ci_low:Q", title="value", scale=alt.Scale(zero=False)), y2="ci_high:Q", color=color)
    )
    line = alt.Chart().mark_line(point=True).encode(
        x=x, y="value:Q", color=color,
        tooltip=["model", "split", "selector", "k", alt.Tooltip("value:Q", format=".3f"),
                 alt.Tooltip("ci_low:Q", format=".3f"), alt.Tooltip("ci_high:Q", format=".3f"), "n"],
    )  # fmt: skip
    splits = split_order(list(table["split"].unique()))
    layers = alt.layer(band, line, data=table).properties(width=260, height=200)
    chart = layers.facet(row="model:N", column=alt.Column("split:N", sort=splits))
    st.altair_chart(chart)
    st.dataframe(table, hide_index=True, key="task_kcurves")
    st.caption(
        "Models run with several attempts per example (harness run --samples N), from their stored metrics: "
        "vote@k, the majority answer of k attempts; verify@k, the majority among attempts that pass the task's "
        "verifier; pass@k, some attempt right (an upper bound, not a choice); pass^k, all k right. Values are "
        "averaged over subsets of k attempts, with 95% bootstrap CIs over examples; tokens and cost per example "
        "at k. The tables above are attempt 0 alone."
    )


def _with_ci(row: pd.Series) -> str:
    if pd.isna(row["ci_low"]) or pd.isna(row["ci_high"]):
        return f"{row['value']:.3f}"
    return f"{row['value']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"


def _drop_chart(rows: pd.DataFrame, task: str) -> None:
    table = overview_table(rows)
    drop = column_name(task, DROP)
    if drop not in table.frame:
        return
    st.subheader("ID→OOD drop")
    data = table.frame[["label", "kind", drop]].dropna().rename(columns={drop: "drop"})
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("drop:Q", title=f"test − ood ({table.primary[task].get('test', '')})"),
            y=alt.Y("label:N", sort="x", title=None),
            color=alt.Color("kind:N"),
            tooltip=["label", "kind", alt.Tooltip("drop:Q", format=".3f")],
        )
    )
    st.altair_chart(chart)


def _breakdown(
    board: Board, metrics: pd.DataFrame, run_ids: tuple[str, ...], labels: dict[str, str], task: str, rows: pd.DataFrame
) -> None:
    st.subheader("By category")
    names = sorted(without_k_metrics(metrics)["metric"].unique())
    if not names:
        return
    primary = rows.loc[rows["split"] == "test", "metric"]
    default = primary.iloc[0] if not primary.empty else names[0]
    metric = st.selectbox("Metric", names, index=names.index(default), key="task_metric")
    frame = board.q("tag_breakdown", run_ids, metric)
    if frame.empty:
        st.caption("These samples carry no tags.")
        return
    groups = tag_groups(frame)
    group = st.selectbox("Tag group", groups, key="task_group", help="`cmd:buffer` is in group `cmd`")
    st.dataframe(tag_pivot(frame, labels, str(group)), hide_index=True)
    st.caption(f"Mean {metric} per tag; n = samples with the tag (largest over runs).")


def _failures(board: Board, run_ids: tuple[str, ...], labels: dict[str, str]) -> None:
    frame = board.q("failure_kinds", run_ids)
    if frame.empty:
        return
    st.subheader("Failure kinds")
    st.dataframe(failure_pivot(frame, labels), hide_index=True)
    st.caption(
        f"Kinds a task gave its wrong answers; `sample error`: no answer (the model call failed); `{TRUNCATED}`: "
        "generation stopped at max_tokens before the answer ended (also counted under its other kind). "
        "source `grammar` counts the constrained decoder's failures apart from the model's: `grammar_mismatch` "
        "(a finished constrained answer that still fails validation), `budget_cut`, a schema the engine refused."
    )


def _label_view(board: Board, runs: pd.DataFrame, splits: list[str]) -> None:
    first = runs.index[0]
    if board.q("label_counts", first, splits[0]).empty:
        return  # targets are not labels (free text, objects, calls): nothing to tabulate
    st.subheader("Per-label F1 and confusion")
    left, right = st.columns(2)
    run_id = left.selectbox("Model", list(runs.index), format_func=lambda r: runs.loc[r, "label"], key="task_lrun")
    split = right.selectbox("Split", splits, key="task_lsplit")
    st.dataframe(per_label_f1(board.q("label_counts", run_id, split)), hide_index=True)
    matrix = board.q("confusion", run_id, split)
    if matrix.empty:
        return
    matrix = matrix.fillna({"predicted": "(none)"})
    chart = (
        alt.Chart(matrix)
        .mark_rect()
        .encode(
            x=alt.X("predicted:N"),
            y=alt.Y("expected:N"),
            color=alt.Color("n:Q", scale=alt.Scale(scheme="blues")),
            tooltip=["expected", "predicted", "n"],
        )
    )
    st.altair_chart(chart)
