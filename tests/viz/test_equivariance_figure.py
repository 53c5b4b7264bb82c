"""Equivariance maps: the six panels and the chosen channel."""

import torch

from trainlab.equivariance import check_shift
from trainlab.models import conv_only_net
from trainlab.viz.equivariance import equivariance_figure


def test_figure_shows_six_panels_and_the_largest_difference():
    torch.manual_seed(0)
    check = check_shift(conv_only_net(), torch.rand(1, 16, 16), dy=2, dx=1)
    fig = equivariance_figure(check, title="shift")
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert [t.split(":")[0] for t in titles[:5]] == ["x", "f(x)", "g(x)", "g(f(x))", "f(g(x))"]
    channel = int(check.output.reshape(len(check.output), -1).std(1).argmax())
    assert f"output channel {channel})" in fig.get_suptitle()
    assert f"max {check.difference[channel].max():.3g}" in titles[5]
