"""Bootstrap confidence intervals against hand computation and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as scipy_stats

from harness.metrics.stats import bootstrap_ci, mean_with_ci


def test_constant_sample_has_a_zero_width_interval():
    assert bootstrap_ci([1.0, 1.0, 1.0]) == (1.0, 1.0)
    m = mean_with_ci([0.0])
    assert (m.value, m.ci_low, m.ci_high, m.n) == (0.0, 0.0, 0.0, 1)


def test_seeded_and_contains_the_mean():
    values = [1, 0, 1, 1, 0, 1, 0, 1, 1, 1]
    assert bootstrap_ci(values, seed=3) == bootstrap_ci(values, seed=3)
    low, high = bootstrap_ci(values)
    assert low < 0.7 < high


def test_agrees_with_scipy_percentile_bootstrap():
    rng = np.random.default_rng(0)
    values = rng.binomial(1, 0.7, size=400).astype(float)
    low, high = bootstrap_ci(values, resamples=5000, seed=1)
    ref = scipy_stats.bootstrap((values,), np.mean, n_resamples=5000, method="percentile", random_state=2)
    assert low == pytest.approx(ref.confidence_interval.low, abs=0.01)
    assert high == pytest.approx(ref.confidence_interval.high, abs=0.01)
    # and with the normal approximation p ± 1.96·sqrt(p(1-p)/n)
    p = values.mean()
    half = 1.96 * np.sqrt(p * (1 - p) / values.size)
    assert low == pytest.approx(p - half, abs=0.01) and high == pytest.approx(p + half, abs=0.01)


def test_empty_sample_is_an_error():
    with pytest.raises(ValueError):
        bootstrap_ci([])
