"""Main effects, two-way interactions and sign reversals of grid axes, each with its interval.

All are linear contrasts of configuration means (`contrasts.linear_contrast`), each
configuration weighted equally whatever its number of replicates, with the seed noise
pooled over the configurations the contrast uses. Only runs where the axes in question
are not NaN count, so a study that is a union of sub-grids gives each axis the
configurations that have it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from trainlab.stats.contrasts import (
    Contrast,
    PooledNoise,
    average_weights,
    bonferroni_confidence,
    config_means,
    linear_contrast,
    noise_of,
)
from trainlab.stats.table import check_confidence, column_names

EFFECT_COLUMNS = [
    "axis", "level", "mean", "effect", "low", "high", "n_configs", "n_runs", "df",
    "distinguishable",
]  # fmt: skip
INTERACTION_COLUMNS = [
    "axis_a", "level_a", "axis_b", "level_b", "interaction", "low", "high", "df",
    "distinguishable",
]  # fmt: skip
# What `axis_verdicts` says of an axis, in the words every report shows.
AXIS_VERDICT_WORDS = {
    "matters": "matters",
    "within noise": "not distinguishable from seed noise",
    "unknown": "unknown: one seed per configuration, no noise estimate",
}
REVERSAL_COLUMNS = [
    "axis", "level", "main_effect", "main_low", "main_high", "within_axis", "within_level",
    "effect", "low", "high",
]  # fmt: skip


def main_effects(
    runs: pd.DataFrame,
    axes: str | Sequence[str],
    metric: str,
    *,
    point: str = "point",
    status: str = "status",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Effect of each level of each axis on `metric`, with intervals that hold for all levels.

    effect(level i) = (average of the configuration means with axis = i) - (average of all
    configuration means with the axis), each configuration weighted equally. The intervals
    are simultaneous over the k levels of an axis (Bonferroni, each at confidence
    1 - (1 - confidence) / k), so an axis that does nothing has some level flagged
    `distinguishable` (interval excluding 0) in at most 1 - confidence of studies.
    `distinguishable` is NA when there is no seed-noise estimate (df 0).

    Returns:
        One row per (axis, level), levels in order of appearance: axis, level, mean (the
        level's average), effect, low, high, n_configs, n_runs, df and distinguishable.
    """
    axes = column_names(axes)
    check_confidence(confidence)
    cells = config_means(runs, metric, axes, point=point, status=status)
    rows = [
        row
        for axis in axes
        for row in _axis_effects(_Configs.having(cells, [axis]), axis, confidence)
    ]
    return _frame(rows, EFFECT_COLUMNS)


def is_clear(distinguishable: Any) -> bool:
    """Whether a `distinguishable` cell says yes: its interval excludes 0. NA (no noise
    estimate) and False say no. Rows of a "boolean" column hold numpy bools, never `True`."""
    return bool(pd.notna(distinguishable) and distinguishable)


def axis_verdicts(effects: pd.DataFrame) -> pd.Series:
    """Per axis of a `main_effects` table: "matters", "within noise" or "unknown".

    "matters": some level's simultaneous interval excludes 0; "unknown": no seed-noise
    estimate (df 0, one replicate per configuration); else "within noise".
    """

    def verdict(levels: pd.DataFrame) -> str:
        if (levels["df"] == 0).any():
            return "unknown"
        return "matters" if levels["distinguishable"].any() else "within noise"

    verdicts = {axis: verdict(levels) for axis, levels in effects.groupby("axis", sort=False)}
    return pd.Series(verdicts, name="verdict", dtype=object).rename_axis("axis")


def interactions(
    runs: pd.DataFrame,
    axes: str | Sequence[str],
    metric: str,
    *,
    point: str = "point",
    status: str = "status",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Two-way interactions: how far each cell departs from what the two main effects predict.

    For axes a, b and cell (i, j): mean_ij - mean_i - mean_j + grand, each an average of
    configuration means (equal weights) over the configurations that have both axes.
    Intervals are simultaneous over the cells of the pair (Bonferroni). Sorted by
    |interaction|, largest first.
    """
    axes = column_names(axes)
    check_confidence(confidence)
    cells = config_means(runs, metric, axes, point=point, status=status)
    rows = []
    for a, b in itertools.combinations(axes, 2):
        both = _Configs.having(cells, [a, b])
        pair_cells, level = _pair_cells(both, a, b, confidence)
        grand = average_weights(np.ones(len(both.means)))
        for i, j in pair_cells:
            in_a, in_b = both.levels[a] == i, both.levels[b] == j
            weights = (
                average_weights(in_a & in_b) - average_weights(in_a) - average_weights(in_b)
            ) + grand
            c = both.contrast(weights, level)
            rows.append(
                {"axis_a": a, "level_a": i, "axis_b": b, "level_b": j, "interaction": c.estimate,
                 "low": c.low, "high": c.high, "df": c.df, "distinguishable": _distinguishable(c)}
            )  # fmt: skip
    return _by_size(_frame(rows, INTERACTION_COLUMNS), "interaction")


def sign_reversals(
    runs: pd.DataFrame,
    axes: str | Sequence[str],
    metric: str,
    *,
    point: str = "point",
    status: str = "status",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Effects that reverse their sign within a level of another axis, beyond seed noise.

    For level i of axis a and level j of axis b, the effect within = mean(a = i, b = j) -
    mean(b = j) (averages of configuration means). Reported when it and the main effect of
    a = i have opposite signs and both intervals exclude 0: the main effect's simultaneous
    over the levels of a, the effect within's simultaneous over the cells of (a, b), both
    over the configurations that have a and b. Sorted by |effect|, largest first; empty
    when nothing clears the noise.
    """
    axes = column_names(axes)
    check_confidence(confidence)
    cells = config_means(runs, metric, axes, point=point, status=status)
    rows = []
    for a, b in itertools.permutations(axes, 2):
        both = _Configs.having(cells, [a, b])
        pair_cells, level = _pair_cells(both, a, b, confidence)
        main = {row["level"]: row for row in _axis_effects(both, a, confidence)}
        for i, j in pair_cells:
            if main[i]["distinguishable"] is not True:
                continue
            in_b = both.levels[b] == j
            weights = average_weights((both.levels[a] == i) & in_b) - average_weights(in_b)
            c = both.contrast(weights, level)
            # Two intervals that exclude 0 on opposite sides: the signs differ beyond noise.
            if c.excludes_zero and np.sign(c.estimate) != np.sign(main[i]["effect"]):
                rows.append(
                    {"axis": a, "level": i, "main_effect": main[i]["effect"],
                     "main_low": main[i]["low"], "main_high": main[i]["high"], "within_axis": b,
                     "within_level": j, "effect": c.estimate, "low": c.low, "high": c.high}
                )  # fmt: skip
    return _by_size(_frame(rows, REVERSAL_COLUMNS), "effect")


@dataclass(frozen=True)
class _Configs:
    """Configuration means and replicate counts as arrays, each axis's levels, pooled noise."""

    means: np.ndarray
    counts: np.ndarray
    levels: dict[str, np.ndarray]
    noise: PooledNoise

    @classmethod
    def having(cls, cells: pd.DataFrame, axes: list[str]) -> _Configs:
        """The configurations of `cells` (config_means) where none of `axes` is NaN."""
        have = cells[cells[axes].notna().all(axis=1)]
        levels = {axis: have[axis].to_numpy() for axis in axes}
        return cls(have["mean"].to_numpy(), have["n"].to_numpy(), levels, noise_of(have))

    def contrast(self, weights: np.ndarray, confidence: float) -> Contrast:
        return linear_contrast(self.means, self.counts, weights, self.noise, confidence=confidence)


def _axis_effects(configs: _Configs, axis: str, confidence: float) -> list[dict]:
    labels = configs.levels[axis]
    levels = pd.unique(labels)
    level_confidence = bonferroni_confidence(confidence, max(len(levels), 1))
    overall = average_weights(np.ones(len(labels)))
    rows = []
    for level in levels:
        members = labels == level
        c = configs.contrast(average_weights(members) - overall, level_confidence)
        rows.append(
            {"axis": axis, "level": level, "mean": float(configs.means[members].mean()),
             "effect": c.estimate, "low": c.low, "high": c.high,
             "n_configs": int(members.sum()), "n_runs": int(configs.counts[members].sum()),
             "df": c.df, "distinguishable": _distinguishable(c)}
        )  # fmt: skip
    return rows


def _pair_cells(configs: _Configs, a: str, b: str, confidence: float) -> tuple[list, float]:
    """The (i, j) cells of axes a and b present, and the per-cell confidence (Bonferroni)."""
    pairs = zip(configs.levels[a], configs.levels[b], strict=True)
    pair_cells = list(dict.fromkeys(pairs))
    return pair_cells, bonferroni_confidence(confidence, max(len(pair_cells), 1))


def _distinguishable(c: Contrast) -> bool | None:
    return None if c.df == 0 else c.excludes_zero  # None becomes NA in the boolean column


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    if "distinguishable" in frame:
        frame["distinguishable"] = frame["distinguishable"].astype("boolean")
    return frame


def _by_size(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    order = frame[column].abs().sort_values(ascending=False, kind="stable").index
    return frame.loc[order].reset_index(drop=True)
