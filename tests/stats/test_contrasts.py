"""Pooled seed noise and linear contrasts against scipy's ANOVA and t-tests."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trainlab.errors import ConfigError
from trainlab.stats import (
    PooledNoise,
    bonferroni_confidence,
    config_means,
    contrast_test,
    linear_contrast,
    pooled_noise,
)

GROUPS = {"p1": [1.0, 1.4, 0.9], "p2": [2.0, 2.2], "p3": [0.5, 0.1, 0.7, 0.2], "p4": [3.0]}


def _runs(groups=GROUPS):
    rows = [
        {"point": p, "seed": s, "loss": y, "status": "completed"}
        for p, values in groups.items()
        for s, y in enumerate(values)
    ]
    return pd.DataFrame(rows)


def test_pooled_noise_is_the_one_way_anova_mean_squared_error():
    noise = pooled_noise(_runs(), "loss")
    # Explicit within-group sum of squares over groups with n >= 1 (p4 adds 0 and 0 df).
    ss = sum(sum((y - np.mean(v)) ** 2 for y in v) for v in GROUPS.values())
    df = sum(len(v) - 1 for v in GROUPS.values())
    assert noise == (pytest.approx(ss / df), df)
    # ANOVA: F = MSB / MSE, so MSE = MSB / F over the groups with replicates.
    groups = [v for v in GROUPS.values() if len(v) > 1]
    everything = np.concatenate(groups)
    msb = sum(len(v) * (np.mean(v) - everything.mean()) ** 2 for v in groups) / (len(groups) - 1)
    assert noise.variance == pytest.approx(msb / stats.f_oneway(*groups).statistic)


def test_pooled_noise_ignores_runs_that_do_not_count():
    runs = _runs()
    extra = pd.DataFrame(
        {"point": ["p1", "p1", "p2"], "seed": [7, 8, 9], "loss": [99.0, np.inf, -50.0],
         "status": ["failed", "completed", "running"]}
    )  # fmt: skip
    assert pooled_noise(pd.concat([runs, extra]), "loss") == pooled_noise(runs, "loss")


def test_pooled_noise_without_replicates_has_no_estimate():
    noise = pooled_noise(_runs({"p1": [1.0], "p2": [2.0]}), "loss")
    assert noise.df == 0 and math.isnan(noise.variance)


def test_two_configuration_contrast_is_the_two_sample_t_test():
    x, y = GROUPS["p1"], GROUPS["p3"]
    runs = _runs({"p1": x, "p3": y})
    cells = config_means(runs, "loss")
    noise = pooled_noise(runs, "loss")
    c = linear_contrast(cells["mean"], cells["n"], [1, -1], noise)
    test = stats.ttest_ind(x, y)
    assert c.estimate / c.se == pytest.approx(test.statistic)
    assert c.df == test.df == len(x) + len(y) - 2
    expected = test.confidence_interval(0.95)
    assert (c.low, c.high) == pytest.approx((expected.low, expected.high))


def test_contrast_interval_edge_agrees_with_the_t_test():
    """Shift one side so the interval's low edge sits just above / just below zero."""
    x, y = np.array(GROUPS["p3"]), np.array(GROUPS["p1"])
    noise = pooled_noise(_runs({"a": x, "b": y}), "loss")  # a shift leaves it unchanged

    def contrast(shift):
        return linear_contrast([x.mean() + shift, y.mean()], [len(x), len(y)], [1, -1], noise)

    edge = contrast(0.0).low
    for shift, excludes_zero in ((-edge + 1e-9, True), (-edge - 1e-9, False)):
        assert contrast(shift).excludes_zero is excludes_zero
        assert bool(stats.ttest_ind(x + shift, y).pvalue < 0.05) is excludes_zero


def test_contrast_variance_is_sigma_squared_sum_w_squared_over_n():
    noise = PooledNoise(0.25, 10)
    c = linear_contrast([1.0, 2.0, 4.0], [2, 3, 5], [0.5, 0.5, -1.0], noise, confidence=0.9)
    se = math.sqrt(0.25 * (0.25 / 2 + 0.25 / 3 + 1 / 5))
    half = stats.t.ppf(0.95, 10) * se
    assert c.estimate == pytest.approx(-2.5)
    assert (c.se, c.low, c.high) == pytest.approx((se, -2.5 - half, -2.5 + half))


def test_a_configuration_with_its_own_variance_gets_the_welch_satterthwaite_df():
    noise = PooledNoise(0.25, 10)
    own = [math.nan, math.nan, 4.0]  # the third keeps its own variance, from 5 runs
    c = linear_contrast([1.0, 2.0, 4.0], [2, 3, 5], [0.5, 0.5, -1.0], noise, own=own)
    pooled_part, own_part = 0.25 * (0.25 / 2 + 0.25 / 3), 4.0 / 5
    df = (pooled_part + own_part) ** 2 / (pooled_part**2 / 10 + own_part**2 / 4)
    half = stats.t.ppf(0.975, df) * math.sqrt(pooled_part + own_part)
    assert (c.se**2, c.df) == pytest.approx((pooled_part + own_part, df))
    assert (c.low, c.high) == pytest.approx((-2.5 - half, -2.5 + half))


def test_one_contrast_tested_alone_is_its_t_test():
    cells = config_means(_runs(), "loss")
    noise = pooled_noise(_runs(), "loss")
    weights = [1.0, 0.0, -1.0, 0.0]
    c = linear_contrast(cells["mean"], cells["n"], weights, noise)
    test = contrast_test(cells["mean"], cells["n"], [weights], noise)
    assert (test.df_effect, test.df_noise) == (1, noise.df)
    assert test.statistic == pytest.approx((c.estimate / c.se) ** 2)
    assert test.p == pytest.approx(2 * stats.t.sf(abs(c.estimate / c.se), noise.df))


def test_contrasts_that_repeat_each_other_count_once_in_the_test():
    cells = config_means(_runs(), "loss")
    noise = pooled_noise(_runs(), "loss")
    one = [1.0, -1.0, 0.0, 0.0]
    twice = contrast_test(cells["mean"], cells["n"], [one, [-2.0, 2.0, 0.0, 0.0]], noise)
    alone = contrast_test(cells["mean"], cells["n"], [one], noise)
    assert twice.df_effect == 1 and twice.p == pytest.approx(alone.p)


def test_contrast_without_noise_estimate_has_no_interval():
    c = linear_contrast([1.0, 2.0], [1, 1], [1, -1], PooledNoise(math.nan, 0))
    assert c.estimate == -1.0 and c.df == 0 and math.isnan(c.low) and not c.excludes_zero


def test_contrast_rejects_mismatched_input():
    with pytest.raises(ConfigError, match="one length"):
        linear_contrast([1.0, 2.0], [1, 1], [1.0], PooledNoise(1.0, 3))
    with pytest.raises(ConfigError, match="counts must be >= 1"):
        linear_contrast([1.0, 2.0], [0, 1], [1, -1], PooledNoise(1.0, 3))


def test_bonferroni_confidence():
    assert bonferroni_confidence(0.95, 5) == pytest.approx(0.99)
    with pytest.raises(ConfigError, match="confidence"):
        bonferroni_confidence(95, 5)
