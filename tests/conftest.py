"""Test-wide settings."""

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """One intra-op thread: on a shared 2-core machine, two threads oversubscribe the cores
    and small matmuls get several times slower; results stay deterministic either way."""
    torch.set_num_threads(1)
