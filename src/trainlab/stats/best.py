"""The best configuration and those that seed noise cannot tell apart from it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trainlab.errors import ConfigError
from trainlab.stats.contrasts import (
    PooledNoise,
    bonferroni_confidence,
    config_means,
    linear_contrast,
    noise_of,
)
from trainlab.stats.replicates import Estimate, t_interval
from trainlab.stats.table import check_confidence, usable_runs

# What `best_set` says of each configuration, in the words every report shows.
STANDING_WORDS = {
    "best": "best",
    "indistinguishable": "within seed noise of the best",
    "worse": "worse",
    "unknown": "noise unknown: one seed",
}
BEST_COLUMNS = ["point", "mean", "n", "difference", "low", "high", "indistinguishable", "verdict"]


@dataclass(frozen=True)
class BestSet:
    """The best configuration by mean and how every configuration compares with it.

    `table` has one row per configuration, best first: point, mean, n, difference
    (mean - best mean), low, high, indistinguishable and verdict: "best",
    "indistinguishable" (interval contains 0), "worse" (interval excludes 0) or
    "unknown" (no seed-noise estimate: every configuration has one replicate;
    indistinguishable is then NA).
    """

    point: str
    estimate: Estimate
    table: pd.DataFrame
    noise: PooledNoise

    @property
    def members(self) -> list[str]:
        """The best configuration and those indistinguishable from it."""
        verdicts = self.table["verdict"]
        return self.table["point"][verdicts.isin(["best", "indistinguishable"])].tolist()


def best_set(
    runs: pd.DataFrame,
    metric: str,
    *,
    higher_is_better: bool = False,
    point: str = "point",
    status: str = "status",
    confidence: float = 0.95,
) -> BestSet:
    """The configuration with the best mean `metric` and those indistinguishable from it.

    For every other configuration c the contrast mean_c - mean_best gets a t-interval under
    the seed noise pooled over all configurations; c is indistinguishable when it contains
    0. The k - 1 intervals are simultaneous (Bonferroni over them, each at confidence
    1 - (1 - confidence) / (k - 1)); the best is picked by the same data, so its lead is
    optimistic and a wide set is the honest answer. The best's own `estimate` is the
    t-interval over its replicates. Ties go to the configuration that appears first.
    """
    check_confidence(confidence)
    cells = config_means(runs, metric, point=point, status=status)
    if cells.empty:
        raise ConfigError(
            f"runs has no completed or stopped run with a finite {metric!r}; "
            "there is no best configuration"
        )
    noise = noise_of(cells)
    ranking = -cells["mean"] if higher_is_better else cells["mean"]
    order = np.argsort(ranking.to_numpy(), kind="stable")
    cells = cells.iloc[order]
    means, counts = cells["mean"].to_numpy(), cells["n"].to_numpy()
    level = bonferroni_confidence(confidence, max(len(cells) - 1, 1))
    rows = []
    for position in range(len(cells)):
        weights = np.zeros(len(cells))
        weights[position] += 1
        weights[0] -= 1
        c = linear_contrast(means, counts, weights, noise, confidence=level)
        rows.append(
            {"point": cells.index[position], "mean": means[position], "n": int(counts[position]),
             "difference": c.estimate, "low": c.low, "high": c.high,
             **_standing(position, c.low, c.high, noise)}
        )  # fmt: skip
    table = pd.DataFrame(rows, columns=BEST_COLUMNS)
    table["indistinguishable"] = table["indistinguishable"].astype("boolean")
    best = cells.index[0]
    ok = usable_runs(runs, metric, status=status)
    estimate = t_interval(ok.loc[ok[point] == best, metric].to_numpy(), confidence)
    return BestSet(best, estimate, table, noise)


def _standing(position: int, low: float, high: float, noise: PooledNoise) -> dict:
    if position == 0:
        return {"indistinguishable": True, "verdict": "best"}
    if noise.df == 0:
        return {"indistinguishable": None, "verdict": "unknown"}
    inside = low <= 0 <= high
    return {"indistinguishable": inside, "verdict": "indistinguishable" if inside else "worse"}
