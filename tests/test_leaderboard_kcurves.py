"""k-curves on the leaderboard, in ``harness compare`` and in the static export (issues 19 and 23).

The fixture store is the leaderboard's (three models on two tasks, one attempt each) plus runs with several
attempts per example, written through the real Store API: every attempt as a sample row, the ordinary metrics on
attempt 0, and the ``SELECTOR@K`` / ``tokens@K`` / ``cost_usd@K`` rows the runner stores for ``--samples N``
(values fixed here, so every number a page shows is checked against a value known by hand).
"""

from __future__ import annotations

import json
import statistics

import pandas as pd
import pytest

pytest.importorskip("streamlit", reason="the leaderboard extra is not installed: pip install 'harness[leaderboard]'")

from streamlit.testing.v1 import AppTest

from harness.compare import compare, k_metric, k_metric_name, k_table_rows, to_json, to_markdown
from harness.errors import BadInput
from harness.leaderboard import queries as q
from harness.leaderboard.kcurves import curves, without_k_metrics
from harness.metrics.stats import mean_with_ci
from harness.store import Store
from harness.types import MetricValue, Response, SampleResult, Scored
from tests.conftest import harness_cli
from tests.test_leaderboard import Fixture, _example, _splits, build_store, open_app

N_ATTEMPTS = 4
# (split, selector) -> value and CI at k = 1, 2, 4: what the runner would have stored for tiny-k
CURVES = {
    ("test", "vote"): [(0.55, 0.40, 0.70), (0.62, 0.45, 0.78), (0.97, 0.95, 1.00)],
    ("test", "verify"): [(0.56, 0.40, 0.72), (0.70, 0.55, 0.85), (0.98, 0.96, 1.00)],
    ("test", "pass"): [(0.55, 0.40, 0.70), (0.80, 0.65, 0.92), (1.00, 1.00, 1.00)],
    ("test", "pass^"): [(0.55, 0.40, 0.70), (0.30, 0.15, 0.45), (0.10, 0.00, 0.20)],
    ("ood", "vote"): [(0.20, 0.10, 0.30), (0.25, 0.10, 0.40), (0.40, 0.20, 0.60)],
    ("ood", "verify"): [(0.21, 0.10, 0.33), (0.30, 0.15, 0.45), (0.45, 0.25, 0.65)],
    ("ood", "pass"): [(0.20, 0.10, 0.30), (0.35, 0.20, 0.50), (0.60, 0.40, 0.80)],
    ("ood", "pass^"): [(0.20, 0.10, 0.30), (0.05, 0.00, 0.10), (0.00, 0.00, 0.00)],
}
KS = (1, 2, 4)
COST_PER_ATTEMPT = 0.0001  # a local model priced per token: $0.10 per 1,000 answers
TOKENS_PER_ATTEMPT = 15.0


def attempt_right(split: str, i: int, attempt: int) -> bool:
    """tiny-k: attempt 0 right on the first two thirds of each split; the others where i + attempt is even."""
    return i < 2 * _splits("schema_json")[split] // 3 if attempt == 0 else (i + attempt) % 2 == 0


def write_attempts_run(
    store: Store, label: str, ks: tuple[int, ...] = KS, cost: float | None = COST_PER_ATTEMPT
) -> str:
    """A complete schema_json run with ``max(ks)`` attempts per example and its k-curve rows."""
    run_id = f"{label}-schema_json-attempts"
    fields = {"task": "schema_json", "task_version": "1.0", "data_hash": "data-schema_json", "label": label}
    store.create_run(
        run_id,
        run_id,
        fields | {"model_spec": label, "model_fingerprint": {"spec": label}, "model_kind": "local-base",
                  "model_params": 135_000_000, "config": {"samples": max(ks)}},
    )  # fmt: skip
    results, metrics = [], {}
    for split, n in _splits("schema_json").items():
        first = []
        for i in range(n):
            example = _example("schema_json", split, i)
            for attempt in range(max(ks)):
                right = attempt_right(split, i, attempt)
                scores = {"schema_valid": float(right), "exact_match": float(right)}
                response = Response(text="{}", tokens_in=10, tokens_out=5, latency_ms=10.0 + attempt, cost_usd=cost)
                result = SampleResult(example, f"h{i}-{attempt}", response, Scored(scores, parsed={}), attempt=attempt)
                results.append(result)
                first += [result] if attempt == 0 else []
        metrics[split] = {m: mean_with_ci([r.scored.scores[m] for r in first]) for m in ("schema_valid", "exact_match")}
        for j, k in enumerate(ks):
            for selector in ("vote", "verify", "pass", "pass^"):
                value, low, high = CURVES[(split, selector)][j]
                metrics[split][k_metric_name(selector, k)] = MetricValue(value, low, high, n)
            metrics[split][f"tokens@{k}"] = MetricValue(TOKENS_PER_ATTEMPT * k, None, None, n)
            if cost is not None:
                metrics[split][f"cost_usd@{k}"] = MetricValue(cost * k, None, None, n)
    store.write_samples(run_id, results)
    store.finish_run(run_id, metrics, wall_s=1.0, primary=dict.fromkeys(metrics, "schema_valid"))
    return run_id


@pytest.fixture(scope="module")
def kstore(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    fixture = build_store(str(tmp_path_factory.mktemp("kcurves") / "results.duckdb"))
    fixture.runs["tiny-k"] = write_attempts_run(Store(fixture.db), "tiny-k")  # type: ignore[assignment]
    return fixture


def by_columns(at: AppTest, *columns: str) -> pd.DataFrame:
    found = [df.value for df in at.dataframe if set(columns) <= set(df.value.columns)]
    assert len(found) == 1, f"expected one table with {columns}, found {len(found)}"
    return found[0]


# ---- reading the stored rows ------------------------------------------------------------------------
def test_k_metric_names_parse_and_nothing_else_does():
    assert k_metric("vote@8") == ("vote", 8) and k_metric("pass^4") == ("pass^", 4)
    assert k_metric("pass@2") == ("pass", 2)
    assert k_metric("pass^@4") is None and k_metric("cost_usd@16") == ("cost_usd", 16) and k_metric("tokens@1")
    assert k_metric("exact_match") is None and k_metric("vote@0") is None and k_metric("first@2") is None


def test_curves_reshape_the_stored_rows(kstore):
    run_id = kstore.runs["tiny-k"]
    frame = curves(q.metrics(kstore.db, (run_id,))).set_index(["split", "selector", "k"])
    assert len(frame) == 2 * 4 * len(KS)
    for (split, selector), points in CURVES.items():
        for k, (value, low, high) in zip(KS, points, strict=True):
            row = frame.loc[(split, selector, k)]
            assert (row["value"], row["ci_low"], row["ci_high"], row["n"]) == (
                value,
                low,
                high,
                _splits("schema_json")[split],
            )
            assert row["tokens_per_example"] == TOKENS_PER_ATTEMPT * k
            assert row["cost_per_1k"] == pytest.approx(1000 * COST_PER_ATTEMPT * k)
    single = kstore.runs["big-api/schema_json"].run_id
    assert curves(q.metrics(kstore.db, (single,))).empty  # a run without attempts has no curve
    plain = without_k_metrics(q.metrics(kstore.db, (run_id,)))
    assert sorted(plain["metric"].unique()) == ["exact_match", "schema_valid"]


def test_per_sample_queries_read_attempt_0_like_the_ordinary_metrics(kstore):
    run_id = kstore.runs["tiny-k"]
    costs = q.cost_latency(kstore.db, (run_id,)).set_index("split")
    assert costs.loc["test", "n"] == 30 and costs.loc["ood", "n"] == 12  # examples, not examples × attempts
    assert costs.loc["test", "median_latency_ms"] == 10.0 and costs.loc["test", "tokens_per_sample"] == 15
    tags = q.tag_breakdown(kstore.db, (run_id,), "schema_valid").set_index(["tag", "split"])
    flat = [attempt_right("test", i, 0) for i in range(30) if _example("schema_json", "test", i).tags == ("flat",)]
    assert tags.loc[("flat", "test"), "value"] == pytest.approx(statistics.mean(flat))
    assert q.sample_count(kstore.db, run_id, q.SampleFilter()) == 42
    other = kstore.runs["big-api/schema_json"].run_id
    assert q.compare_count(kstore.db, run_id, other, q.SampleFilter())[0] == 42
    at = open_app(kstore.db, "samples")
    at.selectbox(key="smp_run").set_value(run_id).run()
    assert not at.exception
    assert at.selectbox(key="smp_metric").options == ["exact_match", "schema_valid"]  # no vote@k: not per sample
    assert "42 matching samples" in [c.value for c in at.caption]


# ---- Cost page ----------------------------------------------------------------------------------------
def test_cost_page_puts_each_k_beside_the_single_points(kstore):
    at = open_app(kstore.db, "cost")
    at.selectbox(key="cost_task").set_value("schema_json")
    at.selectbox(key="cost_split").set_value("test").run()
    assert not at.exception
    assert at.radio(key="cost_selector").value == "vote" and at.radio(key="cost_axis").value == "cost_per_1k"
    table = by_columns(at, "pareto_cost", "selector")
    k_rows = table[table["label"] == "tiny-k"].set_index("k")
    assert sorted(k_rows.index) == list(KS) and set(k_rows["selector"]) == {"vote"}
    for k, (value, _, _) in zip(KS, CURVES[("test", "vote")], strict=True):
        assert k_rows.loc[k, "quality"] == value
        assert k_rows.loc[k, "cost_per_1k"] == pytest.approx(1000 * COST_PER_ATTEMPT * k)
        assert k_rows.loc[k, "tokens_per_example"] == TOKENS_PER_ATTEMPT * k
    single = table[table["label"] != "tiny-k"].set_index("label")
    assert sorted(single.index) == ["big-api", "tiny-base", "tiny-ft"] and set(single["k"]) == {1}
    assert set(single["selector"]) == {"first"} and single.loc["big-api", "cost_per_1k"] == pytest.approx(2.0)
    # by hand: tiny-ft is free at 29/30; only tiny-k's k = 4 point (0.97 at $0.40) beats it, so both are the front
    front = {(r.label, r.k) for r in table.itertuples() if r.pareto_cost}
    assert front == {("tiny-ft", 1), ("tiny-k", 4)}
    assert table.loc[table["label"] == "tiny-k", "pareto_latency"].sum() <= 1  # a run counts once for latency
    at.radio(key="cost_selector").set_value("pass").run()
    passed = by_columns(at, "pareto_cost", "selector")
    passed = passed[passed["label"] == "tiny-k"].set_index("k")["quality"]
    assert passed.to_dict() == {k: v for k, (v, _, _) in zip(KS, CURVES[("test", "pass")], strict=True)}


def test_cost_page_falls_back_to_tokens_without_any_dollar_cost(kstore, tmp_path):
    db = str(tmp_path / "free.duckdb")
    write_attempts_run(Store(db), "local-k", cost=None)
    at = open_app(db, "cost")
    assert not at.exception
    assert at.radio(key="cost_axis").value == "tokens_per_example"
    table = by_columns(at, "pareto_cost", "selector").set_index("k")
    assert table["tokens_per_example"].to_dict() == {k: TOKENS_PER_ATTEMPT * k for k in KS}
    assert (table["cost_per_1k"] == 0).all()  # no cost_usd@k stored: counts as 0, as an unpriced run does


# ---- Task page -----------------------------------------------------------------------------------------
def test_task_page_draws_the_k_curves_of_runs_with_attempts_only(kstore):
    at = open_app(kstore.db, "task")
    at.selectbox(key="task_task").set_value("schema_json").run()
    assert not at.exception
    assert "k-curves" in [s.value for s in at.subheader]
    table = by_columns(at, "selector", "value", "ci_low").set_index(["model", "split", "selector", "k"])
    assert set(table.index.get_level_values("model")) == {"tiny-k"}
    for (split, selector), points in CURVES.items():
        for k, (value, low, high) in zip(KS, points, strict=True):
            assert tuple(table.loc[("tiny-k", split, selector, k), ["value", "ci_low", "ci_high"]]) == (
                value,
                low,
                high,
            )
    every = by_columns(at, "model", "schema_valid")
    assert not [c for c in every.columns if k_metric(c)]  # the k rows are not squeezed into "Every metric"
    metrics = every.set_index(["model", "split"])
    first = mean_with_ci([float(attempt_right("test", i, 0)) for i in range(30)]).value
    assert metrics.loc[("tiny-k", "test"), "schema_valid"] == pytest.approx(first)  # attempt 0 alone
    at.selectbox(key="task_task").set_value("toy_intent").run()
    assert not at.exception and "k-curves" not in [s.value for s in at.subheader]


# ---- compare and Versus ---------------------------------------------------------------------------------
def test_compare_at_each_k_against_a_single_answer_by_hand(kstore):
    report = compare("tiny-k", "big-api", kstore.db, task="schema_json")
    big = {s.split: s.b for s in report.splits}
    rows = {(r.split, r.k): r for r in report.k_rows}
    assert sorted(rows) == sorted((split, k) for split in ("test", "ood") for k in KS)
    for (split, k), row in rows.items():
        value, low, high = CURVES[(split, "vote")][KS.index(k)]
        assert (row.a.metric, row.a.value, row.a.ci_low, row.a.ci_high) == (f"vote@{k}", value, low, high)
        assert (row.b.metric, row.b.k, row.b.value) == ("schema_valid", 1, big[split].value)
        assert row.diff == pytest.approx(value - big[split].value) and row.test == "unpaired (CI overlap)"
        assert row.a.cost_per_1k == pytest.approx(1000 * COST_PER_ATTEMPT * k)
        assert row.b.cost_per_1k == pytest.approx(2.0)
        assert row.cost_ratio == pytest.approx(COST_PER_ATTEMPT * k * 1000 / 2.0)
        assert row.a.tokens_per_example == TOKENS_PER_ATTEMPT * k and row.b.tokens_per_example == 15
        expected = (
            "better" if low > big[split].ci_high else "worse" if high < big[split].ci_low else "not distinguishable"
        )
        assert row.verdict == expected
    assert rows[("ood", 1)].verdict == "worse"  # 0.20 [0.10, 0.30] against big-api's 11/12
    line = report.k_verdicts()["schema_json"]
    test4, ood4 = rows[("test", 4)], rows[("ood", 4)]
    word = "from" if test4.verdict == "not distinguishable" else "than"
    apart = "CIs overlap" if test4.verdict == "not distinguishable" else "CIs apart"
    assert line.startswith(
        f"tiny-k (vote@4) is {test4.verdict} {word} big-api (schema_valid) on schema_json/test "
        f"(+{test4.diff:.2f}, unpaired: {apart}) at 1/{2.0 / 0.4:.3g} of the cost; {ood4.verdict} on schema_json/ood "
        f"(\u2212{-ood4.diff:.2f}, unpaired: "
    )
    # the first answers stay compared on attempt 0, with the split's cost of one answer per example
    test = next(s for s in report.splits if s.split == "test")
    assert test.a.n == 30 and test.a.cost_per_1k == pytest.approx(1000 * COST_PER_ATTEMPT)


def test_the_paired_first_answer_row_pairs_attempt_0(kstore):
    report = compare("tiny-k", "big-api", kstore.db, task="schema_json")
    big = kstore.runs["big-api/schema_json"].samples["test"]
    by_hand = [float(attempt_right("test", i, 0)) - big[i].scored.scores["schema_valid"] for i in range(30)]
    test = next(s for s in report.splits if s.split == "test")
    assert test.n_paired == 30 and test.diff == pytest.approx(statistics.mean(by_hand))


def test_compare_json_and_markdown_carry_the_k_rows(kstore):
    report = compare("tiny-k", "big-api", kstore.db, task="schema_json", selector="verify")
    payload = json.loads(to_json(report))
    assert payload["selector"] == "verify" and len(payload["k_rows"]) == 2 * len(KS)
    row = next(r for r in payload["k_rows"] if (r["split"], r["k"]) == ("test", 2))
    assert row["a"]["metric"] == "verify@2" and row["a"]["value"] == 0.70 and row["b"]["metric"] == "schema_valid"
    assert row["diff"] == pytest.approx(0.70 - report.splits[0].b.value)
    assert row["cost_ratio"] == pytest.approx(0.2 / 2.0) and payload["k_verdicts"] == report.k_verdicts()
    markdown = to_markdown(report)
    assert "### At k attempts per example (verify@k; unpaired: compared by CI overlap)" in markdown
    assert "| schema_json/test | 2 | verify@2 0.700 [0.550, 0.850] | schema_valid " in markdown
    plain = compare("big-api", "tiny-base", kstore.db, task="schema_json")
    assert (
        plain.k_rows == () and json.loads(to_json(plain))["k_rows"] == [] and "At k attempts" not in to_markdown(plain)
    )


def test_both_with_attempts_compare_at_the_k_both_have(kstore, tmp_path):
    from tests.test_leaderboard import copy_of

    fixture = copy_of(kstore, tmp_path / "two.duckdb")
    write_attempts_run(Store(fixture.db), "tiny-k2", ks=(1, 2), cost=0.0002)
    report = compare("tiny-k", "tiny-k2", fixture.db, task="schema_json")
    assert sorted({r.k for r in report.k_rows}) == [1, 2]
    row = next(r for r in report.k_rows if (r.split, r.k) == ("test", 2))
    assert (row.a.metric, row.b.metric, row.diff) == ("vote@2", "vote@2", 0.0)
    assert row.verdict == "not distinguishable" and row.cost_ratio == pytest.approx(0.5)
    assert any("k compared only where both have it (1, 2)" in n for n in report.notes)


def test_compare_command_prints_the_k_table_and_refuses_an_unknown_selector(kstore, tmp_path):
    out = tmp_path / "c.json"
    result = harness_cli("compare", "tiny-k", "big-api", "--db", kstore.db, "--task", "schema_json", "--json", str(out))
    assert result.returncode == 0, result.stderr
    assert "vote@4 0.970 [0.950, 1.000]" in result.stdout and "unpaired (CI overlap)" in result.stdout
    assert "tiny-k (vote@4) is " in result.stdout
    assert len(json.loads(out.read_text())["k_rows"]) == 2 * len(KS)
    bad = harness_cli("compare", "tiny-k", "big-api", "--db", kstore.db, "--selector", "best")
    assert bad.returncode == 2 and "pick one of vote, verify, pass, pass^" in bad.stderr
    assert len([line for line in bad.stderr.splitlines() if line.strip()]) == 1
    with pytest.raises(BadInput, match="--selector 'best'"):
        compare("tiny-k", "big-api", kstore.db, selector="best")


def test_versus_page_shows_the_comparison_at_each_k_and_every_k_point(kstore):
    import os

    from harness.leaderboard import app_path
    from harness.leaderboard.views.versus import cost_points

    os.environ["HARNESS_DB"] = kstore.db

    at = AppTest.from_file(str(app_path()), default_timeout=60)
    at.query_params.update({"page": "versus", "a": "tiny-k", "b": "big-api"})
    at.run()
    assert not at.exception and not at.error
    report = compare("tiny-k", "big-api", kstore.db)
    shown = [t.value for t in at.text]
    assert shown == [*report.verdicts().values(), *report.k_verdicts().values()]
    table = by_columns(at, "k", "test", "cost ratio at k")
    assert table.to_dict("records") == k_table_rows(report)
    points = cost_points(report)
    tiny = points[(points["model"] == "tiny-k") & (points["where"] == "schema_json/test")]
    first = tiny[tiny["selector"] == "first"]
    assert list(first["quality"]) == [pytest.approx(first_of("test"))]  # its attempt 0, as the table above
    voted = tiny[tiny["selector"] == "vote"].set_index("k")["quality"].to_dict()
    assert voted == {k: v for k, (v, _, _) in zip(KS, CURVES[("test", "vote")], strict=True)}
    assert set(points.loc[points["model"] == "big-api", "selector"]) == {"first"}
    at.radio(key="vs_selector").set_value("pass^").run()
    assert by_columns(at, "k", "test", "cost ratio at k")["tiny-k"].iloc[0].startswith("pass^1 ")


def first_of(split: str) -> float:
    n = _splits("schema_json")[split]
    return sum(attempt_right(split, i, 0) for i in range(n)) / n


# ---- static export -----------------------------------------------------------------------------------------
def test_export_shows_the_k_points_and_curves_with_the_apps_numbers(kstore, tmp_path):
    from harness.leaderboard.export import export_site
    from tests.test_leaderboard_export import exported, same

    site = tmp_path / "site"
    export_site(kstore.db, site)
    at = open_app(kstore.db, "cost")  # schema_json, split test, vote, at its defaults
    same(exported(site, "cost-schema_json-test"), by_columns(at, "pareto_cost", "selector"))
    at = open_app(kstore.db, "task")
    same(exported(site, "task-schema_json"), by_columns(at, "model", "schema_valid"))
    same(exported(site, "kcurves-schema_json"), by_columns(at, "selector", "value", "ci_low"))
    assert not (site / "kcurves-toy_intent.csv").exists()
    cost_page = (site / "cost.html").read_text(encoding="utf-8")
    chart = cost_page.split("<svg", 2)[1]  # schema_json · test
    assert chart.count('class="point"') == 6 and chart.count("<polyline") == 1  # 3 single points, tiny-k at 3 k
    page = (site / "versus-big-api--tiny-k.html").read_text(encoding="utf-8")
    report = compare("big-api", "tiny-k", kstore.db)
    for line in report.k_verdicts().values():
        assert f"<p>{line}</p>" in page
    assert exported(site, "versus-big-api--tiny-k.k").to_dict("records") == k_table_rows(report)
    every = json.loads((site / "versus-big-api--tiny-k.compare.json").read_text(encoding="utf-8"))
    assert len(every["k_rows"]) == 2 * len(KS)
