"""The one wrapper around every backend: cache, retries, rate limits, adaptive concurrency, timing, cost.

A backend only turns Requests into Responses. It signals a failure worth retrying (HTTP 429, 5xx,
a dropped connection) by raising ``TransientError``; everything else about talking to a service
lives here, once:

- an on-disk response cache keyed on (model fingerprint, request hash), successes only (``cache.py``);
- retries with exponential backoff and jitter, honouring ``Retry-After``; a sample that still
  fails becomes a Response with ``error`` set (stored, counted, retried on resume);
- ``rpm`` / ``tpm`` limits and AIMD concurrency: a 429 without retry-after cuts the in-flight limit,
  successes grow it back (``limits.py``); a 429 with retry-after waits that long and is not a strike;
- latency of the successful attempt, and cost from the shipped price table (``prices.py``), at the batch
  price for a backend that answers through a provider batch API (``--batch``, ``batch_api.py``).

Rate limits: the SDK clients are built with ``max_retries=0``, so a 429 is retried here only, once, after the
service's ``retry-after-ms`` / ``retry-after`` (never the SDK's backoff on top of ours).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.models.base import ModelBackend
from harness.models.cache import ResponseCache, default_cache_dir
from harness.models.limits import AdaptiveLimit, Policy, Throttle, TransientError
from harness.models.prices import cost_usd, price_for
from harness.types import ModelCaps, Request, Response

if TYPE_CHECKING:
    from harness.models.batch_api import BatchOptions

__all__ = ["CallStats", "Middleware", "default_cache_dir", "wrap"]  # default_cache_dir: where wrap's cache goes

MAX_BACKOFF_S = 60.0
# Retries of 429s that came with retry-after (not counted against max_retries), per call.
MAX_PACED_RETRIES = 100


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

    kind = "wrapped"

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
        model = str(inner.fingerprint.get("model", ""))
        self._price = price_for(model, self.policy.price_in, self.policy.price_out, batch=inner.batched)
        if inner.kind != "api" and self.policy.price_in is None:
            self._price = None

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
    def max_attempts(self) -> int | None:
        """The wrapped backend's limit on attempts per example."""
        return self.inner.max_attempts

    @property
    def training_card(self) -> dict[str, Any] | None:
        """The wrapped backend's training card."""
        return self.inner.training_card

    def close(self) -> None:
        """Close the wrapped backend."""
        self.inner.close()

    async def aclose(self) -> None:
        """Close the wrapped backend's connections of the running event loop."""
        await self.inner.aclose()

    async def generate(self, requests: Sequence[Request], keys: Sequence[str] | None = None) -> list[Response]:
        """Cached responses where there are any; one (retried) backend call for the rest.

        Args:
            keys: the requests' hashes when the caller has them already (each costs a serialisation).
        """
        cache = self.cache
        if cache is not None and keys is None:
            keys = [r.hash for r in requests]
        found: list[Response | None] = [None] * len(requests)
        if cache is not None and keys is not None:
            found = [cache.get(r, k) for r, k in zip(requests, keys, strict=True)]
        self.stats.cache_hits += sum(r is not None for r in found)
        missing = [i for i, r in enumerate(found) if r is None]
        if missing:
            fresh = await self._call(
                [requests[i] for i in missing], None if keys is None else [keys[i] for i in missing]
            )
            for i, response in zip(missing, fresh, strict=True):
                response = self._priced(response)
                if cache is not None and keys is not None:
                    cache.put(requests[i], response, keys[i])
                found[i] = response
        return [r for r in found if r is not None]

    def _priced(self, response: Response) -> Response:
        if response.cost_usd is not None or response.error is not None:
            return response
        cost = cost_usd(self._price, response.tokens_in, response.tokens_out)
        return response if cost is None else replace(response, cost_usd=cost)

    async def _call(self, requests: list[Request], keys: list[str] | None) -> list[Response]:
        """One backend call, retried on TransientError; a call that keeps failing becomes per-sample errors."""
        attempt = strikes = 0
        while True:
            charged = await self.throttle.acquire(requests)
            try:
                responses = await self._attempt(requests, keys)
            except TransientError as exc:
                failure = exc
            else:
                self.throttle.settle(charged, responses)
                if attempt:
                    responses = [replace(r, meta={**r.meta, "attempts": attempt + 1}) for r in responses]
                return responses
            self.throttle.settle(charged, ())
            # A 429 that says when to come back (a wait above 0) is paced by that wait alone: no cut of the in-flight
            # limit on top of it (a double backoff that would leave the limit's ceiling unused), and no strike
            # against max_retries, since the service only asked for patience (MAX_PACED_RETRIES still bounds it).
            told = failure.rate_limited and bool(failure.retry_after)  # a wait of 0 is no pacing
            paced = told and attempt < MAX_PACED_RETRIES
            if failure.rate_limited:
                self.stats.rate_limited += 1
                if not told:
                    self.limit.cut()
            if strikes >= self.policy.max_retries and not paced:
                self.stats.failed += len(requests)
                tries = f" (gave up after {attempt + 1} attempts)" if attempt else ""
                return [Response(error=f"{failure}{tries}", meta={"attempts": attempt + 1}) for _ in requests]
            await asyncio.sleep(self._delay(failure, attempt))
            attempt += 1
            strikes += not paced
            self.stats.retries += 1

    async def _attempt(self, requests: list[Request], keys: list[str] | None) -> list[Response]:
        await self.limit.acquire()
        try:
            self.stats.calls += 1
            started = time.perf_counter()
            call = self.inner.generate(requests, keys)
            timeout = self.policy.timeout_s
            try:
                responses = await (asyncio.wait_for(call, timeout) if timeout else call)
            except asyncio.TimeoutError:
                raise TransientError(f"timed out after {timeout:g}s") from None
            elapsed_ms = (time.perf_counter() - started) * 1000
        finally:
            self.limit.release()
        self.limit.grow()
        return [r if r.latency_ms is not None else r.with_latency(elapsed_ms) for r in responses]

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
    batch: BatchOptions | None = None,
) -> Middleware:
    """The wrapper for a bare backend: API backends bring their policy; replay never caches.

    Args:
        concurrency: max calls in flight (API backends only; local ones keep their own).
        cache_dir: response cache root, or None to bypass the cache.
        policy: overrides the backend's own ``policy``.
        batch: send the requests as provider batches (``--batch``); BadInput for a model without a batch API.
    """
    if batch is not None:
        from harness.models.batch_api import batch_backend

        model = batch_backend(model, batch)
    concurrency = (concurrency or model.concurrency) if model.kind == "api" else model.concurrency
    cache = ResponseCache(cache_dir, model.fingerprint) if cache_dir and model.kind != "replay" else None
    return Middleware(model, policy or model.policy, concurrency, cache)
