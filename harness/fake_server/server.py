"""The fake API's HTTP server: routes, keys, injected faults (latency, 429, 500, timeouts, malformed calls),
a token-bucket rate limit, and the providers' batch endpoints (``batches.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from harness.fake_server.batches import BatchService
from harness.fake_server.script import Script
from harness.fake_server.wire import anthropic_error, anthropic_reply, last_user, openai_error, openai_reply

log = logging.getLogger(__name__)  # unknown prompts; without handlers, Python prints warnings to stderr
REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


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
    # A token bucket over chat/messages requests: at most rate_limit_rps per second (bursts of
    # rate_limit_burst, default one second's worth); over it, 429 with retry-after-ms / retry-after.
    rate_limit_rps: float = 0.0
    rate_limit_burst: float | None = None
    # Batch endpoints: seconds until a batch ends, share of items that error or expire, a whole-batch failure.
    batch_delay_s: float = 0.0
    # Each later batch takes this much longer than the one created before it (so batches end one by one).
    batch_delay_step_s: float = 0.0
    batch_error_rate: float = 0.0
    batch_expire_rate: float = 0.0
    batch_fail: str | None = None
    # False: no batch endpoints at all (404), like most OpenAI-compatible servers.
    batch_endpoints: bool = True


Reply = tuple[int, dict[str, str], Any]
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
        # How often each batch item body was answered (its fault draws differ per submission).
        self.seen_bodies: Counter[str] = Counter()
        self.batch = BatchService(self)
        self._bucket = TokenBucket(self.faults.rate_limit_rps, self.faults.rate_limit_burst)
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
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        extra = {"Content-Type": "application/json", **extra}
        head_out = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}"]
        head_out += [f"Content-Length: {len(data)}", *(f"{k}: {v}" for k, v in extra.items()), "", ""]
        writer.write("\r\n".join(head_out).encode("latin-1") + data)
        await writer.drain()
        return headers.get("connection", "").lower() != "close"

    async def _reply(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Reply | None:
        if method == "GET" and path in ("/health", "/v1/models"):
            return 200, {}, {"object": "list", "data": [{"id": "fake", "object": "model"}]}
        if self.faults.batch_endpoints and self.batch.handles(path):
            refuse = anthropic_error if path.startswith("/v1/messages/") else openai_error
            if not self._authorised(headers):
                return 401, {}, refuse(401, "invalid x-api-key")
            try:
                return self.batch.reply(method, path, headers, raw)
            except (ValueError, KeyError, TypeError) as exc:
                return 400, {}, openai_error(400, f"malformed batch request: {exc}")
        provider = ROUTES.get(path)
        if method != "POST" or provider is None:
            return 404, {}, openai_error(404, f"no route {method} {path}: use /v1/chat/completions or /v1/messages")
        error = openai_error if provider == "openai" else anthropic_error
        if not self._authorised(headers):
            return 401, {}, error(401, "invalid x-api-key")
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, {}, error(400, "the request body is not JSON")
        if body.get("stream"):
            return 400, {}, error(400, "the fake server does not stream")
        self.bodies.append(body)
        return await self._answer(provider, body, raw)

    def _authorised(self, headers: dict[str, str]) -> bool:
        offered = (headers.get("x-api-key"), headers.get("authorization", "").removeprefix("Bearer "))
        if self.api_key is not None and self.api_key not in offered:
            self.stats["401"] += 1
            return False
        return True

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

        wait_s = self._bucket.take()
        if wait_s > 0:
            self.stats["429"] += 1
            self.stats["429_bucket"] += 1
            wait = {"retry-after": f"{math.ceil(wait_s):d}", "retry-after-ms": f"{wait_s * 1000:.0f}"}
            return 429, wait, error(429, f"rate limited: {faults.rate_limit_rps:g} requests/s (fake)")
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
        prompt = last_user(body.get("messages", []))
        answer = self.script.answer(prompt)
        if answer is None:  # the client's sample records why; the server's log says it too
            self.stats["unmatched"] += 1
            message = self.script.miss(prompt)
            log.warning("%s", message)
            return 400, {}, error(400, message)
        malformed = draw("malformed") < faults.rate_malformed
        self.stats["malformed" if malformed else "ok"] += 1
        make = openai_reply if provider == "openai" else anthropic_reply
        return 200, {}, make(body, answer, malformed, self.stats["requests"])


class TokenBucket:
    """``rate`` tokens a second up to ``burst``; a request takes one or learns how long until one is there."""

    def __init__(self, rate: float, burst: float | None = None):
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self.tokens = self.burst
        self.updated = time.monotonic()

    def take(self) -> float:
        """0 when a token was taken, else the seconds until one will be there (nothing taken)."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


def main_loop(server: FakeServer, announce: Any) -> None:
    """Serve until Ctrl-C, announcing the URLs once bound."""
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever(ready=announce)
