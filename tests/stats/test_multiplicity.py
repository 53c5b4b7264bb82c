"""Holm's step-down, Bonferroni, and counting the claims a family really makes."""

import itertools

import numpy as np
import pytest

from trainlab.errors import ConfigError
from trainlab.stats import bonferroni_confidence, distinct_claims, holm


def _holm_slow(p, alpha):
    """Holm (1979) as written: step down the sorted p-values, stop at the first failure."""
    order = sorted(range(len(p)), key=lambda i: p[i])
    rejected = set()
    for step, i in enumerate(order):
        if p[i] > alpha / (len(p) - step):
            break
        rejected.add(i)
    return rejected


@pytest.mark.parametrize("seed", range(20))
def test_holm_adjusted_p_values_reject_what_the_step_down_rejects(seed):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0, 0.2, size=rng.integers(1, 9)).tolist()
    adjusted = holm(p)
    for alpha in (0.01, 0.05, 0.1):
        assert {i for i, a in enumerate(adjusted) if a <= alpha} == _holm_slow(p, alpha)


def test_holm_values_and_missing_p_values():
    # m = 3: 3 x 0.01, max(0.03, 2 x 0.04), max(0.08, 0.2).
    assert holm([0.04, 0.01, 0.2]) == pytest.approx([0.08, 0.03, 0.2])
    adjusted = holm([0.02, np.nan, 0.03])  # no noise estimate: no test, not counted
    assert np.isnan(adjusted[1]) and adjusted[[0, 2]] == pytest.approx([0.04, 0.04])
    assert holm([0.6, 0.7]).tolist() == [1.0, 1.0]
    assert holm([]).size == 0
    with pytest.raises(ConfigError, match=r"lie in \[0, 1\]"):
        holm([1.5])


def test_bonferroni_confidence():
    assert bonferroni_confidence(0.95, 1) == pytest.approx(0.95)
    assert bonferroni_confidence(0.95, 4) == pytest.approx(0.9875)
    with pytest.raises(ConfigError, match="positive number"):
        bonferroni_confidence(0.95, 0)


def _level_weights(sizes):
    """Weights of each level's effect (level average - overall) with `sizes` configurations."""
    labels = np.repeat(np.arange(len(sizes)), sizes)
    overall = np.full(len(labels), 1 / len(labels))
    return [np.where(labels == k, 1 / n, 0.0) - overall for k, n in enumerate(sizes)]


def _interaction_weights(a, b):
    cells = list(itertools.product(range(a), range(b)))
    rows = []
    for i, j in cells:
        w = np.zeros(len(cells))
        for c, (x, y) in enumerate(cells):
            w[c] = (x == i and y == j) - (x == i) / b - (y == j) / a + 1 / len(cells)
        rows.append(w)
    return rows


def test_two_levels_and_a_2x2_interaction_are_one_claim_each():
    assert distinct_claims(_level_weights([1, 1])) == 1
    assert distinct_claims(_level_weights([1, 3])) == 1  # unequal sizes: still +-one number
    assert distinct_claims(_interaction_weights(2, 2)) == 1
    assert distinct_claims(_level_weights([2, 2, 2])) == 3
    assert distinct_claims(_interaction_weights(2, 3)) == 3  # a0 and a1 cells: +-each other
    assert distinct_claims(_interaction_weights(3, 3)) == 9
    assert distinct_claims([[0.0, 0.0], [1.0, -1.0]]) == 1  # a zero row claims nothing
