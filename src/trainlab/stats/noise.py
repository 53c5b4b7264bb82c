"""Unequal seed noise: the configurations whose spread over seeds is far from the others'.

Pooling the seed variance over configurations assumes they all share one spread. One
unstable configuration (a learning rate at the edge of divergence, say) breaks that:
pooled in, it widens every comparison; and comparisons that involve it are too narrow.
`unequal_noise` tests each configuration's variance against the pooled variance of the
others with the one-sided F-test of two variances (Cochran's test of the largest
variance, stepped down as Holm's procedure is), so a study whose configurations share
one spread flags none in 95% of cases. A flagged configuration then keeps its own
variance in every contrast (`contrasts.config_means(own_noise=...)`: Welch-Satterthwaite
df) and leaves the pool.

The F-test of variances assumes normal noise; heavy tails make it flag more often. A
flag says "look at this configuration's runs"; its cost is only wider intervals for the
comparisons that involve it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from trainlab.stats.contrasts import config_means

NOISE_CHECK_COLUMNS = [
    "point", "n", "sd", "others_sd", "ratio", "p", "p_adjusted", "flagged", "alone",
]  # fmt: skip


@dataclass(frozen=True)
class NoiseCheck:
    """Each configuration's seed sd against the others' pooled sd, and the verdict.

    `table`: one row per configuration with 2 or more runs: point, n, sd, others_sd
    (pooled over the others not flagged), ratio (sd / others_sd), p (one-sided F-test),
    p_adjusted (stepped down as Holm's, x 2 when a selected configuration takes half the
    budget; 2 p for the selected one tested alone),
    flagged (p_adjusted <= alpha) and alone (the selected configuration, tested alone).
    """

    table: pd.DataFrame
    alpha: float

    @property
    def flagged(self) -> list[str]:
        """The configurations whose seed spread is far from the others'."""
        return self.table.loc[self.table["flagged"], "point"].tolist()


def unequal_noise(
    runs: pd.DataFrame,
    metric: str,
    *,
    point: str = "point",
    status: str = "status",
    alpha: float = 0.05,
    selected: str | None = None,
) -> NoiseCheck:
    """Flag the configurations whose seed variance exceeds the pooled rest's.

    For configuration c with n_c >= 2 runs: F = s_c^2 / s_rest^2, s_rest^2 the variance
    pooled over the other configurations not flagged yet (df_rest = sum (n - 1) over them,
    at least 1); p = P(F' >= F), F' ~ F(n_c - 1, df_rest): the F-test of two variances,
    one-sided, as Cochran's test of the largest variance. Step down as Holm does: at step
    r the smallest p of the m - r + 1 configurations left is flagged when
    p (m - r + 1) <= alpha, and the rest are tested again without it (an unstable
    configuration left in the pool would hide another). Under one shared spread the
    first step is Bonferroni over m, so a study flags nothing in 1 - alpha of cases.
    A spread too small is not flagged: the pooled variance overstates it, which errs
    on the safe side.

    `selected` (the best, chosen by its mean) is also tested alone when the family did
    not flag it: its spread decides every comparison with the best and the best's own
    interval, and a configuration with a large spread is the likeliest to come out best
    by chance. The budget is split (weighted Bonferroni): the selected one alone at
    alpha / 2, the family at alpha / 2, so a study of one shared spread flags nothing in
    1 - alpha of cases still. Under normal noise a sample variance is independent of its
    mean, so choosing the configuration by its mean leaves its test exact.
    """
    cells = config_means(runs, metric, point=point, status=status)
    names = cells.index.to_numpy()
    # weighted Bonferroni: half the budget to the selected one alone, half to the family;
    # adjusted p-values carry the factor, so flagged is p_adjusted <= alpha in both
    share = 2.0 if selected is not None else 1.0
    n, ss = cells["n"].to_numpy(), cells["ss"].to_numpy(float)
    in_pool = np.ones(len(cells), dtype=bool)  # not flagged yet
    testable = n >= 2
    flagged: list[int] = []
    p = np.full(len(cells), np.nan)
    adjusted = np.full(len(cells), np.nan)
    others = np.full(len(cells), np.nan)
    while True:
        # each configuration against the pool without it: sums over the pool minus its own
        df_rest = (n - 1)[in_pool].sum() - np.where(in_pool, n - 1, 0)
        ss_rest = ss[in_pool].sum() - np.where(in_pool, ss, 0.0)
        step = testable & in_pool & (df_rest >= 1)
        if not step.any():
            break
        own = ss[step] / (n[step] - 1)
        rest = ss_rest[step] / df_rest[step]
        p[step] = [_upper_p(o, r, d, e) for o, r, d, e in
                   zip(own, rest, n[step] - 1, df_rest[step], strict=True)]  # fmt: skip
        others[step] = rest
        # Holm's adjusted p-values never decrease along the steps
        floor = max((adjusted[i] for i in flagged), default=0.0)
        adjusted[step] = np.maximum(np.minimum(1.0, p[step] * step.sum() * share), floor)
        worst = int(np.flatnonzero(step)[np.argmin(p[step])])
        if adjusted[worst] > alpha:
            break
        flagged.append(worst)
        in_pool[worst] = False
    alone = np.zeros(len(cells), dtype=bool)
    if selected is not None and selected in set(names):
        i = int(np.flatnonzero(names == selected)[0])
        if in_pool[i] and not np.isnan(p[i]):
            alone[i] = True
            adjusted[i] = min(1.0, p[i] * share)
            in_pool[i] = adjusted[i] > alpha
    done = ~np.isnan(p)
    sd = np.sqrt(ss / np.maximum(n - 1, 1))
    table = pd.DataFrame(
        {"point": names[done], "n": n[done].astype(int), "sd": sd[done],
         "others_sd": np.sqrt(others[done]),
         "ratio": [_ratio(o**2, r) for o, r in zip(sd[done], others[done], strict=True)],
         "p": p[done], "p_adjusted": adjusted[done], "flagged": ~in_pool[done],
         "alone": alone[done]},
        columns=NOISE_CHECK_COLUMNS,
    )  # fmt: skip
    return NoiseCheck(table, alpha)


def _ratio(own: float, rest: float) -> float:
    if rest > 0:
        return math.sqrt(own / rest)
    return 1.0 if own == 0 else math.inf


def _upper_p(own: float, rest: float, df_own: int, df_rest: int) -> float:
    if rest == 0:
        return 1.0 if own == 0 else 0.0  # every other configuration repeats itself exactly
    return float(stats.f.sf(own / rest, df_own, df_rest))
