"""Figures from a real Monitor's record: its quantiles, signals and metadata draw."""

import numpy as np
import torch
from torch import nn

from trainlab.monitor import Monitor
from trainlab.viz import dashboard, make_movie, movie_frame, movie_steps


def _record(steps: int = 6):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 8), nn.ReLU(),
                          nn.Linear(8, 3))  # fmt: skip
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    monitor = Monitor(model, optimizer=opt, grads=True)
    x, y = torch.randn(64, 8), torch.randint(0, 3, (64,))
    for step in range(steps):
        xb, yb = x[step * 8 : (step + 1) * 8], y[step * 8 : (step + 1) * 8]
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        monitor.log_losses(loss.detach(), monitor.validation_loss(x, y))
    return monitor.to_record(meta={"run": "tiny-tanh-relu", "steps_per_epoch": 4})


def test_a_monitor_record_draws_its_signals_and_distributions(tmp_path):
    record = _record()
    fig = dashboard(record)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:3] == ["loss", "update ratio ‖Δw‖ / ‖w‖ per step",
                          "dead units / saturated outputs"]  # fmt: skip
    lines = fig.axes[2].get_lines()
    assert [line.get_label() for line in lines] == ["1 (saturated)", "3 (dead)"]
    assert "tiny-tanh-relu: Sequential · 6 steps, 2 epochs" in [t.get_text() for t in fig.texts]
    # gradients recorded: a column of gradient panels beside the weights
    assert [t for t in titles if t.startswith("gradients: ")] == [
        "gradients: 0",
        "gradients: 2",
        "gradients: 4",
    ]
    still = movie_frame(record, 5, figsize=(10, 6), dpi=50)
    texts = [t.get_text() for t in still.texts]
    assert "step 5 / 6 · epoch 2" in texts and "tiny-tanh-relu: Sequential" in texts
    out = make_movie(record, tmp_path / "tiny.gif", figsize=(8, 5), dpi=40)
    assert movie_steps(out) == [1, 2, 3, 4, 5, 6]


def test_relu_outputs_show_their_zeros_as_a_point_mass():
    record = _record()
    zero_share = (record.quantiles["outputs"]["3"][2] == 0).sum() - 1  # zero-width bins
    fig = movie_frame(record, 3, figsize=(10, 6), dpi=50)
    labels = [t.get_text() for t in fig.texts if t.get_text().startswith("≥")]
    assert labels == [f"≥{5 * zero_share}% = 0"]
    assert np.isfinite(record.signal("update_ratio", "0")).all()
