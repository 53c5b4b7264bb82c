"""Fashion-MNIST as installed (Debian package dataset-fashion-mnist); skipped when absent."""

import pytest
import torch

from trainlab.data import load_dataset, load_splits
from trainlab.errors import DataNotFoundError


def _load(split: str):
    try:
        return load_dataset("fashion-mnist", split, download=False)
    except DataNotFoundError:
        pytest.skip("Fashion-MNIST is not installed")


def test_fashion_mnist_train_and_test_splits():
    train, test = _load("train"), _load("test")
    assert train.images.shape == (60_000, 1, 28, 28) and train.images.dtype == torch.uint8
    assert test.images.shape == (10_000, 1, 28, 28)
    assert len(train.classes) == 10 and train.classes[0] == "T-shirt/top"
    assert torch.equal(torch.bincount(train.labels), torch.full((10,), 6_000))
    assert torch.equal(torch.bincount(test.labels), torch.full((10,), 1_000))
    assert int(train.images.max()) == 255 and int(train.images.min()) == 0


def test_fashion_mnist_splits_standardized_per_channel():
    _load("test")
    s = load_splits("fashion-mnist", val_size=10_000, standardize="channel", download=False)
    assert (len(s.train_x), len(s.val_x), len(s.test_x)) == (50_000, 10_000, 10_000)
    assert abs(float(s.train_x.mean())) < 1e-4 and abs(float(s.train_x.std()) - 1) < 1e-3
