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
    sd: float, difference: float, *, confidence: float = 0.95, power: float = 0.8
) -> int:
    """Replicates per side for a two-sided test to find `difference` at seed noise `sd`.

    Normal approximation n = 2 ((z_{1 - alpha/2} + z_power) sd / difference)^2 with
    alpha = 1 - confidence, rounded up, at least 2 (one replicate gives no noise estimate).
    """
    check_confidence(confidence)
    check_confidence(power, argument="power")
    if not math.isfinite(sd) or sd < 0:
        raise ConfigError(f"sd must be a finite number >= 0, got {sd!r}")
    if not math.isfinite(difference) or difference == 0:
        raise ConfigError(f"difference must be a finite non-zero number, got {difference!r}")
    z = stats.norm.ppf((1 + confidence) / 2) + stats.norm.ppf(power)
    n = 2 * (z * sd / difference) ** 2
    # Round up, but not past a float error: 16.000000000000004 means 16.
    return max(2, math.ceil(n - 1e-9))


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
