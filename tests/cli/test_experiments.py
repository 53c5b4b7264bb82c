"""`trainlab equivariance`: the stand-alone experiment's figures and its one-line errors."""

from __future__ import annotations

from trainlab.data.synthetic import write_synthetic


def test_equivariance_command_writes_both_figures(run_cli, tmp_path):
    root = write_synthetic("fashion-mnist", tmp_path / "data", n_train=20, n_test=10)
    result = run_cli("equivariance", "--out", tmp_path / "eq", "--data-dir", root)
    assert result.code == 0, result.err
    assert "shift: max" in result.out and "rotation: max" in result.out
    assert (tmp_path / "eq" / "shift.png").is_file()
    assert (tmp_path / "eq" / "rotation.png").is_file()


def test_image_index_outside_the_split_is_one_line_and_exit_2(run_cli, tmp_path):
    root = write_synthetic("fashion-mnist", tmp_path / "data", n_train=20, n_test=10)
    result = run_cli("equivariance", "--out", tmp_path / "eq", "--data-dir", root,
                     "--index", "20")  # fmt: skip
    assert "--index 20: the fashion-mnist train split has images 0 to 19" in result.error
    assert not (tmp_path / "eq").exists()
