"""Statistics: means with percentile-bootstrap confidence intervals."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from harness.tasks.base import MetricValue

BOOTSTRAP_RESAMPLES = 2000


def bootstrap_ci(
    values: Sequence[float], *, confidence: float = 0.95, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean, seeded so reruns print the same interval."""
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        raise ValueError("bootstrap of an empty sample")
    if data.size == 1 or np.all(data == data[0]):
        return float(data[0]), float(data[0])
    rng = np.random.default_rng(seed)
    # Resample in chunks so a 1M-sample split does not allocate resamples × n at once.
    means = np.empty(resamples)
    chunk = max(1, 20_000_000 // data.size)
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        idx = rng.integers(0, data.size, size=(stop - start, data.size))
        means[start:stop] = data[idx].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return float(low), float(high)


def mean_with_ci(values: Sequence[float], *, seed: int = 0) -> MetricValue:
    """Mean of per-sample values with its 95% bootstrap CI."""
    low, high = bootstrap_ci(values, seed=seed)
    return MetricValue(value=float(np.mean(values)), ci_low=low, ci_high=high, n=len(values))
