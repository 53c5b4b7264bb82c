"""Seed noise pooled over configurations and linear contrasts of configuration means.

Every comparison in this package (main effects, interactions, best set, independent
comparisons) is a linear contrast sum_c w_c * mean_c of configuration means, with
variance sigma^2 * sum_c w_c^2 / n_c, sigma^2 the pooled within-configuration variance
and a Student-t quantile with its degrees of freedom: one formula, in `linear_contrast`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from trainlab.errors import ConfigError
from trainlab.stats.table import check_confidence, check_configurations, column_names, usable_runs


class PooledNoise(NamedTuple):
    """Pooled within-configuration variance of a metric and its degrees of freedom.

    df 0 (one replicate per configuration) means no estimate; variance is then NaN.
    """

    variance: float
    df: int


@dataclass(frozen=True)
class Contrast:
    """A linear contrast of configuration means with its standard error and t-interval."""

    estimate: float
    se: float
    low: float
    high: float
    df: int

    @property
    def excludes_zero(self) -> bool:
        """True when the interval lies on one side of zero (False without an interval)."""
        return self.low > 0 or self.high < 0


def config_means(
    runs: pd.DataFrame,
    metric: str,
    axes: str | Sequence[str] = (),
    *,
    point: str = "point",
    status: str = "status",
) -> pd.DataFrame:
    """Per configuration (index `point`): mean, n and within sum of squares ss of `metric`.

    Only completed or stopped runs with a finite value count; configurations without
    one are left out. The `axes` columns carry each configuration's levels.
    """
    axes = column_names(axes)
    ok = usable_runs(runs, metric, status=status)
    check_configurations(ok, axes, point=point)
    codes, points = pd.factorize(ok[point])
    y = ok[metric].to_numpy()
    n = np.bincount(codes, minlength=len(points))
    mean = np.bincount(codes, y, minlength=len(points)) / n
    # Two passes (mean first) keep ss accurate when the noise is small against the mean.
    ss = np.bincount(codes, (y - mean[codes]) ** 2, minlength=len(points))
    cells = pd.DataFrame({"mean": mean, "n": n, "ss": ss}, index=pd.Index(points, name=point))
    first_run = np.unique(codes, return_index=True)[1]
    for axis in axes:
        cells[axis] = ok[axis].to_numpy()[first_run]
    return cells


def noise_of(cells: pd.DataFrame) -> PooledNoise:
    """Pooled variance sum ss / sum (n_c - 1) of the configurations in `cells` (config_means)."""
    df = int((cells["n"] - 1).sum())
    return PooledNoise(float(cells["ss"].sum()) / df if df > 0 else math.nan, df)


def pooled_noise(
    runs: pd.DataFrame, metric: str, *, point: str = "point", status: str = "status"
) -> PooledNoise:
    """Seed noise of `metric`: the pooled within-configuration variance and its df.

    variance = sum_c sum_runs (y - mean_c)^2 / sum_c (n_c - 1) over configurations with at
    least one usable run (the one-way ANOVA mean squared error); df = sum_c (n_c - 1).
    """
    return noise_of(config_means(runs, metric, point=point, status=status))


def combine_noise(*noises: PooledNoise) -> PooledNoise:
    """One pooled variance from several (sums of squares and df add up)."""
    df = sum(noise.df for noise in noises)
    ss = sum(noise.variance * noise.df for noise in noises if noise.df > 0)
    return PooledNoise(ss / df if df > 0 else math.nan, df)


def bonferroni_confidence(confidence: float, k: int) -> float:
    """Per-interval confidence so that k intervals hold together with `confidence`.

    Bonferroni: 1 - (1 - confidence) / k, family-wise error <= 1 - confidence.
    """
    check_confidence(confidence)
    if k < 1:
        raise ConfigError(f"k must be a positive number of intervals, got {k!r}")
    return 1 - (1 - confidence) / k


def linear_contrast(
    means: Sequence[float] | np.ndarray,
    counts: Sequence[int] | np.ndarray,
    weights: Sequence[float] | np.ndarray,
    noise: PooledNoise,
    *,
    confidence: float = 0.95,
) -> Contrast:
    """Estimate sum w_c * mean_c with its t-interval under the pooled seed noise.

    Variance sigma^2 * sum w_c^2 / n_c (configuration means are independent, each the mean
    of n_c replicates); interval estimate +- t_{(1 + confidence) / 2, df} * se with the
    pooled df. With df 0 the estimate stands alone: se, low and high are NaN.
    """
    check_confidence(confidence)
    means, counts, weights = (np.asarray(x, dtype=float) for x in (means, counts, weights))
    if not means.shape == counts.shape == weights.shape or means.ndim != 1:
        raise ConfigError(
            f"means, counts and weights must be 1-D of one length, got shapes "
            f"{means.shape}, {counts.shape} and {weights.shape}"
        )
    if (counts < 1).any():
        raise ConfigError(f"counts must be >= 1 replicate per configuration, got {counts}")
    estimate = float(weights @ means)
    if noise.df <= 0:
        return Contrast(estimate, math.nan, math.nan, math.nan, 0)
    se = math.sqrt(noise.variance * float(np.sum(weights**2 / counts)))
    half = float(stats.t.ppf((1 + confidence) / 2, noise.df)) * se
    return Contrast(estimate, se, estimate - half, estimate + half, noise.df)


def average_weights(members: np.ndarray) -> np.ndarray:
    """Weights of the plain average of the configurations where `members` is True."""
    members = np.asarray(members, dtype=float)
    return members / members.sum()
