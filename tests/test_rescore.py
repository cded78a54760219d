"""``harness score``: a stored run's outputs scored again by the current task code, into a new linked run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness import runner
from harness.cli.app import app
from harness.errors import BadInput
from harness.rescore import _stored_response, rescore
from harness.runner import run_eval
from harness.store import Store
from harness.types import RunConfig
from tests.conftest import TASK_DIR

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
N = 10
# Per test example: the replayed answer; None: no line, so the sample errors.
ANSWERS: list[str | None] = [f"{WORDS[i]}{i}".upper() for i in range(5)] + [
    "foxtrot5",
    "golf6",
    "Hotel7",
    "WRONG",
    None,
]
STRICT = "float(response.text.strip() == example.target)"
CASE_FREE = "float(response.text.strip().upper() == example.target)"


@pytest.fixture
def tasks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the echo fixture task that tests may edit (no bytecode: each edit is read afresh)."""
    monkeypatch.setenv("ECHO_N", str(N))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    shutil.copytree(TASK_DIR / "echo", tmp_path / "tasks" / "echo")
    return tmp_path / "tasks"


def edit_task(tasks: Path, old: str, new: str) -> None:
    path = tasks / "echo" / "task.py"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def write_replay(path: Path, answers: list[str | None], tool_calls: bool = False) -> Path:
    lines = []
    for i, answer in enumerate(answers):
        if answer is None:
            continue
        record = {"id": f"test-{i:04d}"} | (
            {"tool_calls": [{"name": "say", "arguments": {"text": answer}}]} if tool_calls else {"output": answer}
        )
        lines.append(json.dumps(record) + "\n")
    path.write_text("".join(lines))
    return path


def echo_run(tasks: Path, db: str, answers: list[str | None] = ANSWERS, **options) -> tuple[str, Path]:
    """A complete echo run of the test split; returns its id and the replay file."""
    replay = write_replay(tasks.parent / "replay.jsonl", answers, tool_calls=options.pop("tool_calls", False))
    config = RunConfig(
        task="echo", task_dir=str(tasks), model=f"replay:{replay}", db=db, splits=("test",), label="base", **options
    )
    return run_eval(config).run_id, replay


def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to build a model fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("re-scoring must not build a model")

    monkeypatch.setattr(runner, "build_model", refuse)
    monkeypatch.setattr(runner, "resolve_model", refuse)


def run_row(db: str, run_id: str) -> dict:
    import duckdb

    with duckdb.connect(db, read_only=True) as con:
        cursor = con.execute("SELECT * FROM runs WHERE run_id = ?", [run_id])
        names = [d[0] for d in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def samples_by_id(db: str, run_id: str) -> dict[str, dict]:
    return {row["example_id"]: row for row in Store(db, read_only=True).iter_samples(run_id)}


def metric_rows(db: str, run_id: str) -> list[tuple]:
    import duckdb

    with duckdb.connect(db, read_only=True) as con:
        return con.execute(
            "SELECT split, metric, value, n, is_primary FROM metrics WHERE run_id = ? ORDER BY split, metric", [run_id]
        ).fetchall()


# ---- re-scoring ---------------------------------------------------------------------------------
def test_rescore_applies_the_current_scorer_into_a_new_linked_run(tasks, db, monkeypatch):
    old_id, replay = echo_run(tasks, db)
    old_row, old_samples, old_metrics = run_row(db, old_id), samples_by_id(db, old_id), metric_rows(db, old_id)
    assert old_metrics == [("test", "exact_match", 0.5, N, True)]  # 5 exact of 10
    edit_task(tasks, STRICT, CASE_FREE)
    edit_task(tasks, 'version = "1"', 'version = "2"')
    replay.unlink()
    no_model(monkeypatch)

    summary = rescore(old_id, db, task_dir=str(tasks))

    # Case-insensitive: 0-7 right (5, 6 lower case, 7 mixed), 8 wrong, 9 errored (no output): 8 of 10.
    assert summary.metrics["test"]["exact_match"].value == pytest.approx(0.8)
    assert summary.primary == {"test": "exact_match"}
    identity = (summary.rescored_from, summary.task_version, summary.label, summary.status)
    assert identity == (old_id, "2", "base", "complete")
    assert (summary.n_samples, summary.n_errors, summary.resumed_from) == (N, 1, None)
    assert metric_rows(db, summary.run_id) == [("test", "exact_match", 0.8, N, True)]
    new_row = run_row(db, summary.run_id)
    assert json.loads(new_row["extra"]) == {"rescored_from": old_id}
    assert new_row["resumed_from"] is None and new_row["task_version"] == "2"
    same = ("task", "label", "model_spec", "model_fingerprint", "model_kind", "config", "data_hash", "wall_s")
    assert {k: new_row[k] for k in same} == {k: old_row[k] for k in same}
    new_samples = samples_by_id(db, summary.run_id)
    assert {i: s["scores"]["exact_match"] for i, s in new_samples.items()} == {
        f"test-{i:04d}": 1.0 if i < 8 else 0.0 for i in range(N)
    }
    kept = ("output", "error", "latency_ms", "tokens_in", "tokens_out", "cost_usd", "meta", "request_hash", "input")
    for example_id, sample in new_samples.items():
        assert {k: sample[k] for k in kept} == {k: old_samples[example_id][k] for k in kept}
    # The old run is untouched.
    assert run_row(db, old_id) == old_row
    assert samples_by_id(db, old_id) == old_samples
    assert metric_rows(db, old_id) == old_metrics


def test_rescore_rebuilds_tool_calls_and_takes_a_label(tasks, db, monkeypatch):
    scorer = "response.text.strip() if response.tool_calls is None else response.tool_calls[0].arguments['text']"
    edit_task(tasks, "float(response.text.strip() == example.target)", f"float(({scorer}) == example.target)")
    old_id, replay = echo_run(tasks, db, answers=[f"{WORDS[i]}{i}" for i in range(N)], tool_calls=True)
    assert metric_rows(db, old_id)[0][2] == 0.0  # every call's argument is lower case
    edit_task(tasks, "== example.target)", ".upper() == example.target)")
    replay.unlink()
    no_model(monkeypatch)

    summary = rescore("base", db, task_dir=str(tasks))  # a label: its latest complete run

    assert summary.rescored_from == old_id
    assert summary.metrics["test"]["exact_match"].value == 1.0
    again = rescore(summary.run_id, db, task_dir=str(tasks))  # a re-scored run can be re-scored
    assert json.loads(run_row(db, again.run_id)["extra"]) == {"rescored_from": summary.run_id}


def test_rescore_of_a_data_file_run_checks_the_file(tasks, db, monkeypatch):
    monkeypatch.chdir(tasks.parent)  # --data is stored relative to the working directory
    data = tasks.parent / "words.jsonl"
    data.write_text("".join(json.dumps({"id": f"test-{i:04d}", "text": f"{WORDS[i]}{i}"}) + "\n" for i in range(N)))
    old_id, _ = echo_run(tasks, db, data=str(data))
    edit_task(tasks, STRICT, CASE_FREE)
    # No --task-dir: the run's own (stored relative to the working directory) still holds the task.
    assert rescore(old_id, db).metrics["test"]["exact_match"].value == pytest.approx(0.8)

    data.write_text(data.read_text().replace("alpha0", "alfa0"))
    with pytest.raises(BadInput, match="example 'test-0000' \\(test\\) changed"):
        rescore(old_id, db, task_dir=str(tasks))
    data.unlink()
    with pytest.raises(BadInput, match="which is gone"):
        rescore(old_id, db, task_dir=str(tasks))


def test_stored_response_gives_a_classifier_its_labels_back():
    row = {"output": "billing, refund", "error": None, "meta": {"confidence": 0.9}, "tokens_in": 7}
    row |= {"tokens_out": 0, "latency_ms": 1.5, "cost_usd": None}
    response = _stored_response(row, classifier=True)
    assert response.labels == ("billing", "refund") and response.meta == {"confidence": 0.9}
    assert _stored_response(row, classifier=False).labels is None
    kept = _stored_response(row | {"meta": {"labels": ["a, b"], "tool_calls": []}}, classifier=True)
    assert (kept.labels, kept.tool_calls, kept.meta) == (("a, b",), (), {"labels": ["a, b"]})
    assert _stored_response(row | {"error": "boom", "output": ""}, classifier=True).labels is None


# ---- refusals: one line, exit 2, no run written -------------------------------------------------
def score_cli(*args: str):
    return CliRunner().invoke(app, ["score", *args])


def assert_refused(db: str, result, *needles: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    for needle in needles:
        assert needle in lines[0], lines[0]


def run_ids(db: str) -> set[str]:
    return {run.run_id for run in Store(db, read_only=True).list_runs()}


@pytest.mark.parametrize(
    ("change", "needles"),
    [
        ("words", ("example 'test-0000' (test) changed", "harness run")),
        ("count", ("split 'test' now selects 12 examples where the run has 10",)),
        ("task gone", ("cannot load task 'echo' from --task-dir", "--task-dir DIR")),
        ("scorer raises", ("score failed on example 'test-0000' (test)", "ZeroDivisionError")),
    ],
)
def test_score_refuses_a_run_it_cannot_rescore(tasks, db, monkeypatch, change, needles):
    old_id, _ = echo_run(tasks, db)
    before = run_ids(db)
    if change == "words":
        edit_task(tasks, '"alpha"', '"alfa"')
    elif change == "count":
        monkeypatch.setenv("ECHO_N", "12")
    elif change == "task gone":
        shutil.rmtree(tasks / "echo")
    else:
        edit_task(tasks, "if response.error:", "if 1 / 0:")
    assert_refused(db, score_cli(old_id, "--task-dir", str(tasks), "--db", db), *needles)
    assert run_ids(db) == before


def test_score_refuses_an_incomplete_run_and_an_lm_eval_run(db):
    store = Store(db)
    fields = {"task_version": "1", "data_hash": "x", "label": "l", "model_spec": "m", "model_fingerprint": {}}
    store.create_run("running-1", "k1", fields | {"task": "echo", "config": {"task": "echo", "model": "m"}})
    store.create_run("lmeval-1", "k2", fields | {"task": "lm_eval:arc_easy", "config": {"task": "x", "model": "m"}})
    store.finish_run("lmeval-1", {}, 1.0)
    before = run_ids(db)
    assert_refused(db, score_cli("running-1", "--db", db), "run running-1 is not complete (status running)")
    assert_refused(db, score_cli("lmeval-1", "--db", db), "through lm_eval, which scores its own samples")
    assert_refused(db, score_cli("nope", "--db", db), "no run or complete run labelled 'nope'")
    assert run_ids(db) == before


def test_score_without_a_store_creates_none(tmp_path):
    missing = tmp_path / "none.duckdb"
    assert_refused(str(missing), score_cli("x", "--db", str(missing)), "no results store here")
    assert not missing.exists()


def test_score_command_prints_the_new_run(tasks, db):
    """The real console entry point: the summary, the link back, exit 0."""
    old_id, replay = echo_run(tasks, db)
    replay.unlink()
    code = "from harness.cli import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", code, "score", old_id, "--task-dir", str(tasks), "--db", db],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert f"re-scored run {old_id} with echo v1: new run" in result.stdout
    assert "exact_match *" in result.stdout and "0.5000" in result.stdout
    assert "1 sample(s) errored in the original run" in result.stderr
