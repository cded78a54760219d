"""Versus: two models head to head, as ``harness compare A B`` answers it: verdicts, table, difference, cost; and,
where a model has several attempts per example, the same at each k."""

from __future__ import annotations

from urllib.parse import urlencode

import altair as alt
import pandas as pd
import streamlit as st

from harness.compare import SELECTORS, CompareReport, k_metric, k_metric_name, k_table_rows, table_rows
from harness.errors import HarnessError
from harness.leaderboard.board import Board, md


def render(board: Board) -> None:
    """The Versus page."""
    st.header("Versus")
    labels = sorted(board.runs()["label"].unique())
    if len(labels) < 2:
        st.info("Versus needs complete runs of two models: `harness run --task ... --model ... --label ...`.")
        return
    a, b = _pickers(labels)
    if a == b:
        st.warning("Pick two different models.")
        return
    selector = st.radio("With attempts, compare", SELECTORS, key="vs_selector", horizontal=True)
    try:
        report: CompareReport = board.q("versus", a, b, str(selector))
    except HarnessError as exc:  # not comparable: the command's one line, as `harness compare` exits 2 with it
        st.error(str(exc))
        return
    st.subheader("Verdict")
    for line in report.verdicts().values():
        st.text(line)
    st.dataframe(pd.DataFrame(table_rows(report)), hide_index=True, key="vs_table")
    st.caption(
        "The difference is A − B on the example ids both runs share (exact McNemar p for 0/1 metrics, else a paired "
        "bootstrap; 95% CI). Not distinguishable: the CI includes 0. $/1k: cost per 1,000 samples (not priced: no "
        "cost recorded); spent: what each run paid (answers from the response cache cost nothing)."
    )
    _at_k(report)
    left, right = st.columns(2)
    with left:
        st.altair_chart(difference_chart(report))
    with right:
        st.altair_chart(cost_chart(report))
    _sample_links(report)
    for note in report.notes:
        st.caption(md(f"note: {note}"))


def _at_k(report: CompareReport) -> None:
    """Where a model has several attempts per example: its SELECTOR@k against the other (at each k)."""
    if not report.k_rows:
        return
    st.subheader(f"At k attempts per example ({k_metric_name(report.selector, 'k')})")
    for line in report.k_verdicts().values():
        st.text(line)
    st.dataframe(pd.DataFrame(k_table_rows(report)), hide_index=True, key="vs_k_table")
    st.caption(
        f"{k_metric_name(report.selector, 'k')}: the stored value when k attempts per example are spent; a model "
        "without attempts shows its one answer per example. No per-example values are stored for k, so these "
        "rows are unpaired: better / worse only where the two 95% CIs do not overlap. $/1k examples: at k attempts."
    )


def _pickers(labels: list[str]) -> tuple[str, str]:
    """Two model selectors, preset by ``?a=LABEL&b=LABEL`` so a comparison can be linked."""
    for param, key, default in (("a", "vs_a", labels[0]), ("b", "vs_b", labels[1])):
        if key not in st.session_state:
            wanted = st.query_params.get(param)
            st.session_state[key] = wanted if wanted in labels else default
    left, right = st.columns(2)
    a = left.selectbox("Model A", labels, key="vs_a")
    b = right.selectbox("Model B", labels, key="vs_b")
    return str(a), str(b)


def difference_points(report: CompareReport) -> pd.DataFrame:
    """One row per task and split: the difference A − B with its CI and verdict."""
    return pd.DataFrame(
        [
            {
                "where": f"{s.task}/{s.split}",
                "diff": s.diff,
                "ci_low": s.ci_low,
                "ci_high": s.ci_high,
                "verdict": s.verdict,
                "metric": s.metric,
            }
            for s in report.splits
        ]
    )


def difference_chart(report: CompareReport) -> alt.LayerChart | alt.FacetChart:
    """A bar per task and split: A − B, its 95% CI as a rule, zero marked."""
    data = difference_points(report)
    y = alt.Y("where:N", title=None, sort=None)
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("diff:Q", title=f"{report.a} − {report.b}"),
            y=y,
            color=alt.Color(
                "verdict:N",
                scale=alt.Scale(
                    domain=["better", "worse", "not distinguishable"], range=["#21c354", "#ff4b4b", "#a3a8b8"]
                ),
            ),
            tooltip=[
                "where",
                "metric",
                alt.Tooltip("diff:Q", format="+.3f"),
                alt.Tooltip("ci_low:Q", format=".3f"),
                alt.Tooltip("ci_high:Q", format=".3f"),
                "verdict",
            ],
        )
    )
    whiskers = alt.Chart(data).mark_rule(color="black").encode(x="ci_low:Q", x2="ci_high:Q", y=y)
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 3], color="gray").encode(x="x:Q")
    return alt.layer(bars, whiskers, zero).properties(title="Difference per split (95% CI)")


def cost_points(report: CompareReport) -> pd.DataFrame:
    """One point per model, task and split (its first answer), and one per k for a model with attempts: quality
    against cost per 1,000 examples (not priced counts as 0)."""
    rows = []
    for s in report.splits:
        for stats in (s.a, s.b):
            rows.append(_point(stats.label, f"{s.task}/{s.split}", "first", 1, stats.value, stats.cost_per_1k))
    for r in report.k_rows:
        for side in (r.a, r.b):
            if k_metric(side.metric):  # a side without attempts is its first answer, already there
                rows.append(_point(side.label, f"{r.task}/{r.split}", r.selector, r.k, side.value, side.cost_per_1k))
    return pd.DataFrame(rows)


def _point(model: str, where: str, selector: str, k: int, quality: float, cost: float | None) -> dict[str, object]:
    return {"model": model, "where": where, "selector": selector, "k": k, "quality": quality,
            "cost_per_1k": cost or 0.0, "priced": cost is not None}  # fmt: skip


def cost_chart(report: CompareReport) -> alt.LayerChart | alt.FacetChart:
    """Quality against cost per 1,000 examples: both models, one shape per task and split, a line through a model's
    k points."""
    data = cost_points(report)
    x = alt.X("cost_per_1k:Q", title="cost per 1,000 examples (USD)", scale=alt.Scale(type="symlog"))
    y = alt.Y("quality:Q", title="primary metric", scale=alt.Scale(zero=False))
    curves = (
        alt.Chart(data[data["selector"] != "first"])
        .mark_line(opacity=0.6)
        .encode(x=x, y=y, color=alt.Color("model:N"), detail="where:N", order="k:Q")
    )
    dots = (
        alt.Chart(data)
        .mark_point(size=140, filled=True)
        .encode(
            x=x,
            y=y,
            color=alt.Color("model:N"),
            shape=alt.Shape("where:N", title="task/split"),
            tooltip=[
                "model",
                "where",
                "selector",
                "k",
                alt.Tooltip("quality:Q", format=".3f"),
                alt.Tooltip("cost_per_1k:Q", format=".4g"),
                "priced",
            ],
        )
    )
    return alt.layer(curves, dots).properties(title="Quality vs cost")


def sample_link(run_a: str, run_b: str) -> str:
    """The Samples page comparing two runs side by side, disagreements first."""
    return "?" + urlencode({"page": "samples", "run": run_a, "compare": run_b})


def _sample_links(report: CompareReport) -> None:
    """Per task, a link to the samples where the two disagree."""
    runs = {s.task: (s.a.run_id, s.b.run_id) for s in report.splits}
    for task, (run_a, run_b) in runs.items():
        if run_a and run_b:
            st.markdown(f"[Samples where they disagree on {md(task)}]({sample_link(run_a, run_b)})")
