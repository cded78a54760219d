"""A fake OpenAI / Anthropic API on loopback: real wire formats, scripted answers, injected faults.

Serves ``POST /v1/chat/completions`` (OpenAI) and ``POST /v1/messages`` (Anthropic), with tool
calls, structured output and usage, so the real SDKs can talk to it. Answers come from a
``Script`` keyed on the last user message: a task's targets (an oracle that scores 1.0), a replay
file, or fixed text. Faults: latency with jitter, 429 with Retry-After, 500, timeouts (the
response never comes) and malformed tool-call JSON. Faults are drawn from a hash of the request
body and how many times that body was seen, so a run is reproducible whatever the arrival order.

    with FakeServer(Script.fixed("hi"), Faults(latency_ms=50, rate_429=0.1)) as server:
        ...  # openai:any --model-arg base_url={server.openai_url}
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from harness.errors import BadInput
from harness.types import ModelCaps, ToolCall

REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
}
API_CAPS = ModelCaps(chat_template=True, native_tools=True, structured_output=True)


@dataclass
class Faults:
    """What goes wrong, and how often (rates are per request attempt, 0..1)."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    rate_429: float = 0.0
    retry_after_s: float = 1.0
    rate_500: float = 0.0
    rate_timeout: float = 0.0
    hang_s: float = 30.0
    rate_malformed: float = 0.0
    seed: int = 0


@dataclass(frozen=True)
class Answer:
    """What the fake model says: text, or tool calls when the request offers tools."""

    text: str = ""
    tool_calls: tuple[ToolCall, ...] | None = None


def calls_in(target: Any) -> tuple[ToolCall, ...] | None:
    """A target that looks like function calls (``[{name, arguments}]`` or one such object), else None."""
    items = target if isinstance(target, list) else [target]
    if not items or not all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items):
        return None
    calls = []
    for item in items:
        arguments = item.get("arguments", item.get("args", {}))
        if not isinstance(arguments, dict):
            return None
        calls.append(ToolCall(item["name"], arguments))
    return tuple(calls)


def answer_for(text: str, target: Any = None) -> Answer:
    """An Answer from a text (and a structured target, if any): calls when either looks like calls."""
    calls = calls_in(target)
    if calls is None:
        try:
            calls = calls_in(json.loads(text))
        except ValueError:
            calls = None
    return Answer(text=text, tool_calls=calls)


@dataclass
class Script:
    """Answers keyed on the last user message, and a fallback for any other prompt."""

    answers: dict[str, Answer] = field(default_factory=dict)
    fallback: Answer = Answer()

    def answer(self, prompt: str) -> Answer:
        """The scripted answer to a prompt."""
        return self.answers.get(prompt, self.fallback)

    @classmethod
    def fixed(cls, text: str) -> Script:
        """The same text for every prompt."""
        return cls({}, answer_for(text))

    @classmethod
    def oracle(cls, task: str, data: str | None = None, task_dir: str | None = None, fallback: str = "") -> Script:
        """Each example's target, under every prompt the task renders for it (prompt and native mode)."""
        from harness.registry import get_task

        loaded = get_task(task, task_dir)
        answers: dict[str, Answer] = {}
        for example in _examples(loaded, data):
            answer = answer_for(loaded.target_text(example), example.target)
            for prompt in _prompts(loaded, example):
                answers[prompt] = answer
        return cls(answers, answer_for(fallback))

    @classmethod
    def replay(cls, path: str, task: str | None = None, data: str | None = None, task_dir: str | None = None) -> Script:
        """A replay file: lines ``{prompt, output}``, or ``{id, output|tool_calls}`` mapped through ``task``."""
        from harness.data import read_records
        from harness.models.replay import parse_replay_record

        by_id: dict[str, Answer] = {}
        answers: dict[str, Answer] = {}
        for where, record in read_records(path):
            if isinstance(record.get("prompt"), str):
                answers[record["prompt"]] = answer_for(str(record.get("output", "")), record.get("tool_calls"))
                continue
            if task is None:
                raise BadInput(f"{where}: a replay line without 'prompt' needs --task to map its id to a prompt")
            example_id, response = parse_replay_record(record, where)
            by_id[example_id] = Answer(response.text, response.tool_calls)
        if by_id and task is not None:
            from harness.registry import get_task

            loaded = get_task(task, task_dir)
            for example in _examples(loaded, data):
                if example.id in by_id:
                    for prompt in _prompts(loaded, example):
                        answers[prompt] = by_id[example.id]
        return cls(answers)


def _examples(task: Any, data: str | None) -> Iterable[Any]:
    if data:
        yield from task.load_data(data)
        return
    for split in task.splits:
        try:
            yield from task.load(split)
        except BadInput:
            continue  # a split whose data is not shipped


def _prompts(task: Any, example: Any) -> set[str]:
    from harness.tasks.base import RenderOptions

    variants = [RenderOptions(caps=c, mode=m) for c in (API_CAPS, ModelCaps()) for m in ("prompt", "native")]
    return {task.render(example, opts).messages[-1].content for opts in variants}


# ---- the wire formats --------------------------------------------------------------------------


def _text_of(content: Any) -> str:
    """Message content as text: a string, or a list of parts/blocks with text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _last_user(messages: list[Any]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return _text_of(message.get("content"))
    return ""


def _tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


def _broken(arguments: dict[str, Any]) -> str:
    """Tool-call arguments as JSON that does not parse."""
    return json.dumps(arguments)[:-1]


def openai_reply(body: dict[str, Any], answer: Answer, malformed: bool, serial: int) -> dict[str, Any]:
    """A chat.completion object for a request."""
    message: dict[str, Any] = {"role": "assistant", "content": answer.text, "refusal": None}
    finish = "stop"
    if body.get("tools") and answer.tool_calls is not None:
        message["content"] = None
        message["tool_calls"] = [
            {
                "id": f"call_{serial}_{i}",
                "type": "function",
                "function": {
                    "name": c.name,
                    "arguments": _broken(c.arguments) if malformed else json.dumps(c.arguments),
                },
            }
            for i, c in enumerate(answer.tool_calls)
        ]
        finish = "tool_calls"
    prompt_tokens = _tokens(json.dumps(body.get("messages", [])))
    completion_tokens = _tokens(json.dumps(message.get("tool_calls")) if finish == "tool_calls" else answer.text)
    return {
        "id": f"chatcmpl-fake{serial}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def anthropic_reply(body: dict[str, Any], answer: Answer, malformed: bool, serial: int) -> dict[str, Any]:
    """A Message object for a request; a forced tool gets the answer's JSON as its input."""
    forced = body.get("tool_choice") or {}
    blocks: list[dict[str, Any]]
    if forced.get("type") == "tool":
        tool: dict[str, Any] = next((t for t in body.get("tools", []) if t.get("name") == forced.get("name")), {})
        inputs = _forced_input(answer.text, tool.get("input_schema") or {})
        blocks = [_tool_use(f"toolu_fake{serial}_0", forced["name"], inputs, malformed)]
    elif body.get("tools") and answer.tool_calls is not None:
        calls = enumerate(answer.tool_calls)
        blocks = [_tool_use(f"toolu_fake{serial}_{i}", c.name, c.arguments, malformed) for i, c in calls]
    else:
        blocks = [{"type": "text", "text": answer.text}]
    stop = "tool_use" if blocks[0]["type"] == "tool_use" else "end_turn"
    prompt = json.dumps([body.get("system", ""), body.get("messages", [])])
    return {
        "id": f"msg_fake{serial}",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "fake"),
        "content": blocks,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": _tokens(prompt), "output_tokens": _tokens(json.dumps(blocks))},
    }


def _forced_input(text: str, schema: dict[str, Any]) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        return {"value": text}
    wrapper = set(schema.get("properties", {})) == {"value"} and schema.get("required") == ["value"]
    if not isinstance(value, dict) or (wrapper and "value" not in value):
        return {"value": value}
    return value


def _tool_use(block_id: str, name: str, inputs: Any, malformed: bool) -> dict[str, Any]:
    # The wire format carries tool input as a JSON object; a malformed call sends a broken JSON string.
    return {"type": "tool_use", "id": block_id, "name": name, "input": _broken(inputs) if malformed else inputs}


def openai_error(status: int, message: str) -> dict[str, Any]:
    kinds = {429: "rate_limit_exceeded", 500: "server_error", 401: "invalid_api_key", 404: "not_found"}
    kind = kinds.get(status, "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": kind}}


def anthropic_error(status: int, message: str) -> dict[str, Any]:
    kinds = {429: "rate_limit_error", 500: "api_error", 401: "authentication_error", 404: "not_found_error"}
    kind = kinds.get(status, "invalid_request_error")
    return {"type": "error", "error": {"type": kind, "message": message}}


# ---- the server --------------------------------------------------------------------------------

Reply = tuple[int, dict[str, str], dict[str, Any]]
ROUTES = {"/v1/chat/completions": "openai", "/chat/completions": "openai", "/v1/messages": "anthropic"}


class FakeServer:
    """The fake API on ``host:port`` (port 0: an ephemeral one). A context manager runs it in a thread."""

    def __init__(
        self,
        script: Script | None = None,
        faults: Faults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
    ):
        self.script = script or Script()
        self.faults = faults or Faults()
        self.host, self.port = host, port
        self.api_key = api_key
        self.stats: Counter[str] = Counter()
        # Every request body as received, for tests that check what a client sent.
        self.bodies: list[dict[str, Any]] = []
        self._seen: Counter[str] = Counter()
        self._in_flight = 0
        self._handlers: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None

    @property
    def url(self) -> str:
        """The root URL (Anthropic's base_url)."""
        return f"http://{self.host}:{self.port}"

    @property
    def openai_url(self) -> str:
        """OpenAI's base_url."""
        return f"{self.url}/v1"

    anthropic_url = url

    # ---- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Bind and listen."""
        self._server = await asyncio.start_server(self._connection, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and drop every open connection."""
        if self._server is not None:
            self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)

    def serve_forever(self, ready: Any = None) -> None:
        """Run in this thread until interrupted (the CLI)."""

        async def main() -> None:
            await self.start()
            if ready:
                ready(self)
            try:
                await asyncio.Event().wait()
            finally:
                await self.stop()

        asyncio.run(main())

    def __enter__(self) -> FakeServer:
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            try:
                self._loop.run_until_complete(self.start())
            except BaseException as exc:
                failure.append(exc)
                started.set()
                return
            started.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self.stop())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="fake-api-server", daemon=True)
        self._thread.start()
        started.wait()
        if failure:
            raise failure[0]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    # ---- HTTP ------------------------------------------------------------------------------
    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            while await self._exchange(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass  # shutting down: end quietly (asyncio logs a cancelled connection task as an error)
        finally:
            self._handlers.discard(task)
            writer.close()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """One request and its reply; False when the connection is done."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False
        request_line, *lines = head.decode("latin-1").split("\r\n")
        method, path, _ = [*request_line.split(" ", 2), "", ""][:3]
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines if line)}
        length = int(headers.get("content-length") or 0)
        body = await reader.readexactly(length) if length else b""
        reply = await self._reply(method, path.split("?", 1)[0], headers, body)
        if reply is None:  # an injected timeout: hold the connection, then drop it without answering
            await asyncio.sleep(self.faults.hang_s)
            return False
        status, extra, payload = reply
        data = json.dumps(payload).encode()
        head_out = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}", "Content-Type: application/json"]
        head_out += [f"Content-Length: {len(data)}", *(f"{k}: {v}" for k, v in extra.items()), "", ""]
        writer.write("\r\n".join(head_out).encode("latin-1") + data)
        await writer.drain()
        return headers.get("connection", "").lower() != "close"

    async def _reply(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Reply | None:
        if method == "GET" and path in ("/health", "/v1/models"):
            return 200, {}, {"object": "list", "data": [{"id": "fake", "object": "model"}]}
        provider = ROUTES.get(path)
        if method != "POST" or provider is None:
            return 404, {}, openai_error(404, f"no route {method} {path}: use /v1/chat/completions or /v1/messages")
        error = openai_error if provider == "openai" else anthropic_error
        offered = (headers.get("x-api-key"), headers.get("authorization", "").removeprefix("Bearer "))
        if self.api_key is not None and self.api_key not in offered:
            self.stats["401"] += 1
            return 401, {}, error(401, "invalid x-api-key")
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, {}, error(400, "the request body is not JSON")
        if body.get("stream"):
            return 400, {}, error(400, "the fake server does not stream")
        self.bodies.append(body)
        return await self._answer(provider, body, raw)

    async def _answer(self, provider: str, body: dict[str, Any], raw: bytes) -> Reply | None:
        faults = self.faults
        digest = hashlib.sha256(raw).hexdigest()
        self._seen[digest] += 1
        attempt = self._seen[digest]
        self.stats["requests"] += 1
        self.stats[provider] += 1
        error = openai_error if provider == "openai" else anthropic_error

        def draw(kind: str) -> float:
            seed = f"{faults.seed}:{digest}:{attempt}:{kind}".encode()
            return int.from_bytes(hashlib.sha256(seed).digest()[:8], "big") / 2**64

        if draw("429") < faults.rate_429:
            self.stats["429"] += 1
            wait = {"retry-after": f"{faults.retry_after_s:g}", "retry-after-ms": f"{faults.retry_after_s * 1000:g}"}
            return 429, wait, error(429, "rate limited (fake)")
        if draw("timeout") < faults.rate_timeout:
            self.stats["timeout"] += 1
            return None
        latency = faults.latency_ms + faults.jitter_ms * (2 * draw("jitter") - 1)
        self._in_flight += 1
        self.stats["peak_in_flight"] = max(self.stats["peak_in_flight"], self._in_flight)
        try:
            if latency > 0:
                await asyncio.sleep(latency / 1000)
        finally:
            self._in_flight -= 1
        if draw("500") < faults.rate_500:
            self.stats["500"] += 1
            return 500, {}, error(500, "internal error (fake)")
        malformed = draw("malformed") < faults.rate_malformed
        self.stats["malformed" if malformed else "ok"] += 1
        answer = self.script.answer(_last_user(body.get("messages", [])))
        make = openai_reply if provider == "openai" else anthropic_reply
        return 200, {}, make(body, answer, malformed, self.stats["requests"])


def script_from_options(
    text: str | None, task: str | None, replay: str | None, data: str | None, task_dir: str | None
) -> Script:
    """The Script the CLI names: ``--replay FILE`` (ids mapped via ``--task``), ``--task`` (oracle), or ``--text``."""
    if replay:
        return Script.replay(replay, task=task, data=data, task_dir=task_dir)
    if task:
        return Script.oracle(task, data=data, task_dir=task_dir, fallback=text or "")
    return Script.fixed(text or "")


def main_loop(server: FakeServer, announce: Any) -> None:
    """Serve until Ctrl-C, announcing the URLs once bound."""
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever(ready=announce)
