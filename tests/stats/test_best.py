"""The best configuration and the set seed noise cannot separate from it."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trainlab.errors import ConfigError
from trainlab.stats import best_set, pooled_noise, t_interval

GROUPS = {"p1": [1.0, 1.2, 1.1], "p2": [1.15, 1.3, 1.25], "p3": [2.0, 2.1, 1.9], "p4": [1.5, 1.4]}


def _runs(groups=GROUPS):
    rows = [
        {"point": p, "seed": s, "loss": y, "status": "completed"}
        for p, values in groups.items()
        for s, y in enumerate(values)
    ]
    return pd.DataFrame(rows)


def test_best_set_compares_every_configuration_with_the_best():
    result = best_set(_runs(), "loss")
    assert result.point == "p1"
    assert result.estimate == t_interval(GROUPS["p1"])
    table = result.table.set_index("point")
    assert list(table.index) == ["p1", "p2", "p4", "p3"]  # best first
    noise = pooled_noise(_runs(), "loss")
    # Three comparisons with the best: Bonferroni at 1 - 0.05 / 3 each.
    q = stats.t.ppf(1 - 0.05 / 6, noise.df)
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


def test_best_set_edge_of_indistinguishable():
    """Move p2 so the low edge of its difference sits just above / just below zero."""
    low = best_set(_runs(), "loss").table.set_index("point").loc["p2", "low"]
    for shift, verdict in ((-low + 1e-9, "worse"), (-low - 1e-9, "indistinguishable")):
        groups = {**GROUPS, "p2": list(np.array(GROUPS["p2"]) + shift)}
        table = best_set(_runs(groups), "loss").table.set_index("point")
        assert table.loc["p2", "verdict"] == verdict
        assert bool(table.loc["p2", "indistinguishable"]) is (verdict == "indistinguishable")


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


def test_best_set_needs_a_finished_run():
    runs = _runs().assign(status="failed")
    with pytest.raises(ConfigError, match="no completed or stopped run"):
        best_set(runs, "loss")
