"""How the wrapper paces a backend: its call Policy, retryable failures, AIMD concurrency, rpm/tpm throttling."""

from __future__ import annotations

import asyncio
import collections
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from harness.types import Request, Response

DEFAULT_API_CONCURRENCY = 16
# AIMD: a 429 multiplies the in-flight limit by CUT, at most once per COOLDOWN_S; each success adds
# 1/limit (one slot per window of successes). Gentler than TCP's halving, so a stray 429 costs little.
AIMD_CUT = 0.75
AIMD_COOLDOWN_S = 1.0
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
