"""Replicates needed for a difference, and the seed-noise bound from single runs."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trainlab.errors import ConfigError
from trainlab.stats import noise_upper_bound, repeats_needed


def test_repeats_needed_is_the_t_test_power_of_cohens_tables():
    # Cohen (1988): d = 0.5, 0.8, 1.0 need 64, 26, 17 per group at alpha 0.05, power 0.8.
    assert [repeats_needed(1.0, d) for d in (0.5, 0.8, 1.0)] == [64, 26, 17]
    assert repeats_needed(1.0, -1.0) == 17 and repeats_needed(2.0, 1.0) == 64
    assert repeats_needed(1.0, 0.5, confidence=0.99, power=0.9) == 121
    assert repeats_needed(0.1, 5.0) == 2  # never fewer than 2: one gives no noise estimate


def test_few_seeds_need_more_than_the_normal_approximation_says():
    # d = 2.9: the normal approximation says 2 per side; with 2 seeds the t-test has 2 df.
    normal = math.ceil(2 * ((1.959964 + 0.841621) / 2.9) ** 2)
    assert normal == 2
    n = repeats_needed(1.0, 2.9)
    assert n == 4 and repeats_needed(1.0, 2.9, paired=True) == 5
    power = _simulated_power(n, 2.9)
    assert power >= 0.8 and _simulated_power(n - 1, 2.9) < 0.8  # simulated: 0.92, 0.76


def _simulated_power(n: int, effect: float, trials: int = 20_000) -> float:
    """Share of two-sample t-tests (n per side, sd 1) that find `effect` at 95%."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((trials, n)) + effect
    b = rng.standard_normal((trials, n))
    return float((stats.ttest_ind(a, b, axis=1).pvalue < 0.05).mean())


@pytest.mark.parametrize(
    ("sd", "difference", "message"),
    [(1.0, 0.0, "difference"), (-1.0, 1.0, "sd"), (math.nan, 1.0, "sd")],
)
def test_repeats_needed_rejects_bad_input(sd, difference, message):
    with pytest.raises(ConfigError, match=message):
        repeats_needed(sd, difference)


def _single_runs(y, levels_a, levels_b):
    rows = [
        {"point": f"{i}/{j}", "a": i, "b": j, "loss": y[r, c], "status": "completed"}
        for r, i in enumerate(levels_a)
        for c, j in enumerate(levels_b)
    ]
    return pd.DataFrame(rows)


def test_noise_upper_bound_is_the_additive_model_residual():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(3, 4)) + np.array([0, 1, 3])[:, None] + np.array([0, 2, 2, 5])
    runs = _single_runs(y, ["a0", "a1", "a2"], ["b0", "b1", "b2", "b3"])
    # Two-way ANOVA without replication: residual y_ij - row_i - col_j + grand, (I-1)(J-1) df.
    residual = y - y.mean(1, keepdims=True) - y.mean(0, keepdims=True) + y.mean()
    expected = math.sqrt((residual**2).sum() / (2 * 3))
    assert noise_upper_bound(runs, ["a", "b"], "loss") == pytest.approx(expected)


def test_noise_upper_bound_includes_interactions():
    y = np.array([[0.0, 0.0], [0.0, 4.0]])  # no seed noise, one interaction
    runs = _single_runs(y, ["a0", "a1"], ["b0", "b1"])
    assert noise_upper_bound(runs, ["a", "b"], "loss") == pytest.approx(2.0)
    additive = _single_runs(np.array([[0.0, 1.0], [2.0, 3.0]]), ["a0", "a1"], ["b0", "b1"])
    assert noise_upper_bound(additive, ["a", "b"], "loss") == pytest.approx(0.0, abs=1e-12)


def test_noise_upper_bound_without_residual_df_is_the_overall_sd():
    runs = _single_runs(np.array([[1.0, 2.0, 4.0]]), ["a0"], ["b0", "b1", "b2"])
    assert noise_upper_bound(runs, ["b"], "loss") == pytest.approx(np.std([1, 2, 4], ddof=1))
    assert math.isnan(noise_upper_bound(runs.iloc[:1], ["b"], "loss"))


def test_noise_upper_bound_names_a_missing_axis():
    runs = _single_runs(np.zeros((2, 2)), ["a0", "a1"], ["b0", "b1"])
    with pytest.raises(ConfigError, match="axes column 'c'"):
        noise_upper_bound(runs, ["a", "c"], "loss")
