"""The leaderboard as a static site: HTML pages and the CSV and JSON behind every table, no server.

``harness leaderboard --export DIR`` writes it (CI artifacts, GitHub Pages). Every table comes from the
functions the live pages call (:mod:`harness.leaderboard.queries`, :mod:`harness.leaderboard.tables`,
:func:`harness.compare.table_rows`), each page at the app's defaults (the most common data version per
task), so the numbers equal the app's. No Streamlit here. The output is deterministic: sorted, no
timestamps, no machine paths (only the store's file name).
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from harness.errors import BadInput, HarnessError
from harness.leaderboard import queries
from harness.leaderboard.breakdowns import curve_table, failure_pivot, tag_groups, tag_pivot
from harness.leaderboard.kcurves import curves, selectors_in
from harness.leaderboard.svg import scatter_svg
from harness.leaderboard.tables import (
    OverviewTable,
    best_labels,
    cost_axis,
    cost_points,
    every_metric_table,
    overview_table,
    params_text,
    per_label_f1,
    primary_note,
    split_order,
)
from harness.leaderboard.tables import cost_table as cost_table_of
from harness.store import Store

__all__ = ["MAX_ALL_PAIRS", "export_site", "versus_pairs"]

# Up to this many pairs, every pair of labels that share a task gets a Versus page; beyond it, per task
# only the overview's best model against each other model (a store of 30 labels would otherwise make 435).
MAX_ALL_PAIRS = 45
CSS = """body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
nav a{margin-right:.8rem}table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #ccc;padding:.2rem .45rem;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}.data{font-size:.8rem}.note{color:#666;font-size:.85rem}"""
BEST = " ★"
NO_RUNS = "No complete runs in this store yet: harness run --task ... --model ... adds some."
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class _Site:
    """Where the pages go and what was written, in order."""

    out: Path
    source: str  # the store's file name, never its path
    written: list[Path] = field(default_factory=list)
    nav: str = ""

    def write(self, name: str, text: str) -> None:
        path = self.out / name
        path.write_text(text, encoding="utf-8")
        self.written.append(path)

    def page(self, name: str, title: str, body: list[str]) -> None:
        """One HTML page: the title, the links to every page, the body, the line naming the store."""
        text = (
            f'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>{_h(title)}</title>\n'
            f"<style>{CSS}</style></head>\n<body>\n{self.nav}\n<h1>{_h(title)}</h1>\n"
            + "\n".join(body)
            + f'\n<p class="note">Generated from {_h(self.source)} by harness leaderboard --export.</p>\n'
            "</body>\n</html>\n"
        )
        self.write(name, text)

    def table(self, stem: str, data: pd.DataFrame, shown: pd.DataFrame | None = None) -> str:
        """Write ``data`` as ``stem.csv`` and ``stem.json``; return the HTML of ``shown`` (default: ``data``)."""
        self.write(f"{stem}.csv", data.to_csv(index=False, lineterminator="\n"))
        self.write(f"{stem}.json", _json_records(data))
        links = f'<p class="data">Data: <a href="{_h(stem)}.csv">CSV</a> · <a href="{_h(stem)}.json">JSON</a></p>'
        table = (data if shown is None else shown).to_html(index=False, escape=True, na_rep="—", border=0)
        return f"{table}\n{links}"


def export_site(db: str | Path, out_dir: str | Path, force: bool = False) -> list[Path]:
    """Write the static leaderboard of ``db`` into ``out_dir``; return the files written.

    Refuses a non-empty ``out_dir`` unless ``force`` (which overwrites files, and removes none).
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise BadInput(f"{out} is a file: give --export a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise BadInput(f"{out} is not empty: export into an empty folder, or pass --force to overwrite")
    Store(db, read_only=True)  # a missing store is a one-line StoreError
    out.mkdir(parents=True, exist_ok=True)
    site = _Site(out, Path(db).name)
    long = queries.overview(str(db))
    if long.empty:
        site.page("index.html", "Leaderboard", [f"<p>{_h(NO_RUNS)}</p>"])
        return site.written
    tasks = sorted(long["task"].unique())
    table = overview_table(long)
    pairs = versus_pairs(long, table)
    site.nav = _nav(tasks)
    _index(site, table, pairs)
    for task in tasks:
        _task_page(site, str(db), long, task)
    _cost_page(site, str(db), long, tasks)
    for a, b in pairs:
        _versus_page(site, str(db), a, b)
    return site.written


# ---- names and links --------------------------------------------------------------------------
def slug(text: str) -> str:
    """A file-name-safe, collision-free form of a task or label: ``gis_command``, ``my_model-3f2a9c1e``."""
    safe = _UNSAFE.sub("_", text).strip("._")[:40]
    if safe == text:
        return safe
    return (
        f"{safe}-{hashlib.sha1(text.encode()).hexdigest()[:8]}" if safe else hashlib.sha1(text.encode()).hexdigest()[:8]
    )


def task_file(task: str) -> str:
    """The task page's file name."""
    return f"task-{slug(task)}.html"


def versus_file(a: str, b: str) -> str:
    """The Versus page of A against B."""
    return f"versus-{slug(a)}--{slug(b)}.html"


def _h(text: object) -> str:
    return html.escape(str(text), quote=True)


def _nav(tasks: list[str]) -> str:
    links = ['<a href="index.html">Overview</a>']
    links += [f'<a href="{_h(task_file(t))}">Task {_h(t)}</a>' for t in tasks]
    links.append('<a href="cost.html">Cost and latency</a>')
    return "<nav>" + " ".join(links) + "</nav>"


def _json_records(frame: pd.DataFrame) -> str:
    """Rows as JSON objects, every number exact (pandas' own JSON rounds to 10 digits), missing as null."""
    rows = [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
    return json.dumps(rows, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return value


# ---- overview ---------------------------------------------------------------------------------
def overview_frame(table: OverviewTable) -> pd.DataFrame:
    """The overview as the live page holds it: size as text, empty CI and cheapest cells "", unused columns dropped."""
    frame = table.frame
    frame = frame.assign(params=frame["params"].map(params_text)).rename(columns={"params": "size"})
    ci_columns = [f"{c} CI" for c in table.higher_better]
    frame[ci_columns] = frame[ci_columns].fillna("")
    frame[table.cheapest_columns] = frame[table.cheapest_columns].fillna("")
    return frame.drop(columns=[c for c in ("training", "training_card") if frame[c].isna().all()])


def _overview_shown(table: OverviewTable, frame: pd.DataFrame) -> pd.DataFrame:
    """The overview as text: the page's number formats, the best value of each column starred."""
    shown = frame.astype(object).copy()
    best = best_labels(table)
    for column in table.higher_better + table.lower_better:
        shown[column] = [
            "—" if pd.isna(v) else f"{v:.3f}" + (BEST if label in best.get(column, []) else "")
            for v, label in zip(frame[column], frame["label"], strict=True)
        ]
    for column in table.cost_columns:
        shown[column] = ["not priced" if pd.isna(v) else f"${v:.4g}" for v in frame[column]]
    for column in table.error_columns:
        shown[column] = ["—" if pd.isna(v) else f"{v:.0f}" for v in frame[column]]
    return shown.rename(columns={"label": "model"})


def _index(site: _Site, table: OverviewTable, pairs: list[tuple[str, str]]) -> None:
    frame = overview_frame(table)
    body = [
        "<p>Latest complete run per model, task and data version (the most common data version per task). Each "
        "cell: the split's primary metric, then its 95% bootstrap CI. ID→OOD drop = test − ood, lower is better. "
        f"{BEST.strip()} best per column. $/1k samples: the run's cost per 1,000 samples (not priced: no cost "
        "recorded). Cheapest within best's CI: the splits where this model costs least among those whose value "
        "reaches the best model's CI.</p>",
        site.table("overview", frame, _overview_shown(table, frame)),
        f'<p class="note">{_h(primary_note(table))}</p>',
        "<h2>Versus</h2>",
        f"<p>{_h(_pairs_note(pairs))}</p>",
        "<ul>"
        + "".join(f'<li><a href="{_h(versus_file(a, b))}">{_h(a)} vs {_h(b)}</a></li>' for a, b in pairs)
        + "</ul>",
    ]
    site.page("index.html", "Leaderboard", body)


def versus_pairs(long: pd.DataFrame, table: OverviewTable, limit: int = MAX_ALL_PAIRS) -> list[tuple[str, str]]:
    """The Versus pages to write: every pair of labels sharing a task (A before B by name) up to ``limit``;
    beyond it, per task, the overview's best model (first split's column) against each other model."""
    by_task = {t: sorted(set(long.loc[long["task"] == t, "label"])) for t in sorted(long["task"].unique())}
    every = sorted({pair for labels in by_task.values() for pair in itertools.combinations(labels, 2)})
    if len(every) <= limit:
        return every
    pairs: set[tuple[str, str]] = set()
    best = best_labels(table)
    for task, labels in by_task.items():
        column = next((c for c in table.higher_better if c.startswith(f"{task} · ")), None)
        winners = best.get(column, []) if column else []
        if winners:
            pairs.update((winners[0], other) for other in labels if other != winners[0])
    return sorted(pairs)


def _pairs_note(pairs: list[tuple[str, str]]) -> str:
    if not pairs:
        return "No two models share a task: nothing to compare."
    return (
        f"Every pair of models that share a task (up to {MAX_ALL_PAIRS} pairs; beyond that, per task the best "
        "model against each other one), compared as harness compare A B does."
    )


# ---- task -------------------------------------------------------------------------------------
def task_rows(long: pd.DataFrame, task: str) -> pd.DataFrame:
    """One task's overview rows on its default data version, as the Task and Cost pages pick them."""
    from harness.leaderboard.tables import default_data_hash

    rows = long[long["task"] == task]
    return rows[rows["data_hash"] == default_data_hash(rows)]


def every_metric(db: str, rows: pd.DataFrame) -> pd.DataFrame:
    """The Task page's table: every metric per model and split, an ``errors`` column where some split has any."""
    runs = rows.drop_duplicates("run_id").set_index("run_id")
    run_ids = tuple(runs.index)
    return every_metric_table(queries.metrics(db, run_ids), queries.cost_latency(db, run_ids), runs["label"].to_dict())


def k_curve_table(db: str, rows: pd.DataFrame) -> pd.DataFrame:
    """The Task page's k-curve table (empty where no run of the task has several attempts per example)."""
    runs = rows.drop_duplicates("run_id").set_index("run_id")
    return curve_table(queries.metrics(db, tuple(runs.index)), runs["label"].to_dict())


def _three_digits(frame: pd.DataFrame, keep: tuple[str, ...] = ("model", "split", "errors", "k", "n")) -> pd.DataFrame:
    shown = frame.astype(object).copy()
    for column in frame.columns:
        if column not in keep and pd.api.types.is_float_dtype(frame[column]):
            shown[column] = ["—" if pd.isna(v) else f"{v:.3f}" for v in frame[column]]
    return shown


def _task_page(site: _Site, db: str, long: pd.DataFrame, task: str) -> None:
    rows = task_rows(long, task)
    frame = every_metric(db, rows)
    body = [
        "<h2>Every metric</h2>",
        "<p>Every stored metric of the latest complete run per model, per split (attempt 0 of a model run with "
        "several attempts per example). errors: samples that errored (no answer), scored as wrong in that row's "
        "metrics.</p>",
        site.table(f"task-{slug(task)}", frame, _three_digits(frame)),
    ]
    k_curves = k_curve_table(db, rows)
    if not k_curves.empty:
        body += [
            "<h2>k-curves</h2>",
            "<p>Models run with several attempts per example (harness run --samples N), from their stored metrics: "
            "vote@k, the majority answer of k attempts; verify@k, the majority among attempts that pass the "
            "task's verifier; pass@k, some attempt right (an upper bound, not a choice); pass^k, all k right; "
            "with 95% bootstrap CIs over examples, and the tokens and dollars per 1,000 examples k attempts cost."
            "</p>",
            site.table(f"kcurves-{slug(task)}", k_curves, _three_digits(k_curves)),
        ]
    body += _breakdown_sections(site, db, rows, task)
    site.page(task_file(task), f"Task {task}", body)


def _breakdown_sections(site: _Site, db: str, rows: pd.DataFrame, task: str) -> list[str]:
    """The Task page's breakdowns at its defaults: the primary metric (of test) per tag, every tag group;
    failure kinds; per-label F1 of every model and split whose targets are labels."""
    runs = rows.drop_duplicates("run_id").set_index("run_id")
    run_ids, labels = tuple(runs.index), runs["label"].to_dict()
    primary = rows.loc[rows["split"] == "test", "metric"]
    metric = str(primary.iloc[0] if not primary.empty else rows["metric"].iloc[0])
    body: list[str] = []
    tags = queries.tag_breakdown(db, run_ids, metric)
    if not tags.empty:
        body += ["<h2>By category</h2>", f"<p>Mean {_h(metric)} per tag; n = samples with the tag (largest over runs)."
                 "</p>"]  # fmt: skip
        for group in tag_groups(tags):
            table = tag_pivot(tags, labels, group)
            body += [f"<h3>Tag group {_h(group)}</h3>", site.table(f"tags-{slug(task)}-{slug(group)}", table)]
    failures = queries.failure_kinds(db, run_ids)
    if not failures.empty:
        body += [
            "<h2>Failure kinds</h2>",
            f"<p>Kinds a task gave its wrong answers; sample error: no answer (the model call failed); "
            f"{_h(queries.TRUNCATED)}: generation stopped at max_tokens (also counted under its other kind).</p>",
            site.table(f"failures-{slug(task)}", failure_pivot(failures, labels)),
        ]
    body += _label_sections(site, db, runs, split_order(list(rows["split"].unique())), task)
    return body


def _label_sections(site: _Site, db: str, runs: pd.DataFrame, splits: list[str], task: str) -> list[str]:
    body: list[str] = []
    for run_id in runs.index:
        for split in splits:
            counts = queries.label_counts(db, str(run_id), split)
            if counts.empty:
                continue
            if not body:
                body.append("<h2>Per-label F1</h2>")
            label = str(runs.loc[run_id, "label"])
            stem = f"f1-{slug(task)}-{slug(label)}-{slug(split)}"
            body += [f"<h3>{_h(label)} · {_h(split)}</h3>", site.table(stem, per_label_f1(counts))]
    return body


# ---- cost and latency -------------------------------------------------------------------------
def cost_table(db: str, rows: pd.DataFrame, selector: str | None = None) -> pd.DataFrame:
    """The Cost page's table for one task and split: quality, cost per 1,000 examples, tokens, latency, Pareto
    flags; a model with several attempts per example is a row per k (``selector``: the page's default)."""
    return cost_table_of(split_points(db, rows, selector))


def split_points(db: str, rows: pd.DataFrame, selector: str | None = None) -> pd.DataFrame:
    """The Cost page's points of one task and split, as :func:`harness.leaderboard.views.cost.cost_points`."""
    run_ids = tuple(rows["run_id"])
    found = curves(queries.metrics(db, run_ids))
    found = found[found["split"].isin(set(rows["split"]))]
    chosen = selector or next(iter(selectors_in(found)), "vote")
    return cost_points(rows, queries.cost_latency(db, run_ids), found, chosen)


def _cost_page(site: _Site, db: str, long: pd.DataFrame, tasks: list[str]) -> None:
    body = [
        "<p>Per task and split: quality against cost per 1,000 examples (the samples' recorded cost; none recorded "
        "counts as 0, e.g. local models), tokens per example and median latency. Pareto: no other point is both "
        "cheaper (faster) and at least as good. A model run with several attempts per example is a point per k "
        "(vote@k at the cost of k attempts: cost_usd@k and tokens@k), joined by a line.</p>"
    ]
    for task in tasks:
        rows = task_rows(long, task)
        for split in split_order(list(rows["split"].unique())):
            split_rows = rows[rows["split"] == split]
            points = split_points(db, split_rows)
            frame = cost_table_of(points)
            metric = str(split_rows["metric"].iloc[0])
            shown = frame.astype(object).copy()
            shown["quality"] = [f"{v:.3f}" for v in frame["quality"]]
            shown["cost_per_1k"] = [f"${v:.4g}" for v in frame["cost_per_1k"]]
            body += [f"<h2>{_h(task)} · {_h(split)}</h2>", f"<p>quality = {_h(metric)}</p>"]
            axis = cost_axis(points)
            title = "cost per 1,000 examples (USD)" if axis == "cost_per_1k" else "tokens per example"
            front = "pareto_cost" if axis == "cost_per_1k" else "pareto_tokens"
            body.append(scatter_svg(points, axis, title, metric, front))
            body.append(site.table(f"cost-{slug(task)}-{slug(split)}", frame, shown))
    site.page("cost.html", "Cost and latency", body)


# ---- versus -----------------------------------------------------------------------------------
def _versus_page(site: _Site, db: str, a: str, b: str) -> None:
    from harness.compare import k_metric_name, k_table_rows, table_rows, to_json

    name = versus_file(a, b)
    try:
        report = queries.versus(db, a, b)
    except HarnessError as exc:  # not comparable: the command's one line, as on the live page
        site.page(name, f"{a} vs {b}", [f"<p>{_h(exc)}</p>"])
        return
    body = ["<h2>Verdict</h2>"] + [f"<p>{_h(line)}</p>" for line in report.verdicts().values()]
    stem = name.removesuffix(".html")
    body.append(site.table(stem, pd.DataFrame(table_rows(report))))
    if report.k_rows:
        body.append(f"<h2>At k attempts per example ({_h(k_metric_name(report.selector, 'k'))})</h2>")
        body += [f"<p>{_h(line)}</p>" for line in report.k_verdicts().values()]
        body.append(site.table(f"{stem}.k", pd.DataFrame(k_table_rows(report))))
        body.append(
            '<p class="note">No per-example values are stored for k, so these rows are unpaired: better / worse only '
            "where the two 95% CIs do not overlap. A model without attempts shows its one answer per example.</p>"
        )
    site.write(f"{stem}.compare.json", to_json(report) + "\n")
    every = f'<a href="{_h(stem)}.compare.json">JSON</a>'
    body.append(f'<p class="data">Every number: {every} (as harness compare --json writes it)</p>')
    body.append(
        '<p class="note">The difference is A − B on the example ids both runs share (exact McNemar p for 0/1 '
        "metrics, else a paired bootstrap; 95% CI). Not distinguishable: the CI includes 0. $/1k: cost per 1,000 "
        "samples (not priced: no cost recorded).</p>"
    )
    body += [f'<p class="note">note: {_h(note)}</p>' for note in report.notes]
    site.page(name, f"{report.a} vs {report.b}", body)
