"""The fake API server on its own: wire formats, scripts, faults, determinism, the CLI command."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from typing import Any

import pytest

from harness.fake_server import FakeServer, Faults, Script, answer_for
from harness.types import ToolCall
from tests.conftest import TASK_DIR

ADD_TOOL = {
    "type": "function",
    "function": {
        "name": "add",
        "description": "Add two numbers",
        "parameters": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}},
    },
}
CALL = '[{"name": "add", "arguments": {"a": 1, "b": 2}}]'


def post(url: str, body: dict[str, Any], timeout: float = 5.0) -> tuple[int, dict[str, str], dict[str, Any]]:
    data = json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", "x-api-key": "k"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


def chat(text: str, **extra: Any) -> dict[str, Any]:
    return {"model": "m", "messages": [{"role": "user", "content": text}], **extra}


def test_openai_text_and_usage():
    with FakeServer(Script.fixed("hello there")) as server:
        status, _, body = post(f"{server.openai_url}/chat/completions", chat("hi"))
    assert status == 200 and body["object"] == "chat.completion"
    choice = body["choices"][0]
    assert choice["message"] == {"role": "assistant", "content": "hello there", "refusal": None}
    assert choice["finish_reason"] == "stop"
    assert body["usage"]["completion_tokens"] == 3 and body["usage"]["total_tokens"] > 3


def test_openai_tool_calls_only_when_tools_are_offered():
    with FakeServer(Script.fixed(CALL)) as server:
        _, _, with_tools = post(f"{server.openai_url}/chat/completions", chat("hi", tools=[ADD_TOOL]))
        _, _, without = post(f"{server.openai_url}/chat/completions", chat("hi"))
    message = with_tools["choices"][0]["message"]
    assert with_tools["choices"][0]["finish_reason"] == "tool_calls" and message["content"] is None
    (call,) = message["tool_calls"]
    assert call["type"] == "function" and call["function"]["name"] == "add"
    assert json.loads(call["function"]["arguments"]) == {"a": 1, "b": 2}
    assert without["choices"][0]["message"]["content"] == CALL


def test_anthropic_text_tool_use_and_forced_tool():
    tool = {"name": "add", "description": "", "input_schema": {"type": "object"}}
    with FakeServer(Script.fixed(CALL)) as server:
        url = f"{server.anthropic_url}/v1/messages"
        _, _, text = post(url, {"model": "c", "max_tokens": 9, "messages": [{"role": "user", "content": "x"}]})
        _, _, uses = post(
            url, {"model": "c", "max_tokens": 9, "tools": [tool], "messages": [{"role": "user", "content": "x"}]}
        )
        forced = {"type": "tool", "name": "json_output"}
        out_tool = {
            "name": "json_output",
            "input_schema": {"type": "object", "properties": {"value": {}}, "required": ["value"]},
        }
        _, _, answer = post(
            url,
            {
                "model": "c",
                "max_tokens": 9,
                "tools": [out_tool],
                "tool_choice": forced,
                "messages": [{"role": "user", "content": "x"}],
            },
        )
    assert text["type"] == "message" and text["content"] == [{"type": "text", "text": CALL}]
    assert text["stop_reason"] == "end_turn" and text["usage"]["output_tokens"] >= 1
    assert uses["stop_reason"] == "tool_use"
    assert [(b["type"], b["name"], b["input"]) for b in uses["content"]] == [("tool_use", "add", {"a": 1, "b": 2})]
    # the answer is a JSON array: a forced tool's input must be an object, so it is wrapped
    assert answer["content"][0]["name"] == "json_output"
    assert answer["content"][0]["input"] == {"value": [{"name": "add", "arguments": {"a": 1, "b": 2}}]}


def test_faults_429_with_retry_after_and_500():
    with FakeServer(Script.fixed("x"), Faults(rate_429=1.0, retry_after_s=0.25)) as server:
        status, headers, body = post(f"{server.openai_url}/chat/completions", chat("a"))
        assert status == 429 and headers["retry-after"] == "0.25" and headers["retry-after-ms"] == "250"
        assert body["error"]["type"] == "rate_limit_exceeded"
        server.faults = Faults(rate_500=1.0)
        status, _, body = post(f"{server.anthropic_url}/v1/messages", chat("a", max_tokens=5))
        assert status == 500 and body == {
            "type": "error",
            "error": {"type": "api_error", "message": "internal error (fake)"},
        }
        assert server.stats["429"] == 1 and server.stats["500"] == 1 and server.stats["requests"] == 2


def test_timeout_fault_never_answers():
    with FakeServer(Script.fixed("x"), Faults(rate_timeout=1.0, hang_s=5)) as server, pytest.raises(OSError):
        post(f"{server.openai_url}/chat/completions", chat("a"), timeout=0.3)


def test_malformed_tool_call_json():
    with FakeServer(Script.fixed(CALL), Faults(rate_malformed=1.0)) as server:
        _, _, body = post(f"{server.openai_url}/chat/completions", chat("hi", tools=[ADD_TOOL]))
    arguments = body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    with pytest.raises(json.JSONDecodeError):
        json.loads(arguments)


def test_faults_are_a_function_of_the_request_and_its_attempt_not_of_arrival_order():
    def outcomes() -> list[int]:
        with FakeServer(Script.fixed("x"), Faults(rate_429=0.5, seed=7)) as server:
            first = [post(f"{server.openai_url}/chat/completions", chat(f"q{i}"))[0] for i in range(20)]
            retried = [post(f"{server.openai_url}/chat/completions", chat(f"q{i}"))[0] for i in reversed(range(20))]
        return first + retried

    runs = outcomes()
    assert runs == outcomes() and 0 < runs.count(429) < 40


def test_api_key_check_and_unknown_route():
    with FakeServer(Script.fixed("x"), api_key="right") as server:
        status, _, body = post(f"{server.openai_url}/chat/completions", chat("a"))  # sends x-api-key: k
        assert status == 401 and "right" not in json.dumps(body)
        status, _, _ = post(f"{server.url}/v2/nothing", {})
        assert status == 404


def test_oracle_script_answers_each_prompt_with_its_target():
    script = Script.oracle("echo", task_dir=str(TASK_DIR), fallback="?")
    from harness.registry import get_task
    from harness.task import RenderOptions

    task = get_task("echo", str(TASK_DIR))
    example = next(iter(task.load("test")))
    prompt = task.render(example, RenderOptions()).messages[-1].content
    assert script.answer(prompt).text == example.target
    assert script.answer("something else").text == "?"


def test_replay_script_by_prompt_or_by_id(tmp_path):
    by_prompt = tmp_path / "p.jsonl"
    by_prompt.write_text('{"prompt": "Upper-case: alpha0", "output": "ALPHA0"}\n')
    assert Script.replay(str(by_prompt)).answer("Upper-case: alpha0").text == "ALPHA0"
    by_id = tmp_path / "i.jsonl"
    by_id.write_text('{"id": "test-0001", "tool_calls": [{"name": "f", "arguments": {"x": 1}}]}\n')
    script = Script.replay(str(by_id), task="echo", task_dir=str(TASK_DIR))
    assert script.answer("Upper-case: bravo1").tool_calls == (ToolCall("f", {"x": 1}),)


def test_answer_for_recognises_calls():
    assert answer_for(CALL).tool_calls == (ToolCall("add", {"a": 1, "b": 2}),)
    assert answer_for('{"name": "f", "arguments": {}}').tool_calls == (ToolCall("f", {}),)
    assert answer_for('{"city": "Paris"}').tool_calls is None and answer_for("plain").tool_calls is None


def test_cli_fake_server_serves_until_stopped():
    proc = subprocess.Popen(
        [sys.executable, "-c", "from harness.cli import main; main()", "fake-server", "--port", "0", "--text", "pong"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "COLUMNS": "300"},
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        match = re.search(r"base_url=(http://127\.0\.0\.1:\d+/v1)", line)
        assert match, line
        _, _, body = post(f"{match.group(1)}/chat/completions", chat("ping"))
        assert body["choices"][0]["message"]["content"] == "pong"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def gis_example() -> tuple[str, str]:
    """A gis_command test prompt (as the fake server's clients render it) and its target text."""
    from harness.fake_server.script import API_CAPS
    from harness.registry import get_task
    from harness.task import RenderOptions

    task = get_task("gis_command")
    example = next(iter(task.load("test")))
    return task.render(example, RenderOptions(caps=API_CAPS)).messages[-1].content, task.target_text(example)


def test_an_oracle_of_several_tasks_answers_each_and_names_them_for_an_unknown_prompt(caplog):
    script = Script.oracle("echo,gis_command", task_dir=str(TASK_DIR))
    gis_prompt, gis_target = gis_example()
    assert script.answer("Upper-case: alpha0").text == "ALPHA0"
    assert script.answer(gis_prompt).text == gis_target
    assert script.answer("Upper-case: zulu") is None
    with FakeServer(script) as server:
        status, _, body = post(f"{server.openai_url}/chat/completions", chat("Upper-case: zulu"))
        assert status == 400 and server.stats["unmatched"] == 1
    message = body["error"]["message"]
    assert message == (
        "the fake server has no answer for 'Upper-case: zulu': it matches no example of tasks echo, gis_command: "
        "serve the --task and --data the run uses, or pass --text to answer other prompts"
    )
    assert message in caplog.text
    one = Script.oracle("echo", task_dir=str(TASK_DIR))
    assert "matches no example of task echo:" in one.miss("x")
    assert Script.oracle("echo", task_dir=str(TASK_DIR), fallback="?").answer("x").text == "?"


def test_several_tasks_map_replay_ids_and_refuse_one_data_file(tmp_path):
    from harness.errors import BadInput
    from harness.fake_server import script_from_options

    by_id = tmp_path / "i.jsonl"
    by_id.write_text('{"id": "test-0001", "output": "BRAVO1!"}\n')
    script = script_from_options(None, "gis_command, echo", str(by_id), None, str(TASK_DIR))
    assert script.answer("Upper-case: bravo1").text == "BRAVO1!" and script.answer("Upper-case: alpha0") is None
    assert "no line of replay file i.jsonl" in script.miss("Upper-case: alpha0")
    with pytest.raises(BadInput, match=r"^--data .*: goes with one --task, not 2: "):
        script_from_options(None, "echo,gis_command", None, str(by_id), str(TASK_DIR))


def test_cli_fake_server_serves_several_tasks():
    args = ["fake-server", "--port", "0", "--task-dir", str(TASK_DIR), "--task", "echo,gis_command"]
    proc = subprocess.Popen(
        [sys.executable, "-c", "from harness.cli import main; main()", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "COLUMNS": "300"},
    )
    gis_prompt, gis_target = gis_example()
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        match = re.search(r"base_url=(http://127\.0\.0\.1:\d+/v1)", line)
        assert match, line
        url = f"{match.group(1)}/chat/completions"
        assert post(url, chat("Upper-case: alpha0"))[2]["choices"][0]["message"]["content"] == "ALPHA0"
        assert post(url, chat(gis_prompt))[2]["choices"][0]["message"]["content"] == gis_target
        status, _, body = post(url, chat("hello?"))
        assert status == 400 and "tasks echo, gis_command" in body["error"]["message"]
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "the fake server has no answer for 'hello?'" in err


# ---- token-bucket rate limit and the batch endpoints (issue 22) ------------------------------------


def test_token_bucket_allows_its_rate_and_answers_429_with_retry_after_ms_over_it():
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    with FakeServer(Script.fixed("ok"), Faults(rate_limit_rps=10, rate_limit_burst=3)) as server:
        statuses = [post(f"{server.openai_url}/chat/completions", body) for _ in range(5)]
        assert [s for s, _, _ in statuses] == [200, 200, 200, 429, 429]
        headers = {k.lower(): v for k, v in statuses[3][1].items()}
        wait_ms = float(headers["retry-after-ms"])
        assert 0 < wait_ms <= 100 and headers["retry-after"] == "1"  # whole seconds, rounded up
        assert statuses[3][2]["error"]["type"] == "rate_limit_exceeded"
        import time

        time.sleep(wait_ms / 1000 + 0.01)
        assert post(f"{server.openai_url}/chat/completions", body)[0] == 200  # a token is back after the wait
        assert server.stats["429_bucket"] == 2 and server.stats["ok"] == 4


def get(url: str) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"x-api-key": "k"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_anthropic_message_batches_wire_format_counts_and_results_url():
    requests = [{"custom_id": f"r{i}", "params": {"model": "m", "max_tokens": 5,
                 "messages": [{"role": "user", "content": f"q{i}"}]}} for i in range(3)]  # fmt: skip
    with FakeServer(Script.fixed("ok"), Faults(batch_delay_s=0.2)) as server:
        status, _, batch = post(f"{server.url}/v1/messages/batches", {"requests": requests})
        assert status == 200 and batch["type"] == "message_batch" and batch["processing_status"] == "in_progress"
        assert batch["request_counts"]["processing"] == 3 and batch["results_url"] is None
        import time

        time.sleep(0.25)
        status, raw = get(f"{server.url}/v1/messages/batches/{batch['id']}")
        ended = json.loads(raw)
        assert ended["processing_status"] == "ended" and ended["request_counts"]["succeeded"] == 3
        status, raw = get(ended["results_url"])
        lines = [json.loads(line) for line in raw.decode().splitlines()]
        assert [x["custom_id"] for x in lines] == ["r0", "r1", "r2"]
        assert lines[0]["result"]["type"] == "succeeded"
        assert lines[0]["result"]["message"]["content"] == [{"type": "text", "text": "ok"}]
        assert dict(server.batch.submitted) == {"r0": 1, "r1": 1, "r2": 1}
        assert post(f"{server.url}/v1/messages/batches", {"requests": requests[:1] * 2})[0] == 400  # ids repeat


def test_batch_endpoints_can_be_switched_off_like_a_server_without_them():
    with FakeServer(Script.fixed("ok"), Faults(batch_endpoints=False)) as server:
        assert get(f"{server.openai_url}/batches")[0] == 404
        assert get(f"{server.url}/v1/messages/batches")[0] == 404
