"""Seed noise pooled over configurations and linear contrasts of configuration means.

Every comparison in this package (main effects, interactions, best set, independent
comparisons) is a linear contrast sum_c w_c * mean_c of configuration means, with
variance sum_c w_c^2 v_c / n_c, v_c the seed variance of configuration c: the variance
pooled over the configurations (the one-way ANOVA's error term) for all of them but
those whose seed spread is far from the others' (`trainlab.stats.noise`), which keep
their own. A Student-t quantile with the contrast's degrees of freedom gives its
interval: the pooled df when every configuration shares the pooled variance, else the
Welch-Satterthwaite df. One formula, in `linear_contrast`; several contrasts tested
together (an axis's levels, a pair's interaction cells) in `contrast_test`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from trainlab.errors import ConfigError
from trainlab.stats.table import check_confidence, check_configurations, column_names, usable_runs

# Singular values of a test's covariance below this fraction of the largest are zero:
# the contrasts of an axis's k levels span k - 1 dimensions, exactly, up to rounding.
RANK_TOLERANCE = 1e-9


class PooledNoise(NamedTuple):
    """Pooled within-configuration variance of a metric and its degrees of freedom.

    df 0 (one replicate per configuration) means no estimate; variance is then NaN.
    """

    variance: float
    df: int


@dataclass(frozen=True)
class Contrast:
    """A linear contrast of configuration means with its standard error and t-interval.

    df is the pooled df, or the Welch-Satterthwaite df (not a whole number) when a
    configuration with its own variance takes part; 0 when there is no noise estimate.
    """

    estimate: float
    se: float
    low: float
    high: float
    df: float

    @property
    def excludes_zero(self) -> bool:
        """True when the interval lies on one side of zero (False without an interval)."""
        return self.low > 0 or self.high < 0


@dataclass(frozen=True)
class FTest:
    """A Wald F-test that several contrasts are all zero: statistic, its dfs and p-value.

    df_effect is the number of independent contrasts tested (k - 1 for an axis of k
    levels, (a - 1)(b - 1) for the interaction of two axes); p is NaN without a noise
    estimate.
    """

    statistic: float
    df_effect: int
    df_noise: float
    p: float


def config_means(
    runs: pd.DataFrame,
    metric: str,
    axes: str | Sequence[str] = (),
    *,
    point: str = "point",
    status: str = "status",
    own_noise: Collection[str] = (),
) -> pd.DataFrame:
    """Per configuration (index `point`): mean, n, within sum of squares ss and own.

    Only completed or stopped runs with a finite value count; configurations without
    one are left out. `own` is the configuration's own variance ss / (n - 1) for those
    named in `own_noise` (with 2 or more runs), NaN for the rest, which share the pooled
    variance. The `axes` columns carry each configuration's levels.
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
    own = np.where(points.isin(list(own_noise)) & (n > 1), ss / np.maximum(n - 1, 1), np.nan)
    cells = pd.DataFrame(
        {"mean": mean, "n": n, "ss": ss, "own": own}, index=pd.Index(points, name=point)
    )
    first_run = np.unique(codes, return_index=True)[1]
    for axis in axes:
        cells[axis] = ok[axis].to_numpy()[first_run]
    return cells


def noise_of(cells: pd.DataFrame) -> PooledNoise:
    """Pooled variance sum ss / sum (n_c - 1) of the configurations in `cells` (config_means)
    that share it (those with their own variance left out)."""
    shared = cells[cells["own"].isna()] if "own" in cells else cells
    df = int((shared["n"] - 1).sum())
    return PooledNoise(float(shared["ss"].sum()) / df if df > 0 else math.nan, df)


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


def linear_contrast(
    means: Sequence[float] | np.ndarray,
    counts: Sequence[int] | np.ndarray,
    weights: Sequence[float] | np.ndarray,
    noise: PooledNoise,
    *,
    confidence: float = 0.95,
    own: Sequence[float] | np.ndarray | None = None,
) -> Contrast:
    """Estimate sum w_c * mean_c with its t-interval under the seed noise.

    Variance V = sum_c w_c^2 v_c / n_c (configuration means are independent, each the mean
    of n_c replicates), v_c the pooled variance, or the configuration's `own` variance
    where that is not NaN. Interval estimate +- t_{(1 + confidence) / 2, df} * sqrt(V).
    df: the pooled df when no `own` variance takes part; else Welch-Satterthwaite,
    V^2 / (P^2 / df_pooled + sum_own (w_c^2 v_c / n_c)^2 / (n_c - 1)), with P the pooled
    part of V. Without a noise estimate for a part that counts, the estimate stands alone:
    se, low and high are NaN and df is 0.
    """
    check_confidence(confidence)
    means, counts, weights = (np.asarray(x, dtype=float) for x in (means, counts, weights))
    own = np.full(means.shape, np.nan) if own is None else np.asarray(own, dtype=float)
    if not means.shape == counts.shape == weights.shape == own.shape or means.ndim != 1:
        raise ConfigError(
            f"means, counts, weights and own must be 1-D of one length, got shapes "
            f"{means.shape}, {counts.shape}, {weights.shape} and {own.shape}"
        )
    if (counts < 1).any():
        raise ConfigError(f"counts must be >= 1 replicate per configuration, got {counts}")
    estimate = float(weights @ means)
    se, df = _standard_error(counts, weights, noise, own)
    if df <= 0:
        return Contrast(estimate, math.nan, math.nan, math.nan, 0)
    half = t_quantile((1 + confidence) / 2, df) * se
    return Contrast(estimate, se, estimate - half, estimate + half, df)


def contrast_test(
    means: Sequence[float] | np.ndarray,
    counts: Sequence[int] | np.ndarray,
    weights: Sequence[Sequence[float]] | np.ndarray,
    noise: PooledNoise,
    *,
    own: Sequence[float] | np.ndarray | None = None,
) -> FTest:
    """Wald F-test that every contrast (row of `weights`) is zero.

    With the contrast estimates e = W m and their covariance S = W diag(v_c / n_c) W^T,
    F = e^T S^+ e / r, r = rank(S) (the number of independent contrasts: rows that are
    combinations of others add nothing), on (r, df) degrees of freedom: the general linear
    hypothesis test of a linear model with one mean per configuration, exact under the
    pooled noise. With `own` variances df is the smallest Welch-Satterthwaite df of the
    rows (conservative). One row: F = t^2 of `linear_contrast`, the same p-value.
    """
    means, counts = np.asarray(means, dtype=float), np.asarray(counts, dtype=float)
    w = np.atleast_2d(np.asarray(weights, dtype=float))
    own = np.full(means.shape, np.nan) if own is None else np.asarray(own, dtype=float)
    variances = np.where(np.isnan(own), noise.variance, own) / counts
    dfs = [_standard_error(counts, row, noise, own)[1] for row in w if np.any(row)]
    if not dfs:  # nothing to test (an axis with one level): nothing differs
        return FTest(0.0, 0, noise.df, 1.0 if noise.df > 0 else math.nan)
    if min(dfs) <= 0:
        return FTest(math.nan, 0, 0, math.nan)
    covariance = (w * variances) @ w.T
    u, singular, vt = np.linalg.svd(covariance, hermitian=True)
    keep = singular > RANK_TOLERANCE * singular[0]
    rank = int(keep.sum())
    # e lies in the span of S (both are spanned by W's rows): project and invert there.
    projected = u[:, keep].T @ (w @ means)
    statistic = float(projected @ (projected / singular[keep])) / rank
    df = min(dfs)
    return FTest(statistic, rank, df, float(stats.f.sf(statistic, rank, df)))


def interval_at(estimate: float, se: float, df: float, confidence: float) -> tuple[float, float]:
    """The t-interval estimate +- t_{(1 + confidence) / 2, df} se (NaN without df)."""
    if not df > 0 or not math.isfinite(se):
        return math.nan, math.nan
    half = t_quantile((1 + confidence) / 2, df) * se
    return estimate - half, estimate + half


@functools.lru_cache(maxsize=4096)
def t_quantile(q: float, df: float) -> float:
    """Student's t quantile, remembered: a report asks for the same few (q, df) many times."""
    return float(stats.t.ppf(q, df))


def average_weights(members: np.ndarray) -> np.ndarray:
    """Weights of the plain average of the configurations where `members` is True."""
    members = np.asarray(members, dtype=float)
    return members / members.sum()


def _standard_error(
    counts: np.ndarray, weights: np.ndarray, noise: PooledNoise, own: np.ndarray
) -> tuple[float, float]:
    """The contrast's standard error and df (0 when a part of it has no noise estimate)."""
    involved = weights != 0
    mine = involved & ~np.isnan(own)
    shared = involved & np.isnan(own)
    if shared.any() and noise.df <= 0:
        return math.nan, 0
    pooled = (
        noise.variance * float(np.sum(weights[shared] ** 2 / counts[shared]))
        if shared.any()
        else 0.0
    )
    parts = weights[mine] ** 2 * own[mine] / counts[mine]
    variance = pooled + float(parts.sum())
    if not mine.any():
        return math.sqrt(variance), noise.df
    if variance == 0:
        return 0.0, math.inf
    pooled_term = pooled**2 / noise.df if shared.any() else 0.0
    df = variance**2 / (pooled_term + float(np.sum(parts**2 / (counts[mine] - 1))))
    return math.sqrt(variance), df
