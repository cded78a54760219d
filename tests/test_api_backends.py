"""openai: and anthropic: through the real SDKs against the fake server on loopback.

Native tools and structured output both ways, faults with nothing lost or duplicated, resume of
errored samples, the cache, cost totals, and the key never reaching the store, logs, cache or exports.
"""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import duckdb
import pytest

from harness.errors import BadInput
from harness.fake_server import FakeServer, Faults, Script
from harness.models.anthropic_api import load_anthropic, parse_message
from harness.models.base import LoadOptions
from harness.models.openai_api import load_openai, parse_completion
from harness.models.wrapper import wrap
from harness.runner import run_eval
from harness.store import Store
from harness.types import Message, Request, RunConfig, ToolCall
from tests.conftest import TASK_DIR, harness_cli

KEY = "sk-fake-LEAKCHECK-9f8e7d6c5b4a"
FAST = {"timeout": "1", "backoff": "0.01"}
ADD = {
    "name": "add",
    "description": "Add two numbers",
    "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}},
}
CALL = '[{"name": "add", "arguments": {"a": 1, "b": 2}}]'
POINT = {"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}}, "required": ["x", "y"]}
PROVIDERS = ["openai", "anthropic"]


@pytest.fixture(autouse=True)
def fake_keys(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)


def base_url(server: FakeServer, provider: str) -> str:
    return server.openai_url if provider == "openai" else server.anthropic_url


def backend(provider: str, server: FakeServer, mode: str = "native", **args: str):
    load = load_openai if provider == "openai" else load_anthropic
    spec = f"{provider}:fake-model"
    return load(spec, "fake-model", {"base_url": base_url(server, provider), **FAST, **args}, LoadOptions(mode=mode))


def ask(model, request: Request):
    return asyncio.run(wrap(model).generate([request]))[0]


def user(text: str, **kw: Any) -> Request:
    return Request(messages=(Message("system", "be brief"), Message("user", text)), **kw)


def echo_config(db: str, provider: str, server: FakeServer, **kw: Any) -> RunConfig:
    args = {"base_url": base_url(server, provider), **FAST, **kw.pop("model_args", {})}
    return RunConfig(task="echo", task_dir=str(TASK_DIR), db=db, model=f"{provider}:fake-model", model_args=args, **kw)


# ---- native tools and structured output, both ways -------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_native_tools_out_and_tool_calls_back(provider):
    with FakeServer(Script.fixed(CALL)) as server:
        response = ask(backend(provider, server), user("add 1 and 2", tools=(ADD,)))
        sent = server.bodies[-1]
    assert response.error is None and response.tool_calls == (ToolCall("add", {"a": 1, "b": 2}),)
    assert response.tokens_in and response.tokens_out and response.latency_ms is not None
    if provider == "openai":
        assert sent["tools"] == [{"type": "function", "function": ADD}]
        assert sent["messages"][0] == {"role": "system", "content": "be brief"}
    else:
        assert sent["tools"] == [{"name": "add", "description": "Add two numbers", "input_schema": ADD["parameters"]}]
        assert sent["system"] == "be brief" and [m["role"] for m in sent["messages"]] == ["user"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_native_structured_output_out_and_json_back(provider):
    with FakeServer(Script.fixed('{"x": 1, "y": 2}')) as server:
        response = ask(backend(provider, server), user("a point", response_schema=POINT))
        sent = server.bodies[-1]
    assert json.loads(response.text) == {"x": 1, "y": 2} and response.tool_calls is None
    if provider == "openai":
        assert sent["response_format"] == {
            "type": "json_schema",
            "json_schema": {"name": "response", "schema": POINT, "strict": False},
        }
    else:
        assert sent["tool_choice"] == {"type": "tool", "name": "json_output"}
        assert sent["tools"][0]["input_schema"] == POINT


def test_anthropic_structured_output_with_a_non_object_root_is_wrapped_and_unwrapped():
    schema = {"type": "array", "items": {"type": "integer"}}
    with FakeServer(Script.fixed("[1, 2, 3]")) as server:
        response = ask(backend("anthropic", server), user("numbers", response_schema=schema))
        sent = server.bodies[-1]
    assert sent["tools"][0]["input_schema"] == {
        "type": "object",
        "properties": {"value": schema},
        "required": ["value"],
    }
    assert response.text == "[1,2,3]"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_prompt_mode_sends_only_messages(provider):
    with FakeServer(Script.fixed("hi")) as server:
        response = ask(backend(provider, server, mode="prompt"), user("q", tools=(ADD,), response_schema=POINT))
        sent = server.bodies[-1]
    assert response.text == "hi" and not {"tools", "response_format", "tool_choice"} & set(sent)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_malformed_tool_call_json_is_the_models_answer_not_an_error(provider):
    with FakeServer(Script.fixed(CALL), Faults(rate_malformed=1.0)) as server:
        response = ask(backend(provider, server), user("add", tools=(ADD,)))
    assert response.error is None and response.tool_calls == ()
    assert response.meta["invalid_tool_calls"][0]["name"] == "add"


def test_api_backends_advertise_native_features_and_default_concurrency():
    with FakeServer() as server:
        for provider in PROVIDERS:
            model = backend(provider, server)
            assert model.caps.native_tools and model.caps.structured_output and model.caps.chat_template
            assert wrap(model).concurrency == 16 and wrap(model, concurrency=64).concurrency == 64
            assert KEY not in json.dumps(model.fingerprint)
            assert model.fingerprint["endpoint"] == base_url(server, provider).rstrip("/")


# ---- schema_json end to end: the oracle scores 1.0 through both providers, both modes --------------


SCHEMA_DATA = [
    {"id": "p1", "schema": POINT, "text": "The point sits at x 3, y 4.", "target": {"x": 3, "y": 4}},
    {
        "id": "p2",
        "schema": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
        "text": "Her name is Ada.",
        "target": {"name": "Ada"},
    },
    {
        "id": "p3",
        "schema": {"type": "array", "items": {"type": "string"}},
        "text": "red, green",
        "target": ["red", "green"],
    },
]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("mode", ["prompt", "native"])
def test_schema_json_oracle_scores_one_through_the_api(provider, mode, tmp_path, db):
    data = tmp_path / "schemas.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in SCHEMA_DATA))
    with FakeServer(Script.oracle("schema_json", data=str(data))) as server:
        summary = run_eval(
            RunConfig(
                task="schema_json",
                data=str(data),
                db=db,
                model=f"{provider}:fake-model",
                mode=mode,
                model_args={"base_url": base_url(server, provider), **FAST},
            )
        )
        assert server.stats["requests"] == 3
        if mode == "native":
            assert ("response_format" if provider == "openai" else "tool_choice") in server.bodies[-1]
    assert summary.n_errors == 0
    assert summary.metrics["test"]["schema_valid"].value == 1.0
    assert summary.metrics["test"]["exact_match"].value == 1.0


# ---- faults, errors, resume ------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_faults_lose_and_duplicate_nothing(provider, db, monkeypatch):
    monkeypatch.setenv("ECHO_N", "150")
    faults = Faults(
        latency_ms=5, jitter_ms=3, rate_429=0.10, retry_after_s=0.01, rate_500=0.05, rate_timeout=0.02, hang_s=3, seed=1
    )
    with FakeServer(Script.oracle("echo", task_dir=str(TASK_DIR)), faults) as server:
        summary = run_eval(
            echo_config(db, provider, server, splits=("test",), concurrency=16, model_args={"max_retries": "6"})
        )
        stats = dict(server.stats)
    assert stats["429"] and stats["500"] and stats["timeout"], stats
    with duckdb.connect(db, read_only=True) as con:
        rows = con.execute(
            "SELECT example_id, error, scores FROM samples WHERE run_id = ?", [summary.run_id]
        ).fetchall()
    assert len(rows) == 150 and len({r[0] for r in rows}) == 150
    for _, error, scores in rows:
        assert error is not None or json.loads(scores) == {"exact_match": 1.0}
    assert summary.n_samples == 150 and summary.n_errors == sum(r[1] is not None for r in rows)


def test_failed_samples_exit_3_and_are_retried_on_resume(db):
    with FakeServer(Script.oracle("echo", task_dir=str(TASK_DIR)), Faults(rate_500=0.3, seed=3)) as server:
        args = [
            "run",
            "--task-dir",
            str(TASK_DIR),
            "--task",
            "echo",
            "--split",
            "test",
            "--limit",
            "20",
            "--db",
            db,
            "--model",
            "openai:fake-model",
            "--model-arg",
            f"base_url={server.openai_url}",
            "--model-arg",
            "max_retries=0",
        ]
        first = harness_cli(*args)
        assert first.returncode == 3, first.stderr
        with duckdb.connect(db, read_only=True) as con:
            errors = con.execute("SELECT error FROM samples WHERE error IS NOT NULL").fetchall()
        assert errors and all(e[0] == "openai: server error 500" for e in errors)
        server.faults = Faults()
        before = server.stats["requests"]
        second = harness_cli(*args)
        assert second.returncode == 0, second.stderr
        assert server.stats["requests"] - before == len(errors)  # only the errored samples are asked again
    runs = Store(db).list_runs()
    assert [r.status for r in runs] == ["complete", "complete"] and runs[0].n_errors == 0 and runs[0].n_samples == 20


def test_a_server_that_is_down_gives_a_run_with_no_metrics_and_its_cause_counted(db):
    with socket.socket() as probe:  # a port nothing listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = ["run", "--task-dir", str(TASK_DIR), "--task", "echo", "--split", "test", "--limit", "4", "--db", db]
    args += ["--model", "openai:fake-model", "--model-arg", f"base_url=http://127.0.0.1:{port}/v1"]
    args += ["--model-arg", "max_retries=1", "--model-arg", "backoff=0.01", "--model-arg", "timeout=2"]
    result = harness_cli(*args)
    assert result.returncode == 3, result.stderr
    cause = next(line for line in result.stdout.splitlines() if "×" in line).strip()
    assert cause.startswith("openai: connection error") and cause.endswith("(gave up after 2 attempts) × 4")
    assert "no metrics" in result.stdout and "0.0000" not in result.stdout
    (run,) = Store(db).list_runs()
    assert (run.status, run.n_samples, run.n_errors) == ("complete", 4, 4)
    with duckdb.connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM metrics").fetchone()[0] == 0


def test_an_answer_cut_at_max_tokens_is_marked_truncated():
    from anthropic.types import Message as AnthropicMessage
    from openai.types.chat import ChatCompletion

    def completion(finish: str) -> Any:
        choice = {"index": 0, "finish_reason": finish, "message": {"role": "assistant", "content": '{"a": "aaa'}}
        return ChatCompletion.model_validate(
            {"id": "c", "object": "chat.completion", "created": 0, "model": "m", "choices": [choice]}
        )

    def message(stop: str) -> Any:
        return AnthropicMessage.model_validate(
            {"id": "m", "type": "message", "role": "assistant", "model": "m", "stop_reason": stop,
             "stop_sequence": None, "content": [{"type": "text", "text": '{"a": "aaa'}],
             "usage": {"input_tokens": 1, "output_tokens": 4}}
        )  # fmt: skip

    assert parse_completion(completion("length")).meta["truncated"] is True
    assert "truncated" not in parse_completion(completion("stop")).meta
    assert parse_message(message("max_tokens"), user("q"), native=False).meta["truncated"] is True
    assert "truncated" not in parse_message(message("end_turn"), user("q"), native=False).meta


def test_auth_failure_ends_the_run_with_one_line_and_no_key(db):
    with FakeServer(Script.fixed("x"), api_key="the-right-key") as server:
        result = harness_cli(
            "run",
            "--task-dir",
            str(TASK_DIR),
            "--task",
            "echo",
            "--limit",
            "2",
            "--db",
            db,
            "--model",
            "anthropic:fake-model",
            "--model-arg",
            f"base_url={server.anthropic_url}",
            env={"ANTHROPIC_API_KEY": KEY},
        )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "refused the API key (401)" in errors[0]  # after the progress bar's line
    assert KEY not in result.stderr + result.stdout


def test_missing_key_is_one_line_before_any_request(db, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    with FakeServer() as server:
        with pytest.raises(BadInput, match="ANTHROPIC_API_KEY is not set"):
            load_anthropic("anthropic:m", "m", {"base_url": server.anthropic_url}, LoadOptions())
        env = {"ANTHROPIC_API_KEY": "", "MY_KEY": ""}
        result = harness_cli(
            "run",
            "--task-dir",
            str(TASK_DIR),
            "--task",
            "echo",
            "--db",
            db,
            "--model",
            "anthropic:m",
            "--model-arg",
            f"base_url={server.anthropic_url}",
            env=env,
        )
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
        result = harness_cli(
            "run",
            "--task-dir",
            str(TASK_DIR),
            "--task",
            "echo",
            "--db",
            db,
            "--model",
            "openai:m",
            "--model-arg",
            "api_key_env=MY_KEY",
            env=env,
        )
        assert result.returncode == 2 and "MY_KEY is not set" in result.stderr
        assert server.stats["requests"] == 0


# ---- cache, concurrency, cost ----------------------------------------------------------------------


def test_second_run_is_served_from_the_cache_and_no_cache_bypasses_it(db):
    with FakeServer(Script.oracle("echo", task_dir=str(TASK_DIR)), Faults(latency_ms=2)) as server:
        first = run_eval(echo_config(db, "openai", server, limit=5))
        sent = server.stats["requests"]
        assert sent == 10
        second = run_eval(echo_config(db, "openai", server, limit=5))
        assert server.stats["requests"] == sent  # zero requests
        assert second.run_id != first.run_id and second.metrics == first.metrics
        cached = [row["meta"]["cached"] for row in Store(db).iter_samples(second.run_id)]
        assert cached == [True] * 10
        run_eval(echo_config(db, "openai", server, limit=5, cache=False))
        assert server.stats["requests"] == sent + 10


def test_concurrency_option_caps_requests_in_flight(db):
    with FakeServer(Script.oracle("echo", task_dir=str(TASK_DIR)), Faults(latency_ms=30)) as server:
        result = harness_cli(
            "run",
            "--task-dir",
            str(TASK_DIR),
            "--task",
            "echo",
            "--db",
            db,
            "--limit",
            "12",
            "--model",
            "anthropic:fake-model",
            "--model-arg",
            f"base_url={server.anthropic_url}",
            "--concurrency",
            "3",
            "--no-cache",
            env={"ANTHROPIC_API_KEY": KEY},
        )
        assert result.returncode == 0, result.stderr
        assert server.stats["requests"] == 24 and server.stats["peak_in_flight"] == 3


def test_cost_per_sample_and_run_totals(db):
    with FakeServer(Script.oracle("echo", task_dir=str(TASK_DIR))) as server:
        summary = run_eval(echo_config(db, "openai", server, limit=4, model_args={"price_in": "2", "price_out": "10"}))
    rows = list(Store(db).iter_samples(summary.run_id))
    for row in rows:
        assert row["cost_usd"] == pytest.approx((row["tokens_in"] * 2 + row["tokens_out"] * 10) / 1e6)
    assert summary.tokens_in == sum(r["tokens_in"] for r in rows)
    assert summary.cost_usd == pytest.approx(sum(r["cost_usd"] for r in rows))
    assert Store(db).get_run(summary.run_id).cost_usd == pytest.approx(summary.cost_usd)


def test_price_table_prices_known_models(db):
    with FakeServer(Script.oracle("echo", task_dir=str(TASK_DIR))) as server:
        summary = run_eval(
            RunConfig(
                task="echo",
                task_dir=str(TASK_DIR),
                db=db,
                model="anthropic:claude-haiku-4-5-20251001",
                limit=2,
                model_args={"base_url": server.anthropic_url, **FAST},
            )
        )
    assert summary.cost_usd == pytest.approx((summary.tokens_in * 1.0 + summary.tokens_out * 5.0) / 1e6)


# ---- the key never leaks ---------------------------------------------------------------------------


def test_key_never_reaches_store_logs_cache_or_exports(tmp_path, db):
    cache_dir = tmp_path / "cache"
    env = {"OPENAI_API_KEY": KEY, "ANTHROPIC_API_KEY": KEY, "HARNESS_CACHE_DIR": str(cache_dir)}
    outputs = []
    with FakeServer(
        Script.oracle("echo", task_dir=str(TASK_DIR)), Faults(rate_500=0.2, rate_429=0.1, retry_after_s=0.01)
    ) as server:
        for provider in PROVIDERS:
            result = harness_cli(
                "run",
                "--task-dir",
                str(TASK_DIR),
                "--task",
                "echo",
                "--limit",
                "10",
                "--db",
                db,
                "--model",
                f"{provider}:fake-model",
                "--model-arg",
                f"base_url={base_url(server, provider)}",
                "--model-arg",
                "max_retries=0",
                "--label",
                provider,
                env=env,
            )
            assert result.returncode in (0, 3), result.stderr
            exported = tmp_path / f"{provider}.jsonl"
            export = harness_cli("export", "--run", provider, "--out", str(exported), "--db", db, env=env)
            outputs += [result.stdout, result.stderr, export.stdout, export.stderr, exported.read_text()]
        listing = harness_cli("list", "runs", "--db", db, env=env)
        outputs += [listing.stdout, listing.stderr]
    assert all(KEY not in text for text in outputs)
    assert KEY.encode() not in Path(db).read_bytes()
    wal = Path(db + ".wal")
    assert not wal.exists() or KEY.encode() not in wal.read_bytes()
    cached = [p for p in cache_dir.rglob("*") if p.is_file()]
    assert cached and all(KEY.encode() not in p.read_bytes() for p in cached)


# ---- rate limits at their ceiling (issue 22) -------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_rate_limit_is_met_near_its_ceiling_retried_once_per_429_and_nothing_lost(provider, db, monkeypatch):
    """Only the wrapper retries (the SDK has max_retries=0): each 429 is one more request, after retry-after-ms."""
    import time

    monkeypatch.setenv("ECHO_N", "40")
    faults = Faults(latency_ms=50, rate_limit_rps=50, rate_limit_burst=5)
    with FakeServer(Script.oracle("echo", task_dir=str(TASK_DIR)), faults) as server:
        started = time.perf_counter()
        summary = run_eval(echo_config(db, provider, server, concurrency=8, model_args={"max_retries": "20"}))
        wall = time.perf_counter() - started
        stats = dict(server.stats)
    assert summary.n_samples == 80 and summary.n_errors == 0
    assert stats["429_bucket"] > 0  # 8 in flight at 50 ms would send 160/s
    assert stats["requests"] == 80 + stats["429"]  # no retry of the SDK's on top of the wrapper's
    assert wall >= (80 - 2 * 5) / 50  # never faster than the limit allows (a burst per split)


def test_a_429_that_says_when_to_come_back_is_no_strike_against_max_retries(db):
    faults = Faults(rate_429=0.6, retry_after_s=0.01, seed=2)
    with FakeServer(Script.oracle("echo", task_dir=str(TASK_DIR)), faults) as server:
        summary = run_eval(echo_config(db, "openai", server, limit=5, model_args={"max_retries": "0"}))
        assert server.stats["429"] >= 5  # several samples were refused, some more than once
    assert summary.n_errors == 0
