"""Equivariance maps: panels, the chosen channel, and the CLI that draws them."""

import subprocess
import sys

import torch

from trainlab.data.synthetic import write_synthetic
from trainlab.equivariance import check_shift, conv_only_net
from trainlab.viz.equivariance import equivariance_figure


def test_figure_shows_five_panels_and_the_largest_difference():
    torch.manual_seed(0)
    check = check_shift(conv_only_net(), torch.rand(1, 16, 16), dy=2, dx=1)
    fig = equivariance_figure(check, title="shift")
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles[:4] == ["x", "g(x)", "g(f(x))", "f(g(x))"]
    channel = int(check.output.reshape(len(check.output), -1).std(1).argmax())
    assert f"output channel {channel})" in fig.get_suptitle()
    assert f"max {check.difference[channel].max():.3g}" in titles[4]


def test_equivariance_command_writes_both_figures(tmp_path):
    root = write_synthetic("fashion-mnist", tmp_path / "data", n_train=20, n_test=10)
    result = subprocess.run(
        [sys.executable, "-m", "trainlab", "equivariance", "--out", str(tmp_path / "eq"),
         "--data-dir", str(root)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "shift: max" in result.stdout and "rotation: max" in result.stdout
    assert (tmp_path / "eq" / "shift.png").is_file() and (
        tmp_path / "eq" / "rotation.png"
    ).is_file()


def test_image_index_outside_the_split_is_one_line_and_exit_2(tmp_path):
    root = write_synthetic("fashion-mnist", tmp_path / "data", n_train=20, n_test=10)
    result = subprocess.run(
        [sys.executable, "-m", "trainlab", "equivariance", "--out", str(tmp_path / "eq"),
         "--data-dir", str(root), "--index", "10"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--index 10: the fashion-mnist test split has images 0 to 9" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "eq").exists()
