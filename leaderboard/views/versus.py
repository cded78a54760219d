"""Versus: two models head to head, as ``harness compare A B`` answers it: verdicts, table, difference, cost."""

from __future__ import annotations

from urllib.parse import urlencode

import altair as alt
import pandas as pd
import streamlit as st

from harness.compare import CompareReport, table_rows
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
    try:
        report: CompareReport = board.q("versus", a, b)
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
    left, right = st.columns(2)
    with left:
        st.altair_chart(difference_chart(report))
    with right:
        st.altair_chart(cost_chart(report))
    _sample_links(report)
    for note in report.notes:
        st.caption(md(f"note: {note}"))


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
    """One point per model, task and split: quality against cost per 1,000 samples (not priced counts as 0)."""
    rows = []
    for s in report.splits:
        for stats in (s.a, s.b):
            rows.append(
                {
                    "model": stats.label,
                    "where": f"{s.task}/{s.split}",
                    "quality": stats.value,
                    "cost_per_1k": stats.cost_per_1k or 0.0,
                    "priced": stats.cost_per_1k is not None,
                }
            )
    return pd.DataFrame(rows)


def cost_chart(report: CompareReport) -> alt.Chart:
    """Quality against cost per 1,000 samples: both models, one shape per task and split."""
    return (
        alt.Chart(cost_points(report))
        .mark_point(size=140, filled=True)
        .encode(
            x=alt.X("cost_per_1k:Q", title="cost per 1,000 samples (USD)", scale=alt.Scale(type="symlog")),
            y=alt.Y("quality:Q", title="primary metric", scale=alt.Scale(zero=False)),
            color=alt.Color("model:N"),
            shape=alt.Shape("where:N", title="task/split"),
            tooltip=[
                "model",
                "where",
                alt.Tooltip("quality:Q", format=".3f"),
                alt.Tooltip("cost_per_1k:Q", format=".4g"),
                "priced",
            ],
        )
        .properties(title="Quality vs cost")
    )


def sample_link(run_a: str, run_b: str) -> str:
    """The Samples page comparing two runs side by side, disagreements first."""
    return "?" + urlencode({"page": "samples", "run": run_a, "compare": run_b})


def _sample_links(report: CompareReport) -> None:
    """Per task, a link to the samples where the two disagree."""
    runs = {s.task: (s.a.run_id, s.b.run_id) for s in report.splits}
    for task, (run_a, run_b) in runs.items():
        if run_a and run_b:
            st.markdown(f"[Samples where they disagree on {md(task)}]({sample_link(run_a, run_b)})")
