"""Test-wide settings, and the tiny study over generated data that the stage tests share."""

import pytest
import torch

from trainlab.data.synthetic import write_synthetic


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """One intra-op thread: on a shared 2-core machine, two threads oversubscribe the cores
    and small matmuls get several times slower; results stay deterministic either way."""
    torch.set_num_threads(1)


@pytest.fixture
def no_user_data(monkeypatch, tmp_path):
    """A fresh empty HOME (so no user cache) and no TRAINLAB_DATA; returns the HOME."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("TRAINLAB_DATA", raising=False)
    return home


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
