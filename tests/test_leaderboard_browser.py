"""`harness leaderboard` served for real and drawn by headless Chromium: DOM contents and a screenshot.

The screenshot is kept as a test artifact: under ``$HARNESS_ARTIFACTS`` when set (CI uploads it),
else in pytest's temporary directory (the path is printed).
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("streamlit", reason="the leaderboard extra is not installed: pip install 'harness[leaderboard]'")

from harness.leaderboard.screenshot import Browser, find_chromium
from harness.leaderboard.serve import Server, free_port
from tests.test_leaderboard import HOSTILE, Fixture, build_store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed: apt-get install -y chromium"),
]
SPLIT_COLUMNS = ("schema_json · test", "schema_json · ood", "toy_intent · multilabel", "schema_json · ID→OOD drop")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Fixture]]:
    """The console command `harness leaderboard` on a fixture store and a free port."""
    fixture = build_store(str(tmp_path_factory.mktemp("browser") / "results.duckdb"))
    port = free_port()
    command = [sys.executable, "-c", "from harness.cli import main; main()", "leaderboard"]
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by Server.stop)
    process = subprocess.Popen(
        [*command, "--db", fixture.db, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        server.wait_until_up(timeout_s=120)
        yield server, fixture
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser(width=4000, height=1200) as chromium:  # wide: the table only puts visible cells in the DOM
        yield chromium


def artifact_dir(tmp_path: Path) -> Path:
    where = os.environ.get("HARNESS_ARTIFACTS")
    path = Path(where) if where else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_overview_in_chromium_shows_models_and_split_columns(served, browser, tmp_path):
    server, _ = served
    browser.open(f"{server.url}/?page=overview", needles=("glide-cell-0-0",), timeout_s=180)
    dom = browser.dom()
    for label in ("tiny-ft", "tiny-base", "big-api"):
        assert label in dom
    for column in SPLIT_COLUMNS:
        assert html.escape(column) in dom, column
    assert "ghost" not in dom  # a running run is not on the leaderboard
    png = browser.screenshot(artifact_dir(tmp_path) / "leaderboard-overview.png")
    print(f"screenshot: {png}")
    assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_hostile_output_reaches_the_page_as_text(served, browser):
    server, fixture = served
    run = fixture.runs["big-api/schema_json"]
    browser.open(f"{server.url}/?page=samples&run={run.run_id}&q=script", needles=("onerror",), timeout_s=180)
    assert HOSTILE in browser.text()  # shown verbatim, as characters
    dom = browser.dom().lower()
    assert "<script>alert" not in dom and "<img src=x" not in dom and '<img src="x"' not in dom
    assert 'href="javascript:' not in dom
    assert browser.evaluate("document.querySelectorAll('img[onerror], img[src=\"x\"]').length") == 0


def test_static_export_opens_in_chromium_from_a_file(browser, tmp_path):
    from harness.leaderboard.export import export_site

    fixture = build_store(str(tmp_path / "results.duckdb"))
    site = tmp_path / "site"
    export_site(fixture.db, site)
    browser.call("Page.navigate", {"url": (site / "index.html").as_uri()})
    rows = "document.querySelectorAll('table.dataframe tbody tr').length"
    for _ in range(60):  # a static page: loaded once readyState is complete
        if browser.evaluate("document.readyState") == "complete" and browser.evaluate(rows):
            break
        time.sleep(0.25)
    assert browser.evaluate(rows) == 3  # tiny-ft, big-api, tiny-base; the running ghost is not there
    headers = browser.evaluate("[...document.querySelectorAll('table.dataframe th')].map(th => th.textContent)")
    assert set(SPLIT_COLUMNS) <= set(headers)
    text = browser.text()
    for label in ("tiny-ft", "tiny-base", "big-api"):
        assert label in text
    assert "ghost" not in text and "Generated from results.duckdb" in text
    links = browser.evaluate("[...document.querySelectorAll('nav a')].map(a => a.href)")
    assert all(link.startswith("file://") for link in links) and any(link.endswith("/cost.html") for link in links)
    png = browser.screenshot(artifact_dir(tmp_path) / "leaderboard-export.png")
    assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_versus_page_opens_on_the_models_its_link_names(served, browser):
    server, _ = served
    browser.open(f"{server.url}/?page=versus&a=big-api&b=tiny-ft", needles=("Verdict",), timeout_s=180)
    text = browser.text()
    verdicts = [line for line in text.splitlines() if " on schema_json/test " in line or " on toy_intent/test " in line]
    assert len(verdicts) == 2 and all(line.startswith("big-api is ") and " tiny-ft on " in line for line in verdicts)


def test_screenshot_command_knows_every_page_of_the_app():
    from harness.leaderboard import screenshot
    from harness.leaderboard.app import PAGES

    assert list(PAGES) == screenshot.PAGE_NAMES


def test_screenshot_command_draws_the_versus_page_for_two_labels(tmp_path):
    from harness.leaderboard import screenshot

    fixture = build_store(str(tmp_path / "results.duckdb"))
    out = artifact_dir(tmp_path) / "leaderboard-versus.png"
    args = ["--db", fixture.db, "--out", str(out), "--page", "versus", "--a", "tiny-ft", "--b", "big-api"]
    assert screenshot.main(args) == 0
    assert out.stat().st_size > 10_000 and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
