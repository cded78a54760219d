"""Readers never import a task plugin: the gate, ``harness export`` and the leaderboard read a run of a
``--task-dir`` task whose folder is gone, and use the primary metric the store recorded for it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import harness.registry
from harness.export import export_samples, read_baseline, write_baseline
from harness.gate import run_gate
from harness.runner import run_eval
from harness.store import Store
from harness.types import RunConfig
from tests.conftest import TASK_DIR, harness_cli

N = 60
SPLITS = ("test", "ood")
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
# A second metric that sorts before exact_match: a reader that guessed "the first by name" would show it.
LENGTH_METRIC = '''

class EchoWithLength(EchoTask):
    """Echo scored on ``a_length`` too: the first metric by name, never the primary one."""

    def score(self, example, response):
        scored = super().score(example, response)
        return Scored({**scored.scores, "a_length": float(len(response.text))}, parsed=scored.parsed)


TASK = EchoWithLength
'''


def echo_answer(split: str, i: int) -> str:
    word = f"{WORDS[i % 10]}{i}" if split != "ood" else f"{WORDS[i % 10]}-{split}-{i}"
    return word.upper()


def replay_file(path: Path, wrong: set[int]) -> str:
    """Replayed answers, wrong exactly at ``wrong`` (on every split)."""
    with path.open("w") as handle:
        for split in SPLITS:
            for i in range(N):
                answer = "WRONG" if i in wrong else echo_answer(split, i)
                handle.write(json.dumps({"id": f"{split}-{i:04d}", "output": answer}) + "\n")
    return str(path)


@pytest.fixture
def gone_task_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Two runs (``base``, ``cand``: 20 more wrong) of a --task-dir task, then the task deleted.

    Returns the store path and both run ids; from then on loading any task plugin fails the test.
    """
    monkeypatch.setenv("ECHO_N", str(N))
    task_dir = tmp_path / "gone"
    shutil.copytree(TASK_DIR / "echo", task_dir / "echo")
    with (task_dir / "echo" / "task.py").open("a") as handle:
        handle.write(LENGTH_METRIC)
    db = str(tmp_path / "results.duckdb")
    ids = {"db": db}
    for label, wrong in (("base", set(range(0, N, 10))), ("cand", set(range(0, N, 10)) | set(range(1, N, 3)))):
        model = "replay:" + replay_file(tmp_path / f"{label}.jsonl", wrong)
        config = RunConfig(task="echo", task_dir=str(task_dir), model=model, db=db, label=label, splits=SPLITS)
        ids[label] = run_eval(config).run_id
    shutil.rmtree(task_dir)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a reader loaded a task plugin")

    monkeypatch.setattr(harness.registry, "get_task", refuse)
    monkeypatch.setattr(harness.registry, "_task_from_file", refuse)
    return ids


def test_the_store_records_the_primary_metric_of_each_split(gone_task_store):
    store = Store(gone_task_store["db"], read_only=True)
    for label in ("base", "cand"):
        assert store.primary_metrics(gone_task_store[label]) == {"ood": "exact_match", "test": "exact_match"}


def test_gate_and_export_read_a_run_whose_task_is_gone(gone_task_store, tmp_path):
    db = gone_task_store["db"]
    report = run_gate("base", "cand", db)
    assert [(c.split, c.metric, c.verdict) for c in report.comparisons] == [
        ("ood", "exact_match", "fail"),
        ("test", "exact_match", "fail"),
    ]
    assert not report.notes
    baseline = tmp_path / "base.jsonl"
    assert write_baseline(db, "base", baseline) == N * len(SPLITS)
    assert read_baseline(baseline).header["primary_metrics"] == {"ood": "exact_match", "test": "exact_match"}
    from_file = run_gate(str(baseline), "cand", db)
    assert [c.metric for c in from_file.comparisons] == ["exact_match", "exact_match"]
    assert export_samples(db, "cand", tmp_path / "cand.jsonl") == N * len(SPLITS)
    first = json.loads((tmp_path / "cand.jsonl").read_text().splitlines()[0])
    assert set(first["scores"]) == {"a_length", "exact_match"}


def test_the_cli_gates_and_exports_without_the_task(gone_task_store, tmp_path):
    db = gone_task_store["db"]
    result = harness_cli("gate", "--baseline", "base", "--candidate", "cand", "--db", db, "--no-store")
    assert result.returncode == 1, result.stderr
    assert "exact_match" in result.stdout and "a_length" not in result.stdout
    result = harness_cli("export", "--run", "base", "--baseline", str(tmp_path / "b.jsonl"), "--db", db)
    assert result.returncode == 0, result.stderr


def test_the_leaderboard_reads_a_run_whose_task_is_gone(gone_task_store, monkeypatch):
    testing = pytest.importorskip("streamlit.testing.v1", reason="the leaderboard extra is not installed")
    from harness.leaderboard import app_path
    from harness.leaderboard import queries as q

    db = gone_task_store["db"]
    overview = q.overview(db)
    assert set(overview["metric"]) == {"exact_match"} and overview["primary_stored"].all()
    stored = q.metrics(db, (gone_task_store["base"],)).set_index(["split", "metric"])["value"]
    monkeypatch.setenv("HARNESS_DB", db)
    at = testing.AppTest.from_file(str(app_path()), default_timeout=60).run()
    assert not at.exception and not at.error
    table = next(df.value for df in at.dataframe if "kind" in df.value.columns).set_index("label")
    assert table.loc["base", "echo · test"] == pytest.approx(stored[("test", "exact_match")])
    caption = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "Primary metrics: echo: test exact_match, ood exact_match" in caption and "first by name" not in caption
    at = testing.AppTest.from_file(str(app_path()), default_timeout=60)
    at.query_params["page"] = "samples"
    at.run()
    at.selectbox(key="smp_run").set_value(gone_task_store["base"]).run()
    assert not at.exception and at.selectbox(key="smp_metric").value == "exact_match"


def test_a_run_that_stored_no_primary_metric_is_gated_on_its_first_metric_with_a_note(tmp_path):
    from harness.types import Example, Response, SampleResult, Scored

    db = str(tmp_path / "results.duckdb")
    store = Store(db)
    fields = {"task": "third_party", "task_version": "1", "data_hash": "h", "model_spec": "m",
              "model_fingerprint": {}, "config": {}}  # fmt: skip
    for label in ("base", "cand"):
        store.create_run(label + "-run", label, {**fields, "label": label})
        results = [
            SampleResult(Example(f"e{i}", "test", {}, None), "h", Response(text="x"),
                         Scored({"b_score": 1.0, "a_score": float(i % 2)}))
            for i in range(10)
        ]  # fmt: skip
        store.write_samples(label + "-run", results)
        store.finish_run(label + "-run", {}, 1.0)  # an older writer: no primary metric
    report = run_gate("base", "cand", db)
    assert [c.metric for c in report.comparisons] == ["a_score"]
    assert report.notes == (
        "third_party · test: no primary metric stored with either side; compared a_score, "
        "the first metric by name (choose with --metric)",
    )


def test_readers_import_no_task_contract_registry_or_plugin():
    import subprocess
    import sys

    readers = "harness.store, harness.gate, harness.export, harness.leaderboard.queries, harness.leaderboard.tables"
    code = (
        f"import sys, {readers}; "
        "print(sorted(m for m in sys.modules if m in ('harness.task', 'harness.registry', 'harness.runner') "
        "or m.startswith('harness.tasks')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
