"""The one wrapper around every backend: retries, Retry-After, AIMD, rpm/tpm, cache, timing, cost."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

import pytest

from harness.errors import BadInput
from harness.models.api import retry_after_s
from harness.models.base import LoadOptions, ModelBackend
from harness.models.cache import ResponseCache, default_cache_dir
from harness.models.limits import AIMD_CUT, AdaptiveLimit, Policy, Throttle, TransientError
from harness.models.prices import cost_usd, price_for
from harness.models.replay import ReplayBackend, load_oracle
from harness.models.wrapper import Middleware, wrap
from harness.types import Message, Request, Response


def request(text: str = "q", max_tokens: int = 16) -> Request:
    return Request(messages=(Message("user", text),), max_tokens=max_tokens)


class Scripted(ModelBackend):
    """A backend that fails its first calls as told, counts calls and tracks how many run at once."""

    kind = "api"

    def __init__(self, failures: Sequence[Exception] = (), delay: float = 0.0, model: str = "fake-model"):
        self.failures = list(failures)
        self.delay = delay
        self.model = model
        self.calls = 0
        self.keys: list[Sequence[str] | None] = []
        self.in_flight = 0
        self.peak = 0

    @property
    def fingerprint(self) -> dict[str, Any]:
        return {"spec": f"scripted:{self.model}", "kind": "api", "model": self.model}

    async def generate(self, requests: Sequence[Request], keys: Sequence[str] | None = None) -> list[Response]:
        self.calls += 1
        self.keys.append(keys)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.failures:
                raise self.failures.pop(0)
            return [Response(text=r.messages[-1].content.upper(), tokens_in=1000, tokens_out=500) for r in requests]
        finally:
            self.in_flight -= 1


def run(coro):
    return asyncio.run(coro)


def test_transient_failures_are_retried_and_the_attempts_recorded():
    backend = Scripted([TransientError("server error 500"), TransientError("rate limited", rate_limited=True)])
    model = Middleware(backend, Policy(max_retries=3, backoff_s=0.001))
    (response,) = run(model.generate([request("hi")]))
    assert response.text == "HI" and response.error is None
    assert response.meta["attempts"] == 3 and backend.calls == 3
    assert model.stats.retries == 2 and model.stats.rate_limited == 1


def test_a_sample_that_keeps_failing_becomes_an_error_not_an_exception():
    backend = Scripted([TransientError("openai: server error 503")] * 5)
    model = Middleware(backend, Policy(max_retries=2, backoff_s=0.001))
    (response,) = run(model.generate([request()]))
    assert response.error == "openai: server error 503 (gave up after 3 attempts)"
    assert backend.calls == 3 and model.stats.failed == 1


def test_non_transient_exceptions_pass_through_for_the_runner():
    backend = Scripted([ValueError("bug")])
    with pytest.raises(ValueError):
        run(Middleware(backend, Policy(max_retries=3)).generate([request()]))
    assert backend.calls == 1


def test_retry_after_is_honoured_instead_of_the_backoff():
    backend = Scripted([TransientError("429", retry_after=0.2, rate_limited=True)])
    model = Middleware(backend, Policy(max_retries=1, backoff_s=0.0))
    started = time.perf_counter()
    run(model.generate([request()]))
    assert 0.2 <= time.perf_counter() - started < 1.0


def test_exponential_backoff_with_jitter_stays_within_bounds():
    model = Middleware(Scripted(), Policy(backoff_s=0.5))
    for attempt in range(4):
        ceiling = 0.5 * 2**attempt
        delays = [model._delay(TransientError("x"), attempt) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jittered


def test_a_call_past_the_timeout_is_retried():
    backend = Scripted(delay=0.5)
    model = Middleware(backend, Policy(max_retries=1, timeout_s=0.05, backoff_s=0.001))
    (response,) = run(model.generate([request()]))
    assert response.error == "timed out after 0.05s (gave up after 2 attempts)"
    assert backend.calls == 2


def test_latency_of_the_successful_attempt_and_cost_from_the_prices():
    backend = Scripted(delay=0.05, model="gpt-4o-2024-08-06")
    (response,) = run(Middleware(backend, Policy()).generate([request()]))
    assert 50 <= response.latency_ms < 1000
    # gpt-4o: $2.50 in / $10 out per million tokens; 1000 in + 500 out
    assert response.cost_usd == pytest.approx((1000 * 2.5 + 500 * 10.0) / 1e6)


def test_price_table_longest_prefix_and_overrides():
    assert price_for("gpt-4o-mini-2024-07-18") == (0.15, 0.6)
    assert price_for("gpt-4o") == (2.5, 10.0)
    assert price_for("claude-3-5-haiku-20241022") == (0.8, 4.0)
    assert price_for("my-local-llama") is None
    assert price_for("my-local-llama", price_in=1, price_out=2) == (1.0, 2.0)
    assert price_for("gpt-4o", price_out=20) == (2.5, 20.0)
    assert cost_usd((1.0, 2.0), 1_000_000, 500_000) == pytest.approx(2.0)
    assert cost_usd(None, 10, 10) is None and cost_usd((1.0, 1.0), None, 10) is None


def test_retry_after_headers():
    assert retry_after_s({"retry-after-ms": "250"}) == 0.25
    assert retry_after_s({"retry-after": "2"}) == 2.0
    assert retry_after_s({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # a date in the past
    assert retry_after_s({}) is None and retry_after_s(None) is None


def test_concurrency_is_capped():
    backend = Scripted(delay=0.02)
    model = Middleware(backend, Policy(), concurrency=4)

    async def many():
        return await asyncio.gather(*(model.generate([request(str(i))]) for i in range(20)))

    results = run(many())
    assert len(results) == 20 and backend.peak == 4


def test_aimd_cuts_on_429_once_per_cooldown_and_grows_back():
    limit = AdaptiveLimit(64)
    limit.cut()
    assert limit.limit == 64 * AIMD_CUT and limit.allowed == 48
    limit.cut()  # a burst of 429s from one window cuts once
    assert limit.limit == 48 and limit.cuts == 1
    for _ in range(48 * 16 + 200):
        limit.grow()
    assert limit.limit == 64


def test_aimd_limits_calls_in_flight_after_a_cut():
    backend = Scripted([TransientError("429", retry_after=0.0, rate_limited=True)], delay=0.02)
    model = Middleware(backend, Policy(max_retries=2), concurrency=8)

    async def many():
        await model.generate([request("first")])  # 429 then success: the limit drops to 6
        backend.peak = 0
        await asyncio.gather(*(model.generate([request(str(i))]) for i in range(12)))

    run(many())
    # 8 * 0.75 = 6 slots, growing back by one per window of successes: 12 calls see at most 7
    assert model.limit.cuts == 1 and 6 <= backend.peak <= 7


def test_rpm_spaces_request_starts():
    throttle = Throttle(rpm=600, tpm=None)  # one start per 0.1 s

    async def five():
        started = time.perf_counter()
        for _ in range(5):
            await throttle.acquire([request()])
        return time.perf_counter() - started

    assert 0.38 <= run(five()) < 1.5


def test_tpm_bucket_waits_then_settles_with_the_reported_usage():
    throttle = Throttle(rpm=None, tpm=6000)  # 100 tokens a second

    async def scenario():
        charged = await throttle.acquire([request("x" * 400, max_tokens=5900)])  # 100 + 5900: the whole bucket
        assert charged == 6000
        throttle.settle(charged, [Response(tokens_in=100, tokens_out=100)])  # only 200 used: refund 5800
        started = time.perf_counter()
        await throttle.acquire([request("x" * 400, max_tokens=5000)])
        return time.perf_counter() - started

    assert run(scenario()) < 0.5


def test_cache_round_trip_skips_errors_and_keys_on_fingerprint(tmp_path):
    cache = ResponseCache(tmp_path, {"model": "a"})
    ok = Response(text="yes", tokens_in=3, tokens_out=1, latency_ms=12.0, cost_usd=0.5, meta={"finish_reason": "stop"})
    cache.put(request("q1"), ok)
    cache.put(request("q2"), Response(error="boom"))
    hit = cache.get(request("q1"))
    assert hit is not None and hit.text == "yes" and hit.cost_usd == 0.5 and hit.meta["cached"] is True
    assert cache.get(request("q2")) is None
    assert ResponseCache(tmp_path, {"model": "b"}).get(request("q1")) is None


def test_second_pass_is_served_from_the_cache(tmp_path):
    backend = Scripted()
    model = wrap(backend, cache_dir=tmp_path)
    first = run(model.generate([request("a"), request("b")]))
    again = wrap(Scripted(), cache_dir=tmp_path)
    second = run(again.generate([request("a"), request("b")]))
    assert [r.text for r in second] == [r.text for r in first] == ["A", "B"]
    assert again.inner.calls == 0 and again.stats.cache_hits == 2  # type: ignore[attr-defined]


def test_wrap_defaults_replay_never_caches_and_local_keeps_its_concurrency(tmp_path, monkeypatch):
    api = wrap(Scripted(), concurrency=None, cache_dir=tmp_path)
    assert api.concurrency == Scripted.concurrency and api.cache is not None
    assert wrap(Scripted(), concurrency=64).concurrency == 64
    replay = wrap(ReplayBackend({}, "r"), concurrency=64, cache_dir=tmp_path)
    assert replay.cache is None and replay.concurrency == 1 and replay.policy.max_retries == 0
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir("results/x.duckdb") == tmp_path / "c" / "responses"
    monkeypatch.delenv("HARNESS_CACHE_DIR")
    assert default_cache_dir(tmp_path / "r.duckdb") == tmp_path / "response-cache"


def test_cache_round_trips_a_classifier_s_labels(tmp_path):
    cache = ResponseCache(tmp_path, {"model": "clf"})
    cache.put(request("q1"), Response(text="a, b", labels=("a", "b"), meta={"confidence": 0.5}))
    cache.put(request("q2"), Response(text="plain"))
    hit = ResponseCache(tmp_path, {"model": "clf"}).get(request("q1"))
    assert hit is not None and hit.labels == ("a", "b") and hit.text == "a, b" and hit.meta["confidence"] == 0.5
    plain = cache.get(request("q2"))
    assert plain is not None and plain.labels is None


# ---- the contract: what the wrapper reads of a backend is declared, never probed ---------------------------


def test_the_wrapper_forwards_the_callers_keys_for_misses_and_caches_under_them(tmp_path):
    backend = Scripted()
    model = wrap(backend, cache_dir=tmp_path)
    first = [request("a"), request("b")]
    run(model.generate(first, keys=["key-a", "key-b"]))
    assert backend.keys == [["key-a", "key-b"]]
    run(model.generate([request("a"), request("c")], keys=["key-a", "key-c"]))
    assert backend.keys[-1] == ["key-c"] and model.stats.cache_hits == 1
    assert (model.cache.dir / "ke" / "key-c.json").is_file()  # type: ignore[union-attr]
    run(wrap(Scripted()).generate([request("x")], keys=["k"]))  # no cache: keys still reach the backend


def test_policy_is_a_declared_attribute_and_aclose_is_forwarded():
    class Closing(Scripted):
        policy = Policy(max_retries=7)
        closed = False

        async def aclose(self) -> None:
            self.closed = True

    backend = Closing()
    model = wrap(backend)
    assert model.policy.max_retries == 7 and wrap(backend, policy=Policy()).policy.max_retries == 0
    assert Scripted.policy == Policy() and ModelBackend.policy == Policy()
    run(model.aclose())
    assert backend.closed
    run(wrap(ReplayBackend({}, "r")).aclose())  # the default is a no-op


def test_the_oracle_replays_the_references_with_the_runner_s_old_fingerprint():
    targets = {"e1": '{"a": 1}', "e2": "two"}
    calls: list[int] = []

    def references() -> dict[str, str]:
        calls.append(1)
        return targets

    opts = LoadOptions(batch_size=3, task="echo", references=references)
    oracle = load_oracle("oracle", "oracle", {}, opts)
    assert calls == [1] and oracle.batch_size == 3 and oracle.kind == "replay"
    before = ReplayBackend({k: Response(text=v) for k, v in targets.items()}, name="oracle:echo", batch_size=3)
    assert oracle.fingerprint == before.fingerprint
    assert oracle.fingerprint == {"spec": "replay:oracle:echo", "kind": "replay", "outputs": "83cab53bf6465d5d"}
    answers = run(oracle.generate([Request(messages=(), example_id="e2"), Request(messages=(), example_id="x")]))
    assert answers[0].text == "two" and "no output for id 'x'" in str(answers[1].error)
    with pytest.raises(BadInput, match=r"^--model-arg: the oracle takes no options$"):
        load_oracle("oracle", "oracle", {"k": "v"}, opts)
    with pytest.raises(BadInput, match="use it with harness run --task"):
        load_oracle("oracle", "oracle", {}, LoadOptions())
    with pytest.raises(BadInput, match="takes no target"):
        load_oracle("oracle:x", "x", {}, opts)


BACKEND_MODULES = (
    "harness.models.wrapper",
    "harness.models.replay",
    "harness.models.openai_api",
    "harness.models.anthropic_api",
    "harness.models.builtin",
    "harness.models.hf",
    "harness.models.hf.checkpoint",
    "harness.models.hf.classifier",
    "harness.models.hf.continuous",
)


@pytest.mark.parametrize("module", BACKEND_MODULES)
def test_backends_import_nothing_heavy_and_neither_registry_nor_tasks(module):
    heavy = ("torch", "transformers", "openai", "anthropic", "xgrammar", "peft")
    forbidden = (
        *heavy,
        "harness.registry",
        "harness.task",
        "harness.tasks",
        "harness.runner",
    )
    code = f"import sys, {module}; print([m for m in {forbidden!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
