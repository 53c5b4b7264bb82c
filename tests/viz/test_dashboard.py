"""Dashboard figure: panels per layer and signal, labels and key, fixed limits, marks."""

import numpy as np
import pytest
from matplotlib.collections import PolyCollection

from trainlab.errors import ConfigError, RecordError
from trainlab.monitor.record import STAT_INDEX, STATS, Record
from trainlab.viz import Dashboard, dashboard
from trainlab.viz.smoothing import ema


def _titles(fig):
    return [ax.get_title() for ax in fig.axes]


def _texts(fig):
    return [t.get_text() for t in fig.texts]


def _ax(fig, title):
    return next(ax for ax in fig.axes if ax.get_title() == title)


@pytest.mark.parametrize("n_layers", [2, 3, 4, 5, 6])
def test_dashboard_has_one_panel_per_layer_and_activation(make_record, n_layers):
    weights = tuple(f"fc{i}" for i in range(n_layers))
    acts = tuple(f"relu{i}" for i in range(n_layers - 1))
    fig = dashboard(make_record(12, weights, acts), upto=5)
    titles = _titles(fig)
    assert titles[:3] == ["loss", "update ratio ‖Δw‖ / ‖w‖ per step",
                          "dead units (input never > 0 in the batch)"]  # fmt: skip
    assert [t for t in titles if t.startswith("weights: ")] == [f"weights: {w}" for w in weights]
    assert [t for t in titles if t.startswith("net values: ")] == [f"net values: {a}" for a in acts]
    assert [t for t in titles if t.startswith("outputs: ")] == [f"outputs: {a}" for a in acts]
    assert len(fig.axes) == 3 + n_layers + 2 * (n_layers - 1)
    assert fig.axes[-1].get_xlabel() == "step (batch)"
    # readable: every panel keeps at least ~70 px of height at the default size
    fig.canvas.draw()
    heights = [ax.get_window_extent().height for ax in fig.axes]
    assert min(heights) > 70


def test_axes_say_which_quantity_they_show(make_record):
    fig = dashboard(make_record(6))
    assert _ax(fig, "weights: fc1").get_ylabel() == "weight value"
    assert _ax(fig, "net values: relu1").get_ylabel() == "net value"
    assert _ax(fig, "outputs: relu2").get_ylabel() == "activation output"
    assert _ax(fig, "loss").get_ylabel() == "loss"


def test_header_names_the_run_and_keys_the_box_encoding(make_record):
    record = make_record(6)
    fig = dashboard(record, title="he_std_l2-0.01")
    assert "he_std_l2-0.01: 6 steps" in _texts(fig)
    key = [t.get_text() for t in fig.legends[0].get_texts()]
    assert key == ["box: quartiles q1–q3 (middle half)", "median",
                   "whiskers: values within 1.5 IQR of the box"]  # fmt: skip
    record.meta.update(run="from-meta", steps_per_epoch=4)
    assert "from-meta: 6 steps, 2 epochs" in _texts(dashboard(record))
    band = Dashboard(make_record(20), band_above=10)
    assert [t.get_text() for t in band.key.get_texts()][0] == "quartiles q1–q3 (middle half)"


def test_loss_panel_smooths_the_train_loss_and_draws_validation_on_top(make_record):
    record = make_record(30)
    loss_ax = _ax(dashboard(record, upto=10), "loss")
    raw, smooth, val = loss_ax.get_lines()
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == [
        "train, per batch", "train (EMA 0.9)", "validation (fixed subset)",
    ]  # fmt: skip
    np.testing.assert_allclose(smooth.get_ydata(), ema(record.train_loss)[:10])
    np.testing.assert_allclose(raw.get_ydata(), record.train_loss[:10])
    assert val.get_zorder() > smooth.get_zorder() > raw.get_zorder()
    assert smooth.get_linewidth() > raw.get_linewidth()


def test_signal_panels_show_update_ratio_on_log_scale_and_dead_fractions(make_record):
    record = make_record(8)
    fig = dashboard(record)
    ratio = _ax(fig, "update ratio ‖Δw‖ / ‖w‖ per step")
    assert ratio.get_yscale() == "log"
    fc2 = next(line for line in ratio.get_lines() if line.get_label() == "fc2")
    np.testing.assert_allclose(fc2.get_ydata(), record.signal("update_ratio", "fc2"), rtol=1e-6)
    dead = _ax(fig, "dead units (input never > 0 in the batch)")
    assert dead.get_ylabel() == "fraction of units" and dead.get_ylim()[1] > 1.0


def test_bounded_activations_show_their_saturated_fraction(make_record):
    record = make_record(5)
    record.activation_signals["relu2"][:, 1] = 0.4  # as if relu2 were a tanh
    dead = _ax(dashboard(record), "dead units / saturated outputs")
    assert [line.get_label() for line in dead.get_lines()] == ["relu1 (dead)", "relu2 (saturated)"]


def test_a_record_without_signals_has_the_loss_across_the_top(make_record):
    fig = dashboard(make_record(5, signals=False))
    assert _titles(fig)[:2] == ["loss", "weights: fc1"]
    loss, weights = fig.axes[0].get_position(), fig.axes[1].get_position()
    assert loss.width > 2.5 * weights.width


def test_upto_reveals_that_many_batches_and_keeps_limits_fixed(make_record):
    record = make_record(20)
    early, late = dashboard(record, upto=3), dashboard(record, upto=20)
    for a, b in zip(early.axes, late.axes, strict=True):
        assert a.get_xlim() == b.get_xlim() and a.get_ylim() == b.get_ylim()
    train = _ax(early, "loss").get_lines()[0]
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3])
    boxes = [c for c in _ax(early, "weights: fc1").collections if isinstance(c, PolyCollection)]
    assert len(boxes[0].get_paths()) == 4  # initial weights + 3 batches
    boxes = [c for c in _ax(early, "outputs: relu2").collections if isinstance(c, PolyCollection)]
    assert len(boxes[0].get_paths()) == 3


def test_many_steps_switch_to_a_quantile_band(make_record):
    dash = Dashboard(make_record(200, ("fc1", "fc2"), ("relu1",)), band_above=150)
    dash.show_upto(200)
    whiskers = dash.body[0][0].boxes.whiskers
    assert isinstance(whiskers, PolyCollection) and len(whiskers.get_paths()) == 201


def test_limits_come_from_the_whole_record(make_record):
    record = make_record(10)
    record.weights["fc1"][9, 5] = 3.0  # a late whisker far out
    assert _ax(dashboard(record, upto=1), "weights: fc1").get_ylim()[1] > 3.0


def test_a_diverged_run_is_marked_and_still_draws(make_record):
    record = make_record(60)
    record.train_loss[39:] = np.nan  # diverged at step 40
    record.val_loss[45:] = np.inf
    fc2 = record.weights["fc2"]
    fc2[41:, STAT_INDEX["nonfinite_frac"]] = 1.0  # fc2 became NaN after step 41's update
    fc2[41:, : STAT_INDEX["mean_abs"]] = np.nan
    record.quantiles["weights"]["fc2"][41:] = np.nan
    record.layer_signals["fc2"][40:] = np.nan
    fig = dashboard(record, title="diverged")
    fig.canvas.draw()  # draws, does not raise
    assert "loss not finite from step 40" in [t.get_text().strip() for t in _ax(fig, "loss").texts]
    weights = _ax(fig, "weights: fc2")
    assert [t.get_text().strip() for t in weights.texts] == ["not finite from step 41"]
    assert all(t.get_visible() for t in weights.texts)
    assert not _ax(dashboard(record, upto=30), "loss").texts[0].get_visible()  # not yet
    smooth = _ax(fig, "loss").get_lines()[1]
    assert np.nanmax(smooth.get_xdata()[np.isfinite(smooth.get_ydata())]) == 39


def test_empty_record_is_a_clear_error():
    with pytest.raises(RecordError, match="0 steps"):
        dashboard(Record())


def test_inconsistent_summary_shape_names_the_layer(make_record):
    record = make_record(5)
    record.weights["fc2"] = np.zeros((5, len(STATS)), np.float32)  # needs steps + 1 rows
    with pytest.raises(RecordError, match=rf"weights\[.fc2.\].*\(6, {len(STATS)}\)"):
        dashboard(record)


def test_inconsistent_quantiles_or_signals_name_the_array(make_record):
    record = make_record(5)
    record.quantiles["outputs"]["relu1"] = np.zeros((4, 21), np.float32)
    with pytest.raises(RecordError, match=r"quantiles\['outputs'\]\['relu1'\].*\(5, 21\)"):
        dashboard(record)
    record = make_record(5)
    record.layer_signals["fc1"] = np.zeros((5, 2), np.float32)
    with pytest.raises(RecordError, match=r"layer_signals\['fc1'\]"):
        dashboard(record)


@pytest.mark.parametrize("upto", [0, 6])
def test_upto_out_of_range_is_rejected(make_record, upto):
    with pytest.raises(ConfigError, match="1 <= upto <= 5"):
        dashboard(make_record(5), upto=upto)


def _with_grads(record):
    """The record as if gradients were recorded: one row per step per weight."""
    rng = np.random.default_rng(5)
    for name, weights in record.weights.items():
        grads = weights[1:].copy() * 0.01 + rng.normal(0, 1e-4, weights[1:].shape)
        record.grads[name] = np.sort(grads, axis=1).astype(np.float32)
    return record


def test_recorded_gradients_get_a_column_of_their_own(make_record):
    fig = dashboard(_with_grads(make_record(8)))
    titles = _titles(fig)
    assert [t for t in titles if t.startswith("gradients: ")] == [
        "gradients: fc1", "gradients: fc2", "gradients: fc3"
    ]  # fmt: skip
    assert _ax(fig, "gradients: fc1").get_ylabel() == "gradient value"
    weights, grads = _ax(fig, "weights: fc1"), _ax(fig, "gradients: fc1")
    assert grads.get_position().x0 > weights.get_position().x1  # in the next column
    assert grads.get_position().y0 == pytest.approx(weights.get_position().y0)  # same row
    # without gradients (or with NaN ones only) there is no such column
    record = make_record(8)
    record.grads = {name: np.full((8, len(STATS)), np.nan, np.float32) for name in record.weights}
    assert not [t for t in _titles(dashboard(record)) if t.startswith("gradients")]


def test_the_legend_names_only_curves_with_data(make_record):
    record = make_record(10)
    record.val_loss[:] = np.nan  # no validation loss logged
    loss = _ax(dashboard(record), "loss")
    assert [t.get_text() for t in loss.get_legend().get_texts()] == [
        "train, per batch", "train (EMA 0.9)"
    ]  # fmt: skip


def test_the_title_names_the_model_and_the_length(make_record):
    record = make_record(6)
    record.meta["model"] = "Net"
    assert "Net · 6 steps" in _texts(dashboard(record))
    record.meta["run"] = "lr-0.1"
    assert "lr-0.1: Net · 6 steps" in _texts(dashboard(record))


def test_a_twelve_layer_model_fits_in_twelve_rows_evenly_over_depth(make_record):
    weights = tuple(f"blocks.{i}.{part}" for i in range(12) for part in ("attn", "fc1", "fc2"))
    sites = tuple(f"blocks.{i}.forward.gelu" for i in range(12))
    record = make_record(5, weights, sites, size=16)
    fig = dashboard(record)
    shown = [t.removeprefix("weights: ") for t in _titles(fig) if t.startswith("weights: ")]
    assert len(shown) == 12 and shown[0] == weights[0] and shown[-1] == weights[-1]
    assert [t for t in _texts(fig) if "rows: 12 of 36 parameters" in t]
    assert fig.get_size_inches()[1] <= 2.9 + 1.6 * 12
    fig.canvas.draw()
    assert min(ax.get_window_extent().height for ax in fig.axes) > 70
    # a line per layer would need 36 keys: the key names the first and the last
    ratio = _ax(fig, "update ratio ‖Δw‖ / ‖w‖ per step")
    assert [t.get_text() for t in ratio.get_legend().get_texts()] == [
        "first: blocks.0.attn", "last: blocks.11.fc2 (36 lines)"
    ]  # fmt: skip
    # or the rows chosen by pattern
    picked = dashboard(record, layers=["blocks.3.*"])
    assert [t for t in _titles(picked) if t.startswith("weights: ")] == [
        "weights: blocks.3.attn", "weights: blocks.3.fc1", "weights: blocks.3.fc2"
    ]  # fmt: skip


def test_a_functional_site_says_which_layer_it_follows(make_record):
    record = make_record(4, ("fc1", "fc2"), ("forward.relu",))
    record.meta["activation_inputs"] = {"forward.relu": "fc1"}
    assert "net values: forward.relu (after fc1)" in _titles(dashboard(record))


def test_a_panel_collapsed_onto_zero_says_how_much_is_exactly_zero(make_record):
    record = make_record(6)
    record.outputs["relu1"][:, STAT_INDEX["zero_frac"]] = 0.9  # a ReLU mostly off
    record.outputs["relu2"][:, STAT_INDEX["zero_frac"]] = 0.1
    fig = dashboard(record)
    notes = [t.get_text() for t in _ax(fig, "outputs: relu1").texts]
    assert "90% exactly 0 (median over steps)" in notes
    assert not [t for t in _ax(fig, "outputs: relu2").texts if "exactly 0" in t.get_text()]
