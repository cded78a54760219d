"""The runner end to end on a --task-dir task with replay/oracle models: store, resume, errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from harness.runner import run_eval
from harness.store import Store
from harness.types import RunConfig
from tests.conftest import TASK_DIR, harness_cli


def config(db: str, **kw) -> RunConfig:
    return RunConfig(task="echo", task_dir=str(TASK_DIR), db=db, **{"model": "oracle", **kw})


def sample_count(db: str, run_id: str) -> int:
    with duckdb.connect(db, read_only=True) as con:
        return con.execute("SELECT count(*) FROM samples WHERE run_id = ?", [run_id]).fetchone()[0]


def write_replay(path: Path, outputs: dict[str, str]) -> str:
    path.write_text("".join(json.dumps({"id": k, "output": v}) + "\n" for k, v in outputs.items()))
    return f"replay:{path}"


def test_oracle_scores_one_and_stores_every_sample(db):
    summary = run_eval(config(db, limit=10))
    assert summary.status == "complete"
    assert summary.n_samples == 20 and summary.n_errors == 0
    assert list(summary.metrics) == ["test", "ood"]  # the task's split order, train left out by default
    for split in ("test", "ood"):
        m = summary.metrics[split]["exact_match"]
        assert (m.value, m.ci_low, m.ci_high, m.n) == (1.0, 1.0, 1.0, 10)
    with Store(db, read_only=True).connect() as con:
        stored = con.execute(
            "SELECT value, is_primary FROM metrics WHERE run_id = ? AND split = 'test' AND metric = 'exact_match'",
            [summary.run_id],
        ).fetchone()
    assert stored == (1.0, True)


def test_replay_scores_hand_computed_and_missing_ids_are_sample_errors(db, tmp_path):
    # 4 test examples: 2 right, 1 wrong, 1 missing from the replay file
    spec = write_replay(tmp_path / "out.jsonl", {"test-0000": "ALPHA0", "test-0001": "BRAVO1", "test-0002": "nope"})
    summary = run_eval(config(db, model=spec, splits=("test",), limit=4))
    m = summary.metrics["test"]["exact_match"]
    assert m.value == pytest.approx(0.5) and m.n == 4
    assert summary.n_errors == 1
    rows = {r["example_id"]: r for r in Store(db).iter_samples(summary.run_id)}
    assert rows["test-0003"]["error"] == "replay: no output for id 'test-0003'"
    assert rows["test-0002"]["scores"] == {"exact_match": 0.0}


def test_rerun_of_complete_run_starts_a_new_run(db):
    first = run_eval(config(db, limit=3))
    second = run_eval(config(db, limit=3))
    assert first.run_id != second.run_id and second.reused == 0


def test_resume_after_crash_mid_run_recomputes_nothing(db, monkeypatch):
    calls = {"n": 0}
    original = Store.write_samples

    def crash_on_third_batch(self, run_id, results):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        original(self, run_id, results)

    monkeypatch.setattr(Store, "write_samples", crash_on_third_batch)
    with pytest.raises(KeyboardInterrupt):
        run_eval(config(db, batch_size=4, splits=("test",), limit=20))
    monkeypatch.setattr(Store, "write_samples", original)
    (run,) = Store(db).list_runs()
    assert run.status == "running" and sample_count(db, run.run_id) == 8

    summary = run_eval(config(db, batch_size=4, splits=("test",), limit=20))
    assert summary.run_id == run.run_id and summary.reused == 8
    assert summary.n_samples == 20 and sample_count(db, run.run_id) == 20
    assert summary.metrics["test"]["exact_match"].value == 1.0


def test_fresh_ignores_an_unfinished_run(db, monkeypatch):
    monkeypatch.setattr(Store, "finish_run", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        run_eval(config(db, limit=2))
    monkeypatch.undo()
    summary = run_eval(config(db, limit=2, fresh=True))
    assert summary.reused == 0 and len(Store(db).list_runs()) == 2


def test_errored_samples_are_retried_in_a_new_run_that_reuses_the_good_ones(db, tmp_path):
    replay = tmp_path / "out.jsonl"
    spec = write_replay(replay, {"test-0000": "ALPHA0"})
    first = run_eval(config(db, model=spec, splits=("test",), limit=3))
    assert first.n_errors == 2
    # the same command again: the replay still lacks the ids, but the good sample is reused, not recomputed
    second = run_eval(config(db, model=spec, splits=("test",), limit=3))
    assert second.run_id != first.run_id and second.reused == 1 and second.n_errors == 2
    assert Store(db).get_run(first.run_id).status == "complete"  # the earlier run is left as it was


def test_kill_minus_nine_loses_at_most_the_batch_in_flight(db):
    """A real SIGKILL mid-run, then the same command again: every sample exactly once."""
    args = [
        "run",
        "--task-dir",
        str(TASK_DIR),
        "--task",
        "echo",
        "--model",
        "oracle",
        "--db",
        db,
        "--split",
        "test",
        "--batch-size",
        "2",
    ]
    env = {**os.environ, "ECHO_SLEEP": "0.05", "ECHO_N": "60"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from harness.cli import main; main()", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline and stored < 10:
        time.sleep(0.2)
        stored = _stored_or_zero(db)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 10 <= _stored_or_zero(db) < 60
    done = harness_cli(*args, env={"ECHO_N": "60"})
    assert done.returncode == 0, done.stderr
    with duckdb.connect(db, read_only=True) as con:
        runs = con.execute("SELECT run_id, status, n_samples FROM runs").fetchall()
        dupes = con.execute("SELECT count(*) - count(DISTINCT example_id) FROM samples").fetchone()[0]
    assert len(runs) == 1 and runs[0][1:] == ("complete", 60) and dupes == 0


def _stored_or_zero(db: str) -> int:
    try:
        with duckdb.connect(db, read_only=True) as con:
            return con.execute("SELECT count(*) FROM samples").fetchone()[0]
    except (duckdb.IOException, duckdb.CatalogException):
        return 0


def test_few_shot_examples_become_earlier_turns_deterministically(db):
    from harness.registry import get_task
    from harness.runner import few_shot_examples
    from harness.task import RenderOptions

    task = get_task("echo", str(TASK_DIR))
    shots = few_shot_examples(task, 2, seed=1)
    assert shots == few_shot_examples(task, 2, seed=1) and all(s.split == "train" for s in shots)
    request = task.render(next(iter(task.load("test"))), RenderOptions(shots=shots))
    assert [m.role for m in request.messages] == ["user", "assistant", "user", "assistant", "user"]
    assert request.messages[1].content == shots[0].target


def test_two_processes_write_one_store(db):
    """Two runs in parallel processes share one DuckDB file; both complete, nothing is lost."""
    env = {**os.environ, "ECHO_SLEEP": "0.01", "ECHO_N": "30", "COLUMNS": "200"}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from harness.cli import main; main()",
                "run",
                "--task-dir",
                str(TASK_DIR),
                "--task",
                "echo",
                "--model",
                "oracle",
                "--db",
                db,
                "--batch-size",
                "1",
                "--label",
                f"p{i}",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    with duckdb.connect(db, read_only=True) as con:
        rows = con.execute("SELECT label, status, n_samples FROM runs ORDER BY label").fetchall()
    assert rows == [("p0", "complete", 60), ("p1", "complete", 60)]


def test_a_missing_replay_file_is_named_as_the_replay_file(db, tmp_path):
    from harness.errors import BadInput

    missing = tmp_path / "outputs.jsonl"
    with pytest.raises(BadInput) as info:
        run_eval(config(db, model=f"replay:{missing}"))
    message = str(info.value)
    assert message == f"--model replay:{missing}: the replay file is missing: check the path after replay:"
    assert "--data" not in message and not Path(db).exists()


def test_an_unknown_model_says_a_path_is_missing_and_lists_names_apart_from_prefixes(db, tmp_path):
    from harness.errors import UnknownName

    choices = "built-in models: minilm-l6, oracle, smollm2-135m; prefixes: anthropic:, openai:, replay:"
    for missing in (str(tmp_path / "ckpt"), "./no-such-ckpt", "runs/ckpt"):
        with pytest.raises(UnknownName) as info:
            run_eval(config(db, model=missing))
        assert str(info.value) == f"unknown model '{missing}': no such checkpoint directory: {missing} ({choices})"
    with pytest.raises(UnknownName) as info:
        run_eval(config(db, model="smollm2"))
    assert str(info.value) == (
        f"unknown model 'smollm2': did you mean smollm2-135m? Give a checkpoint directory or one of ({choices})"
    )
    assert not Path(db).exists()


def test_secrets_are_never_stored_or_shown_but_answer_changing_args_are():
    from harness.lifecycle import stored_config
    from harness.registry import default_label
    from harness.types import is_secret

    args = {"api_key": "sk-live-1", "HF_TOKEN": "hf_x", "db_password": "p", "max_tokens": "64", "api_key_env": "K"}
    config = RunConfig(task="gis_command", model="openai:gpt-4o-mini", model_args=args)
    assert stored_config(config)["model_args"] == {"max_tokens": "64", "api_key_env": "K"}
    assert default_label(config) == "openai:gpt-4o-mini[max_tokens=64]"
    assert [is_secret(k) for k in ("api_key", "hf_token", "client_secret", "max_tokens", "tokenizer")] == [
        True, True, True, False, False,
    ]  # fmt: skip
