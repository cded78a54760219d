"""The static leaderboard (``harness leaderboard --export DIR``): its numbers equal the live app's, its pages
link to each other, user text stays text, and it refuses to write into a folder that holds something."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("streamlit", reason="the leaderboard extra is not installed: pip install 'harness[leaderboard]'")

from typer.testing import CliRunner

from harness.cli import app
from harness.compare import compare, table_rows
from harness.errors import BadInput
from harness.leaderboard.export import export_site, task_file, versus_file, versus_pairs
from harness.leaderboard.tables import overview_table
from harness.store import Store
from tests.test_leaderboard import (
    HOSTILE,
    Fixture,
    FixtureRun,
    build_store,
    copy_of,
    frame,
    open_app,
    versus_table,
    write_run,
)

HREF = re.compile(r'href="([^"]*)"')


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    return build_store(str(tmp_path_factory.mktemp("export") / "results.duckdb"))


@pytest.fixture(scope="module")
def site(store: Fixture, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    export_site(store.db, out)
    return out


def exported(site: Path, stem: str) -> pd.DataFrame:
    """A table as its JSON file holds it, missing cells as NaN like the app's frames; its CSV holds the same."""
    records = json.loads((site / f"{stem}.json").read_text(encoding="utf-8"))
    ours = pd.DataFrame(records).replace({"": float("nan")})
    from_csv = pd.read_csv(site / f"{stem}.csv", keep_default_na=False, na_values=[""])
    assert list(from_csv.columns) == list(ours.columns), "the CSV and the JSON hold the same columns"
    numbers = [c for c in ours.columns if pd.api.types.is_float_dtype(ours[c])]
    pd.testing.assert_frame_equal(from_csv[numbers], ours[numbers], check_dtype=False, check_exact=True)
    return ours


def same(ours: pd.DataFrame, app_frame: pd.DataFrame) -> None:
    theirs = app_frame.reset_index(drop=True).replace({"": float("nan")})
    theirs = theirs.astype({c: object for c in theirs.columns if theirs[c].dtype == bool})
    pd.testing.assert_frame_equal(ours, theirs, check_dtype=False, check_exact=True)


# ---- numbers equal the live app's ------------------------------------------------------------
def test_overview_export_equals_the_app(store, site):
    at = open_app(store.db)
    assert not at.exception
    same(exported(site, "overview"), frame(at, "ov_table"))
    stored = exported(site, "overview").set_index("label")
    tiny_ft = store.runs["tiny-ft/schema_json"].samples["test"]
    assert stored.loc["tiny-ft", "schema_json · test"] == sum(r.scored.scores["schema_valid"] for r in tiny_ft) / 30


def test_task_and_cost_exports_equal_the_app(store, site):
    at = open_app(store.db, "task")  # the first task (schema_json) at its defaults
    same(exported(site, "task-schema_json"), frame(at, "task_metrics"))
    at = open_app(store.db, "cost")  # schema_json, split test
    same(exported(site, "cost-schema_json-test"), frame(at, "cost_table"))
    for stem in ("task-toy_intent", "cost-schema_json-ood", "cost-toy_intent-test", "cost-toy_intent-multilabel"):
        assert (site / f"{stem}.csv").is_file() and (site / f"{stem}.json").is_file()


def test_versus_export_equals_the_app_and_compare(store, site):
    at = open_app(store.db, "versus")  # big-api vs tiny-base: the first two labels by name
    same(exported(site, "versus-big-api--tiny-base"), versus_table(at))
    report = compare("big-api", "tiny-base", store.db)
    assert exported(site, "versus-big-api--tiny-base").to_dict("records") == table_rows(report)
    page = (site / "versus-big-api--tiny-base.html").read_text(encoding="utf-8")
    for line in report.verdicts().values():
        assert f"<p>{line}</p>" in page
    every = json.loads((site / "versus-big-api--tiny-base.compare.json").read_text(encoding="utf-8"))
    assert every["verdicts"] == report.verdicts()


# ---- pages ----------------------------------------------------------------------------------
def test_every_pair_sharing_a_task_gets_a_versus_page_and_pages_link_to_each_other(store, site):
    pairs = [("big-api", "tiny-base"), ("big-api", "tiny-ft"), ("tiny-base", "tiny-ft")]
    pages = sorted(p.name for p in site.glob("*.html"))
    expected = ["index.html", "cost.html", *(task_file(t) for t in ("schema_json", "toy_intent"))]
    assert pages == sorted(expected + [versus_file(a, b) for a, b in pairs])
    index = (site / "index.html").read_text(encoding="utf-8")
    linked_from_index = set(HREF.findall(index))
    assert set(pages) - {"index.html"} <= linked_from_index
    assert {"overview.csv", "overview.json"} <= linked_from_index
    for page in pages:
        links = HREF.findall((site / page).read_text(encoding="utf-8"))
        assert "index.html" in links and "cost.html" in links, page
        for link in links:
            assert "/" not in link and (site / link).is_file(), f"{page} links {link}, which is not there"


def test_beyond_the_limit_only_the_best_model_meets_each_other_one(store):
    from harness.leaderboard import queries

    long = queries.overview(store.db)
    table = overview_table(long)
    # the best on schema_json's test column is tiny-ft; on toy_intent's, tiny-ft too
    assert versus_pairs(long, table, limit=1) == [("tiny-ft", "big-api"), ("tiny-ft", "tiny-base")]


def test_output_is_deterministic_and_names_only_the_stores_file(store, site, tmp_path):
    again = tmp_path / "again"
    written = export_site(store.db, again)
    assert sorted(p.name for p in written) == sorted(p.name for p in site.iterdir())
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert text == (site / path.name).read_text(encoding="utf-8"), path.name
        assert str(Path(store.db).parent) not in text and str(tmp_path) not in text
    assert "Generated from results.duckdb" in (again / "index.html").read_text(encoding="utf-8")


def test_labels_with_html_characters_stay_text(store, tmp_path):
    fixture = copy_of(store, tmp_path / "hostile.duckdb")
    label = '<img src=x onerror=alert(1)>&"evil"'
    write_run(Store(fixture.db), FixtureRun(label, "api", None, "schema_json", 0.6, 0.5, cost=0.001))
    out = tmp_path / "site"
    written = export_site(fixture.db, out)
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+", p.name) for p in written)  # labels never reach a file name as is
    for path in written:
        if path.suffix == ".html":
            text = path.read_text(encoding="utf-8")
            assert "<img" not in text and "<script" not in text, path.name
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;&amp;" in index
    assert label in exported(out, "overview")["label"].tolist()  # the data keeps it verbatim
    versus = [p for p in written if p.name.startswith("versus-") and p.suffix == ".html" and "img" in p.name]
    assert versus and "&lt;img" in versus[0].read_text(encoding="utf-8")
    assert HOSTILE not in index  # model output is not on these pages at all


# ---- refusals and the command ------------------------------------------------------------------
def test_refuses_a_folder_that_is_not_empty_unless_forced(store, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(BadInput, match="is not empty: export into an empty folder, or pass --force") as error:
        export_site(store.db, tmp_path)
    assert "\n" not in str(error.value)
    assert export_site(store.db, tmp_path, force=True)
    assert (tmp_path / "keep.txt").read_text() == "mine"  # --force overwrites, never removes


def test_a_store_without_complete_runs_says_so(tmp_path):
    db = str(tmp_path / "empty.duckdb")
    write_run(Store(db), FixtureRun("ghost", "api", None, "schema_json", 1.0, 1.0, status="running"))
    written = export_site(db, tmp_path / "site")
    assert [p.name for p in written] == ["index.html"]
    assert "No complete runs in this store yet" in written[0].read_text(encoding="utf-8")


def test_the_command_exports_and_exits(store, tmp_path):
    out = tmp_path / "public"
    result = CliRunner().invoke(app, ["leaderboard", "--db", store.db, "--export", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file() and "open index.html" in result.output
    again = CliRunner().invoke(app, ["leaderboard", "--db", store.db, "--export", str(out)])
    assert again.exit_code == 2 and "pass --force" in again.output
    forced = CliRunner().invoke(app, ["leaderboard", "--db", store.db, "--export", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    alone = CliRunner().invoke(app, ["leaderboard", "--db", store.db, "--force"])
    assert alone.exit_code == 2 and "--force only applies with --export" in alone.output
    missing = CliRunner().invoke(app, ["leaderboard", "--db", str(tmp_path / "nope.duckdb"), "--export", str(out)])
    assert missing.exit_code == 2


def test_task_breakdowns_export_equal_the_app(store, site):
    at = open_app(store.db, "task")  # schema_json at its defaults: primary metric, first tag group
    assert at.selectbox(key="task_group").value == "tag"
    same(exported(site, "tags-schema_json-tag"), frame(at, "task_breakdown"))
    same(exported(site, "failures-schema_json"), frame(at, "task_failures"))
    at.selectbox(key="task_task").set_value("toy_intent").run()
    run = store.runs["big-api/toy_intent"]
    at.selectbox(key="task_lrun").set_value(run.run_id)
    at.selectbox(key="task_lsplit").set_value("multilabel").run()
    same(exported(site, "f1-toy_intent-big-api-multilabel"), frame(at, "task_f1"))
    same(exported(site, "tags-toy_intent-intent"), frame(at, "task_breakdown"))
    page = (site / task_file("schema_json")).read_text(encoding="utf-8")
    assert "<h2>By category</h2>" in page and "<h2>Failure kinds</h2>" in page
    assert "Per-label F1" not in page  # schema_json's targets are objects, not labels


def test_cost_page_draws_each_split_as_an_svg_chart(store, site):
    page = (site / "cost.html").read_text(encoding="utf-8")
    charts = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    assert len(charts) == 5  # schema_json test, ood; toy_intent test, ood, multilabel
    points = exported(site, "cost-schema_json-test")
    assert charts[0].count('class="point"') == len(points) == 3
    ringed = charts[0].count('stroke="#000"')
    assert ringed == int(points["pareto_cost"].astype(bool).sum())  # big-api costs $2: the cost axis is dollars
    assert "<script" not in page
