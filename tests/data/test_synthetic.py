import pytest
import torch

from trainlab.data import load_dataset, load_splits
from trainlab.data.synthetic import write_synthetic
from trainlab.errors import ConfigError


@pytest.mark.parametrize(
    ("name", "shape"), [("fashion-mnist", (1, 28, 28)), ("cifar10", (3, 32, 32))]
)
def test_generated_files_load_through_the_official_readers(tmp_path, name, shape):
    root = write_synthetic(name, tmp_path, n_train=103, n_test=20, seed=1)
    train = load_dataset(name, "train", root=root, download=False)
    test = load_dataset(name, "test", root=root, download=False)
    assert train.images.shape == (103, *shape) and test.images.shape == (20, *shape)
    assert torch.bincount(train.labels, minlength=10).min() >= 10  # balanced
    again = write_synthetic(name, tmp_path / "again", n_train=103, n_test=20, seed=1)
    assert torch.equal(load_dataset(name, root=again).images, train.images)


def test_generated_classes_are_learnable_by_nearest_class_mean(tmp_path):
    # Deliberately not trivial (a network needs some batches), but far above chance.
    root = write_synthetic("mnist", tmp_path, n_train=2000, n_test=500)
    s = load_splits("mnist", val_size=100, root=root, flatten=True, download=False)
    means = torch.stack([s.train_x[s.train_y == c].mean(0) for c in range(10)])  # (10, 784)
    predicted = torch.cdist(s.test_x, means).argmin(1)
    assert 0.6 < (predicted == s.test_y).float().mean() < 0.99


def test_unknown_name_is_rejected(tmp_path):
    with pytest.raises(ConfigError, match="name = 'svhn'"):
        write_synthetic("svhn", tmp_path)
