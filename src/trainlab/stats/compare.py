"""Answer one question of a study ("is Adam different from AdamW?") with a verdict over seeds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trainlab.errors import ConfigError
from trainlab.stats.contrasts import combine_noise, config_means, linear_contrast, noise_of
from trainlab.stats.planning import repeats_needed
from trainlab.stats.replicates import t_interval
from trainlab.stats.table import check_confidence, column_names, require_column, usable_runs

# The power the "inconclusive" note plans repeats for.
PLANNING_POWER = 0.8


@dataclass(frozen=True)
class Comparison:
    """Side A minus side B with its interval, the analysis used and the verdict.

    verdict: "equivalent" (the interval lies inside [-margin, margin], even if it also
    excludes 0; or two or more pairs, all exactly equal), "differs" (the interval excludes
    0), else "inconclusive". `note` says how the difference was analysed and, when
    inconclusive, how many replicates would decide.
    """

    difference: float
    low: float
    high: float
    df: int
    n_a: int
    n_b: int
    paired: bool
    verdict: str
    note: str


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
) -> Comparison:
    """Difference of `metric_a` over `runs_a` minus `metric_b` over `runs_b`, with a verdict.

    Paired when `pair_on` matches the usable runs one to one (every A run to exactly one B
    run with the same values in those columns and vice versa; e.g. the other axes plus
    "seed", or the same runs on two metrics): a t-interval over the n paired differences,
    n - 1 df. Otherwise independent: the average of A's configuration means minus the
    average of B's (each configuration weighted equally), a linear contrast with the seed
    noise pooled over both sides' configurations; the note says why pairing failed.

    Args:
        metric_b: defaults to `metric_a`.
        pair_on: columns whose values identify a run's partner on the other side.
        margin: the largest difference that does not matter in practice (> 0); enables
            the "equivalent" verdict.
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
        cells_a = config_means(a, metric_a, point=point, status=status)
        cells_b = config_means(b, metric_b, point=point, status=status)
        analysis = _independent(cells_a, cells_b, confidence, why_unpaired)
    verdict = _verdict(analysis.low, analysis.high, margin)
    note = analysis.note
    if pairs is not None and len(pairs) > 1 and not pairs.any():
        # Bit-identical pairs: the two settings ran the same computation, whatever the margin.
        verdict = "equivalent"
        note += "; every pair is exactly equal: both sides computed the same numbers"
    if verdict == "inconclusive":
        note += "; " + _plan(
            analysis.planning_sd, analysis.difference, margin, confidence, paired=pairs is not None
        )
    return Comparison(
        analysis.difference, analysis.low, analysis.high, analysis.df, len(a), len(b),
        pairs is not None, verdict, note,
    )  # fmt: skip


@dataclass(frozen=True)
class _Analysis:
    difference: float
    low: float
    high: float
    df: int
    # The per-side seed sd of two single configurations with the same contrast variance.
    planning_sd: float
    note: str


def _paired(pairs: np.ndarray, keys: list[str], confidence: float) -> _Analysis:
    e = t_interval(pairs, confidence)
    # sd of a difference of two runs = sqrt(2) * per-side sd.
    planning_sd = e.sd / math.sqrt(2)
    return _Analysis(
        e.mean, e.low, e.high, e.df, planning_sd, f"{e.n} pairs matched on {', '.join(keys)}"
    )


def _independent(
    cells_a: pd.DataFrame, cells_b: pd.DataFrame, confidence: float, why_unpaired: str
) -> _Analysis:
    k_a, k_b = len(cells_a), len(cells_b)
    noise = combine_noise(noise_of(cells_a), noise_of(cells_b))
    weights = np.concatenate([np.full(k_a, 1 / k_a), np.full(k_b, -1 / k_b)])
    means = np.concatenate([cells_a["mean"].to_numpy(), cells_b["mean"].to_numpy()])
    counts = np.concatenate([cells_a["n"].to_numpy(), cells_b["n"].to_numpy()])
    c = linear_contrast(means, counts, weights, noise, confidence=confidence)
    # n replicates per configuration give variance sigma^2 (1/k_a + 1/k_b) / n, as two
    # single configurations of sd sigma sqrt((1/k_a + 1/k_b) / 2) do.
    planning_sd = math.sqrt(noise.variance * (1 / k_a + 1 / k_b) / 2)
    note = (
        f"independent: {k_a} vs {k_b} configurations, seed noise pooled over {c.df} df"
        + why_unpaired
    )
    return _Analysis(c.estimate, c.low, c.high, c.df, planning_sd, note)


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


def _verdict(low: float, high: float, margin: float | None) -> str:
    # A real difference smaller than the margin is "equivalent": it does not matter.
    if margin is not None and -margin <= low and high <= margin:
        return "equivalent"
    if low > 0 or high < 0:
        return "differs"
    return "inconclusive"


def _plan(
    sd: float, difference: float, margin: float | None, confidence: float, *, paired: bool
) -> str:
    """How many replicates per configuration would settle an inconclusive comparison."""
    if not math.isfinite(sd):
        return (
            "no seed-noise estimate (one replicate per configuration): "
            "run at least 2 replicates per configuration"
        )
    target = margin if margin is not None else abs(difference)
    if target == 0:
        return "the observed difference is exactly 0: give a margin to plan replicates"
    n = repeats_needed(sd, target, confidence=confidence, power=PLANNING_POWER, paired=paired)
    return (
        f"about {n} replicates per configuration would find a difference of {target:.3g} "
        f"with {PLANNING_POWER:.0%} power (seed sd {sd:.2g})"
    )
