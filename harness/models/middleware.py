"""The one wrapper around every backend: cache, retries, rate limits, adaptive concurrency, timing, cost.

A backend only turns Requests into Responses. It signals a failure worth retrying (HTTP 429, 5xx,
a dropped connection) by raising ``TransientError``; everything else about talking to a service
lives here, once:

- an on-disk response cache keyed on (model fingerprint, request hash), successes only;
- retries with exponential backoff and jitter, honouring ``Retry-After``; a sample that still
  fails becomes a Response with ``error`` set (stored, counted, retried on resume);
- ``rpm`` / ``tpm`` limits and AIMD concurrency: a 429 cuts the in-flight limit, successes grow it back;
- latency of the successful attempt, and cost from the shipped price table (``prices.json``).
"""

from __future__ import annotations

import asyncio
import collections
import json
import math
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field

from harness.models.base import BackendArgs, ModelBackend
from harness.types import ModelCaps, Request, Response, ToolCall, content_hash

PRICES_FILE = Path(__file__).with_name("prices.json")
DEFAULT_API_CONCURRENCY = 16
# AIMD: a 429 multiplies the in-flight limit by CUT, at most once per COOLDOWN_S; each success adds
# 1/limit (one slot per window of successes). Gentler than TCP's halving, so a stray 429 costs little.
AIMD_CUT = 0.75
AIMD_COOLDOWN_S = 1.0
MAX_BACKOFF_S = 60.0
CHARS_PER_TOKEN = 4


class TransientError(Exception):
    """A failure worth retrying: rate limited, server error, timeout or lost connection."""

    def __init__(self, message: str, retry_after: float | None = None, rate_limited: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.rate_limited = rate_limited


@dataclass(frozen=True)
class Policy:
    """How the wrapper treats a backend's calls."""

    max_retries: int = 0
    timeout_s: float | None = None
    backoff_s: float = 0.5
    rpm: float | None = None
    tpm: float | None = None
    price_in: float | None = None
    price_out: float | None = None


class ServiceArgs(BackendArgs):
    """``--model-arg`` options every API backend takes (read by the wrapper, not the backend)."""

    max_retries: int = Field(default=5, ge=0)
    timeout: float = Field(default=60.0, gt=0)
    backoff: float = Field(default=0.5, ge=0)
    rpm: float | None = Field(default=None, gt=0)
    tpm: float | None = Field(default=None, gt=0)
    price_in: float | None = Field(default=None, ge=0)
    price_out: float | None = Field(default=None, ge=0)

    def policy(self) -> Policy:
        """The wrapper's policy from these options (the SDK client enforces ``timeout`` itself)."""
        return Policy(
            max_retries=self.max_retries,
            timeout_s=None,
            backoff_s=self.backoff,
            rpm=self.rpm,
            tpm=self.tpm,
            price_in=self.price_in,
            price_out=self.price_out,
        )


def read_api_key(env: str, spec: str, required: bool = True) -> str | None:
    """The key from environment variable ``env``; a missing one is a one-line error before any request."""
    from harness.errors import BadInput

    key = os.environ.get(env, "").strip()
    if not key and required:
        raise BadInput(
            f"{spec}: environment variable {env} is not set: export {env}=... (or --model-arg api_key_env=NAME)"
        )
    return key or None


def retry_after_s(headers: Any) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    if headers is None:
        return None
    value = headers.get("retry-after-ms")
    if value:
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def redact(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` masked."""
    return text.replace(secret, "***") if secret else text


# ---- prices ------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def price_table() -> dict[str, dict[str, Any]]:
    """The shipped price table: ``{model: {input, output, date, source}}`` in USD per million tokens."""
    return dict(json.loads(PRICES_FILE.read_text(encoding="utf-8"))["models"])


def price_for(model: str, price_in: float | None = None, price_out: float | None = None) -> tuple[float, float] | None:
    """(input, output) USD per million tokens: overrides first, then the longest table key the name starts with."""
    table = price_table()
    matches = [key for key in table if model == key or model.startswith(key + "-") or model.startswith(key + "@")]
    entry = table[max(matches, key=len)] if matches else None
    base_in = entry["input"] if entry else None
    base_out = entry["output"] if entry else None
    final_in = price_in if price_in is not None else base_in
    final_out = price_out if price_out is not None else base_out
    if final_in is None or final_out is None:
        return None
    return float(final_in), float(final_out)


def cost_usd(price: tuple[float, float] | None, tokens_in: int | None, tokens_out: int | None) -> float | None:
    """Cost of one call; None when the price or the token counts are unknown."""
    if price is None or tokens_in is None or tokens_out is None:
        return None
    return (tokens_in * price[0] + tokens_out * price[1]) / 1_000_000


# ---- limits ------------------------------------------------------------------------------------


class AdaptiveLimit:
    """At most ``limit`` calls in flight; AIMD on rate limiting. Loop-agnostic (the runner runs one loop per split)."""

    def __init__(self, maximum: int):
        self.maximum = max(1, maximum)
        self.limit = float(self.maximum)
        self.in_flight = 0
        self.cuts = 0
        self._last_cut = -math.inf
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def allowed(self) -> int:
        """Whole slots currently allowed."""
        return max(1, int(self.limit))

    async def acquire(self) -> None:
        """Wait for a slot."""
        if self.in_flight < self.allowed and not self._waiters:
            self.in_flight += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter  # the waker counted our slot before resolving
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        """Give a slot back."""
        self.in_flight -= 1
        self._wake()

    def grow(self) -> None:
        """Additive increase: one slot per window of successes."""
        if self.limit < self.maximum:
            self.limit = min(float(self.maximum), self.limit + 1.0 / self.limit)
            self._wake()

    def cut(self) -> None:
        """Multiplicative decrease on a 429, at most once per cooldown."""
        now = time.monotonic()
        if now - self._last_cut >= AIMD_COOLDOWN_S:
            self.limit = max(1.0, self.limit * AIMD_CUT)
            self._last_cut = now
            self.cuts += 1

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.allowed:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)


class Throttle:
    """``rpm``: request starts spaced 60/rpm apart; ``tpm``: a token bucket charged an estimate, settled later."""

    def __init__(self, rpm: float | None, tpm: float | None):
        self.rpm = rpm
        self.tpm = tpm
        self._next_start = 0.0
        self._tokens = float(tpm or 0)
        self._updated = time.monotonic()

    async def acquire(self, requests: Sequence[Request]) -> int:
        """Wait until the limits allow these requests; returns the tokens charged."""
        if self.rpm:
            now = time.monotonic()
            start = max(now, self._next_start)
            self._next_start = start + 60.0 / self.rpm * len(requests)
            if start > now:
                await asyncio.sleep(start - now)
        if not self.tpm:
            return 0
        estimate = sum(estimate_tokens(r) for r in requests)
        need = min(float(estimate), self.tpm)
        while True:
            self._refill()
            if self._tokens >= need:
                self._tokens -= estimate
                return estimate
            await asyncio.sleep((need - self._tokens) / (self.tpm / 60.0))

    def settle(self, charged: int, responses: Sequence[Response]) -> None:
        """Refund (or charge) the difference between the estimate and the reported usage."""
        if not self.tpm or not charged:
            return
        used = sum((r.tokens_in or 0) + (r.tokens_out or 0) for r in responses if r.error is None)
        self._tokens = min(float(self.tpm), self._tokens + charged - used)

    def _refill(self) -> None:
        now = time.monotonic()
        assert self.tpm is not None
        self._tokens = min(float(self.tpm), self._tokens + (now - self._updated) * self.tpm / 60.0)
        self._updated = now


def estimate_tokens(request: Request) -> int:
    """A pessimistic token count before the call: prompt characters / 4 plus the whole output budget."""
    extra = json.dumps(request.tools or request.response_schema or "")
    chars = sum(len(m.content) for m in request.messages) + len(extra)
    return chars // CHARS_PER_TOKEN + request.max_tokens


# ---- cache -------------------------------------------------------------------------------------


class ResponseCache:
    """Successful responses on disk, one JSON file per (fingerprint, request hash); safe across processes.

    A file being written by another process reads as a miss (it does not parse), so writes need no lock.
    """

    def __init__(self, root: str | Path, fingerprint: dict[str, Any]):
        self.dir = Path(root) / content_hash(fingerprint, 24)
        self.dir.mkdir(parents=True, exist_ok=True)
        about = self.dir / "fingerprint.json"
        if not about.exists():
            _atomic_write(about, json.dumps(fingerprint, indent=1, sort_keys=True, default=str))
        # One listing up front spares a failed open per miss; what other processes add later is seen by the next run.
        self._subdirs = {sub.name for sub in os.scandir(self.dir) if sub.is_dir()}
        self._known = {p.stem for sub in self._subdirs for p in (self.dir / sub).glob("*.json")}

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.json"

    def get(self, request: Request, key: str | None = None) -> Response | None:
        """The cached response, marked ``meta.cached``, or None."""
        key = key or request.hash
        if key not in self._known:
            return None
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        calls = data.get("tool_calls")
        return Response(
            text=data.get("text", ""),
            tool_calls=None if calls is None else tuple(ToolCall(c["name"], c["arguments"]) for c in calls),
            tokens_in=data.get("tokens_in"),
            tokens_out=data.get("tokens_out"),
            latency_ms=data.get("latency_ms"),
            cost_usd=data.get("cost_usd"),
            meta={**data.get("meta", {}), "cached": True},
        )

    def put(self, request: Request, response: Response, key: str | None = None) -> None:
        """Store a successful response (errors are never cached)."""
        if response.error is not None:
            return
        key = key or request.hash
        data = {
            "text": response.text,
            "tool_calls": None
            if response.tool_calls is None
            else [{"name": c.name, "arguments": c.arguments} for c in response.tool_calls],
            "tokens_in": response.tokens_in,
            "tokens_out": response.tokens_out,
            "latency_ms": response.latency_ms,
            "cost_usd": response.cost_usd,
            "meta": {k: v for k, v in response.meta.items() if k not in ("cached", "attempts")},
        }
        if key[:2] not in self._subdirs:
            (self.dir / key[:2]).mkdir(exist_ok=True)
            self._subdirs.add(key[:2])
        _write_new(self._path(key), json.dumps(data, ensure_ascii=False, default=str).encode())
        self._known.add(key)


def _write_new(path: Path, data: bytes) -> None:
    """Path.write_bytes without the buffered file object: this runs once per response, on the loop."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{random.getrandbits(32):08x}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def default_cache_dir(db: str | Path) -> Path:
    """``$HARNESS_CACHE_DIR/responses`` if set, else ``response-cache/`` next to the results DB."""
    env = os.environ.get("HARNESS_CACHE_DIR")
    return Path(env) / "responses" if env else Path(db).resolve().parent / "response-cache"


# ---- the wrapper -------------------------------------------------------------------------------


@dataclass
class CallStats:
    """What the wrapper did, for tests, benchmarks and progress."""

    calls: int = 0
    cache_hits: int = 0
    retries: int = 0
    rate_limited: int = 0
    failed: int = 0


class Middleware(ModelBackend):
    """Wraps a backend; the runner only ever talks to this."""

    def __init__(
        self,
        inner: ModelBackend,
        policy: Policy | None = None,
        concurrency: int | None = None,
        cache: ResponseCache | None = None,
    ):
        self.inner = inner
        self.policy = policy or Policy()
        self.batch_size = inner.batch_size
        self.concurrency = max(1, concurrency or inner.concurrency)
        self.cache = cache
        self.limit = AdaptiveLimit(self.concurrency)
        self.throttle = Throttle(self.policy.rpm, self.policy.tpm)
        self.stats = CallStats()
        self._price = price_for(str(inner.fingerprint.get("model", "")), self.policy.price_in, self.policy.price_out)
        if inner.kind != "api" and self.policy.price_in is None:
            self._price = None

    kind = "wrapped"

    @property
    def caps(self) -> ModelCaps:  # type: ignore[override]
        """The wrapped backend's capabilities."""
        return self.inner.caps

    @property
    def fingerprint(self) -> dict[str, Any]:
        """The wrapped backend's fingerprint."""
        return self.inner.fingerprint

    @property
    def params(self) -> int | None:
        """The wrapped backend's parameter count."""
        return self.inner.params

    @property
    def model_kind(self) -> str:
        """The wrapped backend's kind for the leaderboard."""
        return self.inner.model_kind

    @property
    def training_card(self) -> dict[str, Any] | None:
        """The wrapped backend's training card."""
        return self.inner.training_card

    def close(self) -> None:
        """Close the wrapped backend."""
        self.inner.close()

    async def aclose(self) -> None:
        """Close the wrapped backend's connections of the running event loop."""
        aclose = getattr(self.inner, "aclose", None)
        if aclose is not None:
            await aclose()

    async def generate(self, requests: Sequence[Request], keys: Sequence[str] | None = None) -> list[Response]:
        """Cached responses where there are any; one (retried) backend call for the rest.

        Args:
            keys: the requests' hashes when the caller has them already (each costs a serialisation).
        """
        if self.cache is None:
            keys = ()
        elif keys is None:
            keys = [r.hash for r in requests]
        found: list[Response | None] = [None] * len(requests)
        if self.cache is not None:
            found = [self.cache.get(r, k) for r, k in zip(requests, keys, strict=True)]
        self.stats.cache_hits += sum(r is not None for r in found)
        missing = [i for i, r in enumerate(found) if r is None]
        if missing:
            fresh = await self._call([requests[i] for i in missing])
            for i, response in zip(missing, fresh, strict=True):
                response = self._priced(response)
                if self.cache is not None:
                    self.cache.put(requests[i], response, keys[i])
                found[i] = response
        return [r for r in found if r is not None]

    def _priced(self, response: Response) -> Response:
        if response.cost_usd is not None or response.error is not None:
            return response
        cost = cost_usd(self._price, response.tokens_in, response.tokens_out)
        return response if cost is None else replace(response, cost_usd=cost)

    async def _call(self, requests: list[Request]) -> list[Response]:
        """One backend call, retried on TransientError; a call that keeps failing becomes per-sample errors."""
        attempt = 0
        while True:
            charged = await self.throttle.acquire(requests)
            try:
                responses = await self._attempt(requests)
            except TransientError as exc:
                failure = exc
            else:
                self.throttle.settle(charged, responses)
                if attempt:
                    responses = [replace(r, meta={**r.meta, "attempts": attempt + 1}) for r in responses]
                return responses
            self.throttle.settle(charged, ())
            if failure.rate_limited:
                self.stats.rate_limited += 1
                self.limit.cut()
            if attempt >= self.policy.max_retries:
                self.stats.failed += len(requests)
                tries = f" (gave up after {attempt + 1} attempts)" if attempt else ""
                return [Response(error=f"{failure}{tries}", meta={"attempts": attempt + 1}) for _ in requests]
            await asyncio.sleep(self._delay(failure, attempt))
            attempt += 1
            self.stats.retries += 1

    async def _attempt(self, requests: list[Request]) -> list[Response]:
        await self.limit.acquire()
        try:
            self.stats.calls += 1
            started = time.perf_counter()
            call = self.inner.generate(requests)
            timeout = self.policy.timeout_s
            try:
                responses = await (asyncio.wait_for(call, timeout) if timeout else call)
            except asyncio.TimeoutError:
                raise TransientError(f"timed out after {timeout:g}s") from None
            elapsed_ms = (time.perf_counter() - started) * 1000
        finally:
            self.limit.release()
        self.limit.grow()
        return [r if r.latency_ms is not None else replace(r, latency_ms=elapsed_ms) for r in responses]

    def _delay(self, failure: TransientError, attempt: int) -> float:
        """Retry-After when the service sent one (plus up to 10% jitter), else exponential backoff with jitter."""
        if failure.retry_after is not None:
            return min(MAX_BACKOFF_S, failure.retry_after * (1 + 0.1 * random.random()))
        ceiling = min(MAX_BACKOFF_S, self.policy.backoff_s * 2**attempt)
        return ceiling * (0.5 + 0.5 * random.random())


def wrap(
    model: ModelBackend,
    concurrency: int | None = None,
    cache_dir: str | Path | None = None,
    policy: Policy | None = None,
) -> Middleware:
    """The wrapper for any backend: API backends bring their policy; replay never caches.

    Args:
        concurrency: max calls in flight (API backends only; local ones keep their own).
        cache_dir: response cache root, or None to bypass the cache.
    """
    if isinstance(model, Middleware):
        return model
    policy = policy or getattr(model, "policy", None) or Policy()
    concurrency = (concurrency or model.concurrency) if model.kind == "api" else model.concurrency
    cache = ResponseCache(cache_dir, model.fingerprint) if cache_dir and model.kind != "replay" else None
    return Middleware(model, policy, concurrency, cache)
