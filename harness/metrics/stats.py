"""Statistics: means with percentile-bootstrap CIs, and the paired tests the gate uses."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from harness.types import MetricValue

BOOTSTRAP_RESAMPLES = 2000
PAIRED_RESAMPLES = 10_000


def bootstrap_ci(
    values: Sequence[float], *, confidence: float = 0.95, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean, seeded so reruns print the same interval."""
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        raise ValueError("bootstrap of an empty sample")
    if data.size == 1 or np.all(data == data[0]):
        return float(data[0]), float(data[0])
    means = _resampled_means(data, resamples, seed)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return float(low), float(high)


def mean_with_ci(values: Sequence[float], *, seed: int = 0) -> MetricValue:
    """Mean of per-sample values with its 95% bootstrap CI."""
    low, high = bootstrap_ci(values, seed=seed)
    return MetricValue(value=float(np.mean(values)), ci_low=low, ci_high=high, n=len(values))


def mcnemar_exact(regressions: int, improvements: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pair counts.

    Under no difference each discordant pair is a fair coin, so the smaller count is
    Binomial(b + c, 1/2); the two-sided p-value doubles its lower tail (capped at 1).
    Computed in log space so 10^5 discordant pairs neither overflow nor lose precision.
    """
    if regressions < 0 or improvements < 0:
        raise ValueError("discordant pair counts must be non-negative")
    n = regressions + improvements
    k = min(regressions, improvements)
    if n == 0 or 2 * k == n:
        return 1.0
    log_terms = np.array([_log_comb(n, i) for i in range(k + 1)]) - n * math.log(2.0)
    top = float(log_terms.max())
    tail = math.exp(top) * float(np.exp(log_terms - top).sum())
    return min(1.0, 2.0 * tail)


def mcnemar_min_regressions(alpha: float) -> int:
    """The fewest discordant pairs, all regressions and no improvement, that the exact McNemar test calls significant.

    With k regressions and no improvement the two-sided p-value is ``2 · 2^-k``; the answer is the
    smallest k where that is below ``alpha`` (6 at alpha 0.05, 8 at 0.01), found with
    :func:`mcnemar_exact` itself so it agrees with the gate's decision to the last bit.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), not {alpha}")
    k = max(1, math.floor(-math.log2(alpha)))  # 2 · 2^-k < alpha first holds at floor(1 - log2 alpha) + 1
    while k > 1 and mcnemar_exact(k - 1, 0) < alpha:
        k -= 1
    while mcnemar_exact(k, 0) >= alpha:
        k += 1
    return k


def mcnemar_min_detectable_drop(n: int, alpha: float) -> float | None:
    """The smallest drop on ``n`` paired 0/1 examples that the exact McNemar test can call significant.

    That is :func:`mcnemar_min_regressions` divided by n: the best case, where every discordant pair
    is a regression (improvements mixed in need more). None when even n regressions out of n are not
    significant: the slice cannot detect any drop at ``alpha``.
    """
    k = mcnemar_min_regressions(alpha)
    return k / n if 0 < k <= n else None


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


@dataclass(frozen=True)
class PairedDifference:
    """Mean of candidate − baseline over paired samples, with its bootstrap CI and p-value."""

    mean: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    # the smallest mean shift (either way) this bootstrap calls significant at alpha; None: none can be
    min_detectable: float | None = None


def paired_bootstrap(
    baseline: Sequence[float],
    candidate: Sequence[float],
    *,
    confidence: float = 0.95,
    resamples: int = PAIRED_RESAMPLES,
    seed: int = 0,
    alpha: float = 0.05,
) -> PairedDifference:
    """Seeded paired bootstrap of the mean difference ``candidate − baseline``.

    Resamples the per-example differences (so pairing is kept), gives the percentile CI, and a
    two-sided p-value from the resampled means shifted to the null of no difference:
    ``(1 + #{|m* − d̄| ≥ |d̄|}) / (B + 1)``. ``min_detectable`` is the smallest |d̄| that p-value
    puts below ``alpha`` with the same spread (see :func:`_smallest_significant_shift`).
    """
    base = np.asarray(baseline, dtype=np.float64)
    cand = np.asarray(candidate, dtype=np.float64)
    if base.shape != cand.shape:
        raise ValueError(f"paired samples differ in length: {base.size} vs {cand.size}")
    if base.size == 0:
        raise ValueError("paired bootstrap of an empty sample")
    diff = cand - base
    observed = float(diff.mean())
    if diff.size < 2 or np.all(diff == diff[0]):
        # No spread to resample: nothing to test on one pair, and a constant shift is all or nothing.
        p_value = 1.0 if observed == 0 or diff.size < 2 else 1.0 / (resamples + 1)
        shift = 0.0 if diff.size >= 2 and 1.0 / (resamples + 1) < alpha else None  # any shift, or none at all
        return PairedDifference(observed, observed, observed, p_value, int(diff.size), shift)
    means = _paired_means(diff, resamples, seed)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    extreme = int(np.count_nonzero(np.abs(means - observed) >= abs(observed) - 1e-12))
    p_value = min(1.0, (1 + extreme) / (resamples + 1))
    shift = _smallest_significant_shift(np.abs(means - observed), alpha)
    return PairedDifference(observed, float(low), float(high), p_value, int(diff.size), shift)


def _smallest_significant_shift(deviations: np.ndarray, alpha: float) -> float | None:
    """The |mean difference| above which ``(1 + #{dev ≥ |d̄|}) / (B + 1)`` falls below ``alpha``.

    The resampled deviations ``|m* − d̄|`` do not depend on d̄, so the p-value of any other mean
    difference with the same spread is read off them: at most K deviations may reach it, where K is
    the largest integer below ``alpha · (B + 1) − 1``; the shift must pass the (K+1)-th largest.
    """
    total = deviations.size + 1
    allowed = math.ceil(alpha * total) - 2
    while (allowed + 2) / total < alpha:  # the p-value's own arithmetic decides, not the rounding above
        allowed += 1
    while allowed >= 0 and (allowed + 1) / total >= alpha:
        allowed -= 1
    if allowed < 0:
        return None  # too few resamples for any p-value below alpha
    return float(-np.partition(-deviations, allowed)[allowed])


def _paired_means(diff: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Resampled means of the differences; few distinct values (binary metrics) draw counts instead.

    Resampling n indices from k distinct values is a multinomial draw of k counts, the same
    distribution at O(resamples × k) instead of O(resamples × n): a 1M-sample split costs nothing.
    """
    values, counts = np.unique(diff, return_counts=True)
    if values.size > 64:
        return _resampled_means(diff, resamples, seed)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(diff.size, counts / diff.size, size=resamples)
    return (draws @ values) / diff.size


def _resampled_means(data: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Means of ``resamples`` bootstrap resamples, in chunks to bound memory (resamples × n)."""
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    chunk = max(1, 20_000_000 // data.size)
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        idx = rng.integers(0, data.size, size=(stop - start, data.size))
        means[start:stop] = data[idx].mean(axis=1)
    return means
