"""Reshaping query results for display: the overview pivot, best-value marks, Pareto fronts, per-label F1.

Pure pandas on frames that are already small (one row per run and split, or per label): no SQL and
no Streamlit here, so every number the pages show can be checked in a unit test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

SPLIT_ORDER = ("test", "ood", "multilabel")
DROP = "ID→OOD drop"
ERRORS = "errors"
COST = "$/1k samples"
CHEAPEST = "cheapest within best's CI"
SIZE_BUCKETS = ("< 1B", "1B–10B", "≥ 10B", "unknown")


def split_order(splits: list[str]) -> list[str]:
    """``test``, ``ood``, ``multilabel`` first, then any other split alphabetically."""
    known = [s for s in SPLIT_ORDER if s in splits]
    return known + sorted(s for s in set(splits) if s not in SPLIT_ORDER)


def size_bucket(params: float | None) -> str:
    """A coarse size class for the size filter."""
    if params is None or pd.isna(params):
        return "unknown"
    if params < 1e9:
        return "< 1B"
    return "1B–10B" if params < 1e10 else "≥ 10B"


def column_name(task: str, split: str) -> str:
    """The overview column of one task's split (or of its drop)."""
    return f"{task} · {split}"


def default_data_hash(task_rows: pd.DataFrame) -> str:
    """The data version most labels were run on (ties: the most recent), so a column compares like with like."""
    by_hash = task_rows.groupby("data_hash").agg(labels=("label", "nunique"), latest=("started_at", "max"))
    return str(by_hash.sort_values(["labels", "latest"], ascending=False).index[0])


@dataclass
class OverviewTable:
    """The overview pivot and what the page needs to style it."""

    frame: pd.DataFrame
    higher_better: list[str] = field(default_factory=list)  # best = max
    lower_better: list[str] = field(default_factory=list)  # best = min (drops)
    primary: dict[str, dict[str, str]] = field(default_factory=dict)  # task -> split -> metric
    # (task, split) where some run stored no primary metric, so its first metric by name is shown
    fallback: set[tuple[str, str]] = field(default_factory=set)
    data_hash: dict[str, str] = field(default_factory=dict)  # task -> data hash shown
    # task -> labels whose runs of it all used another data version (their cells say OTHER_DATA)
    other_data: dict[str, list[str]] = field(default_factory=dict)
    # Per task where a shown run has errored samples (scored as wrong): its error count per label.
    error_columns: list[str] = field(default_factory=list)
    cost_columns: list[str] = field(default_factory=list)  # per task: the run's cost per 1,000 samples
    cheapest_columns: list[str] = field(default_factory=list)  # per task: the splits where a label is CHEAPEST


def overview_table(long: pd.DataFrame, data_hash: dict[str, str] | None = None) -> OverviewTable:
    """One row per label; per task the primary metric of each split, its 95% CI, the ID→OOD drop and, where a
    shown run has errored samples, their count.

    ``long`` is :func:`harness.leaderboard.queries.overview` (already filtered); ``data_hash`` picks a
    data version per task, the most common one by default.
    """
    table = OverviewTable(frame=pd.DataFrame())
    if long.empty:
        return table
    labels = (
        long.sort_values("started_at")
        .groupby("label")
        .agg(kind=("model_kind", "last"), params=("model_params", "max"), training_card=("training_card", "last"))
    )
    columns: dict[str, pd.Series] = {}
    for task in sorted(long["task"].unique()):
        rows = long[long["task"] == task]
        chosen = (data_hash or {}).get(task) or default_data_hash(rows)
        table.data_hash[task] = chosen
        columns |= _task_columns(table, task, rows[rows["data_hash"] == chosen].set_index(["label", "split"]))
        columns |= _other_data_cells(table, task, rows, chosen, columns)
    cards = labels.pop("training_card")
    labels["training"] = cards.map(lambda value: card_summary(parse_card(value)))
    labels["training_card"] = cards.map(card_link)
    wide = pd.DataFrame(columns).reindex(labels.index)
    frame = labels.join(wide).dropna(how="all", subset=list(columns)).reset_index()
    if table.higher_better:
        frame = frame.sort_values(table.higher_better[0], ascending=False, na_position="last")
    table.frame = frame.reset_index(drop=True)
    return table


def _task_columns(table: OverviewTable, task: str, rows: pd.DataFrame) -> dict[str, pd.Series]:
    """One task's overview columns by label (``rows`` indexed by label and split); notes them in ``table``."""
    columns: dict[str, pd.Series] = {}
    splits = split_order(rows.index.get_level_values("split").unique().tolist())
    table.primary[task] = {s: str(rows.xs(s, level="split")["metric"].iloc[0]) for s in splits}
    if "primary_stored" in rows.columns:
        guessed = rows.index[~rows["primary_stored"].astype(bool)].get_level_values("split")
        table.fallback.update((task, split) for split in guessed)
    for split in splits:
        by_label = rows.xs(split, level="split")
        name = column_name(task, split)
        columns[name] = by_label["value"]
        columns[f"{name} CI"] = by_label.apply(_ci_text, axis=1)
        table.higher_better.append(name)
    if "test" in splits and "ood" in splits:
        name = column_name(task, DROP)
        columns[name] = columns[column_name(task, "test")] - columns[column_name(task, "ood")]
        table.lower_better.append(name)
    columns |= _cost_columns(table, task, rows, splits)
    errors = rows["n_errors"].fillna(0).groupby(level="label").max() if "n_errors" in rows else None
    if errors is not None and (errors > 0).any():
        columns[column_name(task, ERRORS)] = errors.astype(int)
        table.error_columns.append(column_name(task, ERRORS))
    return columns


OTHER_DATA = "other data"
OTHER_DATA_NOTE = (
    "other data: the model's runs of this task used other examples (another --data, --limit, --split or task "
    "version), so they are not compared here; pick that version under Data versions, or re-run the models on "
    "the same data to compare them."
)


def _other_data_cells(
    table: OverviewTable, task: str, rows: pd.DataFrame, chosen: str, columns: dict[str, pd.Series]
) -> dict[str, pd.Series]:
    """For labels run on the task only with other data than the version shown: OTHER_DATA in each split's CI
    cell (an empty cell would read as 'never run'), noted in ``table.other_data``."""
    shown = set(rows.loc[rows["data_hash"] == chosen, "label"])
    missing = sorted(set(rows["label"]) - shown)
    if not missing:
        return {}
    table.other_data[task] = missing
    cells = {}
    for split in table.primary.get(task, {}):
        name = f"{column_name(task, split)} CI"
        cells[name] = pd.concat([columns[name], pd.Series(OTHER_DATA, index=missing, dtype=object)])
    return cells


def primary_note(table: OverviewTable) -> str:
    """Which metric each column shows (and where a run stored none, so its first metric by name is shown), and
    which models were run on other data than the version shown."""
    primaries = "; ".join(
        f"{task}: "
        + ", ".join(
            f"{split} {metric}"
            + (" (first by name: no primary metric stored)" if (task, split) in table.fallback else "")
            for split, metric in splits.items()
        )
        for task, splits in table.primary.items()
    )
    note = f"Primary metrics: {primaries}"
    if table.other_data:
        names = "; ".join(f"{task}: {', '.join(labels)}" for task, labels in sorted(table.other_data.items()))
        note += f". {OTHER_DATA_NOTE} ({names})"
    return note


def _cost_columns(table: OverviewTable, task: str, rows: pd.DataFrame, splits: list[str]) -> dict[str, pd.Series]:
    """The run's cost per 1,000 samples per label, and the splits where the label is the cheapest within the CI."""
    if "cost_usd" not in rows.columns or "n_samples" not in rows.columns:
        return {}
    runs = rows.groupby(level="label")[["cost_usd", "n_samples"]].first()
    cost = 1000 * runs["cost_usd"] / runs["n_samples"].where(runs["n_samples"] > 0)
    where: dict[str, list[str]] = {}
    for split in splits:
        for label in cheapest_within_ci(rows.xs(split, level="split"), cost):
            where.setdefault(label, []).append(split)
    name, marks = column_name(task, COST), column_name(task, CHEAPEST)
    table.cost_columns.append(name)
    table.cheapest_columns.append(marks)
    return {name: cost, marks: pd.Series({label: ", ".join(s) for label, s in where.items()}, dtype=object)}


def cheapest_within_ci(by_label: pd.DataFrame, cost: pd.Series) -> list[str]:
    """The label(s) costing least per 1,000 samples among those whose value reaches the best one's CI.

    "Within" means at least the best value's lower CI bound (the best itself when it has no CI). A run with
    no recorded cost counts as 0, as on the Cost page (a local model spends no money per call).
    """
    values = by_label["value"].dropna()
    if values.empty:
        return []
    best = values.idxmax()
    low = by_label.loc[best, "ci_low"] if "ci_low" in by_label.columns else None
    floor = values[best] if low is None or pd.isna(low) else min(float(low), values[best])
    contenders = cost.reindex(values.index[values >= floor]).fillna(0.0)
    return sorted(contenders.index[contenders == contenders.min()])


def web_link(value: object) -> str | None:
    """An http(s) URL, or None: a card link from the store must not become ``javascript:`` or a local path."""
    text = str(value) if isinstance(value, str) else ""
    return text if text.lower().startswith(("https://", "http://")) else None


# ---- training cards ---------------------------------------------------------------------------
def parse_card(value: object) -> dict[str, Any] | None:
    """A run's stored training card (JSON text of the ``training.json`` object), or None.

    Older runs may hold a bare URL instead: that is a link (:func:`card_link`), not a card.
    """
    if isinstance(value, dict):
        return value
    if not isinstance(value, str) or not value.lstrip().startswith("{"):
        return None
    try:
        card = json.loads(value)
    except ValueError:
        return None
    return card if isinstance(card, dict) else None


def card_link(value: object) -> str | None:
    """Where a run's training card is published: the card's ``url``, or a stored bare URL; http(s) only."""
    card = parse_card(value)
    return web_link(card.get("url")) if card is not None else web_link(value)


def card_summary(card: dict[str, Any] | None) -> str | None:
    """One line for the overview: ``full · 203 steps · 1.5 h · from smollm2-135m``."""
    if not card:
        return None
    parts = [str(card["method"])] if card.get("method") else []
    if isinstance(card.get("steps"), int):
        parts.append(f"{card['steps']} steps")
    if isinstance(card.get("wall_s"), int | float):
        parts.append(duration_text(float(card["wall_s"])))
    if card.get("base"):
        parts.append(f"from {card['base']}")
    return " · ".join(parts) or None


def duration_text(seconds: float) -> str:
    """A wall time as people say it: 42 s, 12 min, 1.5 h."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 90 * 60 else f"{seconds / 3600:.1f} h"


def card_rows(card: dict[str, Any]) -> pd.DataFrame:
    """The whole card as (field, value) text rows; nested objects flattened to ``eval.metrics.accuracy``."""
    rows: list[tuple[str, str]] = []

    def add(prefix: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            for key, inner in value.items():
                add(f"{prefix}.{key}" if prefix else str(key), inner)
        else:
            rows.append((prefix, _card_value(value)))

    add("", card)
    return pd.DataFrame(rows, columns=["field", "value"])


def _card_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return ", ".join(_card_value(v) for v in value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _ci_text(row: pd.Series) -> str:
    if pd.isna(row.get("ci_low")) or pd.isna(row.get("ci_high")):
        return ""
    return f"{row['ci_low']:.2f}–{row['ci_high']:.2f}"


def best_labels(table: OverviewTable) -> dict[str, list[str]]:
    """Per metric column, the label(s) holding its best value (max, or min for drops)."""
    best: dict[str, list[str]] = {}
    frame = table.frame
    for column in table.higher_better + table.lower_better:
        values = frame[column].dropna()
        if values.empty:
            continue
        target = values.max() if column in table.higher_better else values.min()
        best[column] = frame.loc[values.index[values == target], "label"].tolist()
    return best


def pareto_front(frame: pd.DataFrame, cost: str, quality: str) -> pd.Series:
    """True where no other point is at least as cheap and at least as good, and strictly one of them."""
    costs, qualities = frame[cost].to_numpy(), frame[quality].to_numpy()
    flags = []
    for c, q in zip(costs, qualities, strict=True):
        dominated = ((costs <= c) & (qualities >= q) & ((costs < c) | (qualities > q))).any()
        flags.append(not dominated)
    return pd.Series(flags, index=frame.index)


def per_label_f1(counts: pd.DataFrame) -> pd.DataFrame:
    """Precision, recall and F1 per label from tp/fp/fn counts, with a macro-average row last."""
    if counts.empty:
        return counts
    frame = counts.copy()
    tp, fp, fn = (frame[c].astype(float) for c in ("tp", "fp", "fn"))
    frame["precision"] = (tp / (tp + fp)).fillna(0.0)
    frame["recall"] = (tp / (tp + fn)).fillna(0.0)
    total = frame["precision"] + frame["recall"]
    frame["f1"] = (2 * frame["precision"] * frame["recall"] / total).where(total > 0, 0.0)
    frame["support"] = (tp + fn).astype(int)
    macro = {"label": "macro avg", "precision": frame["precision"].mean(), "recall": frame["recall"].mean()}
    macro["f1"] = frame["f1"].mean()
    macro["support"] = int(frame["support"].sum())
    frame = pd.concat([frame, pd.DataFrame([macro])], ignore_index=True)
    return frame[["label", "precision", "recall", "f1", "support"]]


def tag_group(tag: str) -> str:
    """``cmd:buffer`` belongs to group ``cmd``; a tag without a prefix to group ``tag``."""
    prefix, sep, _ = tag.partition(":")
    return prefix if sep and prefix else "tag"


def params_text(params: float | None) -> str:
    """A parameter count as people say it: 135M, 1.7B."""
    if params is None or pd.isna(params):
        return ""
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if params >= scale:
            return f"{params / scale:.3g}{suffix}"
    return str(int(params))


def every_metric_table(metrics: pd.DataFrame, counts: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The Task page's table: every metric (columns) per model and split (rows, splits in reading order), and an
    ``errors`` column where some split has errored samples. ``counts`` is ``queries.cost_latency``'s frame."""
    from harness.leaderboard.kcurves import without_k_metrics

    metrics = without_k_metrics(metrics)  # k-curve points have their own table
    frame = metrics.assign(model=metrics["run_id"].map(labels))
    wide = frame.pivot_table(index=["model", "split"], columns="metric", values="value", aggfunc="first")
    order = split_order(list(wide.index.get_level_values("split").unique()))
    wide = wide.reset_index()
    wide["split"] = pd.Categorical(wide["split"], categories=order, ordered=True)
    wide = wide.sort_values(["model", "split"]).astype({"split": str})
    if (counts["n_errors"] > 0).any():
        errors = counts.assign(model=counts["run_id"].map(labels))[["model", "split", "n_errors"]]
        wide = wide.merge(errors.rename(columns={"n_errors": "errors"}), on=["model", "split"], how="left")
    wide.columns.name = None
    return wide.reset_index(drop=True)


COST_TABLE = ["label", "kind", "size", "selector", "k", "quality", "cost_per_1k", "tokens_per_example",
              "median_latency_ms", "p90_latency_ms", "n", "n_errors",
              "pareto_cost", "pareto_tokens", "pareto_latency"]  # fmt: skip


def cost_table(points: pd.DataFrame) -> pd.DataFrame:
    """The Cost page's table: its columns of :func:`cost_points`, best quality first (a run's k points in k order)."""
    return points[COST_TABLE].sort_values(["quality", "k"], ascending=[False, True]).reset_index(drop=True)


def cost_axis(points: pd.DataFrame) -> str:
    """The cost axis a page opens on: dollars where some point recorded a positive cost, else tokens per example."""
    paid = points["cost_recorded"].astype(bool) & (points["cost_per_1k"] > 0)
    has_tokens = points["tokens_per_example"].notna().any()
    return "cost_per_1k" if paid.any() or not has_tokens else "tokens_per_example"


def cost_points(
    rows: pd.DataFrame, costs: pd.DataFrame, curve_rows: pd.DataFrame | None = None, selector: str = "vote"
) -> pd.DataFrame:
    """One point per model of a task's split: its quality joined with cost, tokens and latency
    (``queries.cost_latency``), and whether it sits on the cost, token and latency Pareto fronts. No recorded cost
    counts as 0. A run with several attempts per example is one point per k instead (``curve_rows``,
    :func:`harness.leaderboard.kcurves.curves`: quality = ``SELECTOR@k``, cost = ``cost_usd@k``); the latency
    front counts each run once (its smallest k): a k point's latency is that of one answer."""
    from harness.leaderboard.kcurves import k_points

    facts = rows[["run_id", "split", "label", "model_kind", "model_params", "metric", "value"]]
    points = facts.merge(costs, on=["run_id", "split"], how="left")
    points = points.assign(
        selector="first",
        k=1,
        quality=points["value"],
        kind=points["model_kind"].fillna("unknown"),
        size=points["model_params"].map(params_text),
        cost_recorded=points["cost_per_1k"].notna(),
        cost_per_1k=points["cost_per_1k"].fillna(0.0),
        tokens_per_example=points["tokens_per_sample"] if "tokens_per_sample" in points else float("nan"),
    )
    if curve_rows is not None:
        points = k_points(points, curve_rows, selector)
    points["pareto_cost"] = pareto_front(points, "cost_per_1k", "quality")
    tokens = points.dropna(subset=["tokens_per_example"])
    points["pareto_tokens"] = pareto_front(tokens, "tokens_per_example", "quality").reindex(points.index).fillna(False)
    once = points["k"] == points.groupby(["run_id", "split"])["k"].transform("min")
    latency = points[once].dropna(subset=["median_latency_ms"])
    points["pareto_latency"] = pareto_front(latency, "median_latency_ms", "quality").reindex(points.index).fillna(False)
    return points
