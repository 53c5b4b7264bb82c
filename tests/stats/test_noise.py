"""Unequal seed noise: one configuration's spread against the others', and what it changes."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trainlab.stats import best_set, compare, main_effects, unequal_noise


def _runs(groups):
    return pd.DataFrame(
        [{"point": p, "seed": s, "loss": y, "status": "completed"}
         for p, values in groups.items() for s, y in enumerate(values)]
    )  # fmt: skip


def test_each_configuration_is_tested_against_the_pooled_rest_with_the_f_test():
    groups = {"a": [1.0, 1.1, 0.9], "b": [2.0, 2.2, 2.1, 1.9], "c": [0.0, 3.0, -3.0]}
    check = unequal_noise(_runs(groups), "loss").table.set_index("point")
    rest = np.concatenate([np.array(v) - np.mean(v) for k, v in groups.items() if k != "c"])
    rest_df = sum(len(v) - 1 for k, v in groups.items() if k != "c")
    f = np.var(groups["c"], ddof=1) / (rest @ rest / rest_df)
    p = stats.f.sf(f, 2, rest_df)  # one-sided: a spread too large
    row = check.loc["c"]
    assert row["ratio"] == pytest.approx(np.sqrt(f)) and row["p"] == pytest.approx(p)
    assert row["p_adjusted"] == pytest.approx(min(1, 3 * p))  # first step: 3 tested
    assert bool(row["flagged"]) and check["flagged"].sum() == 1


def test_an_unstable_configuration_is_flagged():
    rng = np.random.default_rng(4)
    groups = {f"p{k}": rng.normal(size=3) for k in range(30)}
    groups["diverging"] = rng.normal(scale=20.0, size=3)
    assert unequal_noise(_runs(groups), "loss").flagged == ["diverging"]


def test_two_unstable_configurations_do_not_hide_each_other():
    """Stepping down: once the wilder is out of the pool, the other stands out too."""
    rng = np.random.default_rng(7)
    groups = {f"p{k}": rng.normal(size=3) for k in range(20)}
    groups["wild"] = np.array([-60.0, 0.0, 60.0])
    groups["unsteady"] = np.array([-8.0, 0.0, 8.0])
    assert unequal_noise(_runs(groups), "loss").flagged == ["wild", "unsteady"]


def test_configurations_of_one_spread_are_flagged_in_at_most_5_percent_of_studies():
    rng = np.random.default_rng(5)
    flagged = sum(
        bool(unequal_noise(_runs({f"p{k}": rng.normal(size=3) for k in range(12)}),
                           "loss").flagged)
        for _ in range(300)
    )  # fmt: skip
    assert flagged / 300 <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / 300)


def test_the_selected_best_is_also_tested_alone():
    """Its spread decides every comparison with the best: tested at 5% by itself, where
    the family's correction over 31 configurations would have let it pass."""
    rng = np.random.default_rng(8)
    groups = {f"p{k}": rng.normal(size=3) for k in range(30)}
    groups["lucky"] = np.array([-5.0, -2.5, -8.0])  # a wide spread and the lowest mean
    runs = _runs(groups)
    family = unequal_noise(runs, "loss")
    assert family.flagged == []
    row = family.table.set_index("point").loc["lucky"]
    assert row["p"] <= 0.025 and row["p_adjusted"] > 0.05
    selected = unequal_noise(runs, "loss", selected="lucky")
    assert selected.flagged == ["lucky"]
    row = selected.table.set_index("point").loc["lucky"]
    assert row["alone"] and row["p_adjusted"] == pytest.approx(2 * row["p"])  # half of 5%
    assert unequal_noise(runs, "loss", selected="p0").flagged == []  # p0's spread is usual


def test_one_replicate_leaves_nothing_to_test():
    check = unequal_noise(_runs({"a": [1.0], "b": [2.0]}), "loss")
    assert check.table.empty and check.flagged == []


def test_a_flagged_configuration_keeps_its_own_variance_welch():
    quiet = [1.0, 1.1, 0.9, 1.05, 0.95]
    wild = [3.0, -1.0, 5.0, 0.0, 4.0]
    runs = _runs({"quiet": quiet, "wild": wild})
    both_own = compare(runs[runs["point"] == "wild"], runs[runs["point"] == "quiet"], "loss",
                       own_noise=["wild", "quiet"])  # fmt: skip
    welch = stats.ttest_ind(wild, quiet, equal_var=False).confidence_interval(0.95)
    assert (both_own.low, both_own.high) == pytest.approx((welch.low, welch.high))
    assert both_own.df == pytest.approx(stats.ttest_ind(wild, quiet, equal_var=False).df)


def test_a_flagged_configuration_leaves_the_pool_of_the_others():
    rng = np.random.default_rng(6)
    groups = {f"a{k}": rng.normal(size=3) for k in range(6)}
    groups["wild"] = rng.normal(scale=30.0, size=3)
    runs = _runs(groups).assign(axis=lambda t: t["point"].str[0])
    pooled = best_set(runs, "loss").table.set_index("point")
    own = best_set(runs, "loss", own_noise=["wild"]).table.set_index("point")
    others = [p for p in groups if p != "wild"]
    width = (own["mean_high"] - own["mean_low"])[others]
    # Without the wild one pooled in, the others' intervals shrink to their own noise.
    assert (width < (pooled["mean_high"] - pooled["mean_low"])[others]).all()
    effects = main_effects(runs, "axis", "loss", own_noise=["wild"]).set_index("level")
    assert effects.loc["w", "df"] < effects.loc["w", "n_runs"]  # Welch df, not the pooled 14
