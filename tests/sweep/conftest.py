"""Study fixtures: tiny specs over generated data in the official formats."""

from __future__ import annotations

import pytest

from trainlab.data.synthetic import write_synthetic


@pytest.fixture(scope="session")
def data_root(tmp_path_factory):
    """A generated Fashion-MNIST-format dataset (IDX gz), small and learnable."""
    return write_synthetic(
        "fashion-mnist", tmp_path_factory.mktemp("data"), n_train=1_200, n_test=200
    )


@pytest.fixture
def tiny_spec(tmp_path, data_root):
    """Write a 4-run spec (lr x dropout) of an 8-step MLP; returns its path."""

    def write(extra: str = "", grid: str | None = None):
        grid = grid or '"optim.lr" = [0.01, 0.001]\n"model.mlp.dropout" = [0.0, 0.5]'
        path = tmp_path / "tiny.toml"
        path.write_text(
            f"""
name = "tiny"
[data]
name = "fashion-mnist"
root = "{data_root}"
val_size = 200
[model.mlp]
hidden = [16]
[train]
max_steps = 8
[monitor]
val_size = 64
{extra}
[grid]
{grid}
"""
        )
        return path

    return write
