"""k-curves: what a run with several attempts per example (``--samples N``) gets at each k, from its stored metrics.

Such a run stores, per split, ``SELECTOR@K`` rows (``vote``, ``verify``, ``pass``, ``pass^``) and ``tokens@K`` /
``cost_usd@K`` per example, for K in 1, 2, 4, ..., N (:data:`harness.compare.SELECTORS`). Pure pandas on
:func:`harness.leaderboard.queries.metrics` frames, no SQL and no Streamlit, so the pages, the static export and
the tests share every number. A run without attempts has no such rows and no curve.
"""

from __future__ import annotations

import pandas as pd

from harness.compare import SELECTORS, k_metric, k_metric_name

__all__ = ["CURVE_COLUMNS", "SELECTORS", "curves", "k_points", "selectors_in", "without_k_metrics"]

CURVE_COLUMNS = ["run_id", "split", "selector", "k", "value", "ci_low", "ci_high", "n", "tokens_per_example",
                 "cost_per_1k"]  # fmt: skip
SELECTOR_TITLES = {"vote": "vote (majority)", "verify": "verify, then vote", "pass": "pass@k (upper bound)",
                   "pass^": "pass^k (all k right)"}  # fmt: skip


def is_k_metric(name: object) -> bool:
    """Whether a stored metric name is a k-curve point (``vote@4``, ``tokens@8``, ...)."""
    return isinstance(name, str) and k_metric(name) is not None


def without_k_metrics(metrics: pd.DataFrame) -> pd.DataFrame:
    """The metric rows that are not k-curve points (each split's ordinary metrics, on attempt 0)."""
    return metrics[~metrics["metric"].map(is_k_metric)].reset_index(drop=True)


def curves(metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per (run, split, selector, k): the selector's value with its CI and n, and the tokens and dollars
    per 1,000 examples that k attempts cost (NaN where the run stored none). Empty for runs without attempts."""
    parsed = metrics["metric"].map(k_metric) if not metrics.empty else pd.Series(dtype=object)
    rows = metrics[parsed.notna()].assign(
        selector=parsed.dropna().map(lambda p: p[0]), k=parsed.dropna().map(lambda p: int(p[1]))
    )
    if rows.empty:
        return pd.DataFrame(columns=CURVE_COLUMNS)
    keys = ["run_id", "split", "k"]
    tokens = rows[rows["selector"] == "tokens"][[*keys, "value"]].rename(columns={"value": "tokens_per_example"})
    dollars = rows[rows["selector"] == "cost_usd"][[*keys, "value"]]
    dollars = dollars.assign(cost_per_1k=1000 * dollars["value"]).drop(columns="value")
    chosen = rows[rows["selector"].isin(SELECTORS)]
    frame = chosen.merge(tokens, on=keys, how="left").merge(dollars, on=keys, how="left")
    frame = frame.astype({"k": int, "value": float, "tokens_per_example": float, "cost_per_1k": float})
    order = {name: i for i, name in enumerate(SELECTORS)}
    frame = frame.assign(rank=frame["selector"].map(order)).sort_values(["run_id", "split", "rank", "k"])
    return frame[CURVE_COLUMNS].reset_index(drop=True)


def selectors_in(curve_rows: pd.DataFrame) -> list[str]:
    """The selectors these curves have, in the order of :data:`SELECTORS`."""
    present = set(curve_rows["selector"])
    return [s for s in SELECTORS if s in present]


def k_points(points: pd.DataFrame, curve_rows: pd.DataFrame, selector: str) -> pd.DataFrame:
    """The Cost page's points with every run that has ``selector`` curves replaced by one point per k.

    ``points`` has one row per run and split (``selector`` "first", k = 1); a k point keeps its run's facts
    (label, kind, size, latency of one answer, errors of attempt 0) and takes quality = ``SELECTOR@k``,
    cost = ``cost_usd@k`` per 1,000 examples (none stored counts as 0, like a run with no recorded cost),
    tokens = ``tokens@k``, n = the metric's n.
    """
    chosen = curve_rows[curve_rows["selector"] == selector]
    if chosen.empty:
        return points
    keys = ["run_id", "split"]
    facts = points.drop(columns=["metric", "value", "quality", "selector", "k", "n", "cost_per_1k", "cost_recorded",
                                 "tokens_per_example"])  # fmt: skip
    k_rows = chosen.merge(facts, on=keys, how="inner")
    k_rows = k_rows.assign(
        metric=k_rows["k"].map(lambda k: k_metric_name(selector, int(k))),
        quality=k_rows["value"],
        cost_recorded=k_rows["cost_per_1k"].notna(),
        cost_per_1k=k_rows["cost_per_1k"].fillna(0.0),
    )
    with_k = set(zip(k_rows["run_id"], k_rows["split"], strict=True))
    single = points[[key not in with_k for key in zip(points["run_id"], points["split"], strict=True)]]
    return pd.concat([single, k_rows[points.columns]], ignore_index=True)
