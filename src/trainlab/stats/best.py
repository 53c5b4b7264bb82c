"""The best configuration, those seed noise cannot tell apart from it, and its honest interval.

The best is chosen by the same seeds that measure it, so two things go wrong when its
numbers are read as if it had been chosen in advance (the winner's curse): its lead
over the others looks surer than it is, and its own interval, the best of k draws,
sits too far on the good side. `best_set` answers both:

- comparisons with the best by Hsu's MCB (multiple comparisons with the best; Hsu
  1996, ch. 4): configuration i is ruled out as the best when its difference from the
  best of the others clears d standard errors, d the one-sided Dunnett constant for
  k - 1 comparisons (`dunnett.one_sided_dunnett`). With 95% confidence the best
  configuration is among those not ruled out, whichever the data made the best. The
  claim about one ruled out is "it is not better than the best of the others": a
  configuration tied with the best can be ruled out (the tie satisfies the claim), so
  the report says "ruled out as the best", not "worse";
- the mean of every configuration with an interval simultaneous over all k
  (Bonferroni, each at 1 - alpha / k), so the interval of whichever configuration the
  seeds select still covers its mean with 95% confidence. The cure for the width is
  new seeds: `trainlab confirm` reruns the top configurations on seeds that did not
  select them.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from trainlab.errors import ConfigError
from trainlab.stats.contrasts import PooledNoise, config_means, linear_contrast, noise_of
from trainlab.stats.dunnett import one_sided_dunnett
from trainlab.stats.multiplicity import bonferroni_confidence
from trainlab.stats.replicates import Estimate
from trainlab.stats.table import check_confidence

# What `best_set` says of each configuration, in the words every report shows.
STANDING_WORDS = {
    "best": "best",
    "indistinguishable": "within seed noise of the best",
    "worse": "ruled out as the best",
    "unknown": "noise unknown: one seed",
}
BEST_COLUMNS = [
    "point", "mean", "n", "mean_low", "mean_high", "difference", "low", "high",
    "indistinguishable", "verdict",
]  # fmt: skip


@dataclass(frozen=True)
class BestSet:
    """The best configuration by mean and how every configuration compares with it.

    `table` has one row per configuration, best first: point, mean, n, mean_low and
    mean_high (its mean's interval, simultaneous over the k configurations), difference
    (mean - best mean) with low and high (Hsu's MCB bounds: difference -+ d se),
    indistinguishable and verdict: "best", "indistinguishable" (the MCB interval
    reaches 0: it may be the best), "worse" (it does not: ruled out as the best) or
    "unknown" (no seed-noise estimate; then
    indistinguishable is NA). `estimate` is the best's row as an Estimate: the interval
    that holds for the configuration the seeds selected. `exact` says whether d is
    Dunnett's exact constant (equal replicates, one pooled noise) or the conservative
    Bonferroni one-sided t (otherwise).
    """

    point: str
    estimate: Estimate
    table: pd.DataFrame
    noise: PooledNoise
    exact: bool = True

    @property
    def members(self) -> list[str]:
        """The best configuration and those indistinguishable from it."""
        verdicts = self.table["verdict"]
        return self.table["point"][verdicts.isin(["best", "indistinguishable"])].tolist()

    @property
    def selected_from(self) -> int:
        """How many configurations the best was selected from."""
        return len(self.table)


def best_set(
    runs: pd.DataFrame,
    metric: str,
    *,
    higher_is_better: bool = False,
    point: str = "point",
    status: str = "status",
    confidence: float = 0.95,
    own_noise: Collection[str] = (),
) -> BestSet:
    """The configuration with the best mean `metric` and those indistinguishable from it.

    For every other configuration c, the difference mean_c - mean_best gets the MCB
    bounds difference -+ d se (se under the pooled seed noise, or Welch where a
    configuration in `own_noise` keeps its own variance); c is ruled out as the best
    ("worse") when they exclude 0. d is the one-sided Dunnett constant for k - 1
    comparisons when every configuration has the same replicates and shares the pooled
    noise, else the
    one-sided t at Bonferroni level 1 - alpha / (k - 1) with each difference's df, which
    is larger and so safe. Each configuration's mean gets the interval
    mean +- t_{1 - alpha / (2k), df} sqrt(v_c / n_c), simultaneous over the k. Ties go to
    the configuration that appears first.
    """
    check_confidence(confidence)
    cells = config_means(runs, metric, point=point, status=status, own_noise=own_noise)
    if cells.empty:
        raise ConfigError(
            f"runs has no completed or stopped run with a finite {metric!r}; "
            "there is no best configuration"
        )
    noise = noise_of(cells)
    ranking = -cells["mean"] if higher_is_better else cells["mean"]
    cells = cells.iloc[np.argsort(ranking.to_numpy(), kind="stable")]
    means, counts, own = (cells[c].to_numpy() for c in ("mean", "n", "own"))
    k = len(cells)
    exact = bool(np.isnan(own).all() and (counts == counts[0]).all())
    mean_level = bonferroni_confidence(confidence, k)
    worse_sign = -1.0 if higher_is_better else 1.0  # the sign of a worse difference
    rows = []
    for position in range(k):
        weights = np.zeros(k)
        weights[position] += 1
        mean_c = linear_contrast(means, counts, weights, noise, confidence=mean_level, own=own)
        weights[0] -= 1
        diff = linear_contrast(means, counts, weights, noise, own=own)
        d = _constant(k, diff.df, confidence, exact=exact) if position else math.nan
        low, high = diff.estimate - d * diff.se, diff.estimate + d * diff.se
        rows.append(
            {"point": cells.index[position], "mean": means[position],
             "n": int(counts[position]), "mean_low": mean_c.low, "mean_high": mean_c.high,
             "difference": diff.estimate, "low": low if position else 0.0,
             "high": high if position else 0.0,
             **_standing(position, worse_sign * diff.estimate - d * diff.se, diff.df)}
        )  # fmt: skip
    table = pd.DataFrame(rows, columns=BEST_COLUMNS)
    table["indistinguishable"] = table["indistinguishable"].astype("boolean")
    best = table.iloc[0]
    ss = float(cells["ss"].iloc[0])  # the best's own squared deviations from its mean
    sd = math.sqrt(ss / (counts[0] - 1)) if counts[0] > 1 else math.nan
    df = (counts[0] - 1) if not np.isnan(own[0]) else noise.df
    estimate = Estimate(float(best["mean"]), float(best["mean_low"]), float(best["mean_high"]),
                        sd, int(best["n"]), int(df))  # fmt: skip
    return BestSet(str(best["point"]), estimate, table, noise, exact)


def _constant(k: int, df: float, confidence: float, *, exact: bool) -> float:
    """The MCB constant: Dunnett's for k - 1 comparisons, or its Bonferroni bound."""
    if not df > 0:
        return math.nan
    if exact:
        return one_sided_dunnett(k - 1, df, confidence)
    return float(stats.t.ppf(1 - (1 - confidence) / max(k - 1, 1), df))


def _standing(position: int, margin: float, df: float) -> dict:
    """`margin`: how far the difference is on the worse side beyond d se."""
    if position == 0:
        return {"indistinguishable": True, "verdict": "best"}
    if not df > 0:
        return {"indistinguishable": None, "verdict": "unknown"}
    inside = not margin > 0
    return {"indistinguishable": inside, "verdict": "indistinguishable" if inside else "worse"}
