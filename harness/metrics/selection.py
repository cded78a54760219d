"""Test-time scaling: choosing one answer from an example's stored attempts, and the k-curves of each choice.

A run with ``--samples N`` stores N scored attempts per example, each with the task's canonical answer
(``details["canonical"]``) and its verifier's verdict (``details["verified"]``), both computed without the
target. From those alone, for every k in 1, 2, 4, ..., N (and N itself):

- ``vote@k``: the primary metric of the attempt a majority vote over canonical answers picks (ties: the
  answer seen first; no canonical answer at all: attempt 0 of the subset);
- ``verify@k``: the same vote among the attempts that pass the verifier (none passes: the earliest attempt);
  left out for a task without a verifier (every verdict None);
- ``pass@k``: the chance that at least one of k attempts is correct, by the unbiased estimator of Chen et
  al. 2021, ``1 - C(n-c, k) / C(n, k)``: an upper bound (an oracle picks), not a selector one can deploy;
- ``pass^k``: the chance that all k are correct, ``C(c, k) / C(n, k)`` (reliability);
- ``tokens@k`` and ``cost_usd@k``: tokens (in + out) and dollars spent per example on k attempts.

"Correct" is a primary metric of exactly 1: for a continuous primary metric pass@k and pass^k count only
perfect answers. For k < n, vote and verify are averaged over subsets of k attempts: every subset when there
are at most ``MAX_SUBSETS``, else ``MAX_SUBSETS`` subsets drawn with a seed derived from (seed, example id, k).
Split values are means over examples with bootstrap CIs over examples (``stats.mean_with_ci``).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.metrics.stats import mean_with_ci
from harness.types import MetricValue, content_hash

MAX_SUBSETS = 64
# The per-k metric families, in the order reports show them.
FAMILIES = ("vote", "verify", "pass", "pass^", "tokens", "cost_usd")


@dataclass(frozen=True)
class Attempt:
    """What the selectors read of one stored attempt."""

    attempt: int
    value: float  # the split's primary metric (an errored attempt scores 0)
    canonical: str | None = None
    verified: bool | None = None
    tokens: int = 0  # in + out
    cost_usd: float = 0.0


def k_values(n: int) -> list[int]:
    """1, 2, 4, ... below ``n``, then ``n`` itself."""
    ks = []
    k = 1
    while k < n:
        ks.append(k)
        k *= 2
    return [*ks, n] if n >= 1 else []


def metric_name(family: str, k: int) -> str:
    """``vote@8``, ``pass^4``: how a selector's value at k is named in the store."""
    return f"{family}{k}" if family == "pass^" else f"{family}@{k}"


def parse_metric_name(name: str) -> tuple[str, int] | None:
    """``(family, k)`` of a selector metric name, None for any other metric."""
    for family in FAMILIES:
        sep = "" if family == "pass^" else "@"
        prefix = family + sep
        if name.startswith(prefix) and name[len(prefix) :].isdigit() and int(name[len(prefix) :]) >= 1:
            return family, int(name[len(prefix) :])
    return None


def vote(attempts: Sequence[Attempt]) -> Attempt:
    """The earliest attempt giving the most common canonical answer; ties go to the answer seen first."""
    ordered = sorted(attempts, key=lambda a: a.attempt)
    counts: dict[str, int] = {}
    first: dict[str, Attempt] = {}
    for a in ordered:
        if a.canonical is not None:
            counts[a.canonical] = counts.get(a.canonical, 0) + 1
            first.setdefault(a.canonical, a)
    if not counts:
        return ordered[0]
    best = max(counts.values())
    # dicts keep insertion order: the first answer reaching the top count is the one seen earliest
    return next(first[answer] for answer, count in counts.items() if count == best)


def verify_then_vote(attempts: Sequence[Attempt]) -> Attempt:
    """A vote among the attempts that pass the verifier; none passes: the earliest attempt."""
    passing = [a for a in attempts if a.verified]
    return vote(passing) if passing else min(attempts, key=lambda a: a.attempt)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021): ``1 - C(n-c, k) / C(n, k)``."""
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    """Unbiased pass^k, all k attempts correct: ``C(c, k) / C(n, k)``."""
    return math.comb(c, k) / math.comb(n, k)


def subsets(n: int, k: int, key: Any) -> list[tuple[int, ...]]:
    """Index subsets of size k out of n: all of them up to MAX_SUBSETS, else that many seeded by ``key``."""
    if math.comb(n, k) <= MAX_SUBSETS:
        return list(itertools.combinations(range(n), k))
    rng = random.Random(int(content_hash(key), 16))
    return [tuple(sorted(rng.sample(range(n), k))) for _ in range(MAX_SUBSETS)]


def example_values(
    attempts: Sequence[Attempt], k: int, *, seed: int = 0, example_id: str = "", verifier: bool = True
) -> dict[str, float]:
    """One example's selector values at k (``vote@k``, ``verify@k``, ``pass@k``, ``pass^k``, ``tokens@k``...)."""
    ordered = sorted(attempts, key=lambda a: a.attempt)
    n = len(ordered)
    if not 1 <= k <= n:
        raise ValueError(f"k={k} attempts asked of an example with {n}")
    correct = sum(a.value == 1.0 for a in ordered)
    picks = [[ordered[i] for i in subset] for subset in subsets(n, k, (seed, example_id, k))]
    values = {
        metric_name("vote", k): _mean(vote(p).value for p in picks),
        metric_name("pass", k): pass_at_k(n, correct, k),
        metric_name("pass^", k): pass_hat_k(n, correct, k),
        metric_name("tokens", k): k * _mean(a.tokens for a in ordered),
        metric_name("cost_usd", k): k * _mean(a.cost_usd for a in ordered),
    }
    if verifier:
        values[metric_name("verify", k)] = _mean(verify_then_vote(p).value for p in picks)
    return values


def has_verifier(examples: Mapping[str, Sequence[Attempt]]) -> bool:
    """Whether the task verified these attempts at all (a task without a verifier leaves every verdict None)."""
    return any(a.verified is not None for attempts in examples.values() for a in attempts)


def per_example_values(
    examples: Mapping[str, Sequence[Attempt]], samples: int, *, seed: int = 0
) -> dict[str, dict[str, float]]:
    """Example id → every selector metric at every k up to ``samples`` (an example with fewer attempts: fewer k)."""
    verifier = has_verifier(examples)
    found: dict[str, dict[str, float]] = {}
    for example_id, attempts in examples.items():
        values: dict[str, float] = {}
        for k in k_values(samples):
            if k <= len(attempts):
                values |= example_values(attempts, k, seed=seed, example_id=example_id, verifier=verifier)
        found[example_id] = values
    return found


def k_curve_metrics(
    examples: Mapping[str, Sequence[Attempt]], samples: int, *, seed: int = 0
) -> dict[str, MetricValue]:
    """A split's selector metrics at every k: means over examples with bootstrap CIs over examples."""
    columns: dict[str, list[float]] = {}
    for values in per_example_values(examples, samples, seed=seed).values():
        for name, value in values.items():
            columns.setdefault(name, []).append(value)
    return {name: mean_with_ci(values, seed=seed) for name, values in columns.items()}


def attempt_from(
    attempt: int,
    scores: Mapping[str, Any] | None,
    details: Mapping[str, Any] | None,
    primary: str,
    tokens: tuple[int | None, int | None] = (None, None),
    cost_usd: float | None = None,
) -> Attempt | None:
    """An Attempt from a stored sample's columns; None when the sample has no value of ``primary``."""
    value = (scores or {}).get(primary)
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return None
    details = details or {}
    canonical = details.get("canonical")
    verified = details.get("verified")
    return Attempt(
        attempt=int(attempt),
        value=float(value),
        canonical=canonical if isinstance(canonical, str) else None,
        verified=verified if isinstance(verified, bool) else None,
        tokens=sum(t or 0 for t in tokens),
        cost_usd=float(cost_usd or 0.0),
    )


def _mean(values: Any) -> float:
    found = list(values)
    return sum(found) / len(found)
