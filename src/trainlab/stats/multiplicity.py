"""Error budgets over families of claims: Holm's step-down, Bonferroni, and claim counts.

A report makes many claims from one study; each kind of claim ("this axis matters",
"these two axes interact", "these answers along an axis differ") spends one error
budget (5%) over all of its claims, so the chance of any false claim of that kind
stays at 5% however many axes, pairs or levels the study has. Two standard tools:

- Holm (1979), for a family of tests: sort the m p-values, compare the r-th smallest
  with alpha / (m - r + 1), stop at the first that fails. It controls the family-wise
  error at alpha under any dependence between the tests (ours share one seed-noise
  estimate and the same runs, so a rule that needs independence, or the positive
  dependence Hochberg and Benjamini-Hochberg rely on, would not be safe), and it
  rejects everything Bonferroni rejects and more.
- Bonferroni, for a family of intervals shown side by side: each at confidence
  1 - alpha / k, so all k hold together with 1 - alpha and a verdict read from an
  interval always agrees with the interval shown.

Counting k: contrasts whose weights are proportional are one claim, since their t
statistics are equal in size (the two levels of an axis are +-one number; the four
cells of a 2 x 2 interaction are +-one number). Counting them apart would spend a half
or a quarter of the budget and cost power for nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from trainlab.errors import ConfigError
from trainlab.stats.table import check_confidence

# Two weight vectors are parallel when |cos| is this close to 1 (weights are sums of
# 1/k fractions: exact dependence shows as |cos| = 1 to ~1e-15).
PARALLEL_TOLERANCE = 1e-9


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values: reject claim i at level alpha when adjusted p_i <= alpha.

    For the sorted p_(1) <= ... <= p_(m): adjusted p_(r) = max over s <= r of
    min(1, (m - s + 1) p_(s)). NaN p-values (a claim with no noise estimate) stay NaN and
    do not count in m.
    """
    p = np.asarray(p_values, dtype=float)
    if p.ndim != 1:
        raise ConfigError(f"p_values must be one-dimensional, got shape {p.shape}")
    finite = ~np.isnan(p)
    if ((p[finite] < 0) | (p[finite] > 1)).any():
        raise ConfigError(f"p_values must lie in [0, 1], got {p[finite].tolist()}")
    adjusted = np.full(p.shape, np.nan)
    values = p[finite]
    m = values.size
    if m == 0:
        return adjusted
    order = np.argsort(values, kind="stable")
    steps = np.minimum(1.0, (m - np.arange(m)) * values[order])
    result = np.empty(m)
    result[order] = np.maximum.accumulate(steps)
    adjusted[finite] = result
    return adjusted


def bonferroni_confidence(confidence: float, k: int) -> float:
    """Per-interval confidence so that k intervals hold together with `confidence`.

    Bonferroni: 1 - (1 - confidence) / k, family-wise error <= 1 - confidence.
    """
    check_confidence(confidence)
    if k < 1:
        raise ConfigError(f"k must be a positive number of intervals, got {k!r}")
    return 1 - (1 - confidence) / k


def distinct_claims(weights: Sequence[Sequence[float]] | np.ndarray) -> int:
    """How many of the contrasts (rows of `weights`) are different claims.

    Rows that are proportional to each other (w_i = c w_j, any c != 0) make one claim:
    their t statistics are the same number up to sign. All-zero rows make none.
    """
    w = np.atleast_2d(np.asarray(weights, dtype=float))
    norms = np.linalg.norm(w, axis=1)
    rows = [row / norm for row, norm in zip(w, norms, strict=True) if norm > 0]
    kept: list[np.ndarray] = []
    for row in rows:
        if not any(abs(float(row @ other)) > 1 - PARALLEL_TOLERANCE for other in kept):
            kept.append(row)
    return len(kept)
