"""Results that look valid but are not: empty data, runs whose samples all errored, outputs cut at the token
budget and answers from the cache are refused or reported, in the summary, its JSON and the store."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest

from harness import runner
from harness.cli.app import out
from harness.cli.summary import print_summary
from harness.errors import BadInput
from harness.lifecycle import RunSummary
from harness.models.base import ModelBackend
from harness.runner import run_eval
from harness.store import Store
from harness.types import MetricValue, Request, Response, RunConfig
from tests.conftest import TASK_DIR, harness_cli

DOWN = "openai: connection error: Connection error. (gave up after 2 attempts)"


class Scripted(ModelBackend):
    """A local model that upper-cases the word, cuts every ``cut``-th answer at its budget, or fails them all."""

    kind = "local"
    batch_size = 2

    def __init__(self, cut: int = 0, down: bool = False):
        self.cut, self.down = cut, down
        self.calls = 0

    @property
    def fingerprint(self) -> dict[str, Any]:
        return {"spec": "scripted", "kind": "local", "cut": self.cut, "down": self.down}

    async def generate(self, requests: Sequence[Request], keys: Sequence[str] | None = None) -> list[Response]:
        self.calls += len(requests)
        if self.down:
            return [Response(error=DOWN) for _ in requests]
        return [self._answer(r) for r in requests]

    def _answer(self, request: Request) -> Response:
        word = request.messages[-1].content.removeprefix("Upper-case: ")
        index = int(re.sub(r"\D", "", word) or 0)
        if self.cut and index % self.cut == 0:
            return Response(text=word.upper()[:2], meta={"truncated": True})
        return Response(text=word.upper())


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch):
    """Every run of this module answers with the Scripted model given to ``use``."""
    chosen: dict[str, Scripted] = {}

    def use(model: Scripted) -> Scripted:
        chosen["model"] = model
        return model

    monkeypatch.setattr(runner, "resolve_model", lambda spec, args, opts: chosen["model"])
    return use


def config(db: str, **kw: Any) -> RunConfig:
    return RunConfig(task="echo", task_dir=str(TASK_DIR), db=db, **{"model": "scripted", **kw})


def stored_metrics(db: str, run_id: str) -> int:
    with duckdb.connect(db, read_only=True) as con:
        return con.execute("SELECT count(*) FROM metrics WHERE run_id = ?", [run_id]).fetchone()[0]


def printed(summary: RunSummary) -> str:
    width = out.width
    out.width = 200
    try:
        with out.capture() as captured:
            print_summary(summary)
    finally:
        out.width = width
    return captured.get()


# ---- empty data --------------------------------------------------------------------------------


def test_an_empty_data_file_is_bad_input_and_leaves_no_run(db: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(BadInput, match=r"--data .*empty\.jsonl: the file holds no examples: add some"):
        run_eval(config(db, model="oracle", data=str(empty)))
    assert not Path(db).exists() or Store(db).list_runs() == []
    args = ["--task-dir", str(TASK_DIR), "--task", "echo", "--model", "oracle", "--data", str(empty), "--db", db]
    result = harness_cli("run", *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "empty.jsonl" in result.stderr
    assert not Path(db).exists() or Store(db).list_runs() == []


# ---- every sample errored ------------------------------------------------------------------------


def test_a_run_whose_samples_all_errored_stores_no_metrics_and_names_the_cause(db: str, scripted) -> None:
    scripted(Scripted(down=True))
    summary = run_eval(config(db, limit=5))
    assert summary.status == "complete" and summary.n_samples == summary.n_errors == 10
    assert summary.metrics == {} and stored_metrics(db, summary.run_id) == 0
    assert summary.error_causes == [(DOWN, 10)] and summary.errors_by_split == {"test": 5, "ood": 5}
    run = Store(db).get_run(summary.run_id)
    assert run is not None and (run.status, run.n_samples, run.n_errors) == ("complete", 10, 10)
    text = printed(summary)
    assert f"{DOWN} × 10" in text and "no metrics" in text and "0.0000" not in text
    document = summary.to_dict()
    assert document["metrics"] == {} and document["error_causes"] == [{"error": DOWN, "n": 10}]


def test_a_run_with_some_errors_says_so_under_each_split_and_lists_the_causes(db: str) -> None:
    replay = Path(db).parent / "out.jsonl"
    replay.write_text('{"id": "test-0000", "output": "ALPHA0"}\n')
    summary = run_eval(config(db, model=f"replay:{replay}", limit=3))
    assert summary.n_errors == 5 and summary.errors_by_split == {"test": 2, "ood": 3}
    assert summary.metrics["test"]["exact_match"].value == pytest.approx(1 / 3)
    assert [n for _, n in summary.error_causes] == [1] * 5
    text = printed(summary)
    assert "2 errored sample(s) scored as wrong" in text and "3 errored sample(s) scored as wrong" in text
    assert "replay: no output for id 'ood-0000' × 1" in text and "and 2 more with other errors" in text


# ---- outputs cut at the token budget, answers from the cache ---------------------------------------


def test_outputs_cut_at_the_budget_are_stored_and_counted(db: str, scripted) -> None:
    scripted(Scripted(cut=2))
    summary = run_eval(config(db, splits=("test",), limit=6))
    assert summary.n_truncated == 3 and summary.n_errors == 0  # ids 0, 2, 4: wrong answers, not errors
    assert summary.metrics["test"]["exact_match"].value == pytest.approx(0.5)
    cut = [r["example_id"] for r in Store(db).iter_samples(summary.run_id) if (r["meta"] or {}).get("truncated")]
    assert cut == ["test-0000", "test-0002", "test-0004"]
    assert "3 of 6 outputs cut at the token budget" in printed(summary)
    assert summary.to_dict()["n_truncated"] == 3


def test_a_rerun_of_a_finished_command_says_its_answers_came_from_the_cache(db: str, scripted) -> None:
    model = scripted(Scripted())
    first = run_eval(config(db, limit=4))
    assert first.n_cached == 0 and model.calls == 8
    second = run_eval(config(db, limit=4))
    assert second.run_id != first.run_id and model.calls == 8
    assert second.n_cached == 8 and "8 of 8 answers from the cache" in printed(second)
    assert "from the cache" not in printed(first)
    assert second.to_dict()["n_cached"] == 8


def test_an_interrupted_run_resumed_counts_the_cache_hits_of_both_attempts(db: str, scripted, monkeypatch) -> None:
    scripted(Scripted())
    run_eval(config(db, splits=("test",), limit=4))  # fills the cache
    calls = {"n": 0}
    original = Store.write_samples

    def crash_on_second_batch(self: Store, run_id: str, results: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        original(self, run_id, results)

    monkeypatch.setattr(Store, "write_samples", crash_on_second_batch)
    with pytest.raises(KeyboardInterrupt):
        run_eval(config(db, splits=("test",), limit=4))
    monkeypatch.setattr(Store, "write_samples", original)
    resumed = run_eval(config(db, splits=("test",), limit=4))
    assert resumed.reused == 2 and resumed.n_cached == 4


def test_the_json_summary_keeps_every_earlier_key() -> None:
    metric = MetricValue(1.0, 1.0, 1.0, 2)
    summary = RunSummary("r", "echo", "1", "oracle", "oracle", "complete", 2, 0, 1.0, {"test": {"exact_match": metric}})
    document = summary.to_dict()
    earlier = ["run_id", "task", "task_version", "model", "label", "status", "n_samples", "n_errors", "wall_s"]
    assert list(document)[: len(earlier) + 1] == [*earlier, "metrics"]
    assert document["error_causes"] == [] and document["n_truncated"] == document["n_cached"] == 0
