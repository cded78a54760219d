"""Bootstrap confidence intervals and the gate's power (smallest detectable drop) against hand computation and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as scipy_stats

from harness.metrics.stats import (
    bootstrap_ci,
    mcnemar_exact,
    mcnemar_min_detectable_drop,
    mcnemar_min_regressions,
    mean_with_ci,
    paired_bootstrap,
)


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


# ---- power: the smallest drop a slice can detect ------------------------------------------------
@pytest.mark.parametrize(("alpha", "k"), [(0.05, 6), (0.01, 8), (0.1, 5), (0.0625, 6), (0.5, 3), (1e-6, 21)])
def test_mcnemar_min_regressions_by_hand_and_scipy(alpha, k):
    # by hand: k regressions and no improvement give p = 2 · 2^-k; the first k with p < alpha
    assert mcnemar_min_regressions(alpha) == k
    assert 2 * 0.5**k < alpha <= 2 * 0.5 ** (k - 1)
    assert scipy_stats.binomtest(k, k, 0.5).pvalue < alpha <= scipy_stats.binomtest(k - 1, k - 1, 0.5).pvalue
    assert mcnemar_exact(k, 0) < alpha <= mcnemar_exact(k - 1, 0)  # the gate's own test agrees


@pytest.mark.parametrize(
    ("n", "alpha", "drop"), [(10, 0.05, 0.6), (40, 0.05, 0.15), (200, 0.05, 0.03), (6, 0.05, 1.0), (100, 0.01, 0.08)]
)
def test_mcnemar_min_detectable_drop_by_hand(n, alpha, drop):
    assert mcnemar_min_detectable_drop(n, alpha) == pytest.approx(drop)


def test_a_slice_too_small_for_any_significant_drop():
    assert mcnemar_min_detectable_drop(5, 0.05) is None  # 5 of 5 regressions: p = 0.0625
    assert mcnemar_min_detectable_drop(0, 0.05) is None
    with pytest.raises(ValueError):
        mcnemar_min_regressions(0.0)


def test_bootstrap_min_detectable_is_where_its_p_value_crosses_alpha():
    rng = np.random.default_rng(3)
    base = rng.uniform(0.2, 0.9, size=120)
    diff = rng.normal(0.0, 0.15, size=120)
    diff -= diff.mean()  # no difference observed: what could this spread detect?
    smallest = paired_bootstrap(base, base + diff, seed=4, alpha=0.05).min_detectable
    assert smallest is not None
    # the same spread shifted just past it is significant, just short of it is not (same seed, same resamples)
    beyond = paired_bootstrap(base, base + diff - smallest - 1e-6, seed=4, alpha=0.05)
    short = paired_bootstrap(base, base + diff - smallest + 1e-6, seed=4, alpha=0.05)
    assert beyond.p_value < 0.05 <= short.p_value
    # and it is the normal approximation's z(1 - alpha/2) · sd / sqrt(n)
    normal = scipy_stats.norm.ppf(0.975) * diff.std() / np.sqrt(diff.size)
    assert smallest == pytest.approx(normal, rel=0.05)
    wider = paired_bootstrap(base, base + diff, seed=4, alpha=0.01).min_detectable
    assert wider is not None and wider > smallest


def test_bootstrap_min_detectable_without_spread():
    assert paired_bootstrap([0.5], [0.2]).min_detectable is None  # one pair: never significant
    assert paired_bootstrap([0.0, 0.5, 0.2], [1.0, 1.5, 1.2]).min_detectable == 0.0  # a constant shift always is
    shifted = paired_bootstrap([0.1, 0.5, 0.9], [0.3, 0.7, 1.1]).min_detectable  # +0.2 but for rounding
    assert shifted == pytest.approx(0.0, abs=1e-12)
    assert paired_bootstrap([0.1, 0.5], [0.2, 0.5], resamples=10, alpha=0.05).min_detectable is None  # p ≥ 1/11
