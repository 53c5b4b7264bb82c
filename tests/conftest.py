"""Test-wide settings."""

import pytest
import torch


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
