"""Per-configuration t-intervals against scipy, and the runs that count."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trainlab.errors import ConfigError
from trainlab.stats import config_table, t_interval


def test_t_interval_matches_scipy():
    values = [0.41, 0.43, 0.39, 0.45, 0.40]
    e = t_interval(values, confidence=0.9)
    low, high = stats.t.interval(0.9, 4, loc=np.mean(values), scale=stats.sem(values))
    assert e.mean == pytest.approx(np.mean(values))
    assert (e.low, e.high) == pytest.approx((low, high))
    assert e.sd == pytest.approx(np.std(values, ddof=1))
    assert (e.n, e.df) == (5, 4)


def test_t_interval_edge_agrees_with_one_sample_t_test():
    """A mean whose lower edge is just above 0 is significant; just below, it is not."""
    values = np.array([1.0, 2.5, 0.2, 1.7])
    edge = t_interval(values).low
    for shift, excludes_zero in ((-edge + 1e-9, True), (-edge - 1e-9, False)):
        e = t_interval(values + shift)
        assert (e.low > 0) is excludes_zero
        assert bool(stats.ttest_1samp(values + shift, 0).pvalue < 0.05) is excludes_zero


def test_t_interval_without_replicates():
    one = t_interval([0.5])
    assert (one.mean, one.n, one.df) == (0.5, 1, 0)
    assert math.isnan(one.low) and math.isnan(one.high) and math.isnan(one.sd)
    none = t_interval([])
    assert none.n == 0 and math.isnan(none.mean)


@pytest.mark.parametrize(
    ("values", "confidence", "message"),
    [
        ([1.0, float("nan")], 0.95, "finite"),
        ([1.0, 2.0], 1.0, "confidence"),
        (["a"], 0.95, "numbers"),
    ],
)
def test_t_interval_rejects_bad_input(values, confidence, message):
    with pytest.raises(ConfigError, match=message):
        t_interval(values, confidence)


def _runs():
    return pd.DataFrame(
        {
            "point": ["p1", "p1", "p1", "p2", "p2", "p2", "p3"],
            "seed": [0, 1, 2, 0, 1, 2, 0],
            "lr": ["0.1", "0.1", "0.1", "0.01", "0.01", "0.01", "0.01"],
            "loss": [1.0, 1.2, 1.1, 2.0, np.nan, 2.4, 3.0],
            "acc": [0.5, 0.6, 0.7, 0.1, 0.2, 9.9, 0.3],
            "status": ["completed", "stopped", "completed", "completed", "completed", "failed",
                       "failed"],
        }
    )  # fmt: skip


def test_config_table_is_a_t_interval_per_configuration():
    table = config_table(_runs(), ["loss", "acc"], axes=["lr"]).set_index("point")
    assert list(table.index) == ["p1", "p2", "p3"]
    assert table.loc["p2", "lr"] == "0.01"
    p1 = t_interval([1.0, 1.2, 1.1])
    row = table.loc["p1"]
    assert (row["loss_mean"], row["loss_sd"], row["loss_ci_low"], row["loss_ci_high"]) == (
        pytest.approx((p1.mean, p1.sd, p1.low, p1.high))
    )
    # p2: the NaN loss and the failed run drop out; its acc keeps the two non-failed runs.
    assert table.loc["p2", "loss_n"] == 1 and table.loc["p2", "loss_mean"] == 2.0
    assert math.isnan(table.loc["p2", "loss_ci_low"])
    assert table.loc["p2", "acc_n"] == 2 and table.loc["p2", "acc_mean"] == pytest.approx(0.15)
    # p3 failed: it is listed with no replicate.
    assert table.loc["p3", "loss_n"] == 0 and math.isnan(table.loc["p3", "loss_mean"])


def test_config_table_names_the_bad_column():
    with pytest.raises(ConfigError, match="metric column 'val_loss'"):
        config_table(_runs(), "val_loss")
    with pytest.raises(ConfigError, match="axes column 'dropout'"):
        config_table(_runs(), "loss", axes=["dropout"])
    mixed = _runs().assign(lr=["0.1", "0.2", "0.1", "0.01", "0.01", "0.01", "0.01"])
    with pytest.raises(ConfigError, match=r"'lr' takes several levels \['0.1', '0.2'\] within"):
        config_table(mixed, "loss", axes=["lr"])
    with pytest.raises(ConfigError, match="non-numeric value 'oops'"):
        config_table(_runs().assign(loss=["oops", 1, 1, 1, 1, 1, 1]), "loss")
