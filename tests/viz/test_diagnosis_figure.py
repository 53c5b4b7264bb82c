"""The figure behind a diagnosis: the losses and the signal that raised it, its steps shaded."""

from trainlab.viz.diagnosis import diagnosis_caption, diagnosis_figure


def test_a_dying_relu_figure_shows_the_dead_fraction_and_its_limit(make_record):
    record = make_record(20)
    layer = next(iter(record.activation_signals))
    diagnosis = {
        "name": "dying_relu", "layer": layer, "steps": [11, 20],
        "evidence": [
            {"quantity": f"median late dead_frac of {layer}", "threshold": 0.5},
            {"quantity": "share of late steps with dead_frac >= 0.5", "threshold": 0.8},
        ],
    }  # fmt: skip
    fig = diagnosis_figure(record, None, diagnosis)
    loss_ax, signal_ax = fig.axes
    assert signal_ax.get_ylabel() == "fraction of dead units"
    limits = [line.get_ydata()[0] for line in signal_ax.get_lines() if line.get_linestyle() == "--"]
    assert limits == [0.5]  # the share-of-steps limit is not a dead fraction: not drawn
    widths = [line.get_linewidth() for line in signal_ax.get_lines() if line.get_label() == layer]
    assert widths == [2.0]  # the diagnosed layer stands out
    assert fig.get_suptitle() == f"dying_relu in {layer}, steps 11-20"
    assert "fraction of dead units" in diagnosis_caption(diagnosis)


def test_a_run_level_diagnosis_draws_the_losses_only(make_record):
    fig = diagnosis_figure(make_record(10), None, {"name": "diverged", "steps": [3, 10]})
    assert len(fig.axes) == 1 and fig.axes[0].get_title() == "loss"
