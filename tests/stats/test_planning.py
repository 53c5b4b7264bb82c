"""Replicates needed for a difference, and the seed-noise bound from single runs."""

import math

import numpy as np
import pandas as pd
import pytest

from trainlab.errors import ConfigError
from trainlab.stats import noise_upper_bound, repeats_needed


def test_repeats_needed_follows_the_normal_approximation():
    # 2 (1.95996 + 0.84162)^2 = 15.70 -> 16 per side.
    assert repeats_needed(1.0, 1.0) == 16
    assert repeats_needed(1.0, -1.0) == 16
    assert repeats_needed(2.0, 1.0) == 63  # 4 x 15.70 = 62.8
    # 2 (2.57583 + 1.28155)^2 / 0.5^2 = 119.03 -> 120.
    assert repeats_needed(1.0, 0.5, confidence=0.99, power=0.9) == 120
    assert repeats_needed(0.1, 5.0) == 2  # never fewer than 2: one gives no noise estimate


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
