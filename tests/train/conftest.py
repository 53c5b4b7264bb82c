"""Small synthetic classification data shared by the training tests."""

import pytest
import torch

from trainlab.data import TensorLoader


def blobs(n: int, *, n_features: int = 8, n_classes: int = 3, noise: float = 0.5, seed: int = 0):
    """Gaussian blobs around fixed random centres: (n, n_features) float32, (n,) int64."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(n_classes, n_features, generator=torch.Generator().manual_seed(99)) * 2
    y = torch.randint(0, n_classes, (n,), generator=g)
    x = centres[y] + noise * torch.randn(n, n_features, generator=g)
    return x, y


@pytest.fixture
def loaders():
    """(train_loader, val_loader): 320 train samples in batches of 32, 160 validation."""
    x, y = blobs(320, seed=0)
    vx, vy = blobs(160, seed=1)
    return TensorLoader(x, y, 32, seed=0), TensorLoader(vx, vy, 64, shuffle=False)
