"""Real data: Fashion-MNIST as installed (Debian package dataset-fashion-mnist) and MNIST from
the shared datasets folder; each skipped, with its reason, where absent."""

from pathlib import Path

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


# Real MNIST ships beside this checkout (../shared/datasets/mnist, the four IDX files,
# gzip-compressed); its README gives the training labels per class.
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "datasets"
MNIST_TRAIN_PER_CLASS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def _mnist(split: str):
    if not (SHARED_DATA / "mnist").is_dir():
        pytest.skip(f"real MNIST is not at {SHARED_DATA / 'mnist'} (TRAINLAB_DATA's usual root)")
    return load_dataset("mnist", split, root=SHARED_DATA, download=False)


def test_real_mnist_has_the_official_sizes_and_class_counts():
    train, test = _mnist("train"), _mnist("test")
    assert train.images.shape == (60_000, 1, 28, 28) and test.images.shape == (10_000, 1, 28, 28)
    assert torch.bincount(train.labels).tolist() == MNIST_TRAIN_PER_CLASS
    assert train.classes == tuple(str(d) for d in range(10))
