"""--samples N end to end: attempts stored and scored, k-curves in the store, the summary and the gate; replay
files with several outputs per id; resume mid-way through attempts; N = 1 unchanged; seeded local sampling."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import duckdb
import pytest

from harness.errors import BadInput
from harness.gate import GateOptions, run_gate
from harness.lifecycle import RunSummary
from harness.runner import attempt_seed, run_eval
from harness.store import Store
from harness.types import Message, MetricValue, Request, RunConfig
from tests.conftest import TASK_DIR, harness_cli

FIXTURES = Path(__file__).parent / "fixtures" / "test_time_scaling"

# Four attempts at three gis_command test examples (targets: ZoomOut(2), RemoveLayer('lakes'),
# SetOpacity('streets', 95)); the values below are worked out by hand in the comments.
ATTEMPTS = {
    # right only at 1; answers ZoomIn ZoomOut ZoomOut(=2.0, text differs: exact_match 0) ZoomIn
    "gis-test-0000": ["ZoomIn(2)", "ZoomOut(2)", "ZoomOut(2.0)", "ZoomIn(2)"],
    # right at 1 and 2; 0 does not parse, 3 is no command of the grammar
    "gis-test-0001": ["remove the lakes", "RemoveLayer('lakes')", "RemoveLayer('lakes')", "Frobnicate('lakes')"],
    # right only at 0; 1-3 give the opacity as a string, which the grammar refuses
    "gis-test-0002": ["SetOpacity('streets', 95)", *["SetOpacity('streets', '95')"] * 3],
}
EXPECTED = {
    "vote@1": 1 / 3, "vote@2": 5 / 9, "vote@4": 1 / 3,
    "verify@1": 1 / 3, "verify@2": 5 / 9, "verify@4": 2 / 3,
    "pass@1": 1 / 3, "pass@2": 11 / 18, "pass@4": 1.0,
    "pass^1": 1 / 3, "pass^2": 1 / 18, "pass^4": 0.0,
    "tokens@1": 0.0, "cost_usd@4": 0.0,
}  # fmt: skip
# per example: vote@2 = 2/6, 5/6, 3/6; verify@2 = 2/6, 5/6, 3/6; vote@4 = 0 1 0; verify@4 = 0 1 1;
# pass@2 = 1 - C(3,2)/C(4,2) = 1/2, 1 - 1/6 = 5/6, 1/2; pass^2 = 0, C(2,2)/C(4,2) = 1/6, 0


def gis(db: str, model: str, **kw) -> RunConfig:
    return RunConfig(task="gis_command", model=model, db=db, splits=("test",), limit=3, **kw)


def replay_lists(path: Path, outputs: dict[str, list[str]]) -> str:
    path.write_text("".join(json.dumps({"id": k, "outputs": v}) + "\n" for k, v in outputs.items()))
    return f"replay:{path}"


def replay_attempt_lines(path: Path, outputs: dict[str, list[str]]) -> str:
    lines = [{"id": k, "attempt": a, "output": text} for k, texts in outputs.items() for a, text in enumerate(texts)]
    path.write_text("".join(json.dumps(line) + "\n" for line in reversed(lines)))  # any order
    return f"replay:{path}"


def stored_metrics(db: str, run_id: str) -> dict[str, tuple[float, bool | None]]:
    with duckdb.connect(db, read_only=True) as con:
        rows = con.execute("SELECT metric, value, is_primary FROM metrics WHERE run_id = ?", [run_id]).fetchall()
    return {metric: (value, primary) for metric, value, primary in rows}


def sample_keys(db: str, run_id: str) -> list[tuple[str, int]]:
    with duckdb.connect(db, read_only=True) as con:
        rows = con.execute("SELECT example_id, attempt FROM samples WHERE run_id = ? ORDER BY 1, 2", [run_id])
        return [(r[0], int(r[1])) for r in rows.fetchall()]


def test_selectors_on_replayed_attempts_are_the_hand_computed_values(db, tmp_path):
    summary = run_eval(gis(db, replay_lists(tmp_path / "a.jsonl", ATTEMPTS), samples=4))
    assert summary.n_samples == 12 and sample_keys(db, summary.run_id) == [
        (i, a) for i in sorted(ATTEMPTS) for a in range(4)
    ]
    stored = stored_metrics(db, summary.run_id)
    for name, value in EXPECTED.items():
        assert stored[name] == (pytest.approx(value), False), name
    # the task's own metrics stay those of attempt 0, the primary among them
    assert stored["exact_match"] == (pytest.approx(1 / 3), True) and stored["parse_rate"][0] == pytest.approx(2 / 3)
    assert summary.metrics["test"]["exact_match"].value == pytest.approx(1 / 3)
    assert "vote@4" not in summary.metrics["test"] and summary.k_curves["test"]["vote@4"].value == pytest.approx(1 / 3)
    assert summary.to_dict()["k_curves"]["test"]["verify@4"]["value"] == pytest.approx(2 / 3)
    details = {(r["example_id"], r["attempt"]): r["details"] for r in Store(db).iter_samples(summary.run_id)}
    assert details[("gis-test-0001", 3)] == {
        "canonical": '[{"args":["lakes"],"kwargs":{},"name":"Frobnicate"}]',
        "verified": False,
    }
    assert details[("gis-test-0001", 0)]["canonical"] is None


def test_repeated_ids_with_an_attempt_field_replay_the_same_attempts(db, tmp_path):
    lists = run_eval(gis(db, replay_lists(tmp_path / "a.jsonl", ATTEMPTS), samples=4))
    lines = run_eval(gis(db, replay_attempt_lines(tmp_path / "b.jsonl", ATTEMPTS), samples=4))
    assert stored_metrics(db, lines.run_id) == stored_metrics(db, lists.run_id)


def test_fewer_samples_than_the_file_holds_use_the_first_attempts(db, tmp_path):
    summary = run_eval(gis(db, replay_lists(tmp_path / "a.jsonl", ATTEMPTS), samples=2))
    stored = stored_metrics(db, summary.run_id)
    assert {name for name in stored if "@" in name or "^" in name} == {
        f"{family}{k}" for family in ("vote@", "verify@", "pass@", "pass^", "tokens@", "cost_usd@") for k in (1, 2)
    }
    # pairs (0, 1) only: vote 01 tie→a0; ex1 a0 unparsed→a1 right; ex2 tie→a0 right
    assert stored["vote@2"][0] == pytest.approx(2 / 3)


def test_single_attempt_runs_store_no_k_curves(db, tmp_path):
    summary = run_eval(gis(db, replay_lists(tmp_path / "a.jsonl", ATTEMPTS)))
    assert summary.k_curves == {} and "k_curves" in summary.to_dict()
    assert not [m for m in stored_metrics(db, summary.run_id) if "@" in m or "^" in m]


def test_n1_stores_byte_for_byte_what_it_stored_before_attempts_existed(db, tmp_path):
    # The golden rows were written by the code before issue 19 (same config, same replay answers).
    replay = {
        "gis-test-0000": "ZoomOut(2)",
        "gis-test-0001": "RemoveLayer(lakes)",
        "gis-test-0002": "SetOpacity('streets', 95)",
        "gis-ood-0000": "nothing to do",
        "gis-ood-0001": "AddWMS('x', 'y')",
    }
    path = tmp_path / "replay.jsonl"
    path.write_text("".join(json.dumps({"id": k, "output": v}) + "\n" for k, v in replay.items()))
    summary = run_eval(RunConfig(task="gis_command", model=f"replay:{path}", limit=3, db=db))
    columns = (
        "example_id, split, attempt, tags, input, target, request_hash, output, parsed, scores, details, error, "
        "tokens_in, tokens_out, cost_usd, cost_paid_usd, meta"
    )
    with duckdb.connect(db, read_only=True) as con:
        cursor = con.execute(
            f"SELECT {columns} FROM samples WHERE run_id = ? ORDER BY split, example_id, attempt", [summary.run_id]
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    golden = json.loads((FIXTURES / "n1_gis_replay_rows.json").read_text())
    assert json.loads(json.dumps(rows, default=str)) == golden


def test_request_hash_leaves_out_unset_top_p_and_the_attempt():
    request = Request(messages=(Message("user", "hi"),), example_id="x")
    assert "top_p" not in request.to_dict() and "attempt" not in request.to_dict()
    assert Request(messages=request.messages, example_id="x", attempt=3).hash == request.hash
    assert Request(messages=request.messages, top_p=0.9).hash != request.hash


def test_attempt_seeds_are_stable_and_distinct():
    seeds = {attempt_seed(0, example, a) for example in ("a", "b") for a in range(8)}
    assert len(seeds) == 16 and all(0 <= s < 2**31 for s in seeds)
    assert attempt_seed(0, "a", 1) == attempt_seed(0, "a", 1) != attempt_seed(1, "a", 1)


def test_a_rerun_asks_the_model_nothing_and_resume_finishes_every_attempt_once(db, tmp_path):
    spec = replay_lists(tmp_path / "a.jsonl", ATTEMPTS)
    written: list[int] = []

    def stop_after_first_write(event: str, split: str, count: int) -> None:
        if event == "advance" and count:
            written.append(count)
            raise KeyboardInterrupt  # a kill between two writes

    with pytest.raises(KeyboardInterrupt):
        run_eval(gis(db, spec, samples=4, batch_size=3), progress=stop_after_first_write)
    (run_id,) = [r.run_id for r in Store(db).list_runs() if r.status == "running"]
    partial = sample_keys(db, run_id)
    assert 0 < len(partial) < 12 and len(partial) == written[0]
    summary = run_eval(gis(db, spec, samples=4, batch_size=3))
    assert summary.run_id == run_id  # continued in place
    keys = sample_keys(db, run_id)
    assert keys == sorted(set(keys)) and len(keys) == 12  # every attempt once
    assert stored_metrics(db, run_id)["vote@2"][0] == pytest.approx(5 / 9)


def test_samples_beyond_a_replay_files_attempts_is_one_line_and_leaves_no_run(db, tmp_path):
    single = tmp_path / "one.jsonl"
    single.write_text(json.dumps({"id": "gis-test-0000", "output": "ZoomOut(2)"}) + "\n")
    with pytest.raises(BadInput, match=r"^--samples 4: the replay file holds one output per id: give each id 4"):
        run_eval(gis(db, f"replay:{single}", samples=4))
    with pytest.raises(BadInput, match=r"holds 4 outputs per id"):
        run_eval(gis(db, replay_lists(tmp_path / "a.jsonl", ATTEMPTS), samples=8))
    assert not Path(db).exists() or Store(db).list_runs() == []
    result = harness_cli("run", "--task", "gis_command", "--model", f"replay:{single}", "--samples", "2", "--db", db)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_replay_file_with_a_gap_in_its_attempts_names_the_line(db, tmp_path):
    path = tmp_path / "gap.jsonl"
    path.write_text(json.dumps({"id": "x", "attempt": 0, "output": "a"}) + "\n" + json.dumps(
        {"id": "x", "attempt": 2, "output": "b"}
    ) + "\n")  # fmt: skip
    with pytest.raises(BadInput, match=r"gap.jsonl:2: id 'x' lacks attempt 1"):
        run_eval(gis(db, f"replay:{path}", samples=2))


def test_oracle_serves_any_number_of_attempts(db):
    summary = run_eval(gis(db, "oracle", samples=3))
    assert summary.k_curves["test"]["vote@3"].value == 1.0 and summary.k_curves["test"]["pass^3"].value == 1.0


def test_temperature_zero_with_several_samples_warns_and_runs(db, caplog):
    with caplog.at_level(logging.WARNING, logger="harness.runner"):
        summary = run_eval(gis(db, "oracle", samples=2, temperature=0))
    assert summary.status == "complete"
    assert any("attempts are identical" in r.getMessage() for r in caplog.records)


def test_gate_on_a_selector_metric_pairs_per_example_values(db, tmp_path):
    base = run_eval(gis(db, replay_lists(tmp_path / "a.jsonl", ATTEMPTS), samples=4, label="base"))
    right = {"gis-test-0000": 1, "gis-test-0001": 1, "gis-test-0002": 0}  # a right attempt of each
    better = {k: [v[right[k]]] * 4 for k, v in ATTEMPTS.items()}
    cand = run_eval(gis(db, replay_lists(tmp_path / "b.jsonl", better), samples=4, label="cand"))
    report = run_gate("base", "cand", db, GateOptions(metrics=("vote@4", "pass@2", "verify@2")))
    by_metric = {c.metric: c for c in report.comparisons}
    assert by_metric["vote@4"].baseline == pytest.approx(1 / 3) and by_metric["vote@4"].candidate == pytest.approx(1)
    assert by_metric["vote@4"].test == "mcnemar" and by_metric["vote@4"].n == 3
    assert by_metric["pass@2"].baseline == pytest.approx(stored_metrics(db, base.run_id)["pass@2"][0])
    assert by_metric["verify@2"].candidate == pytest.approx(stored_metrics(db, cand.run_id)["verify@2"][0])
    plain = run_gate("base", "cand", db, GateOptions())
    assert [(c.metric, c.baseline) for c in plain.comparisons] == [("exact_match", pytest.approx(1 / 3))]


def test_gate_refuses_selectors_a_run_cannot_serve(db, tmp_path):
    run_eval(gis(db, replay_lists(tmp_path / "a.jsonl", ATTEMPTS), samples=4, label="four"))
    with pytest.raises(BadInput, match=r"^--metric vote@8: run \S+ \(four\) has 4 attempt\(s\) per example"):
        run_gate("four", "four", db, GateOptions(metrics=("vote@8",)))
    echo = RunConfig(task="echo", task_dir=str(TASK_DIR), model="oracle", db=db, limit=3, samples=2, label="echo")
    run_eval(echo)
    with pytest.raises(BadInput, match=r"^--metric verify@2: task echo has no verifier"):
        run_gate("echo", "echo", db, GateOptions(metrics=("verify@2",)))
    result = harness_cli("gate", "--baseline", "echo", "--candidate", "echo", "--metric", "verify@2", "--db", db)
    assert result.returncode == 2 and "has no verifier" in result.stderr


def test_summary_prints_the_k_curve_table(db, tmp_path):
    spec = replay_lists(tmp_path / "a.jsonl", ATTEMPTS)
    out = tmp_path / "run.json"
    result = harness_cli(
        "run", "--task", "gis_command", "--model", spec, "--split", "test", "--limit", "3", "--samples", "4",
        "--db", db, "--output-json", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "by attempts k" in result.stdout and "pass^k" in result.stdout
    row = next(line for line in result.stdout.splitlines() if line.strip("│ ").startswith("4 "))
    assert "0.333" in row and "0.667" in row and "1.000" in row
    document = json.loads(out.read_text())
    assert document["k_curves"]["test"]["pass@2"]["value"] == pytest.approx(11 / 18)
    assert "vote@2" not in document["metrics"]["test"]


def test_run_summary_moves_selector_metrics_out_of_the_plain_metrics():
    m = MetricValue(0.5, 0.4, 0.6, 10)
    summary = RunSummary("r", "t", "1", "m", "l", "complete", 1, 0, 1.0, {"test": {"exact_match": m, "pass^2": m}})
    assert summary.metrics == {"test": {"exact_match": m}} and summary.k_curves == {"test": {"pass^2": m}}


# ---- local models: seeded, per-row sampling ----------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    import torch

    from tests.tiny_models import make_tiny_causal

    torch.set_num_threads(1)
    return str(make_tiny_causal(tmp_path_factory.mktemp("tts") / "tiny"))


def outputs(db: str, run_id: str) -> dict[tuple[str, int], str]:
    return {(r["example_id"], r["attempt"]): r["output"] for r in Store(db).iter_samples(run_id)}


def local(db: str, model: str, **kw) -> RunConfig:
    defaults = {"samples": 3, "model_args": {"max_tokens": "12"}, "cache": False, "threads": 1}
    return RunConfig(task="gis_command", model=model, db=db, splits=("test",), limit=2, **(defaults | kw))


def test_seeded_attempts_do_not_depend_on_their_batch_and_reproduce(tiny, tmp_path):
    alone = run_eval(local(str(tmp_path / "a.duckdb"), tiny, batch_size=1))
    batched = run_eval(local(str(tmp_path / "b.duckdb"), tiny, batch_size=4))
    first, second = (
        outputs(str(tmp_path / "a.duckdb"), alone.run_id),
        outputs(str(tmp_path / "b.duckdb"), batched.run_id),
    )
    assert len(first) == 6 and first == second
    assert len({first[("gis-test-0000", a)] for a in range(3)}) > 1  # the attempts differ from each other
    greedy = run_eval(local(str(tmp_path / "c.duckdb"), tiny, samples=1))
    greedy_text = outputs(str(tmp_path / "c.duckdb"), greedy.run_id)[("gis-test-0000", 0)]
    assert greedy_text not in {first[("gis-test-0000", a)] for a in range(3)} or len(set(first.values())) > 2


def test_a_resumed_local_run_gives_the_attempts_an_uninterrupted_one_gives(tiny, tmp_path):
    whole_db, cut_db = str(tmp_path / "whole.duckdb"), str(tmp_path / "cut.duckdb")
    whole = outputs(whole_db, run_eval(local(whole_db, tiny, batch_size=2)).run_id)

    def stop(event: str, split: str, count: int) -> None:
        if event == "advance" and count:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_eval(local(cut_db, tiny, batch_size=2), progress=stop)
    resumed = run_eval(local(cut_db, tiny, batch_size=2))
    assert resumed.reused > 0 and outputs(cut_db, resumed.run_id) == whole


def test_row_sampler_respects_top_p_and_the_grammar_mask():
    import torch

    from harness.models.hf.sampling import sample_token

    logits = torch.tensor([2.0, 1.0, 0.5, float("-inf")])
    probs = torch.softmax(logits, dim=-1)
    picks = [sample_token(logits, 1.0, 1.0, d / 100)[0] for d in range(100)]
    assert set(picks) == {0, 1, 2}  # never the masked token
    assert picks.count(0) == pytest.approx(100 * float(probs[0]), abs=2)
    assert sample_token(logits, 1.0, 1.0, 0.0) == (0, pytest.approx(float(probs[0])))
    assert {sample_token(logits, 1.0, 0.5, d / 100) for d in range(100)} == {(0, 1.0)}  # top-p 0.5: the top one
    assert {sample_token(logits, 1e-4, 1.0, d / 100)[0] for d in range(100)} == {0}  # near 0: greedy


def test_cli_refuses_zero_samples_and_warns_of_identical_attempts(db):
    zero = harness_cli("run", "--task", "gis_command", "--model", "oracle", "--samples", "0", "--db", db)
    assert zero.returncode == 2 and "--samples" in zero.stderr
    args = ("--task", "gis_command", "--model", "oracle", "--limit", "1", "--split", "test", "--db", db)
    greedy = harness_cli("run", *args, "--samples", "2", "--temperature", "0")
    assert greedy.returncode == 0 and "the attempts are identical" in greedy.stderr


def test_harness_score_rescores_every_attempt_into_the_same_k_curves(db, tmp_path):
    from harness.rescore import rescore

    summary = run_eval(gis(db, replay_lists(tmp_path / "a.jsonl", ATTEMPTS), samples=4))
    rescored = rescore(summary.run_id, db)
    assert rescored.n_samples == 12 and sample_keys(db, rescored.run_id) == sample_keys(db, summary.run_id)
    assert stored_metrics(db, rescored.run_id) == stored_metrics(db, summary.run_id)
    details = {(r["example_id"], r["attempt"]): r["details"] for r in Store(db).iter_samples(rescored.run_id)}
    assert details[("gis-test-0001", 3)] == {
        "canonical": '[{"args":["lakes"],"kwargs":{},"name":"Frobnicate"}]',
        "verified": False,
    }


def test_a_local_price_prices_every_attempt_and_the_cost_curve(tiny, tmp_path):
    db = str(tmp_path / "priced.duckdb")
    args = {"max_tokens": "12", "price_in": "1.5", "price_out": "6"}  # USD per million tokens
    summary = run_eval(local(db, tiny, model_args=args))
    rows = list(Store(db).iter_samples(summary.run_id))
    expected = [(r["tokens_in"] * 1.5 + r["tokens_out"] * 6) / 1e6 for r in rows]
    assert [r["cost_usd"] for r in rows] == pytest.approx(expected) and all(c > 0 for c in expected)
    assert summary.cost_usd == pytest.approx(sum(expected))
    per_example = sum(expected) / 2  # 2 examples, 3 attempts each: k = 2 spends two thirds of that on average
    assert summary.k_curves["test"]["cost_usd@2"].value == pytest.approx(per_example * 2 / 3)
    unpriced = run_eval(local(str(tmp_path / "free.duckdb"), tiny))
    assert unpriced.cost_usd in (None, 0.0)  # no price given: no money counted
