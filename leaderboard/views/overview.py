"""Overview: one row per model, one column group per task, each split's primary metric with its CI."""

from __future__ import annotations

import inspect
from typing import Any

import pandas as pd
import streamlit as st

from harness.leaderboard.board import Board, data_version_picker, md
from harness.leaderboard.tables import (
    SIZE_BUCKETS,
    OverviewTable,
    best_labels,
    overview_table,
    params_text,
    primary_note,
    size_bucket,
)

# An empty cell (a model never run on that task) reads "—", where this Streamlit can say so.
_CAN_PLACEHOLD = "placeholder" in inspect.signature(st.dataframe).parameters
PLACEHOLDER: dict[str, Any] = {"placeholder": "—"} if _CAN_PLACEHOLD else {}
BEST_STYLE = "font-weight: bold; background-color: rgba(33, 195, 84, 0.18)"


def render(board: Board) -> None:
    """The Overview page."""
    st.header("Overview")
    long = board.overview()
    if long.empty:
        st.info("No complete runs in this store yet: `harness run --task ... --model ...` adds some.")
        return
    long = _filtered(long)
    if long.empty:
        st.warning("No model matches these filters.")
        return
    versions = {}
    with st.expander("Data versions", expanded=False):
        for task in sorted(long["task"].unique()):
            versions[task] = data_version_picker(long, task, key=f"ov_data_{task}")
            st.text(f"{task}: data {versions[task]}")
    table = overview_table(long, {t: v for t, v in versions.items() if v})
    errors = " errors: samples of the run that errored (no answer), scored as wrong." if table.error_columns else ""
    st.caption(
        "Latest complete run per model, task and data version (a run whose samples all errored has no result and "
        "is left out). Each cell: the split's primary metric (CI: 95% bootstrap interval). ID→OOD drop = "
        "test − ood, lower is better. Best per column in bold. $/1k samples: the run's cost per 1,000 samples "
        "(not priced: no cost recorded). Cheapest within best's CI: the splits where this model costs least among "
        f"those whose value reaches the best model's CI (not priced counts as 0).{errors}"
    )
    st.dataframe(_styled(table), hide_index=True, column_config=_column_config(table), **PLACEHOLDER)
    st.caption(md(primary_note(table)))


def _filtered(long: pd.DataFrame) -> pd.DataFrame:
    tasks = sorted(long["task"].unique())
    kinds = sorted(long["model_kind"].fillna("unknown").unique())
    sizes = [b for b in SIZE_BUCKETS if b in set(long["model_params"].map(size_bucket))]
    left, middle, right = st.columns(3)
    chosen_tasks = left.multiselect("Tasks", tasks, default=tasks, key="ov_tasks")
    chosen_kinds = middle.multiselect("Model kind", kinds, default=kinds, key="ov_kinds")
    chosen_sizes = right.multiselect("Size", sizes, default=sizes, key="ov_sizes")
    keep = (
        long["task"].isin(chosen_tasks)
        & long["model_kind"].fillna("unknown").isin(chosen_kinds)
        & long["model_params"].map(size_bucket).isin(chosen_sizes)
    )
    return long[keep]


def _styled(table: OverviewTable) -> Any:
    frame = table.frame
    frame = frame.assign(params=frame["params"].map(params_text)).rename(columns={"params": "size"})
    ci_columns = [f"{c} CI" for c in table.higher_better]
    frame[ci_columns] = frame[ci_columns].fillna("")
    frame[table.cheapest_columns] = frame[table.cheapest_columns].fillna("")
    frame = frame.drop(columns=[c for c in ("training", "training_card") if frame[c].isna().all()])
    numeric = table.higher_better + table.lower_better
    best = best_labels(table)

    def mark(column: pd.Series) -> list[str]:
        winners = best.get(str(column.name), [])
        return [BEST_STYLE if label in winners else "" for label in frame["label"]]

    styler = frame.style.format(na_rep="—").format("{:.3f}", subset=numeric, na_rep="—")
    styler = styler.format("{:.0f}", subset=table.error_columns, na_rep="—")
    styler = styler.format("${:.4g}", subset=table.cost_columns, na_rep="not priced")
    return styler.apply(mark, subset=numeric)


def _column_config(table: OverviewTable) -> dict[str, Any]:
    config: dict[str, Any] = {
        "label": st.column_config.TextColumn("model"),
        "kind": st.column_config.TextColumn("kind"),
        "size": st.column_config.TextColumn("params"),
        "training": st.column_config.TextColumn(
            "training", help="From the run's training card: method · steps · wall time · base (History shows it all)"
        ),
        "training_card": st.column_config.LinkColumn("training card", help="Where the fine-tuned model is published"),
    }
    for column in table.higher_better:
        config[f"{column} CI"] = st.column_config.TextColumn(
            "95% CI", width="small", help=f"{column}: 95% bootstrap CI"
        )
    for column in table.lower_better:
        config[column] = st.column_config.NumberColumn(column, help="test − ood of the primary metric")
    for column in table.cost_columns:
        config[column] = st.column_config.NumberColumn(
            column, help="The run's cost per 1,000 samples (sum of the samples' cost_usd × 1000 / samples)"
        )
    for column in table.cheapest_columns:
        config[column] = st.column_config.TextColumn(
            column, help="Splits where this model costs least among those within the best model's 95% CI"
        )
    for column in table.error_columns:
        config[column] = st.column_config.NumberColumn(
            column, help="Samples of this run that errored (no answer): scored as wrong in its numbers"
        )
    return config
