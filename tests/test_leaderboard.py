"""The leaderboard app page by page (Streamlit AppTest) on a store written through the real Store API.

Every number a page shows is checked against the store (or against values computed by hand from
the fixture's samples); hostile model output must come back as text, never as markup.
"""

from __future__ import annotations

import itertools
import json
import shutil
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

pytest.importorskip("streamlit", reason="the leaderboard extra is not installed: pip install 'harness[leaderboard]'")

from streamlit.testing.v1 import AppTest

from harness.leaderboard import app_path
from harness.leaderboard import queries as q
from harness.leaderboard.tables import per_label_f1
from harness.metrics.stats import mean_with_ci
from harness.store import Store
from harness.types import Example, MetricValue, Response, SampleResult, Scored

HOSTILE = '<script>alert("pwned")</script><img src=x onerror=alert(1)> **bold** [x](javascript:alert(1))'
INTENTS = ("book_flight", "cancel", "weather")
CARD = "https://example.org/tiny-ft/training-card.md"
EVAL_RUN = "20260101-120000-0a1b2c3d"


def training_card(steps: int = 203, **more: Any) -> dict[str, Any]:
    """A ``training.json`` as ``harness finetune`` writes it (its content, not its path, is stored)."""
    return {
        "task": "schema_json",
        "task_version": "1.0",
        "data_hash": "0123456789abcdef",
        "n_train": 1600,
        "base": "smollm2-135m",
        "base_fingerprint": {"spec": "smollm2-135m", "kind": "causal", "weights": "feedfacecafebeef"},
        "kind": "causal",
        "method": "full",
        "hyperparameters": {"epochs": 1, "lr": 0.0001, "batch_size": 8, "optimizer": "AdamW"},
        "steps": steps,
        "wall_s": 5400.0,
        "first_train_loss": 2.25,
        "final_train_loss": 0.125,
        "eval": {"run_id": EVAL_RUN, "split": "test", "metrics": {"exact_match": 0.5}, "primary": "exact_match"},
        **more,
    }


_RUN_NUMBERS = itertools.count()


@dataclass
class FixtureRun:
    """One run the fixture writes: who, on what, and a rule for each sample's outcome."""

    label: str
    kind: str | None
    params: int | None
    task: str
    quality: float  # share of samples scored 1 (per split, the first k of each split)
    ood_quality: float
    cost: float | None = None  # USD per sample
    latency_ms: float = 20.0
    status: str = "complete"
    card: Any = None  # the run's stored training card: the training.json object (or, from older runs, a URL)
    cut_every: int = 0  # every wrong answer whose index is a multiple of this was cut at the token budget
    run_id: str = ""
    samples: dict[str, list[SampleResult]] = field(default_factory=dict)


def _splits(task: str) -> dict[str, int]:
    return {"test": 30, "ood": 12} if task == "schema_json" else {"test": 12, "ood": 9, "multilabel": 6}


def _example(task: str, split: str, i: int) -> Example:
    if task == "schema_json":
        tags = ("nested", "enum") if i % 3 == 0 else ("nested",) if i % 3 == 1 else ("flat",)
        return Example(f"{split}-{i:03d}", split, {"text": f"record {i}"}, {"id": i}, tags)
    target: Any = [INTENTS[i % 3], INTENTS[(i + 1) % 3]] if split == "multilabel" else INTENTS[i % 3]
    return Example(f"{split}-{i:03d}", split, {"text": f"utterance {i}"}, target, (f"intent:{INTENTS[i % 3]}",))


def _outcome(run: FixtureRun, example: Example, i: int, n: int) -> SampleResult:
    share = run.quality if example.split == "test" else run.ood_quality
    right = i < round(share * n)
    if run.task == "schema_json":
        text = f'{{"id": {i}}}' if right else HOSTILE if i == n - 1 and run.kind == "api" else "{}"
        scores = {"schema_valid": 1.0 if right or i % 2 else 0.0, "exact_match": 1.0 if right else 0.0}
        parsed: Any = {"id": i} if right else {}
    else:
        wrong = INTENTS[(i + 1) % 3]
        parsed = example.target if right else ([wrong] if example.split == "multilabel" else wrong)
        text = str(parsed)
        scores = {"accuracy": 1.0 if right else 0.0}
    error = "timeout after 30s" if (not right and i == n - 2 and run.kind == "api") else None
    response = Response(
        text=text,
        tokens_in=10,
        tokens_out=5,
        latency_ms=run.latency_ms * (1 + i % 4),
        cost_usd=run.cost,
        error=error,
        meta={"truncated": True} if run.cut_every and not right and i % run.cut_every == 0 else {},
    )
    return SampleResult(example, f"h{i}", response, Scored(scores=scores, parsed=parsed))


def write_run(store: Store, run: FixtureRun) -> FixtureRun:
    """Create, fill and (unless it is meant to stay running) finish one run through the Store API."""
    run.run_id = f"{run.label}-{run.task}-{next(_RUN_NUMBERS)}"
    fingerprint = {"spec": run.label, "kind": run.kind}
    store.create_run(
        run.run_id,
        run.run_id,
        {
            "task": run.task,
            "task_version": "1.0",
            "data_hash": f"data-{run.task}",
            "label": run.label,
            "model_spec": run.label,
            "model_fingerprint": fingerprint,
            "model_kind": run.kind,
            "model_params": run.params,
            "config": {},
            "git_sha": f"sha-{run.run_id}",
            "extra": {"training_card": run.card} if run.card is not None else None,
        },
    )
    for split, n in _splits(run.task).items():
        run.samples[split] = [_outcome(run, _example(run.task, split, i), i, n) for i in range(n)]
    store.write_samples(run.run_id, [r for results in run.samples.values() for r in results])
    if run.status == "complete":
        # schema_json names its primary metric as the runner does; toy_intent stores none (a reader's fallback)
        primary = dict.fromkeys(run.samples, "schema_valid") if run.task == "schema_json" else None
        store.finish_run(run.run_id, _aggregate(run.samples), wall_s=1.0, primary=primary)
    return run


def _aggregate(samples: dict[str, list[SampleResult]]) -> dict[str, Any]:
    metrics: dict[str, Any] = {}
    for split, results in samples.items():
        names = sorted({name for r in results for name in r.scored.scores})
        metrics[split] = {name: mean_with_ci([r.scored.scores[name] for r in results]) for name in names}
    return metrics


@dataclass
class Fixture:
    db: str
    runs: dict[str, FixtureRun]  # by "label/task" of the latest complete run, plus "old", "ghost"


def build_store(db: str) -> Fixture:
    """Three models (local fine-tuned, local base, API) on two tasks, plus an older and a running run."""
    store = Store(db)
    runs: dict[str, FixtureRun] = {}
    old = FixtureRun("tiny-ft", "local-finetuned", 135_000_000, "schema_json", 0.5, 0.25, card=training_card(100))
    runs["old"] = write_run(store, old)
    card = training_card()
    specs = [
        FixtureRun("tiny-ft", "local-finetuned", 135_000_000, "schema_json", 0.9, 0.5, latency_ms=15.0, card=card),
        FixtureRun("tiny-base", "local-base", 135_000_000, "schema_json", 0.4, 0.3, latency_ms=15.0),
        FixtureRun("big-api", "api", None, "schema_json", 0.8, 0.75, cost=0.002, latency_ms=400.0),
        FixtureRun("tiny-ft", "local-finetuned", 135_000_000, "toy_intent", 0.75, 1 / 3, latency_ms=10.0, card=card),
        FixtureRun("big-api", "api", None, "toy_intent", 0.5, 2 / 3, cost=0.001, latency_ms=300.0),
    ]
    for spec in specs:
        runs[f"{spec.label}/{spec.task}"] = write_run(store, spec)
    ghost = FixtureRun("ghost", "api", None, "schema_json", 1.0, 1.0, status="running")
    runs["ghost"] = write_run(store, ghost)
    return Fixture(db, runs)


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    return build_store(str(tmp_path_factory.mktemp("leaderboard") / "results.duckdb"))


def open_app(db: str, page: str = "overview") -> AppTest:
    """The app on a store, at one page, after its first run."""
    import os

    os.environ["HARNESS_DB"] = db
    at = AppTest.from_file(str(app_path()), default_timeout=60)
    at.query_params["page"] = page
    return at.run()


TABLES = {  # a column only that page's table has
    "ov_table": "kind",
    "task_metrics": "model",
    "task_failures": "kind",
    "task_breakdown": "tag",
    "task_f1": "f1",
    "cost_table": "pareto_cost",
    "smp_table": "output",
    "smp_compare_table": "output (A)",
    "hist_table": "git_sha",
    "hist_gates": "gate_id",
    "hist_card": "field",
}


def frame(at: AppTest, table: str) -> pd.DataFrame:
    """The data behind the one st.dataframe of the page that is this table."""
    column = TABLES[table]
    found = [df.value for df in at.dataframe if column in df.value.columns]
    assert len(found) == 1, f"expected one table with column {column!r}, found {len(found)}"
    return found[0]


def stored_metric(db: str, run_id: str, split: str, metric: str) -> tuple[float, float, float]:
    rows = q.metrics(db, (run_id,)).set_index(["split", "metric"])
    m = rows.loc[(split, metric)]
    return m["value"], m["ci_low"], m["ci_high"]


# ---- Overview -------------------------------------------------------------------------------
def test_overview_shows_latest_complete_runs_with_store_values(fixture_store):
    at = open_app(fixture_store.db)
    assert not at.exception
    table = frame(at, "ov_table").set_index("label")
    assert sorted(table.index) == ["big-api", "tiny-base", "tiny-ft"]  # no running "ghost"
    for key, run in fixture_store.runs.items():
        if key in ("old", "ghost"):
            continue
        primary = "schema_valid" if run.task == "schema_json" else "accuracy"
        for split in run.samples:
            value, low, high = stored_metric(fixture_store.db, run.run_id, split, primary)
            assert table.loc[run.label, f"{run.task} · {split}"] == pytest.approx(value)
            assert table.loc[run.label, f"{run.task} · {split} CI"] == f"{low:.2f}–{high:.2f}"
        test, ood = (table.loc[run.label, f"{run.task} · {s}"] for s in ("test", "ood"))
        assert table.loc[run.label, f"{run.task} · ID→OOD drop"] == pytest.approx(test - ood)
    assert pd.isna(table.loc["tiny-base", "toy_intent · test"])  # never ran it
    assert table.loc["tiny-ft", "kind"] == "local-finetuned" and table.loc["tiny-ft", "size"] == "135M"
    assert table.loc["tiny-ft", "training"] == "full · 203 steps · 1.5 h · from smollm2-135m"
    assert pd.isna(table.loc["big-api", "training"])
    assert "training_card" not in table.columns  # no card was published anywhere: no link column
    # the latest tiny-ft run (0.9 exact), not the older one (0.5)
    latest = fixture_store.runs["tiny-ft/schema_json"].run_id
    assert (
        table.loc["tiny-ft", "schema_json · test"] == stored_metric(fixture_store.db, latest, "test", "schema_valid")[0]
    )
    caption = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "schema_json: test schema_valid, ood schema_valid;" in caption  # stored with the runs
    assert "toy_intent: test accuracy (first by name: no primary metric stored)" in caption


def test_overview_filters_by_kind_and_task(fixture_store):
    at = open_app(fixture_store.db)
    at.multiselect(key="ov_kinds").set_value(["api"]).run()
    assert list(frame(at, "ov_table")["label"]) == ["big-api"]
    at.multiselect(key="ov_kinds").set_value(["local-base", "local-finetuned"])
    at.multiselect(key="ov_tasks").set_value(["toy_intent"]).run()
    table = frame(at, "ov_table")
    assert list(table["label"]) == ["tiny-ft"]
    assert not any(c.startswith("schema_json") for c in table.columns)
    assert "toy_intent · multilabel" in table.columns


def test_overview_marks_best_per_column(fixture_store):
    from harness.leaderboard.tables import best_labels, overview_table

    long = q.overview(fixture_store.db)
    best = best_labels(overview_table(long))
    assert best["schema_json · test"] == ["tiny-ft"]  # 0.9 exact → highest schema_valid
    assert best["schema_json · ID→OOD drop"] == ["big-api"]  # smallest drop wins
    assert best["toy_intent · ood"] == ["big-api"]


def test_overview_counts_the_errors_of_a_run_next_to_its_numbers(fixture_store):
    table = frame(open_app(fixture_store.db), "ov_table").set_index("label")
    # big-api errs once per split (fixture rule): 2 on schema_json (test, ood), 3 on toy_intent
    assert table.loc["big-api", "schema_json · errors"] == 2 and table.loc["tiny-ft", "schema_json · errors"] == 0
    assert table.loc["big-api", "toy_intent · errors"] == 3 and pd.isna(table.loc["tiny-base", "toy_intent · errors"])


def test_a_model_run_on_other_data_says_so_in_its_cells_and_how_to_compare(fixture_store, tmp_path):
    fixture = copy_of(fixture_store, tmp_path / "other.duckdb")
    store = Store(fixture.db)
    fields = {"task": "schema_json", "task_version": "1.0", "data_hash": "data-elsewhere", "label": "other-model"}
    store.create_run("other-run", "other-run", fields | {"model_spec": "x", "model_fingerprint": {}, "config": {}})
    answered = [
        SampleResult(_example("schema_json", "test", i), f"h{i}", Response(text="{}"), Scored({"schema_valid": 1.0}))
        for i in range(3)
    ]
    store.write_samples("other-run", answered)
    store.finish_run(
        "other-run", {"test": {"schema_valid": MetricValue(1.0, 1.0, 1.0, 3)}}, 1.0, primary={"test": "schema_valid"}
    )
    at = open_app(fixture.db)
    assert not at.exception
    table = frame(at, "ov_table").set_index("label")
    # not a blank (which reads "never run"): the cell names why, and the caption says how to compare
    assert pd.isna(table.loc["other-model", "schema_json · test"])
    assert table.loc["other-model", "schema_json · test CI"] == "other data"
    captions = " ".join(c.value for c in at.caption).replace("\\", "")  # markdown escapes dropped
    assert "other data: the model's runs of this task used other examples" in captions
    assert "pick that version under Data versions" in captions and "schema_json: other-model" in captions


def write_failed_run(store: Store, label: str, task: str) -> str:
    """A later run of ``label`` whose every sample errored (an API that was down): complete, no metrics."""
    run_id = f"{label}-{task}-down"
    fields = {"task": task, "task_version": "1.0", "data_hash": f"data-{task}", "label": label}
    store.create_run(run_id, run_id, fields | {"model_spec": label, "model_fingerprint": {}, "config": {}})
    error = Response(error="openai: connection error (gave up after 2 attempts)")
    failed = [
        SampleResult(_example(task, split, i), f"h{i}", error, Scored(scores={"schema_valid": 0.0}))
        for split, n in _splits(task).items()
        for i in range(n)
    ]
    store.write_samples(run_id, failed)
    store.finish_run(run_id, {}, wall_s=1.0)
    return run_id


def test_a_run_whose_samples_all_errored_is_never_shown_as_a_result(fixture_store, tmp_path):
    fixture = copy_of(fixture_store, tmp_path / "down.duckdb")
    down = write_failed_run(Store(fixture.db), "big-api", "schema_json")
    assert down not in set(q.runs(fixture.db, latest_only=False)["run_id"])
    assert down not in set(q.overview(fixture.db)["run_id"])
    table = frame(open_app(fixture.db), "ov_table").set_index("label")
    earlier = fixture.runs["big-api/schema_json"]  # the latest run with a result is still the one shown
    value = stored_metric(fixture.db, earlier.run_id, "test", "schema_valid")[0]
    assert table.loc["big-api", "schema_json · test"] == pytest.approx(value)
    at = open_app(fixture.db, "samples")
    assert not at.exception and not [o for o in at.selectbox(key="smp_run").options if down in o]
    at.selectbox(key="smp_run").set_value(fixture.runs["tiny-ft/schema_json"].run_id).run()
    assert len(at.selectbox(key="smp_compare").options) > 1
    assert not [o for o in at.selectbox(key="smp_compare").options if down in o]
    at = open_app(fixture.db, "history")
    at.selectbox(key="hist_label").set_value("big-api")
    at.selectbox(key="hist_task").set_value("schema_json").run()
    assert list(frame(at, "hist_table")["run_id"]) == [earlier.run_id]


# ---- Task -----------------------------------------------------------------------------------
def test_task_page_every_metric_and_tag_breakdown(fixture_store):
    at = open_app(fixture_store.db, "task")
    assert not at.exception
    at.selectbox(key="task_task").set_value("schema_json").run()
    metrics = frame(at, "task_metrics").set_index(["model", "split"])
    for label in ("tiny-ft", "tiny-base", "big-api"):
        run = fixture_store.runs[f"{label}/schema_json"]
        for split in ("test", "ood"):
            for name in ("exact_match", "schema_valid"):
                assert metrics.loc[(label, split), name] == pytest.approx(
                    stored_metric(fixture_store.db, run.run_id, split, name)[0]
                )
    at.selectbox(key="task_metric").set_value("exact_match").run()
    breakdown = frame(at, "task_breakdown").set_index("tag")
    run = fixture_store.runs["tiny-ft/schema_json"]
    for tag in ("nested", "enum", "flat"):
        scores = [r.scored.scores["exact_match"] for r in run.samples["ood"] if tag in r.example.tags]
        assert breakdown.loc[tag, "tiny-ft · ood"] == pytest.approx(statistics.mean(scores))
    assert breakdown.loc["nested", "n"] == sum(1 for r in run.samples["test"] if "nested" in r.example.tags)


def test_task_page_counts_errors_and_outputs_cut_at_the_budget(fixture_store, tmp_path):
    fixture = copy_of(fixture_store, tmp_path / "cut.duckdb")
    cut = write_run(Store(fixture.db), FixtureRun("cut-model", "local-base", 135_000_000, "schema_json", 0.5, 0.5,
                                                  cut_every=3))  # fmt: skip
    at = open_app(fixture.db, "task")
    at.selectbox(key="task_task").set_value("schema_json").run()
    assert not at.exception
    metrics = frame(at, "task_metrics").set_index(["model", "split"])
    assert metrics.loc[("big-api", "test"), "errors"] == 1 and metrics.loc[("tiny-ft", "ood"), "errors"] == 0
    failures = frame(at, "task_failures").set_index("kind")
    for split, results in cut.samples.items():
        expected = sum(bool(r.response.meta.get("truncated")) for r in results)
        assert expected and failures.loc[q.TRUNCATED, f"cut-model · {split}"] == expected
    assert failures.loc["sample error", "big-api · test"] == 1
    kinds = q.failure_kinds(fixture.db, (cut.run_id,))
    assert kinds[kinds["kind"] == q.TRUNCATED]["n"].sum() == sum(
        bool(r.response.meta.get("truncated")) for rs in cut.samples.values() for r in rs
    )


def test_task_page_labels_get_f1_confusion_and_tag_groups(fixture_store):
    at = open_app(fixture_store.db, "task")
    at.selectbox(key="task_task").set_value("toy_intent").run()
    assert not at.exception
    assert at.selectbox(key="task_group").value == "intent"  # `intent:cancel` grouped under its prefix
    run = fixture_store.runs["big-api/toy_intent"]
    at.selectbox(key="task_lrun").set_value(run.run_id)
    at.selectbox(key="task_lsplit").set_value("test").run()
    f1 = frame(at, "task_f1").set_index("label")
    for label in INTENTS:  # hand count from the fixture's samples
        gold = [r.example.target == label for r in run.samples["test"]]
        pred = [r.scored.parsed == label for r in run.samples["test"]]
        tp = sum(g and p for g, p in zip(gold, pred, strict=True))
        precision = tp / sum(pred) if sum(pred) else 0.0
        recall = tp / sum(gold)
        assert f1.loc[label, "precision"] == pytest.approx(precision)
        assert f1.loc[label, "recall"] == pytest.approx(recall)
    assert f1.loc["macro avg", "support"] == 12


def test_per_label_f1_handles_label_sets(fixture_store):
    run = fixture_store.runs["tiny-ft/toy_intent"]
    counts = q.label_counts(fixture_store.db, run.run_id, "multilabel").set_index("label")
    for label in INTENTS:
        tp = sum(label in r.example.target and label in r.scored.parsed for r in run.samples["multilabel"])
        fn = sum(label in r.example.target and label not in r.scored.parsed for r in run.samples["multilabel"])
        assert (counts.loc[label, "tp"], counts.loc[label, "fn"]) == (tp, fn)
    assert per_label_f1(counts.reset_index()).iloc[-1]["label"] == "macro avg"
    schema_run = fixture_store.runs["tiny-ft/schema_json"]
    assert q.label_counts(fixture_store.db, schema_run.run_id, "test").empty  # objects are not labels


# ---- Cost and latency -----------------------------------------------------------------------
def test_cost_page_cost_per_1k_and_median_latency(fixture_store):
    at = open_app(fixture_store.db, "cost")
    assert not at.exception
    at.selectbox(key="cost_task").set_value("schema_json")
    at.selectbox(key="cost_split").set_value("test").run()
    table = frame(at, "cost_table").set_index("label")
    for label in ("tiny-ft", "tiny-base", "big-api"):
        run = fixture_store.runs[f"{label}/schema_json"]
        samples = run.samples["test"]
        cost = 1000 * sum(r.response.cost_usd or 0 for r in samples) / len(samples)
        assert table.loc[label, "cost_per_1k"] == pytest.approx(cost)
        assert table.loc[label, "median_latency_ms"] == pytest.approx(
            statistics.median(r.response.latency_ms for r in samples)
        )
        assert table.loc[label, "quality"] == stored_metric(fixture_store.db, run.run_id, "test", "schema_valid")[0]
    assert table.loc["big-api", "cost_per_1k"] == pytest.approx(2.0)
    # tiny-ft is free and best; big-api costs more and is worse: only tiny-ft is on the cost front
    assert table["pareto_cost"].to_dict() == {"tiny-ft": True, "tiny-base": False, "big-api": False}


# ---- Samples --------------------------------------------------------------------------------
def _pick_run(at: AppTest, run_id: str) -> AppTest:
    at.selectbox(key="smp_run").set_value(run_id)
    return at.run()


def test_samples_page_pages_through_in_order(fixture_store):
    run = fixture_store.runs["tiny-ft/schema_json"]
    at = _pick_run(open_app(fixture_store.db, "samples"), run.run_id)
    assert not at.exception
    ordered = sorted((r.example.split, r.example.id) for rs in run.samples.values() for r in rs)
    first = frame(at, "smp_table")
    assert list(zip(first["split"], first["example_id"], strict=True)) == ordered[:25]
    at.number_input(key="smp_page").set_value(2).run()
    second = frame(at, "smp_table")
    assert list(zip(second["split"], second["example_id"], strict=True)) == ordered[25:]
    at.selectbox(key="smp_split").set_value("ood")
    at.selectbox(key="smp_failed").set_value("exact_match")
    at.number_input(key="smp_page").set_value(1).run()
    failed = frame(at, "smp_table")
    expected = [r.example.id for r in run.samples["ood"] if r.scored.scores["exact_match"] < 1]
    assert list(failed["example_id"]) == expected


def test_samples_filters_tags_errors_and_search(fixture_store):
    run = fixture_store.runs["big-api/schema_json"]
    at = _pick_run(open_app(fixture_store.db, "samples"), run.run_id)
    at.multiselect(key="smp_tags").set_value(["enum"]).run()
    tagged = frame(at, "smp_table")
    assert len(tagged) == sum("enum" in r.example.tags for rs in run.samples.values() for r in rs)
    at.multiselect(key="smp_tags").set_value([])
    at.selectbox(key="smp_errors").set_value("only").run()
    errored = frame(at, "smp_table")
    assert list(errored["error"]) == ["timeout after 30s", "timeout after 30s"]
    assert at.selectbox(key="smp_run").format_func(run.run_id).endswith(" · 2 errored")  # named with its errors
    assert errored["error"].notna().all()


def test_hostile_output_is_shown_as_text_never_markup(fixture_store):
    run = fixture_store.runs["big-api/schema_json"]
    at = _pick_run(open_app(fixture_store.db, "samples"), run.run_id)
    at.text_input(key="smp_search").set_value("<script>").run()
    table = frame(at, "smp_table")
    assert list(table["output"]) == [HOSTILE, HOSTILE]  # one per split, verbatim
    at.run()
    assert [c.value for c in at.code if c.value == HOSTILE], "the inspected output is shown in a code block"
    markup = [m.value for m in at.markdown] + [c.value for c in at.caption]
    assert not any("script" in m or "onerror" in m for m in markup)


def test_compare_two_runs_disagreements_first(fixture_store):
    a, b = fixture_store.runs["tiny-ft/schema_json"], fixture_store.runs["tiny-base/schema_json"]
    at = _pick_run(open_app(fixture_store.db, "samples"), a.run_id)
    at.selectbox(key="smp_compare").set_value(b.run_id)
    at.selectbox(key="smp_metric").set_value("exact_match")
    at.selectbox(key="smp_split").set_value("test").run()
    assert not at.exception
    page = frame(at, "smp_compare_table")
    differ = [
        ra.example.id
        for ra, rb in zip(a.samples["test"], b.samples["test"], strict=True)
        if ra.scored.scores["exact_match"] != rb.scored.scores["exact_match"]
    ]
    assert list(page["example_id"][: len(differ)]) == differ
    assert (page["exact_match (A)"][: len(differ)] != page["exact_match (B)"][: len(differ)]).all()
    assert len(page) == 25
    assert q.compare_count(fixture_store.db, a.run_id, b.run_id, q.SampleFilter(split="test"))[0] == 30


# ---- History --------------------------------------------------------------------------------
def test_history_lists_every_run_of_a_label(fixture_store):
    at = open_app(fixture_store.db, "history")
    at.selectbox(key="hist_label").set_value("tiny-ft")
    at.selectbox(key="hist_task").set_value("schema_json").run()
    assert not at.exception
    assert at.selectbox(key="hist_metric").value == "schema_valid"
    table = frame(at, "hist_table")
    old, new = fixture_store.runs["old"], fixture_store.runs["tiny-ft/schema_json"]
    assert list(table["run_id"]) == [new.run_id, old.run_id]  # newest first
    for run in (old, new):
        row = table.set_index("run_id").loc[run.run_id]
        assert row["test"] == stored_metric(fixture_store.db, run.run_id, "test", "schema_valid")[0]
        assert row["git_sha"] == f"sha-{run.run_id}" and row["errors"] == 0
    at.selectbox(key="hist_label").set_value("big-api").run()
    assert list(frame(at, "hist_table")["errors"]) == [2]  # one errored sample in each of its two splits
    assert not [s for s in at.subheader if s.value == "Gate results"]  # no gate checked it: nothing shown


def test_history_shows_the_latest_training_card_whole(fixture_store):
    at = open_app(fixture_store.db, "history")
    at.selectbox(key="hist_label").set_value("tiny-ft")
    at.selectbox(key="hist_task").set_value("schema_json").run()
    assert not at.exception
    assert "Training card" in [s.value for s in at.subheader]
    card = frame(at, "hist_card").set_index("field")["value"]
    assert card["steps"] == "203"  # the latest run's card, not the older run's (100 steps)
    assert card["method"] == "full" and card["base"] == "smollm2-135m" and card["wall_s"] == "5400"
    assert card["hyperparameters.lr"] == "0.0001" and card["base_fingerprint.weights"] == "feedfacecafebeef"
    assert card["eval.run_id"] == EVAL_RUN and card["eval.metrics.exact_match"] == "0.5"
    latest = fixture_store.runs["tiny-ft/schema_json"].run_id
    caption = " ".join(c.value for c in at.caption).replace("\\", "")
    assert latest in caption and f"Evaluated after training in run {EVAL_RUN}" in caption
    assert not at.link_button  # the card names no published URL
    at.selectbox(key="hist_label").set_value("tiny-base").run()
    assert "Training card" not in [s.value for s in at.subheader]  # a base model has no card


def test_a_published_card_is_a_link_and_hostile_ones_are_not(fixture_store, tmp_path):
    fixture = copy_of(fixture_store, tmp_path / "published.duckdb")
    store = Store(fixture.db)
    published = training_card(url="https://huggingface.co/me/tiny-ft-pub")
    for label, card in [
        ("tiny-ft-pub", published),
        ("tiny-ft-legacy", CARD),  # older runs stored a bare URL
        ("tiny-ft-evil", training_card(40, url="javascript:alert(1)", base="<img src=x onerror=alert(1)>")),
    ]:
        write_run(store, FixtureRun(label, "local-finetuned", 135_000_000, "schema_json", 0.6, 0.5, card=card))
    at = open_app(fixture.db)
    assert not at.exception
    table = frame(at, "ov_table").set_index("label")
    assert table.loc["tiny-ft-pub", "training_card"] == "https://huggingface.co/me/tiny-ft-pub"
    assert table.loc["tiny-ft-pub", "training"] == "full · 203 steps · 1.5 h · from smollm2-135m"
    assert table.loc["tiny-ft-legacy", "training_card"] == CARD and pd.isna(table.loc["tiny-ft-legacy", "training"])
    assert pd.isna(table.loc["tiny-ft-evil", "training_card"]) and pd.isna(table.loc["tiny-ft", "training_card"])
    assert table.loc["tiny-ft-evil", "training"] == "full · 40 steps · 1.5 h · from <img src=x onerror=alert(1)>"
    config = json.loads(next(df for df in at.dataframe if "training_card" in df.value.columns).proto.columns)
    assert config["training_card"]["type_config"]["type"] == "link"  # drawn as a LinkColumn
    markup = [m.value for m in at.markdown] + [c.value for c in at.caption]
    assert not any("onerror" in m or "javascript" in m for m in markup)
    at = open_app(fixture.db, "history")
    at.selectbox(key="hist_label").set_value("tiny-ft-pub")
    at.selectbox(key="hist_task").set_value("schema_json").run()
    assert [b.proto.url for b in at.link_button] == ["https://huggingface.co/me/tiny-ft-pub"]
    assert frame(at, "hist_card").set_index("field").loc["url", "value"] == "https://huggingface.co/me/tiny-ft-pub"
    at.selectbox(key="hist_label").set_value("tiny-ft-evil").run()
    assert not at.link_button and "Training card" in [s.value for s in at.subheader]


def test_history_without_a_gates_table(fixture_store, tmp_path):
    fixture = copy_of(fixture_store, tmp_path / "v1.duckdb")
    with duckdb.connect(fixture.db) as con:
        con.execute("DROP TABLE IF EXISTS gates")  # a store written before gates existed
    assert q.gates(fixture.db, "tiny-ft", "schema_json", ()) is None
    at = open_app(fixture.db, "history")
    assert not at.exception and not at.subheader


def copy_of(fixture: Fixture, path: Path) -> Fixture:
    """A private copy of the module's store, for a test that writes to it."""
    shutil.copyfile(fixture.db, path)
    return Fixture(str(path), fixture.runs)


def test_history_shows_gate_results_for_the_model(fixture_store, tmp_path):
    fixture = copy_of(fixture_store, tmp_path / "gated.duckdb")
    old, new = fixture.runs["old"], fixture.runs["tiny-ft/schema_json"]
    store = Store(fixture.db)
    gate = {"baseline": old.run_id, "candidate": "tiny-ft", "baseline_run": old.run_id, "candidate_run": new.run_id}
    other = {"baseline": "x", "candidate": "y", "baseline_run": "x", "candidate_run": "y"}
    rows = []
    for gate_id, link in (("g1", gate), ("g2", other)):
        rows.append(
            {
                "gate_id": gate_id,
                "created_at": datetime(2026, 1, 1),
                "task": "schema_json",
                "split": "test",
                "metric": "schema_valid",
                "test": "mcnemar",
                "n": 30,
                "diff": 0.2,
                "verdict": "improved",
                "gate_verdict": "improved",
                **link,
            }
        )
    store.write_gate(rows)
    at = open_app(fixture.db, "history")
    at.selectbox(key="hist_label").set_value("tiny-ft")
    at.selectbox(key="hist_task").set_value("schema_json").run()
    assert [s.value for s in at.subheader] == ["Training card", "Gate results"]
    gates = frame(at, "hist_gates")
    assert list(gates["gate_id"]) == ["g1"] and gates["diff"].iloc[0] == 0.2


# ---- every page, empty and missing stores -----------------------------------------------------
@pytest.mark.parametrize("page", ["overview", "task", "cost", "samples", "history"])
def test_every_page_renders_on_an_empty_store(tmp_path, page):
    db = str(tmp_path / "empty.duckdb")
    Store(db)
    at = open_app(db, page)
    assert not at.exception and not at.error
    assert at.info, "an empty store says how to fill it"


def test_missing_store_is_one_error_line(tmp_path):
    at = open_app(str(tmp_path / "nope.duckdb"))
    assert not at.exception
    assert "harness run" in at.error[0].value


def test_queries_cache_key_changes_with_the_store(fixture_store, tmp_path):
    fixture = copy_of(fixture_store, tmp_path / "s.duckdb")
    before = q.store_stamp(fixture.db)
    write_run(Store(fixture.db), FixtureRun("late", "api", None, "schema_json", 1.0, 1.0))
    assert q.store_stamp(fixture.db) != before
    assert "late" in set(q.runs(fixture.db)["label"])


def test_store_is_opened_read_only(fixture_store):
    path = Path(fixture_store.db)
    with pytest.raises(duckdb.Error):
        q.query(str(path), "CREATE TABLE evil (x INTEGER)")


# ---- the command ------------------------------------------------------------------------------
def test_leaderboard_command_on_a_missing_store_is_one_line(tmp_path):
    from tests.conftest import harness_cli

    result = harness_cli("leaderboard", "--db", str(tmp_path / "nope.duckdb"), "--port", "1")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "no results store here" in result.stderr


def test_cli_does_not_import_streamlit():
    import subprocess
    import sys

    code = "import sys, harness.cli; print(any(m.split('.')[0] in ('streamlit', 'pandas') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_training_card_links_are_web_links_only():
    from harness.leaderboard.tables import card_link, web_link

    assert web_link("https://hf.co/x/card") == "https://hf.co/x/card"
    assert web_link("javascript:alert(1)") is None and web_link("/home/me/ckpt/training.json") is None
    assert web_link(None) is None
    assert card_link('{"url": "https://hf.co/x"}') == "https://hf.co/x" and card_link('{"steps": 3}') is None
    assert card_link('{"url": "file:///etc/passwd"}') is None and card_link("{not json") is None


def test_card_summary_and_rows_by_hand():
    from harness.leaderboard.tables import card_rows, card_summary, duration_text, parse_card

    assert [duration_text(s) for s in (42, 720, 5400)] == ["42 s", "12 min", "1.5 h"]
    assert card_summary({"method": "lora", "steps": 40, "wall_s": 61.6, "base": "../bases/causal"}) == (
        "lora · 40 steps · 62 s · from ../bases/causal"
    )
    assert card_summary({}) is None and card_summary(None) is None and parse_card("https://x.org") is None
    rows = card_rows({"labels": ["a", "b"], "limit": None, "multi_label": False, "eval": {"metrics": {"f1": 1 / 3}}})
    assert rows.values.tolist() == [
        ["labels", "a, b"],
        ["limit", "—"],
        ["multi_label", "false"],
        ["eval.metrics.f1", "0.333333"],
    ]


# ---- Overview: cost, and the cheapest model within the best one's CI ----------------------------
def test_cheapest_within_the_best_models_ci_by_hand():
    from harness.leaderboard.tables import cheapest_within_ci

    by_label = pd.DataFrame(
        {"value": [0.90, 0.85, 0.82, 0.70], "ci_low": [0.80, 0.75, 0.70, 0.60]},
        index=["best-api", "mid-api", "local", "weak"],
    )
    cost = pd.Series({"best-api": 5.0, "mid-api": 2.0, "local": None, "weak": 0.0})
    assert cheapest_within_ci(by_label, cost) == ["local"]  # within [0.80, ...]; no recorded cost counts as 0
    assert cheapest_within_ci(by_label, cost.fillna(3.0)) == ["mid-api"]
    assert cheapest_within_ci(by_label.assign(ci_low=None), cost) == ["best-api"]  # no CI: the best alone


def test_overview_shows_cost_per_1k_and_marks_the_cheapest_within_ci(fixture_store):
    table = frame(open_app(fixture_store.db), "ov_table").set_index("label")
    assert table.loc["big-api", "schema_json · $/1k samples"] == pytest.approx(2.0)  # $0.002 a sample
    assert table.loc["big-api", "toy_intent · $/1k samples"] == pytest.approx(1.0)
    assert pd.isna(table.loc["tiny-ft", "schema_json · $/1k samples"])  # not priced (shown so)
    for task, splits in (("schema_json", ("test", "ood")), ("toy_intent", ("test", "ood", "multilabel"))):
        expected: dict[str, list[str]] = {}
        for split in splits:  # by hand from the stored metrics: value ≥ best's CI low, then the lowest cost
            values = {}
            for key, run in fixture_store.runs.items():
                if run.task == task and key not in ("old", "ghost"):
                    metric = "schema_valid" if task == "schema_json" else "accuracy"
                    values[run.label] = stored_metric(fixture_store.db, run.run_id, split, metric)
            best = max(values, key=lambda label: values[label][0])
            within = [label for label, (value, _, _) in values.items() if value >= values[best][1]]
            costs = {
                label: 1000 * (run.cost or 0.0) for label in within for run in [fixture_store.runs[f"{label}/{task}"]]
            }
            for label in within:
                if costs[label] == min(costs.values()):
                    expected.setdefault(label, []).append(split)
        shown = table[f"{task} · cheapest within best's CI"].to_dict()
        assert {k: v for k, v in shown.items() if v} == {k: ", ".join(v) for k, v in expected.items()}


# ---- Versus ---------------------------------------------------------------------------------------
def versus_table(at: AppTest) -> pd.DataFrame:
    (found,) = [df.value for df in at.dataframe if "cost ratio" in df.value.columns]
    return found


def test_versus_page_shows_the_compare_verdicts_for_two_models(fixture_store):
    from harness.compare import compare

    at = open_app(fixture_store.db, "versus")
    assert not at.exception
    at.selectbox(key="vs_a").set_value("tiny-ft")
    at.selectbox(key="vs_b").set_value("big-api").run()
    assert not at.exception and not at.error
    report = compare("tiny-ft", "big-api", fixture_store.db)
    shown = [t.value for t in at.text]
    assert shown == list(report.verdicts().values())
    # schema_json/test by hand: tiny-ft scores schema_valid 1 at i < 27 or odd, big-api at i < 24 or odd (n = 30):
    # tiny-ft alone is right at 24 and 26, so +2/30, and one-sided flips only: McNemar p = 0.5
    (test,) = [s for s in report.splits if (s.task, s.split) == ("schema_json", "test")]
    assert (test.diff, test.p_value) == (pytest.approx(2 / 30), pytest.approx(0.5))
    assert shown[0].startswith("tiny-ft is not distinguishable from big-api on schema_json/test (+0.07 [")
    assert "(cost: tiny-ft not priced); not distinguishable on schema_json/ood (" in shown[0]
    table = versus_table(at).set_index("task/split")
    assert table.loc["schema_json/test", "verdict"] == "not distinguishable"
    assert table.loc["schema_json/test", "$/1k big-api"] == "$2" and table.loc["schema_json/test", "n"] == "30"
    assert list(table.index) == ["schema_json/test", "schema_json/ood", "toy_intent/test", "toy_intent/ood",
                                 "toy_intent/multilabel"]  # fmt: skip
    links = " ".join(m.value for m in at.markdown)
    a_run, b_run = fixture_store.runs["tiny-ft/schema_json"].run_id, fixture_store.runs["big-api/schema_json"].run_id
    assert f"(?page=samples&run={a_run}&compare={b_run})" in links


def test_versus_page_reads_models_from_the_url_and_refuses_one_model_twice(fixture_store):
    import os

    os.environ["HARNESS_DB"] = fixture_store.db
    at = AppTest.from_file(str(app_path()), default_timeout=60)
    at.query_params.update({"page": "versus", "a": "tiny-base", "b": "tiny-ft"})
    at.run()
    assert not at.exception
    assert at.text[0].value.startswith("tiny-base is worse than tiny-ft on schema_json/test")
    at.selectbox(key="vs_b").set_value("tiny-base").run()
    assert [w.value for w in at.warning] == ["Pick two different models."]
