"""``--batch``: provider batch APIs through the real openai and anthropic SDKs against the fake server.

A batched run equals the synchronous run sample by sample (prompt mode, native tools, structured output);
a run killed with -9 while it waits, then re-run, submits nothing twice; errored and expired items go out
again; batches cost half; ``--batch-wait`` exits 3 with the run kept; a failed batch, a model or a server
without batches are one-line errors.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from harness.errors import BadInput
from harness.fake_server import FakeServer, Faults, Script
from harness.models.anthropic_api import load_anthropic
from harness.models.base import LoadOptions
from harness.models.batch_api import BatchFailed, BatchJournal, BatchOptions, BatchPending
from harness.models.openai_api import load_openai
from harness.models.wrapper import wrap
from harness.runner import run_eval
from harness.store import Store
from harness.types import Message, Request, RunConfig
from tests.conftest import TASK_DIR, harness_cli

KEY = "sk-fake-batch-0123456789"
PROVIDERS = ["openai", "anthropic"]
# Short polls and no backoff: every test here ends in seconds.
FAST = {"timeout": "5", "backoff": "0.01", "batch_poll": "0.05"}
X_SCHEMA = {"type": "object", "properties": {"x": {"type": "integer"}}}
SCHEMA_DATA = [
    {"id": "p1", "schema": X_SCHEMA, "text": "x is 3", "target": {"x": 3}},
    {"id": "p2", "schema": {"type": "array", "items": {"type": "string"}}, "text": "red, green", "target": ["red"]},
]


@pytest.fixture(autouse=True)
def fake_keys(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)


@pytest.fixture(scope="module")
def calls_oracle() -> Script:
    return Script.oracle("function_calling")


def base_url(server: FakeServer, provider: str) -> str:
    return server.openai_url if provider == "openai" else server.anthropic_url


def config(db: str, provider: str, server: FakeServer, model: str = "fake-model", **kw) -> RunConfig:
    args = {"base_url": base_url(server, provider), **FAST, **kw.pop("model_args", {})}
    kw.setdefault("task", "echo")
    if kw["task"] == "echo":
        kw["task_dir"] = str(TASK_DIR)
    return RunConfig(db=db, model=f"{provider}:{model}", model_args=args, **kw)


def samples(db: str, run_id: str) -> list[dict]:
    return list(Store(db).iter_samples(run_id))


def comparable(row: dict) -> tuple:
    """What a sample's answer is, whichever path produced it."""
    meta = row["meta"] or {}
    return (row["split"], row["example_id"], row["output"], row["parsed"], row["scores"], meta.get("tool_calls"))


# ---- batched equals synchronous ---------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    ("task", "mode"), [("echo", "prompt"), ("function_calling", "native"), ("schema_json", "native")]
)
def test_a_batched_run_equals_the_synchronous_run_sample_by_sample(provider, task, mode, tmp_path, calls_oracle):
    data = None
    if task == "schema_json":
        data = tmp_path / "schemas.jsonl"
        data.write_text("".join(json.dumps(r) + "\n" for r in SCHEMA_DATA))
    script = {"echo": lambda: Script.oracle("echo", task_dir=str(TASK_DIR)), "function_calling": lambda: calls_oracle,
              "schema_json": lambda: Script.oracle("schema_json", data=str(data))}[task]()  # fmt: skip
    kw = {"task": task, "mode": mode, "limit": 3, "data": str(data) if data else None}
    with FakeServer(script, Faults(batch_delay_s=0.1)) as server:
        sync = run_eval(config(str(tmp_path / "sync" / "r.duckdb"), provider, server, **kw))
        sync_bodies = list(server.bodies)
        batched = run_eval(config(str(tmp_path / "batch" / "r.duckdb"), provider, server, batch=True, **kw))
        assert len(server.bodies) == len(sync_bodies)  # the batched run made no synchronous call
        items = [body for batch in server.batch.batches.values() for _, body in batch.items]

    def key(body: dict) -> str:
        return json.dumps(body, sort_keys=True)

    assert sorted(map(key, items)) == sorted(map(key, sync_bodies))  # the same payloads, exactly
    assert sync.n_errors == batched.n_errors == 0
    sync_rows = samples(str(tmp_path / "sync" / "r.duckdb"), sync.run_id)
    batch_rows = samples(str(tmp_path / "batch" / "r.duckdb"), batched.run_id)
    assert [comparable(r) for r in batch_rows] == [comparable(r) for r in sync_rows]
    assert all(r["meta"]["batched"] and r["meta"]["batch_id"] for r in batch_rows)
    assert not any((r["meta"] or {}).get("batched") for r in sync_rows)
    assert batched.metrics == sync.metrics


@pytest.mark.parametrize("provider", PROVIDERS)
def test_top_p_goes_out_in_sync_and_batch_payloads(provider, tmp_path):
    request = Request(messages=(Message("user", "hi"),), top_p=0.9)  # type: ignore[call-arg]
    with FakeServer(Script.fixed("ok"), Faults(batch_delay_s=0.05)) as server:
        load = load_openai if provider == "openai" else load_anthropic
        args = {"base_url": base_url(server, provider), **FAST}
        model = load(f"{provider}:m", "m", args, LoadOptions())
        asyncio.run(wrap(model).generate([request]))
        batched = wrap(load(f"{provider}:m", "m", args, LoadOptions()), batch=BatchOptions(tmp_path))
        [answer] = asyncio.run(batched.generate([request]))
        [(_, item)] = next(iter(server.batch.batches.values())).items
    assert answer.text == "ok" and server.bodies[-1]["top_p"] == 0.9 and item["top_p"] == 0.9


# ---- resumable: kill -9, --batch-wait, retries ---------------------------------------------------


def run_args(db: str, server: FakeServer, *extra: str, provider: str = "openai") -> list[str]:
    args = ["run", "--task-dir", str(TASK_DIR), "--task", "echo", "--split", "test", "--db", db, "--batch"]
    args += ["--model", f"{provider}:fake-model", "--model-arg", f"base_url={base_url(server, provider)}"]
    for key, value in FAST.items():
        args += ["--model-arg", f"{key}={value}"]
    return args + list(extra)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_kill_9_while_waiting_then_rerun_submits_no_request_twice(provider, db, tmp_path):
    env = {**os.environ, "ECHO_N": "12", "COLUMNS": "200"}
    with FakeServer(Script.oracle("echo", task_dir=str(TASK_DIR)), Faults(batch_delay_s=2.0)) as server:
        args = run_args(db, server, "--model-arg", "batch_requests=5", provider=provider)
        child = subprocess.Popen(
            [sys.executable, "-c", "from harness.cli import main; main()", *args],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while server.stats["batches"] < 3 and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.02)
        assert server.stats["batches"] == 3, child.stderr.read() if child.stderr else ""
        time.sleep(0.2)  # let the child record its last batch, then kill it mid-wait
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        assert server.batch.submitted and all(n == 1 for n in server.batch.submitted.values())
        rerun = harness_cli(*args, env={"ECHO_N": "12"})
        assert rerun.returncode == 0, rerun.stderr
        assert server.stats["batches"] == 3 and server.stats["batch_requests"] == 12  # nothing submitted again
        assert all(n == 1 for n in server.batch.submitted.values()) and len(server.batch.submitted) == 12
        assert server.stats["requests"] == 0  # and nothing asked synchronously
    store = Store(db)
    [run] = store.list_runs()
    assert run.status == "complete" and run.n_samples == 12 and run.n_errors == 0


def test_batch_wait_exits_3_keeps_finished_samples_and_a_rerun_collects_the_rest(db):
    faults = Faults(batch_delay_s=0.1, batch_delay_step_s=3.0)  # the first batch ends at once, the next two later
    with FakeServer(Script.oracle("echo", task_dir=str(TASK_DIR)), faults) as server:
        args = run_args(db, server, "--model-arg", "batch_requests=4", "--concurrency", "3")
        first = harness_cli(*args, "--batch-wait", "1.5", env={"ECHO_N": "12"})
        assert first.returncode == 3, first.stderr
        assert "still running" in first.stderr and "re-run the same command to collect" in first.stderr
        assert "Traceback" not in first.stderr
        with duckdb.connect(db, read_only=True) as con:
            status, stored = con.execute("SELECT status, (SELECT count(*) FROM samples) FROM runs").fetchone()
        assert status == "running" and stored == 4  # the batch that ended is stored; the run stays resumable
        second = harness_cli(*args, env={"ECHO_N": "12"})
        assert second.returncode == 0, second.stderr
        assert server.stats["batches"] == 3 and all(n == 1 for n in server.batch.submitted.values())
    [run] = Store(db).list_runs()
    assert run.status == "complete" and run.n_samples == 12 and run.n_errors == 0


@pytest.mark.parametrize("provider", PROVIDERS)
def test_errored_and_expired_items_are_retried_in_new_batches(provider, db, monkeypatch):
    monkeypatch.setenv("ECHO_N", "20")
    faults = Faults(batch_delay_s=0.05, batch_error_rate=0.25, batch_expire_rate=0.2, seed=4)
    with FakeServer(Script.oracle("echo", task_dir=str(TASK_DIR)), faults) as server:
        summary = run_eval(config(db, provider, server, splits=("test",), batch=True, model_args={"max_retries": "10"}))
        stats = dict(server.stats)
        submitted = dict(server.batch.submitted)
    assert stats["batch_errored"] and stats["batch_expired"], stats
    assert summary.n_samples == 20 and summary.n_errors == 0
    # Each failed item went out exactly once more; every other item exactly once.
    assert sum(submitted.values()) == 20 + stats["batch_errored"] + stats["batch_expired"]
    assert stats["batches"] > 1 and len(submitted) == 20


def test_items_that_keep_failing_become_sample_errors_after_max_retries(db, monkeypatch):
    monkeypatch.setenv("ECHO_N", "3")
    with FakeServer(Script.oracle("echo", task_dir=str(TASK_DIR)), Faults(batch_error_rate=1.0)) as server:
        summary = run_eval(config(db, "openai", server, splits=("test",), batch=True, model_args={"max_retries": "2"}))
        assert server.stats["batches"] == 3 and set(server.batch.submitted.values()) == {3}
    assert summary.n_errors == 3
    assert "gave up after 3 batches" in summary.error_causes[0][0]


def test_the_journal_maps_requests_to_their_open_batch(tmp_path):
    journal = BatchJournal(tmp_path, {"spec": "openai:m"})
    journal.submitted("b1", ["k1", "k2", "k3"])
    journal.submitted("b2", ["k3"])  # k3 errored in b1 and went out again
    journal.collected("b1", ["k1"])
    with journal.path.open("a") as handle:
        handle.write('{"event":"submitted","batch":"b3","ke')  # a line cut by a kill: b3 was never acknowledged
    assert journal.open_batches() == {"k2": "b1", "k3": "b2"}


# ---- cost -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_batches_cost_half_and_a_cached_rerun_pays_nothing_but_reports_the_producing_cost(provider, tmp_path):
    model = "gpt-4o" if provider == "openai" else "claude-3-5-haiku"
    sync_db, batch_db = str(tmp_path / "s" / "r.duckdb"), str(tmp_path / "b" / "r.duckdb")
    with FakeServer(Script.oracle("echo", task_dir=str(TASK_DIR)), Faults(batch_delay_s=0.05)) as server:
        sync = run_eval(config(sync_db, provider, server, model=model, limit=3))
        batched = run_eval(config(batch_db, provider, server, model=model, limit=3, batch=True))
        sent = server.stats["batch_requests"]
        again = run_eval(config(batch_db, provider, server, model=model, limit=3, batch=True, fresh=True))
        assert server.stats["batch_requests"] == sent  # the cache answered
    assert sync.tokens_in == batched.tokens_in and sync.tokens_out == batched.tokens_out
    assert sync.cost_usd and batched.cost_usd == pytest.approx(sync.cost_usd / 2)
    assert sync.cost_paid_usd == pytest.approx(sync.cost_usd)
    assert batched.cost_paid_usd == pytest.approx(batched.cost_usd)
    assert again.cost_paid_usd == 0 and again.cost_usd == pytest.approx(batched.cost_usd)
    document = again.to_dict()
    assert document["cost_paid_usd"] == 0 and document["cost_usd"] == pytest.approx(batched.cost_usd)
    assert document["tokens_in"] == batched.tokens_in and document["tokens_out"] == batched.tokens_out


def test_summary_line_and_list_runs_show_the_paid_figure(db, tmp_path):
    with FakeServer(Script.oracle("echo", task_dir=str(TASK_DIR)), Faults(batch_delay_s=0.05)) as server:
        args = run_args(db, server, "--limit", "2", "--output-json", str(tmp_path / "a.json"))
        args[args.index("openai:fake-model")] = "openai:gpt-4o"
        first = harness_cli(*args)
        second = harness_cli(*args, "--fresh")
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    produced = json.loads((tmp_path / "a.json").read_text())["cost_usd"]
    assert f"$0.0000 paid (${produced:.4f} to produce" in second.stdout
    listed = harness_cli("list", "runs", "--db", db, "--format", "json")
    paid = sorted(row["cost_paid_usd"] for row in json.loads(listed.stdout))
    assert paid[0] == 0 and paid[1] == pytest.approx(produced)
    table = harness_cli("list", "runs", "--db", db)
    assert "paid $" in table.stdout


# ---- bad input --------------------------------------------------------------------------------------


def test_batch_with_a_local_model_is_one_line_exit_2_and_no_run(db, tmp_path):
    replay = tmp_path / "answers.jsonl"
    replay.write_text('{"id": "e1", "output": "x"}\n')
    result = harness_cli("run", "--task-dir", str(TASK_DIR), "--task", "echo", "--db", db,
                         "--model", f"replay:{replay}", "--batch")  # fmt: skip
    assert result.returncode == 2
    assert "--batch: model" in result.stderr and "has no batch API" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not Path(db).exists() or not Store(db).list_runs()


def test_a_server_without_batch_endpoints_is_one_line_exit_2_and_no_run(db):
    with FakeServer(Script.fixed("x"), Faults(batch_endpoints=False)) as server:
        result = harness_cli(*run_args(db, server))
        assert server.stats["requests"] == 0
    assert result.returncode == 2
    assert "has no batch endpoint" in result.stderr and "run without --batch" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not Path(db).exists() or not Store(db).list_runs()


def test_batch_wait_without_batch_is_bad_input(db):
    with FakeServer(Script.fixed("x")) as server:
        args = [a for a in run_args(db, server) if a != "--batch"]
        result = harness_cli(*args, "--batch-wait", "5")
    assert result.returncode == 2 and "--batch-wait goes with --batch" in result.stderr


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_batch_the_provider_failed_names_its_id_and_reason_exit_2(provider, db):
    faults = Faults(batch_delay_s=0.05, batch_fail="the input file has an invalid model")
    with FakeServer(Script.oracle("echo", task_dir=str(TASK_DIR)), faults) as server:
        result = harness_cli(*run_args(db, server, "--limit", "2", provider=provider))
        [batch_id] = server.batch.batches
    assert result.returncode == 2, result.stderr
    error = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and batch_id in error[0]
    if provider == "openai":
        assert "the input file has an invalid model" in error[0]
    else:
        assert "canceled" in error[0]


def test_batch_pending_and_failed_are_harness_errors_with_their_exit_codes():
    assert BatchPending("x").exit_code == 3 and BatchFailed("x").exit_code == 2
    assert issubclass(BatchFailed, BadInput)
