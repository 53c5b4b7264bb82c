"""History grids and learning curves from DataFrames."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trainlab.errors import ConfigError
from trainlab.viz import best_epoch, history_grid, learning_curve
from trainlab.viz.smoothing import ema


def _history(n=10, shift=0.0):
    epoch = np.arange(1, n + 1)
    val = (epoch - 6.0) ** 2 / 20 + 0.5 + shift  # minimum at epoch 6
    return pd.DataFrame(
        {"epoch": epoch, "train_loss": 2.0 / epoch, "val_loss": val,
         "train_acc": 1 - 0.5 / epoch, "val_acc": 0.8 - 0.01 * (epoch - 6.0) ** 2 / 10}
    )  # fmt: skip


def test_best_epoch_is_the_lowest_validation_loss():
    assert best_epoch(_history()) == 6


def test_history_grid_has_loss_and_accuracy_panels_per_run_with_a_star():
    frames = {"lr=0.1": _history(), "lr=0.01": _history(shift=0.2), "lr=0.001": _history(8)}
    fig = history_grid(frames, rows=2, cols=2, star_epoch="best")
    axes = fig.axes
    assert len(axes) == 8  # 2 x 2 runs x 2 panels, the fourth cell empty
    titles = [ax.get_title(loc="left") for ax in axes[:4]]
    assert titles == ["lr=0.1", "", "lr=0.01", ""]  # one title per run, over its two panels
    assert axes[2].get_legend() is None  # the first run's panels carry the key
    assert axes[0].get_xlabel() == "" and axes[4].get_xlabel() == "epoch"  # bottom row only
    loss_ax, acc_ax = axes[0], axes[1]
    assert loss_ax.get_ylabel() == "loss" and acc_ax.get_ylabel() == "accuracy"
    low, high = acc_ax.get_ylim()
    assert 0.4 < low < 0.5 and 0.95 < high < 1.0  # scaled to the data (0.5 to 0.95), not 0-1
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == [
        "train loss", "kept epoch", "validation loss",
    ]  # fmt: skip
    train, _, val, _ = loss_ax.get_lines()
    assert train.get_linestyle() == "--" and val.get_linestyle() == "-"
    stars = [ln for ln in loss_ax.get_lines() if ln.get_marker() == "*"]
    assert [float(s.get_xdata()[0]) for s in stars] == [6.0, 6.0]
    assert float(stars[1].get_ydata()[0]) == pytest.approx(0.5)
    assert not axes[-1].axison


def test_history_grid_shares_y_per_row_and_panel_kind():
    frames = {"a": _history(), "b": _history(shift=3.0), "c": _history(), "d": _history()}
    fig = history_grid(frames, rows=2, cols=2)
    fig.canvas.draw()
    a_loss, a_acc, b_loss, b_acc, c_loss, *_ = fig.axes
    assert a_loss.get_ylim() == b_loss.get_ylim()  # one row: the same loss scale
    assert a_loss.get_ylim()[1] > 3.5  # covering b's higher curve
    assert a_acc.get_ylim() == b_acc.get_ylim() and a_acc.get_ylim()[0] > 0.4
    assert c_loss.get_ylim() != a_loss.get_ylim()  # rows are scaled apart


def test_per_batch_history_smooths_the_train_loss_under_the_validation_loss():
    steps = np.arange(1, 41)
    train = 2.0 / np.sqrt(steps) + np.where(steps % 2, 0.3, -0.3)  # noisy per batch
    val = np.where(steps % 5 == 0, 1.0 / np.sqrt(steps), np.nan)  # logged every 5 steps
    frame = pd.DataFrame({"step": steps, "train_loss": train, "val_loss": val})
    ax = history_grid({"run": frame}, x="step", panels=(("loss", ("train_loss", "val_loss")),))
    ax = ax.axes[0]
    raw, smooth, validation = ax.get_lines()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "train loss, per batch", "train loss (EMA 0.9)", "validation loss",
    ]  # fmt: skip
    assert raw.get_alpha() < 0.5 and smooth.get_linestyle() == "--"
    np.testing.assert_allclose(smooth.get_ydata(), ema(train))
    assert np.ptp(np.diff(smooth.get_ydata())) < np.ptp(np.diff(train)) / 3
    np.testing.assert_array_equal(validation.get_xdata(), [5, 10, 15, 20, 25, 30, 35, 40])
    assert validation.get_linestyle() == "-"


def test_a_configuration_is_its_seeds_mean_with_the_t_band_of_that_mean():
    seeds = [_history(shift=d) for d in (0.0, 0.1, 0.3)]
    fig = history_grid({"config": seeds}, star_epoch={"config": [6, 4]})
    loss_ax = fig.axes[0]
    train, *_ = loss_ax.get_lines()
    val = next(ln for ln in loss_ax.get_lines() if ln.get_label() == "validation loss")
    stacked = np.stack([f["val_loss"].to_numpy() for f in seeds])
    np.testing.assert_allclose(val.get_ydata(), stacked.mean(axis=0))
    band = loss_ax.collections[1].get_paths()[0].vertices  # the validation loss's band
    half = stats.t.ppf(0.975, 2) * stacked.std(axis=0, ddof=1) / np.sqrt(3)
    np.testing.assert_allclose(sorted(band[:, 1])[-1], (stacked.mean(0) + half).max())
    stars = [ln for ln in loss_ax.get_lines() if ln.get_marker() == "*"]
    assert sorted(float(s.get_xdata()[0]) for s in stars) == [4.0, 4.0, 6.0, 6.0]


def test_per_batch_y_axis_leaves_out_the_first_steps_spike():
    steps = np.arange(1, 1001)  # the first 5 %: 50 steps, past the moving average's memory
    train = np.where(steps < 5, 3.0, 0.4 + 0.1 * np.exp(-steps / 200))  # a spike, then 0.4-0.5
    frame = pd.DataFrame({"step": steps, "train_loss": train, "val_loss": train + 0.02})
    ax = history_grid({"a": [frame, frame.assign(train_loss=train + 0.01)]}, x="step",
                      panels=(("loss", ("train_loss", "val_loss")),)).axes[0]  # fmt: skip
    low, high = ax.get_ylim()
    assert high < 0.8 and low > 0.3  # the 0.4-0.5 range fills the panel


def test_history_grid_accepts_a_2d_layout_and_per_run_star_epochs():
    layout = [[("a", _history()), None], [("b", _history())]]
    fig = history_grid(layout, star_epoch={"a": 3})
    assert len(fig.axes) == 8
    stars_a = [ln for ln in fig.axes[0].get_lines() if ln.get_marker() == "*"]
    stars_b = [ln for ln in fig.axes[4].get_lines() if ln.get_marker() == "*"]
    assert [float(s.get_xdata()[0]) for s in stars_a] == [3.0, 3.0] and stars_b == []


def test_history_grid_names_a_missing_column():
    with pytest.raises(ConfigError, match="train_loss"):
        history_grid({"a": pd.DataFrame({"epoch": [1, 2], "lr": [0.1, 0.1]})})


def test_learning_curve_plots_final_metrics_sorted_by_the_parameter():
    table = pd.DataFrame(
        {"dropout": [0.5, 0.0, 0.1, 0.5], "train_loss": [0.6, 0.2, 0.3, 0.8],
         "val_loss": [0.7, 0.5, 0.4, 0.9], "train_acc": [0.8, 0.95, 0.9, 0.7],
         "val_acc": [0.75, 0.8, 0.85, 0.65]}
    )  # fmt: skip
    fig = learning_curve(table, "dropout")
    loss_ax, acc_ax = fig.axes
    train = loss_ax.get_lines()[0]
    np.testing.assert_allclose(train.get_xdata(), [0.0, 0.1, 0.5])
    np.testing.assert_allclose(train.get_ydata(), [0.2, 0.3, 0.7])  # repeats averaged
    assert loss_ax.get_xlabel() == "dropout" and loss_ax.get_ylabel() == "loss"
    assert acc_ax.get_ylabel() == "accuracy"
    assert [t.get_text() for t in acc_ax.get_legend().get_texts()] == [
        "train accuracy", "validation accuracy",
    ]  # fmt: skip


def test_learning_curve_log_axis_handles_a_zero_value():
    table = pd.DataFrame({"wd": [0.0, 1e-4, 1e-2], "train_loss": [1, 2, 3], "val_loss": [2, 2, 3]})
    ax = learning_curve(table, "wd", stats=("loss",), log_x=True).axes[0]
    assert ax.get_xscale() == "symlog"
    ax = learning_curve(table[table.wd > 0], "wd", stats=("loss",), log_x=True).axes[0]
    assert ax.get_xscale() == "log"


def test_learning_curve_names_the_missing_parameter():
    with pytest.raises(ConfigError, match="'lr'"):
        learning_curve(pd.DataFrame({"wd": [0.1]}), "lr")
