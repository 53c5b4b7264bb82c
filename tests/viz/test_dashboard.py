"""Dashboard figure: panels per layer, fixed limits, steps revealed up to `upto`."""

import numpy as np
import pytest
from matplotlib.collections import PolyCollection

from trainlab.errors import ConfigError, RecordError
from trainlab.monitor.record import STATS, Record
from trainlab.viz import Dashboard, dashboard


def _titles(fig):
    return [ax.get_title() for ax in fig.axes]


@pytest.mark.parametrize("n_layers", [2, 3, 4, 5, 6])
def test_dashboard_has_one_panel_per_layer_and_activation(make_record, n_layers):
    weights = tuple(f"fc{i}" for i in range(n_layers))
    acts = tuple(f"relu{i}" for i in range(n_layers - 1))
    fig = dashboard(make_record(12, weights, acts), upto=5)
    titles = _titles(fig)
    assert titles[0] == "loss"
    assert [t for t in titles if t.startswith("weights: ")] == [f"weights: {w}" for w in weights]
    assert [t for t in titles if t.startswith("net values: ")] == [f"net values: {a}" for a in acts]
    assert [t for t in titles if t.startswith("outputs: ")] == [f"outputs: {a}" for a in acts]
    assert len(fig.axes) == 1 + n_layers + 2 * (n_layers - 1)
    assert fig.axes[-1].get_xlabel() == "batch"
    # readable: every panel keeps at least ~70 px of height at the default size
    fig.canvas.draw()
    heights = [ax.get_window_extent().height for ax in fig.axes]
    assert min(heights) > 70


def test_conv_layer_names_are_drawn_like_linear_ones(make_record):
    fig = dashboard(make_record(4, ("conv1", "conv2", "fc"), ("relu1", "relu2")))
    assert "weights: conv1" in _titles(fig) and "weights: fc" in _titles(fig)


def test_upto_reveals_that_many_batches_and_keeps_limits_fixed(make_record):
    record = make_record(20)
    early, late = dashboard(record, upto=3), dashboard(record, upto=20)
    for a, b in zip(early.axes, late.axes, strict=True):
        assert a.get_xlim() == b.get_xlim() and a.get_ylim() == b.get_ylim()
    loss_ax = early.axes[0]
    train, val = loss_ax.get_lines()
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(val.get_ydata(), record.val_loss[:3])
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == ["train", "validation"]
    weight_ax = next(ax for ax in early.axes if ax.get_title() == "weights: fc1")
    act_ax = next(ax for ax in early.axes if ax.get_title() == "outputs: relu2")
    boxes = [c for c in weight_ax.collections if isinstance(c, PolyCollection)][0]
    assert len(boxes.get_paths()) == 4  # initial weights + 3 batches
    boxes = [c for c in act_ax.collections if isinstance(c, PolyCollection)][0]
    assert len(boxes.get_paths()) == 3


def test_many_steps_switch_to_a_quantile_band(make_record):
    dash = Dashboard(make_record(200, ("fc1", "fc2"), ("relu1",)), band_above=150)
    dash.show_upto(200)
    whiskers = dash.groups[0][0].whiskers
    assert isinstance(whiskers, PolyCollection) and len(whiskers.get_paths()) == 201


def test_limits_come_from_the_whole_record(make_record):
    record = make_record(10)
    record.weights["fc1"][9, 5] = 3.0  # a late whisker far out
    ax = next(a for a in dashboard(record, upto=1).axes if a.get_title() == "weights: fc1")
    assert ax.get_ylim()[1] > 3.0


def test_empty_record_is_a_clear_error():
    with pytest.raises(RecordError, match="0 steps"):
        dashboard(Record())


def test_inconsistent_summary_shape_names_the_layer(make_record):
    record = make_record(5)
    record.weights["fc2"] = np.zeros((5, len(STATS)), np.float32)  # needs steps + 1 rows
    with pytest.raises(RecordError, match=rf"weights\[.fc2.\].*\(6, {len(STATS)}\)"):
        dashboard(record)


@pytest.mark.parametrize("upto", [0, 6])
def test_upto_out_of_range_is_rejected(make_record, upto):
    with pytest.raises(ConfigError, match="1 <= upto <= 5"):
        dashboard(make_record(5), upto=upto)
