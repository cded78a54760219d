"""Samples: browse one run page by page, or two runs side by side with their disagreements first.

Model output is untrusted: it only ever reaches the page through ``st.dataframe`` cells and
``st.code`` blocks, which show text as text, never through Markdown or HTML.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
import streamlit as st

from harness.leaderboard.board import Board, run_title
from harness.leaderboard.kcurves import without_k_metrics
from harness.leaderboard.queries import SampleFilter, primary_metric
from harness.leaderboard.tables import split_order

NO_COMPARE = "(none)"
ERROR_CHOICES = {"any": "all samples", "only": "only errors", "none": "no errors"}


def render(board: Board) -> None:
    """The Samples page."""
    st.header("Samples")
    runs = board.runs(latest_only=False).set_index("run_id")
    if runs.empty:
        st.info("No complete runs in this store yet.")
        return
    _defaults_from_url(list(runs.index))
    left, right = st.columns(2)
    run_id = left.selectbox(
        "Run", list(runs.index), format_func=lambda r: run_title(runs.loc[r].to_dict() | {"run_id": r}), key="smp_run"
    )
    others = [r for r in runs.index if r != run_id and runs.loc[r, "task"] == runs.loc[run_id, "task"]]
    titles = {r: run_title(runs.loc[r].to_dict() | {"run_id": r}) for r in others}
    other = right.selectbox(
        "Compare with", [NO_COMPARE, *others], format_func=lambda r: titles.get(r, r), key="smp_compare"
    )
    stored = board.q("metrics", (run_id,))
    where, metric = _filters(board, run_id, stored)
    if other == NO_COMPARE:
        _single(board, run_id, where, metric)
    else:
        _compare(board, run_id, other, where, metric, runs)


def _defaults_from_url(run_ids: list[str]) -> None:
    """``?run=ID&compare=ID&q=TEXT`` preselect the page, so a sample view can be linked."""
    params = st.query_params
    for param, key in (("run", "smp_run"), ("compare", "smp_compare")):
        if key not in st.session_state and params.get(param) in run_ids:
            st.session_state[key] = params.get(param)
    if "smp_search" not in st.session_state and params.get("q"):
        st.session_state["smp_search"] = params.get("q")


def _filters(board: Board, run_id: str, stored: pd.DataFrame) -> tuple[SampleFilter, str]:
    splits = split_order(list(stored["split"].unique()))
    names = sorted(without_k_metrics(stored)["metric"].unique())  # vote@k and the like have no per-sample score
    cols = st.columns(3)
    split = cols[0].selectbox("Split", ["(all)", *splits], key="smp_split")
    tags = cols[1].multiselect("Tags (any of)", board.q("sample_tags", run_id), key="smp_tags")
    errors = cols[2].selectbox("Errors", list(ERROR_CHOICES), format_func=ERROR_CHOICES.__getitem__, key="smp_errors")
    cols = st.columns(3)
    primary = primary_metric(stored, splits[0]) if splits else None
    index = names.index(primary) if primary in names else 0
    metric = cols[0].selectbox("Score column", names or ["(none)"], index=index, key="smp_metric")
    failed = cols[1].selectbox("Failed metric (score < 1)", ["(any)", *names], key="smp_failed")
    search = cols[2].text_input("Search id, input and output", key="smp_search")
    where = SampleFilter(
        split=None if split == "(all)" else split,
        tags=tuple(tags),
        errors=str(errors),
        failed_metric=None if failed == "(any)" else failed,
        search=search,
    )
    return where, metric


def _pager(total: int) -> tuple[int, int]:
    left, right = st.columns([1, 3])
    size = int(left.selectbox("Rows per page", [25, 50, 100], key="smp_size"))
    pages = max(1, math.ceil(total / size))
    page = int(right.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1, key="smp_page"))
    return size, (min(page, pages) - 1) * size


def _single(board: Board, run_id: str, where: SampleFilter, metric: str) -> None:
    total = board.q("sample_count", run_id, where)
    st.caption(f"{total} matching samples")
    size, offset = _pager(total)
    page = board.q("sample_page", run_id, where, metric, size, offset)
    page = page.assign(tags=page["tags"].map(lambda t: ", ".join(t) if t is not None else ""))
    st.dataframe(page.rename(columns={"score": metric}), hide_index=True)
    picked = _inspect_choice(page)
    if picked:
        _detail(board.q("sample_detail", run_id, *picked))


def _compare(board: Board, run_a: str, run_b: str, where: SampleFilter, metric: str, runs: pd.DataFrame) -> None:
    total, disagree = board.q("compare_count", run_a, run_b, where)
    label_a, label_b = runs.loc[run_a, "label"], runs.loc[run_b, "label"]
    st.caption(f"{total} shared examples, {disagree} where the runs disagree (shown first)")
    size, offset = _pager(total)
    page = board.q("compare_page", run_a, run_b, where, metric, size, offset)
    names = {"score_a": f"{metric} (A)", "score_b": f"{metric} (B)", "output_a": "output (A)", "output_b": "output (B)"}
    st.dataframe(page.rename(columns=names), hide_index=True)
    st.caption(f"A = {run_a} ({label_a}), B = {run_b} ({label_b})")
    picked = _inspect_choice(page)
    if picked:
        left, right = st.columns(2)
        with left:
            st.text(f"A: {label_a}")
            _detail(board.q("sample_detail", run_a, *picked))
        with right:
            st.text(f"B: {label_b}")
            _detail(board.q("sample_detail", run_b, *picked))


def _inspect_choice(page: pd.DataFrame) -> tuple[str, str] | None:
    if page.empty:
        return None
    keys = list(zip(page["split"], page["example_id"], strict=True))
    choice = st.selectbox("Inspect example", keys, format_func=lambda k: f"{k[0]} / {k[1]}", key="smp_inspect")
    return (str(choice[0]), str(choice[1])) if choice else None


def _detail(sample: dict[str, Any] | None) -> None:
    """One sample, every field as escaped text."""
    if sample is None:
        st.text("(this run has no such example)")
        return
    tags = ", ".join(sample["tags"]) if sample["tags"] is not None else ""
    st.text(f"example {sample['example_id']} · split {sample['split']} · tags {tags}")
    st.text("input")
    st.code(_pretty(sample["input"]), language="json")
    st.text("target")
    st.code(_pretty(sample["target"]), language="json")
    st.text("output")
    st.code(sample["output"] or "", language=None)
    if sample["error"]:
        st.text("error")
        st.code(sample["error"], language=None)
    st.text("scores")
    st.code(_pretty(sample["scores"]), language="json")
    if sample["details"]:
        st.text("details")
        st.code(_pretty(sample["details"]), language="json")


def _pretty(raw: str | None) -> str:
    if raw is None:
        return "null"
    try:
        return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except ValueError:
        return str(raw)
