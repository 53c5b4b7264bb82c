"""The best configuration, the set seed noise cannot separate from it (Hsu's MCB), and an
interval for the best that holds although the seeds selected it."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trainlab.errors import ConfigError
from trainlab.stats import best_set, one_sided_dunnett, pooled_noise, t_interval

GROUPS = {"p1": [1.0, 1.2, 1.1], "p2": [1.15, 1.3, 1.25], "p3": [2.0, 2.1, 1.9], "p4": [1.5, 1.4]}
BALANCED = {"p1": [1.0, 1.2, 1.1], "p2": [1.15, 1.3, 1.25], "p3": [2.0, 2.1, 1.9],
            "p4": [1.5, 1.4, 1.45]}  # fmt: skip


def _runs(groups=GROUPS):
    rows = [
        {"point": p, "seed": s, "loss": y, "status": "completed"}
        for p, values in groups.items()
        for s, y in enumerate(values)
    ]
    return pd.DataFrame(rows)


def test_unequal_replicates_compare_with_the_best_at_the_bonferroni_one_sided_t():
    result = best_set(_runs(), "loss")
    assert result.point == "p1" and not result.exact
    table = result.table.set_index("point")
    assert list(table.index) == ["p1", "p2", "p4", "p3"]  # best first
    noise = pooled_noise(_runs(), "loss")
    q = stats.t.ppf(1 - 0.05 / 3, noise.df)  # one-sided, three comparisons with the best
    for point in ["p2", "p3", "p4"]:
        difference = np.mean(GROUPS[point]) - np.mean(GROUPS["p1"])
        half = q * np.sqrt(noise.variance * (1 / len(GROUPS[point]) + 1 / 3))
        row = table.loc[point]
        assert (row["difference"], row["low"], row["high"]) == pytest.approx(
            (difference, difference - half, difference + half)
        )
    assert table["verdict"].to_dict() == {
        "p1": "best", "p2": "indistinguishable", "p4": "worse", "p3": "worse"
    }  # fmt: skip
    assert result.members == ["p1", "p2"]


def test_equal_replicates_use_dunnett_s_constant_as_scipy_s_dunnett_test():
    """Hsu's MCB: a configuration is worse than the best exactly when Dunnett's one-sided
    test of it against the best (as the reference) rejects at 5%."""
    result = best_set(_runs(BALANCED), "loss")
    assert result.exact
    noise = pooled_noise(_runs(BALANCED), "loss")
    d = one_sided_dunnett(3, noise.df)
    row = result.table.set_index("point").loc["p2"]
    se = np.sqrt(noise.variance * 2 / 3)
    assert row["low"] == pytest.approx(row["difference"] - d * se)
    low = row["low"]
    # scipy's p-values come from randomized quasi-Monte Carlo: stay 0.05 se off the edge.
    for shift, verdict in ((-low + se / 20, "worse"), (-low - se / 20, "indistinguishable")):
        groups = {**BALANCED, "p2": list(np.array(BALANCED["p2"]) + shift)}
        table = best_set(_runs(groups), "loss").table.set_index("point")
        assert table.loc["p2", "verdict"] == verdict
        others = [groups[p] for p in ("p2", "p3", "p4")]
        test = stats.dunnett(*others, control=groups["p1"], alternative="greater", rng=1)
        assert bool(test.pvalue[0] < 0.05) is (verdict == "worse")


def test_the_best_s_interval_is_simultaneous_over_all_configurations():
    result = best_set(_runs(), "loss")
    noise = pooled_noise(_runs(), "loss")
    half = stats.t.ppf(1 - 0.05 / 8, noise.df) * np.sqrt(noise.variance / 3)
    mean = np.mean(GROUPS["p1"])
    e = result.estimate
    assert (e.mean, e.low, e.high, e.n) == pytest.approx((mean, mean - half, mean + half, 3))
    assert e.sd == pytest.approx(np.std(GROUPS["p1"], ddof=1)) and result.selected_from == 4


def test_the_selected_best_s_interval_covers_its_true_mean_in_95_percent_of_studies():
    """Twenty configurations alike: the best is the luckiest, and its plain t-interval
    misses its true mean (0) far more often than 5%; the simultaneous one does not."""
    rng = np.random.default_rng(21)
    n_studies, covered, plain = 400, 0, 0
    for _ in range(n_studies):
        runs = _runs({f"p{k}": rng.normal(size=3) for k in range(20)})
        best = best_set(runs, "loss")
        covered += best.estimate.low <= 0 <= best.estimate.high
        own = t_interval(runs.loc[runs["point"] == best.point, "loss"])
        plain += own.low <= 0 <= own.high
    assert covered / n_studies >= 0.95 - 2 * np.sqrt(0.05 * 0.95 / n_studies)
    assert plain / n_studies < 0.9


def test_best_set_higher_is_better():
    result = best_set(_runs(), "loss", higher_is_better=True)
    assert result.point == "p3" and result.members == ["p3"]
    assert (result.table["difference"].iloc[1:] < 0).all()


def test_one_replicate_leaves_every_other_configuration_unknown():
    result = best_set(_runs({p: v[:1] for p, v in GROUPS.items()}), "loss")
    assert result.point == "p1" and result.noise.df == 0
    others = result.table.iloc[1:]
    assert (others["verdict"] == "unknown").all() and others["indistinguishable"].isna().all()
    assert result.members == ["p1"]
    assert np.isnan(result.estimate.low)


def test_best_set_needs_a_finished_run():
    runs = _runs().assign(status="failed")
    with pytest.raises(ConfigError, match="no completed or stopped run"):
        best_set(runs, "loss")
