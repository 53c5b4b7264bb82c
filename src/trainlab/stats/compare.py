"""Answer one question of a study ("is Adam different from AdamW?") with a verdict over seeds."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trainlab.errors import ConfigError
from trainlab.stats.contrasts import (
    combine_noise,
    config_means,
    interval_at,
    linear_contrast,
    noise_of,
)
from trainlab.stats.planning import repeats_needed
from trainlab.stats.replicates import t_interval
from trainlab.stats.table import check_confidence, column_names, require_column, usable_runs

# The power the "inconclusive" note plans seeds for.
PLANNING_POWER = 0.8


@dataclass(frozen=True)
class Comparison:
    """Side A minus side B with its interval, the analysis used and the verdict.

    verdict: "equivalent" (the two one-sided tests: the 1 - 2 alpha interval
    [tost_low, tost_high] lies inside [-margin, margin], even if the 1 - alpha interval
    also excludes 0; or two or more pairs, all exactly equal), "differs" (the interval
    [low, high] excludes 0), else "inconclusive". `smallest_margin` is the margin that
    would have made it equivalent (the larger end of the 1 - 2 alpha interval, in size).
    `seeds` counts the seeds that ran; `seeds_needed`, when inconclusive, the seeds that
    would decide (80% power; None when they cannot be planned). `note` says how the
    difference was analysed and, when inconclusive, both numbers in words.
    """

    difference: float
    low: float
    high: float
    df: float
    n_a: int
    n_b: int
    paired: bool
    verdict: str
    note: str
    tost_low: float = math.nan
    tost_high: float = math.nan
    seeds: int = 0
    seeds_needed: int | None = None

    @property
    def smallest_margin(self) -> float:
        """The smallest margin that makes this comparison "equivalent" (NaN without noise)."""
        return max(abs(self.tost_low), abs(self.tost_high))


def compare(
    runs_a: pd.DataFrame,
    runs_b: pd.DataFrame,
    metric_a: str,
    metric_b: str | None = None,
    *,
    pair_on: str | Sequence[str] | None = None,
    margin: float | None = None,
    confidence: float = 0.95,
    point: str = "point",
    status: str = "status",
    seed: str = "seed",
    own_noise: Collection[str] = (),
) -> Comparison:
    """Difference of `metric_a` over `runs_a` minus `metric_b` over `runs_b`, with a verdict.

    Paired when `pair_on` matches the usable runs one to one (every A run to exactly one B
    run with the same values in those columns and vice versa; e.g. the other axes plus
    "seed", or the same runs on two metrics): a t-interval over the n paired differences,
    n - 1 df. Otherwise independent: the average of A's configuration means minus the
    average of B's (each configuration weighted equally), a linear contrast with the seed
    noise pooled over both sides' configurations (those in `own_noise` keep their own
    variance: Welch); the note says why pairing failed.

    "differs" reads the `confidence` interval; "equivalent" the two one-sided tests
    (Schuirmann 1987) at level alpha = 1 - confidence each, that is the 1 - 2 alpha
    interval inside +-margin.

    Args:
        metric_b: defaults to `metric_a`.
        pair_on: columns whose values identify a run's partner on the other side.
        margin: the largest difference that does not matter in practice (> 0); enables
            the "equivalent" verdict.
        seed: the column naming each run's seed, to plan in seeds (pairs per seed).
    """
    metric_b = metric_a if metric_b is None else metric_b
    check_confidence(confidence)
    if margin is not None and not (math.isfinite(margin) and margin > 0):
        raise ConfigError(f"margin must be a finite number > 0 or None, got {margin!r}")
    a = _side(runs_a, metric_a, "runs_a", status)
    b = _side(runs_b, metric_b, "runs_b", status)
    pairs, why_unpaired = (
        (None, "") if pair_on is None else _pairs(a, b, metric_a, metric_b, pair_on)
    )
    if pairs is not None:
        analysis = _paired(pairs, column_names(pair_on), confidence)
    else:
        cells_a = config_means(a, metric_a, point=point, status=status, own_noise=own_noise)
        cells_b = config_means(b, metric_b, point=point, status=status, own_noise=own_noise)
        analysis = _independent(cells_a, cells_b, confidence, why_unpaired)
    tost = interval_at(analysis.difference, analysis.se, analysis.df, 1 - 2 * (1 - confidence))
    verdict = _verdict(analysis.low, analysis.high, tost, margin)
    note = analysis.note
    if pairs is not None and len(pairs) > 1 and not pairs.any():
        # Bit-identical pairs: the two settings ran the same computation, whatever the margin.
        verdict = "equivalent"
        note += "; every pair is exactly equal: both sides computed the same numbers"
    seeds = _seeds(a, b, seed)
    needed = None
    if verdict == "inconclusive":
        plan = _Plan(analysis.planning_sd, analysis.difference, margin, confidence,
                     seeds=seeds, pairs=None if pairs is None else len(pairs))  # fmt: skip
        needed = plan.seeds_needed()
        note += _smallest_margin_words(tost, confidence) + "; " + plan.words(needed)
    elif verdict == "equivalent" and margin is not None and (analysis.low > 0 or analysis.high < 0):
        note += "; a difference beyond seed noise, but smaller than the margin"
    return Comparison(
        analysis.difference, analysis.low, analysis.high, analysis.df, len(a), len(b),
        pairs is not None, verdict, note, tost[0], tost[1], seeds, needed,
    )  # fmt: skip


@dataclass(frozen=True)
class _Analysis:
    difference: float
    se: float
    low: float
    high: float
    df: float
    # The per-side seed sd of two single configurations with the same contrast variance.
    planning_sd: float
    note: str


def _paired(pairs: np.ndarray, keys: list[str], confidence: float) -> _Analysis:
    e = t_interval(pairs, confidence)
    se = e.sd / math.sqrt(e.n) if e.n > 1 else math.nan
    # sd of a difference of two runs = sqrt(2) * per-side sd.
    planning_sd = e.sd / math.sqrt(2)
    return _Analysis(
        e.mean, se, e.low, e.high, e.df, planning_sd,
        f"{e.n} pairs matched on {', '.join(keys)}",
    )  # fmt: skip


def _independent(
    cells_a: pd.DataFrame, cells_b: pd.DataFrame, confidence: float, why_unpaired: str
) -> _Analysis:
    k_a, k_b = len(cells_a), len(cells_b)
    noise = combine_noise(noise_of(cells_a), noise_of(cells_b))
    weights = np.concatenate([np.full(k_a, 1 / k_a), np.full(k_b, -1 / k_b)])
    cells = pd.concat([cells_a, cells_b])
    means, counts, own = (cells[c].to_numpy() for c in ("mean", "n", "own"))
    c = linear_contrast(means, counts, weights, noise, confidence=confidence, own=own)
    # n replicates per configuration give variance V / n x (the n the runs had): as two
    # single configurations of sd sqrt(V n / 2) do (pooled noise: sigma sqrt((1/k_a +
    # 1/k_b) / 2) with equal replicates).
    replicates = float(np.mean(counts))
    planning_sd = c.se * math.sqrt(replicates / 2) if c.df > 0 else math.nan
    welch = int(np.sum(~np.isnan(own)))
    noise_words = (
        f"seed noise pooled over {c.df:g} df" if not welch
        else f"Welch df {c.df:.1f}: {welch} configuration(s) with their own seed noise"
    )  # fmt: skip
    note = f"independent: {k_a} vs {k_b} configurations, {noise_words}" + why_unpaired
    return _Analysis(c.estimate, c.se, c.low, c.high, c.df, planning_sd, note)


def _side(runs: pd.DataFrame, metric: str, argument: str, status: str) -> pd.DataFrame:
    ok = usable_runs(runs, metric, status=status)
    if ok.empty:
        raise ConfigError(
            f"{argument} has no completed or stopped run with a finite {metric!r}; "
            "there is nothing to compare"
        )
    return ok


def _pairs(
    a: pd.DataFrame, b: pd.DataFrame, metric_a: str, metric_b: str, pair_on: str | Sequence[str]
) -> tuple[np.ndarray | None, str]:
    """The paired differences A - B, or None and the reason the runs do not pair."""
    keys = column_names(pair_on)
    if not keys:
        raise ConfigError("pair_on must name at least one column, got an empty list")
    for key in keys:
        require_column(a, key, argument="pair_on")
        require_column(b, key, argument="pair_on")
    for side, name in ((a, "A"), (b, "B")):
        if side.duplicated(keys).any():
            return None, f" (not paired: several {name} runs share one {keys} value)"
    # pandas merges NaN keys with NaN keys: a sub-grid without an axis still pairs.
    merged = pd.merge(
        a[keys].assign(_a=a[metric_a].to_numpy()), b[keys].assign(_b=b[metric_b].to_numpy()),
        on=keys, how="inner",
    )  # fmt: skip
    if len(merged) < max(len(a), len(b)):
        return None, (
            f" (not paired: {len(a) - len(merged)} A runs and {len(b) - len(merged)} B runs "
            f"have no partner on {keys})"
        )
    return (merged["_a"] - merged["_b"]).to_numpy(), ""


def _verdict(low: float, high: float, tost: tuple[float, float], margin: float | None) -> str:
    # A real difference smaller than the margin is "equivalent": it does not matter.
    if margin is not None and -margin <= tost[0] and tost[1] <= margin:
        return "equivalent"
    if low > 0 or high < 0:
        return "differs"
    return "inconclusive"


def _seeds(a: pd.DataFrame, b: pd.DataFrame, seed: str) -> int:
    """The seeds both sides ran (0 when the runs do not say their seed)."""
    if seed not in a or seed not in b:
        return 0
    return int(pd.concat([a[seed], b[seed]]).nunique())


def _smallest_margin_words(tost: tuple[float, float], confidence: float) -> str:
    if not all(math.isfinite(x) for x in tost):
        return ""
    smallest = max(abs(tost[0]), abs(tost[1]))
    level = 1 - 2 * (1 - confidence)
    return (
        f"; it would be equivalent with a margin of {smallest:.2g} or more (the reach of its "
        f"{level:.0%} interval)"
    )


@dataclass(frozen=True)
class _Plan:
    """The seeds that would settle an inconclusive comparison, in seeds (not pairs)."""

    sd: float
    difference: float
    margin: float | None
    confidence: float
    seeds: int
    pairs: int | None  # paired: the pairs the runs made; None: independent

    @property
    def target(self) -> float:
        return self.margin if self.margin is not None else abs(self.difference)

    def seeds_needed(self) -> int | None:
        """Replicates from the t-test's power; paired: pairs needed / pairs per seed."""
        if not math.isfinite(self.sd) or self.target == 0:
            return None
        n = repeats_needed(self.sd, self.target, confidence=self.confidence,
                           power=PLANNING_POWER, paired=self.pairs is not None)  # fmt: skip
        if self.pairs is None or not self.seeds:
            return n
        return math.ceil(n / (self.pairs / self.seeds))

    def words(self, needed: int | None) -> str:
        if not math.isfinite(self.sd):
            return (
                "no seed-noise estimate (one replicate per configuration): "
                "run at least 2 seeds per configuration"
            )
        if needed is None:
            return "the observed difference is exactly 0: give a margin to plan seeds"
        per_seed = ""
        if self.pairs and self.seeds:
            n = self.pairs / self.seeds
            per_seed = f"; {n:g} pair{'' if n == 1 else 's'} per seed"
        power = f"with {PLANNING_POWER:.0%} power (seed sd {self.sd:.2g}{per_seed})"
        if self.seeds and needed <= self.seeds:
            return (
                f"the {self.seeds} seeds run would find a difference of {self.target:.3g} "
                f"{power} if the seed sd were as measured; measured over so few seeds it is "
                "uncertain: run more seeds"
            )
        more = f" ({needed - self.seeds} more than the {self.seeds} run)" if self.seeds else ""
        return f"about {needed} seeds{more} would find a difference of {self.target:.3g} {power}"
