"""Main effects, two-way interactions and sign reversals of grid axes, with their tests.

All are linear contrasts of configuration means (`contrasts.linear_contrast`), each
configuration weighted equally whatever its number of replicates, under the seed noise
of the configurations the contrast uses (pooled, or a configuration's own where
`own_noise` names it). Only runs where the axes in question are not NaN count, so a
study that is a union of sub-grids gives each axis the configurations that have it.

Two kinds of output: tables of effects with intervals (what each level, each cell
does), and F-tests (`axis_tests`, `interaction_tests`: does the axis, does the pair,
do anything beyond seed noise), whose p-values a report corrects over all of its axes
or pairs (`trainlab.stats.multiplicity.holm`). Interval families count distinct
claims (`multiplicity.distinct_claims`): two levels are one claim, a 2 x 2 interaction
is one claim.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from trainlab.stats.contrasts import (
    Contrast,
    FTest,
    PooledNoise,
    average_weights,
    config_means,
    contrast_test,
    linear_contrast,
    noise_of,
)
from trainlab.stats.multiplicity import bonferroni_confidence, distinct_claims
from trainlab.stats.table import check_confidence, column_names

EFFECT_COLUMNS = [
    "axis", "level", "mean", "effect", "se", "low", "high", "n_configs", "n_runs", "df",
    "distinguishable",
]  # fmt: skip
INTERACTION_COLUMNS = [
    "axis_a", "level_a", "axis_b", "level_b", "interaction", "se", "low", "high", "df",
    "distinguishable",
]  # fmt: skip
REVERSAL_COLUMNS = [
    "axis", "level", "main_effect", "main_low", "main_high", "within_axis", "within_level",
    "effect", "se", "low", "high", "df",
]  # fmt: skip
AXIS_TEST_COLUMNS = ["axis", "levels", "statistic", "df_effect", "df_noise", "p"]
PAIR_TEST_COLUMNS = [
    "axis_a", "axis_b", "statistic", "df_effect", "df_noise", "p", "cells", "within_cells",
]  # fmt: skip
# What `axis_verdicts` says of an axis, in the words every report shows.
AXIS_VERDICT_WORDS = {
    "matters": "matters",
    "within noise": "not distinguishable from seed noise",
    "unknown": "unknown: one seed per configuration, no noise estimate",
}
ALPHA = 0.05  # the error budget of each kind of claim


def main_effects(
    runs: pd.DataFrame,
    axes: str | Sequence[str],
    metric: str,
    *,
    point: str = "point",
    status: str = "status",
    confidence: float = 0.95,
    own_noise: Collection[str] = (),
) -> pd.DataFrame:
    """Effect of each level of each axis on `metric`, with intervals that hold for all levels.

    effect(level i) = (average of the configuration means with axis = i) - (average of all
    configuration means with the axis), each configuration weighted equally. The intervals
    are simultaneous over the axis's levels: Bonferroni over its distinct contrasts, each
    at confidence 1 - (1 - confidence) / d, d = 1 for two levels (their effects are +-one
    number) and k for k >= 3 levels. `distinguishable` (interval excluding 0) is NA when
    there is no seed-noise estimate (df 0).

    Returns:
        One row per (axis, level), levels in order of appearance: axis, level, mean (the
        level's average), effect, se, low, high, n_configs, n_runs, df and distinguishable.
    """
    axes = column_names(axes)
    check_confidence(confidence)
    cells = config_means(runs, metric, axes, point=point, status=status, own_noise=own_noise)
    rows = [
        row
        for axis in axes
        for row in _axis_effects(_Configs.having(cells, [axis]), axis, confidence)
    ]
    return _frame(rows, EFFECT_COLUMNS)


def axis_tests(
    runs: pd.DataFrame,
    axes: str | Sequence[str],
    metric: str,
    *,
    point: str = "point",
    status: str = "status",
    own_noise: Collection[str] = (),
) -> pd.DataFrame:
    """Per axis, the F-test that none of its levels has an effect (`contrasts.contrast_test`).

    The k level effects of `main_effects` span k - 1 independent contrasts: the test has
    k - 1 and the noise's df, and with two levels it is the t-test of their difference.
    Returns one row per axis: axis, levels, statistic, df_effect, df_noise, p (NaN
    without a noise estimate).
    """
    axes = column_names(axes)
    cells = config_means(runs, metric, axes, point=point, status=status, own_noise=own_noise)
    rows = []
    for axis in axes:
        configs = _Configs.having(cells, [axis])
        weights = np.array([w for _, w in _level_weights(configs, axis)])
        test = configs.test(weights)
        rows.append({"axis": axis, "levels": len(weights), **_test_row(test)})
    return pd.DataFrame(rows, columns=AXIS_TEST_COLUMNS)


def is_clear(distinguishable: Any) -> bool:
    """Whether a `distinguishable` cell says yes: its interval excludes 0. NA (no noise
    estimate) and False say no. Rows of a "boolean" column hold numpy bools, never `True`."""
    return bool(pd.notna(distinguishable) and distinguishable)


def axis_verdicts(tests: pd.DataFrame, *, alpha: float = ALPHA) -> pd.Series:
    """Per axis of an `axis_tests` table: "matters", "within noise" or "unknown".

    "matters": its p-value, Holm-adjusted over the family when the table has a
    `p_adjusted` column (`multiplicity.holm`), is at most `alpha`; "unknown": no seed-noise
    estimate (one replicate per configuration); else "within noise".
    """
    p = tests["p_adjusted"] if "p_adjusted" in tests else tests["p"]
    verdicts = [
        "unknown" if pd.isna(value) else "matters" if value <= alpha else "within noise"
        for value in p
    ]
    return pd.Series(verdicts, index=pd.Index(tests["axis"], name="axis"), name="verdict")


def interactions(
    runs: pd.DataFrame,
    axes: str | Sequence[str],
    metric: str,
    *,
    point: str = "point",
    status: str = "status",
    confidence: float = 0.95,
    family: int | None = None,
    own_noise: Collection[str] = (),
) -> pd.DataFrame:
    """Two-way interactions: how far each cell departs from what the two main effects predict.

    For axes a, b and cell (i, j): mean_ij - mean_i - mean_j + grand, each an average of
    configuration means (equal weights) over the configurations that have both axes.
    Intervals are simultaneous over `family` claims (Bonferroni; default: the distinct
    cells of the pair, 1 for a 2 x 2 whose four cells are +-one number). Sorted by
    |interaction|, largest first.
    """
    axes = column_names(axes)
    check_confidence(confidence)
    cells = config_means(runs, metric, axes, point=point, status=status, own_noise=own_noise)
    rows = []
    for a, b in itertools.combinations(axes, 2):
        both = _Configs.having(cells, [a, b])
        weights = _interaction_weights(both, a, b)
        k = family or max(distinct_claims([w for _, w in weights]), 1)
        level = bonferroni_confidence(confidence, k)
        for (i, j), w in weights:
            c = both.contrast(w, level)
            rows.append(
                {"axis_a": a, "level_a": i, "axis_b": b, "level_b": j, "interaction": c.estimate,
                 "se": c.se, "low": c.low, "high": c.high, "df": c.df,
                 "distinguishable": _distinguishable(c)}
            )  # fmt: skip
    return _by_size(_frame(rows, INTERACTION_COLUMNS), "interaction")


def interaction_tests(
    runs: pd.DataFrame,
    axes: str | Sequence[str],
    metric: str,
    *,
    point: str = "point",
    status: str = "status",
    own_noise: Collection[str] = (),
) -> pd.DataFrame:
    """Per pair of axes, the F-test that they do not interact (every cell contrast is 0).

    The cells of an a x b table span (a - 1)(b - 1) independent contrasts, the test's
    df_effect; a 2 x 2 is the t-test of its one interaction contrast. Also counts the
    pair's distinct claims: `cells` (interaction cells) and `within_cells` (the effects
    within a level of the other axis that `sign_reversals` looks at, both orders), so a
    report can make intervals simultaneous over all the cells a surprise is picked from.
    """
    axes = column_names(axes)
    cells = config_means(runs, metric, axes, point=point, status=status, own_noise=own_noise)
    rows = []
    for a, b in itertools.combinations(axes, 2):
        both = _Configs.having(cells, [a, b])
        weights = [w for _, w in _interaction_weights(both, a, b)]
        within = [w for x, y in ((a, b), (b, a)) for *_, w in _within_weights(both, x, y)]
        rows.append(
            {"axis_a": a, "axis_b": b, **_test_row(both.test(np.array(weights))),
             "cells": distinct_claims(weights), "within_cells": distinct_claims(within)}
        )  # fmt: skip
    return pd.DataFrame(rows, columns=PAIR_TEST_COLUMNS)


def sign_reversals(
    runs: pd.DataFrame,
    axes: str | Sequence[str],
    metric: str,
    *,
    point: str = "point",
    status: str = "status",
    confidence: float = 0.95,
    family: int | None = None,
    own_noise: Collection[str] = (),
) -> pd.DataFrame:
    """Effects that reverse their sign within a level of another axis, beyond seed noise.

    For level i of axis a and level j of axis b, the effect within = mean(a = i, b = j) -
    mean(b = j) (averages of configuration means). Reported when it and the main effect of
    a = i have opposite signs and both intervals exclude 0: the main effect's simultaneous
    over the levels of a (as `main_effects`), the effect within's simultaneous over
    `family` claims (default: the distinct effects within of the ordered pair), both over
    the configurations that have a and b. Sorted by |effect|, largest first; empty when
    nothing clears the noise.
    """
    axes = column_names(axes)
    check_confidence(confidence)
    cells = config_means(runs, metric, axes, point=point, status=status, own_noise=own_noise)
    rows = []
    for a, b in itertools.permutations(axes, 2):
        both = _Configs.having(cells, [a, b])
        within = _within_weights(both, a, b)
        level = bonferroni_confidence(
            confidence, family or max(distinct_claims([w for *_, w in within]), 1)
        )
        main = {row["level"]: row for row in _axis_effects(both, a, confidence)}
        for i, j, weights in within:
            if main[i]["distinguishable"] is not True:
                continue
            c = both.contrast(weights, level)
            # Two intervals that exclude 0 on opposite sides: the signs differ beyond noise.
            if c.excludes_zero and np.sign(c.estimate) != np.sign(main[i]["effect"]):
                rows.append(
                    {"axis": a, "level": i, "main_effect": main[i]["effect"],
                     "main_low": main[i]["low"], "main_high": main[i]["high"], "within_axis": b,
                     "within_level": j, "effect": c.estimate, "se": c.se, "low": c.low,
                     "high": c.high, "df": c.df}
                )  # fmt: skip
    return _by_size(_frame(rows, REVERSAL_COLUMNS), "effect")


@dataclass(frozen=True)
class _Configs:
    """Configuration means, replicate counts, own variances as arrays, each axis's levels,
    pooled noise."""

    means: np.ndarray
    counts: np.ndarray
    own: np.ndarray
    levels: dict[str, np.ndarray]
    noise: PooledNoise

    @classmethod
    def having(cls, cells: pd.DataFrame, axes: list[str]) -> _Configs:
        """The configurations of `cells` (config_means) where none of `axes` is NaN."""
        have = cells[cells[axes].notna().all(axis=1)]
        levels = {axis: have[axis].to_numpy() for axis in axes}
        return cls(have["mean"].to_numpy(), have["n"].to_numpy(), have["own"].to_numpy(),
                   levels, noise_of(have))  # fmt: skip

    def contrast(self, weights: np.ndarray, confidence: float) -> Contrast:
        return linear_contrast(
            self.means, self.counts, weights, self.noise, confidence=confidence, own=self.own
        )

    def test(self, weights: np.ndarray) -> FTest:
        return contrast_test(self.means, self.counts, weights, self.noise, own=self.own)


def _level_weights(configs: _Configs, axis: str) -> list[tuple[Any, np.ndarray]]:
    """Each level of `axis` with the weights of its effect (level average - overall)."""
    labels = configs.levels[axis]
    overall = average_weights(np.ones(len(labels)))
    return [(level, average_weights(labels == level) - overall) for level in pd.unique(labels)]


def _interaction_weights(configs: _Configs, a: str, b: str) -> list[tuple[tuple, np.ndarray]]:
    """Each (i, j) cell of axes a and b present, with the weights of its interaction."""
    pairs = zip(configs.levels[a], configs.levels[b], strict=True)
    grand = average_weights(np.ones(len(configs.means)))
    weights = []
    for i, j in dict.fromkeys(pairs):
        in_a, in_b = configs.levels[a] == i, configs.levels[b] == j
        w = average_weights(in_a & in_b) - average_weights(in_a) - average_weights(in_b) + grand
        weights.append(((i, j), w))
    return weights


def _within_weights(configs: _Configs, a: str, b: str) -> list[tuple[Any, Any, np.ndarray]]:
    """Each (i, j) cell with the weights of a = i's effect within b = j."""
    pairs = zip(configs.levels[a], configs.levels[b], strict=True)
    result = []
    for i, j in dict.fromkeys(pairs):
        in_b = configs.levels[b] == j
        result.append(
            (i, j, average_weights((configs.levels[a] == i) & in_b) - average_weights(in_b))
        )
    return result


def _axis_effects(configs: _Configs, axis: str, confidence: float) -> list[dict]:
    labels = configs.levels[axis]
    weights = _level_weights(configs, axis)
    # one level: no contrast, no claim (max 1 keeps the confidence defined)
    claims = max(distinct_claims([w for _, w in weights]), 1)
    level_confidence = bonferroni_confidence(confidence, claims)
    rows = []
    for level, w in weights:
        members = labels == level
        c = configs.contrast(w, level_confidence)
        rows.append(
            {"axis": axis, "level": level, "mean": float(configs.means[members].mean()),
             "effect": c.estimate, "se": c.se, "low": c.low, "high": c.high,
             "n_configs": int(members.sum()), "n_runs": int(configs.counts[members].sum()),
             "df": c.df, "distinguishable": _distinguishable(c)}
        )  # fmt: skip
    return rows


def _test_row(test: FTest) -> dict[str, Any]:
    return {"statistic": test.statistic, "df_effect": test.df_effect,
            "df_noise": test.df_noise, "p": test.p}  # fmt: skip


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
