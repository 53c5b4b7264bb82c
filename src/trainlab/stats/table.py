"""Checking and filtering the runs table (one row per run) that the statistics read."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd

from trainlab.errors import ConfigError

# A stopped run (early stopping, budget) still measured its metric; failed or pending runs did not.
USABLE_STATUSES = ("completed", "stopped")


def require_column(runs: pd.DataFrame, column: str, *, argument: str) -> None:
    """Raise ConfigError unless `runs` is a DataFrame with `column` (named after `argument`)."""
    if not isinstance(runs, pd.DataFrame):
        raise ConfigError(f"runs must be a pandas DataFrame, got {type(runs).__name__}")
    if column not in runs.columns:
        raise ConfigError(
            f"{argument} column {column!r} is not in the runs table; "
            f"its columns are {list(runs.columns)}"
        )


def check_confidence(confidence: float, *, argument: str = "confidence") -> None:
    """Raise ConfigError unless 0 < confidence < 1."""
    if not isinstance(confidence, numbers.Real) or not 0 < confidence < 1:
        raise ConfigError(
            f"{argument} must be a number strictly between 0 and 1, got {confidence!r}"
        )


def usable_runs(runs: pd.DataFrame, metric: str, *, status: str = "status") -> pd.DataFrame:
    """The runs that count for `metric`: status completed or stopped, and a finite value.

    The metric column comes back as floats.
    """
    require_column(runs, metric, argument="metric")
    require_column(runs, status, argument="status")
    values = pd.to_numeric(runs[metric], errors="coerce")
    unreadable = values.isna() & runs[metric].notna()
    if unreadable.any():
        example = runs[metric][unreadable].iloc[0]
        raise ConfigError(
            f"metric column {metric!r} holds a non-numeric value {example!r}; "
            "metrics must be numbers"
        )
    keep = np.isfinite(values.to_numpy(dtype=float)) & runs[status].isin(USABLE_STATUSES)
    return runs.loc[keep].assign(**{metric: values[keep].astype(float)})


def column_names(names: str | Sequence[str]) -> list[str]:
    """A list of column names; one name given as a plain string becomes a list of one."""
    return [names] if isinstance(names, str) else list(names)


def check_configurations(runs: pd.DataFrame, axes: Sequence[str], *, point: str) -> None:
    """Raise ConfigError unless every run names its configuration and has one level per axis."""
    require_column(runs, point, argument="point")
    for axis in axes:
        require_column(runs, axis, argument="axes")
    if runs[point].isna().any():
        raise ConfigError(f"point column {point!r} is missing for some runs; every run needs one")
    if not axes:
        return
    # More than one distinct (point, levels) row for a point: some axis varies within it.
    distinct = runs[[point, *axes]].drop_duplicates()
    mixed = distinct[point][distinct[point].duplicated()]
    if len(mixed):
        rows = distinct[distinct[point] == mixed.iloc[0]]
        axis = next(a for a in axes if rows[a].nunique(dropna=False) > 1)
        levels = rows[axis].unique().tolist()
        raise ConfigError(
            f"axes column {axis!r} takes several levels {levels} within {point} "
            f"{mixed.iloc[0]!r}; each configuration must have one level per axis"
        )
