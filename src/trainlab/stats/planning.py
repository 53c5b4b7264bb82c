"""Planning replicates: how many seeds a difference needs, and the seed noise to plan with."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from trainlab.errors import ConfigError
from trainlab.stats.table import check_confidence, column_names, require_column, usable_runs


def repeats_needed(
    sd: float,
    difference: float,
    *,
    confidence: float = 0.95,
    power: float = 0.8,
    paired: bool = False,
) -> int:
    """Replicates per side for a two-sided t-test to find `difference` at seed noise `sd`.

    The smallest n >= 2 whose power, from the noncentral t distribution (df 2n - 2, or
    n - 1 for `paired` runs; noncentrality difference / sd x sqrt(n / 2)), reaches `power`:
    the normal approximation 2 ((z_{1 - alpha/2} + z_power) sd / difference)^2 undercounts
    at the few seeds studies run (it says 2 where 4 are needed). d = 0.5, 0.8, 1 give 64,
    26, 17 per side, the values of Cohen's tables.
    """
    check_confidence(confidence)
    check_confidence(power, argument="power")
    if not math.isfinite(sd) or sd < 0:
        raise ConfigError(f"sd must be a finite number >= 0, got {sd!r}")
    if not math.isfinite(difference) or difference == 0:
        raise ConfigError(f"difference must be a finite non-zero number, got {difference!r}")
    if sd == 0:
        return 2  # no noise: any two replicates show the difference
    effect = abs(difference) / sd
    z = stats.norm.ppf((1 + confidence) / 2) + stats.norm.ppf(power)
    # The t-test needs at least the normal approximation's n; step up from there.
    n = max(2, math.ceil(2 * (z / effect) ** 2 - 1e-9))
    while _t_power(n, effect, confidence, paired) < power:
        n += 1
    return n


def _t_power(n: int, effect: float, confidence: float, paired: bool) -> float:
    """Power of the two-sided t-test with n replicates per side at standardized `effect`."""
    df = n - 1 if paired else 2 * n - 2
    ncp = effect * math.sqrt(n / 2)
    critical = stats.t.ppf((1 + confidence) / 2, df)
    return float(stats.nct.sf(critical, df, ncp) + stats.nct.cdf(-critical, df, ncp))


def noise_upper_bound(
    runs: pd.DataFrame,
    axes: str | Sequence[str],
    metric: str,
    *,
    status: str = "status",
) -> float:
    """An upper bound on the seed sd of `metric` when configurations have one replicate.

    The residual sd of an additive main-effects model (intercept plus one indicator per
    non-first level of each axis, least squares) fitted to the runs that have all `axes`,
    when it has residual degrees of freedom; else the sd over those runs. The residual
    holds seed noise plus every real interaction effect, hence an upper bound. NaN with
    fewer than 2 runs.
    """
    axes = column_names(axes)
    for axis in axes:
        require_column(runs, axis, argument="axes")
    ok = usable_runs(runs, metric, status=status)
    ok = ok[ok[axes].notna().all(axis=1)] if axes else ok
    y = ok[metric].to_numpy()
    if len(y) < 2:
        return math.nan
    indicators = [
        pd.get_dummies(ok[axis].astype(str), drop_first=True, dtype=float).to_numpy()
        for axis in axes
    ]
    design = np.column_stack([np.ones(len(y)), *indicators])
    coefficients, _, rank, _ = np.linalg.lstsq(design, y, rcond=None)
    residual_df = len(y) - rank
    if residual_df == 0:
        return float(np.std(y, ddof=1))
    residuals = y - design @ coefficients
    return math.sqrt(float(residuals @ residuals) / residual_df)
