"""``harness run --task lm_eval:NAME``: lm-eval's evaluator on a harness-loaded tiny model, stored as a run."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.store import Store
from harness.types import MetricValue
from tests.conftest import harness_cli
from tests.tiny_models import make_tiny_causal

lm_eval = pytest.importorskip("lm_eval")

QUESTIONS = [
    ("Is the sky blue?", ["yes", "no"], 0),
    ("Is fire cold?", ["yes", "no"], 1),
    ("Two plus two is", ["four", "five", "six"], 0),
    ("The capital of France is", ["Paris", "Rome"], 0),
    ("Water freezes at zero degrees", ["Celsius", "Kelvin"], 0),
    ("Cats say", ["woof", "meow"], 1),
    ("The opposite of up is", ["down", "left"], 0),
]
YAML = """task: tiny_mc
dataset_path: json
dataset_kwargs:
  data_files:
    test: {data}
test_split: test
output_type: multiple_choice
doc_to_text: question
doc_to_choice: choices
doc_to_target: answer
metric_list:
  - metric: acc
    aggregation: mean
    higher_is_better: true
"""


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("lmeval-run")
    tasks = root / "tasks"
    tasks.mkdir()
    data = root / "mc.jsonl"
    data.write_text(
        "".join(json.dumps({"question": q, "choices": c, "answer": a}) + "\n" for q, c, a in QUESTIONS),
        encoding="utf-8",
    )
    (tasks / "tiny_mc.yaml").write_text(YAML.format(data=data), encoding="utf-8")
    return {"root": root, "tasks": tasks, "model": make_tiny_causal(root / "model")}


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "datasets"))
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))


def as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def harness_run(setup: dict[str, Path], db: Path, *extra: str) -> Any:
    args = ["run", "--task", "lm_eval:tiny_mc", "--task-dir", str(setup["tasks"]), "--model", str(setup["model"])]
    return CliRunner().invoke(app, [*args, "--db", str(db), "--batch-size", "3", *extra])


def lm_eval_itself(setup: dict[str, Path]) -> dict[str, Any]:
    """The same task through lm-eval alone: its own model loading from the checkpoint directory."""
    from lm_eval.tasks import TaskManager

    results = lm_eval.simple_evaluate(
        model="hf",
        model_args={"pretrained": str(setup["model"])},
        tasks=["tiny_mc"],
        task_manager=TaskManager(include_path=str(setup["tasks"])),
        batch_size=3,
        device="cpu",
    )
    assert results is not None
    return dict(results["results"]["tiny_mc"])


def test_stored_accuracy_equals_lm_evals_own(setup: dict[str, Path], tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    result = harness_run(setup, db)
    assert result.exit_code == 0, result.output
    store = Store(db)
    (run,) = store.list_runs()
    assert run.task == "lm_eval:tiny_mc" and run.status == "complete" and run.n_samples == len(QUESTIONS)
    with store.connect() as con:
        row = con.execute(
            "SELECT value, ci_low, ci_high, n FROM metrics WHERE run_id = ? AND split = 'test' AND metric = 'acc'",
            [run.run_id],
        ).fetchone()
    metric = MetricValue(*row)
    own = lm_eval_itself(setup)
    assert metric.value == pytest.approx(own["acc,none"], abs=1e-12)
    half = 1.959963984540054 * own["acc_stderr,none"]
    assert metric.ci_low == pytest.approx(own["acc,none"] - half) and metric.ci_high == pytest.approx(
        own["acc,none"] + half
    )
    samples = list(store.iter_samples(run.run_id))
    assert {s["split"] for s in samples} == {"test"}
    per_sample = [
        json.loads(s["scores"])["acc"] if isinstance(s["scores"], str) else s["scores"]["acc"] for s in samples
    ]
    assert math.isclose(sum(per_sample) / len(per_sample), metric.value)
    first = next(s for s in samples if s["example_id"] == "0")
    doc = as_json(first["input"])
    assert doc["doc"]["question"] == QUESTIONS[0][0] and "Is the sky blue?" in doc["prompt"]
    # On the leaderboard: split test, headline metric the first of lm-eval's metric_list.
    from harness.leaderboard.queries import overview

    rows = overview(str(db))
    assert rows[["task", "split", "metric"]].values.tolist() == [["lm_eval:tiny_mc", "test", "acc"]]


def test_the_fingerprint_is_the_one_our_own_tasks_record(setup: dict[str, Path], tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    assert harness_run(setup, db, "--limit", "2").exit_code == 0
    ours = CliRunner().invoke(
        app, ["run", "--task", "gis_command", "--model", str(setup["model"]), "--limit", "1", "--db", str(db)]
    )
    assert ours.exit_code == 0, ours.output
    runs = {r.task: r for r in Store(db).list_runs()}
    assert runs["lm_eval:tiny_mc"].model_fingerprint == runs["gis_command"].model_fingerprint


def test_a_repeated_run_asks_the_model_nothing_again(
    setup: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lm_eval.models.huggingface import HFLM

    asked: list[int] = []
    real = HFLM.loglikelihood

    def counting(self: Any, requests: list[Any], *args: Any, **kwargs: Any) -> Any:
        asked.append(len(requests))
        return real(self, requests, *args, **kwargs)

    monkeypatch.setattr(HFLM, "loglikelihood", counting)
    db = tmp_path / "r.duckdb"
    assert harness_run(setup, db, "--limit", "3").exit_code == 0
    assert harness_run(setup, db, "--limit", "3", "--label", "again").exit_code == 0
    # 3 docs with 2, 2 and 3 choices the first time; the second run (another label, so another run) gets
    # every answer from lm-eval's cache of this model; --no-cache asks again.
    assert asked[0] == 7 and sum(asked[1:]) == 0
    assert harness_run(setup, db, "--limit", "3", "--label", "uncached", "--no-cache").exit_code == 0
    assert sum(asked[1:]) == 7
    with Store(db).connect() as con:
        values = [
            v for (v,) in con.execute("SELECT value FROM metrics WHERE split = 'test' AND metric = 'acc'").fetchall()
        ]
    assert len(values) == 3 and len(set(values)) == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--task", "lm_eval:tiny_mcq"], "lm-eval has no such task: did you mean tiny_mc"),
        (["--constrained"], "--constrained: not available for lm-eval tasks"),
        (["--split", "ood"], "--split ood: an lm-eval task is stored as split 'test' only"),
        (["--samples", "4"], "--samples 4: not available for lm-eval tasks"),
        (["--temperature", "0.7"], "--temperature: not available for lm-eval tasks"),
        (["--workers", "2"], "--workers: not available for lm-eval tasks"),
        (["--lm-eval-arg", "colour=blue"], "--lm-eval-arg colour: unknown option"),
        (["--lm-eval-arg", "apply_chat_template=maybe"], "give true or false"),
        (["--lm-eval-arg", "oops"], "--lm-eval-arg 'oops': expected KEY=VALUE"),
    ],
)
def test_bad_options_are_one_line_errors_and_store_nothing(
    setup: dict[str, Path], tmp_path: Path, extra: list[str], message: str
) -> None:
    db = tmp_path / "r.duckdb"
    task = [] if extra[0] == "--task" else ["--task", "lm_eval:tiny_mc"]  # a repeated --task means two tasks
    args = ["run", *task, "--task-dir", str(setup["tasks"]), "--model", str(setup["model"])]
    result = harness_cli(*args, "--db", str(db), *extra)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not db.exists() or Store(db).list_runs() == []
