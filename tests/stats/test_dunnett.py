"""The one-sided Dunnett constant against the t quantile and the multivariate t."""

import math

import numpy as np
import pytest
from scipy import stats

from trainlab.errors import ConfigError
from trainlab.stats import one_sided_dunnett


@pytest.mark.parametrize("df", [2, 8.5, 162])
def test_one_comparison_is_the_one_sided_t_quantile(df):
    assert one_sided_dunnett(1, df) == pytest.approx(stats.t.ppf(0.95, df), rel=1e-9)


@pytest.mark.parametrize(("m", "df"), [(2, 4), (3, 8), (5, 2.5), (10, 40), (3, math.inf)])
def test_constant_holds_the_multivariate_t_at_its_confidence(m, df):
    """Dunnett (1955): m comparisons with one reference, correlation 1/2."""
    d = one_sided_dunnett(m, df)
    shape = np.full((m, m), 0.5) + 0.5 * np.eye(m)
    if math.isinf(df):
        coverage = stats.multivariate_normal(cov=shape).cdf(np.full(m, d), rng=1)
    else:
        coverage = stats.multivariate_t(shape=shape, df=df).cdf(
            np.full(m, d), random_state=1, maxpts=400_000
        )
    assert coverage == pytest.approx(0.95, abs=2e-4)
    assert d > stats.t.ppf(0.95, df)  # wider than one comparison, narrower than Bonferroni
    assert d < stats.t.ppf(1 - 0.05 / m, df)


def test_dunnett_table_values():
    # Dunnett's (1955) one-sided table, alpha 0.05, infinite df: 1.92 (m = 2), 2.06 (m = 3).
    assert one_sided_dunnett(2, math.inf) == pytest.approx(1.916, abs=1e-3)
    assert one_sided_dunnett(3, math.inf) == pytest.approx(2.062, abs=1e-3)


def test_bad_arguments_are_refused():
    with pytest.raises(ConfigError, match="m must be"):
        one_sided_dunnett(0, 5)
    with pytest.raises(ConfigError, match="df must be"):
        one_sided_dunnett(3, 0)
