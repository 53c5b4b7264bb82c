"""Per-configuration summaries over replicates (seeds): mean, sd and a Student-t interval."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from trainlab.errors import ConfigError
from trainlab.stats.table import (
    check_confidence,
    check_configurations,
    column_names,
    usable_runs,
)


@dataclass(frozen=True)
class Estimate:
    """A mean over replicates with its t-interval; low, high and sd are NaN below 2 replicates."""

    mean: float
    low: float
    high: float
    sd: float
    n: int
    df: int


def t_interval(values: Sequence[float] | np.ndarray, confidence: float = 0.95) -> Estimate:
    """Mean of replicate values with a Student-t interval (n - 1 df), so seed noise shows.

    The interval is mean +- t_{(1 + confidence) / 2, n - 1} * sd / sqrt(n), sd with ddof 1.
    """
    check_confidence(confidence)
    try:
        array = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError) as error:
        raise ConfigError(f"values must be numbers, got {values!r}") from error
    if not np.isfinite(array).all():
        raise ConfigError(
            f"values must be finite, got {array[~np.isfinite(array)][0]!r}; "
            "drop failed runs first (usable_runs)"
        )
    n = array.size
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, 0, 0)
    mean = float(array.mean())
    if n == 1:
        return Estimate(mean, math.nan, math.nan, math.nan, 1, 0)
    sd = float(array.std(ddof=1))
    half = float(stats.t.ppf((1 + confidence) / 2, n - 1)) * sd / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, sd, n, n - 1)


def config_table(
    runs: pd.DataFrame,
    metrics: str | Sequence[str],
    *,
    axes: str | Sequence[str] = (),
    point: str = "point",
    status: str = "status",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One row per configuration: each metric's mean, sd and t-interval over its replicates.

    The interval is a Student-t interval over the configuration's replicates (its own sd,
    n - 1 df; see `t_interval`); only completed or stopped runs with a finite value count.
    Columns: `point`, the `axes` (constant within a configuration), then for each metric
    ``<metric>_mean``, ``_sd``, ``_ci_low``, ``_ci_high`` and ``_n``. A configuration
    whose runs all failed has n 0 and NaN elsewhere.
    """
    axes = column_names(axes)
    metrics = column_names(metrics)
    check_confidence(confidence)
    check_configurations(runs, axes, point=point)
    order = pd.unique(runs[point])
    table = runs.groupby(point, sort=False)[axes].first().reindex(order)
    columns: dict[str, list] = {}
    for metric in metrics:
        ok = usable_runs(runs, metric, status=status)
        replicates = {p: group.to_numpy() for p, group in ok.groupby(point, sort=False)[metric]}
        estimates = [t_interval(replicates.get(p, []), confidence) for p in order]
        columns[f"{metric}_mean"] = [e.mean for e in estimates]
        columns[f"{metric}_sd"] = [e.sd for e in estimates]
        columns[f"{metric}_ci_low"] = [e.low for e in estimates]
        columns[f"{metric}_ci_high"] = [e.high for e in estimates]
        columns[f"{metric}_n"] = [e.n for e in estimates]
    table = pd.concat([table, pd.DataFrame(columns, index=table.index)], axis=1)
    return table.rename_axis(point).reset_index()
