import pytest
import torch

from trainlab.data import Dataset, load_dataset, load_splits, to_float, train_val_split
from trainlab.errors import ConfigError


def _dataset(n: int) -> Dataset:
    images = torch.arange(n, dtype=torch.uint8).reshape(n, 1, 1, 1).expand(n, 1, 2, 2)
    return Dataset(images, torch.arange(n), ("a", "b"), "toy", "train")


@pytest.mark.parametrize(("val_size", "n_val"), [(30, 30), (0.25, 25)])
def test_split_sizes_and_disjoint_cover(val_size, n_val):
    train, val = train_val_split(_dataset(100), val_size, seed=3)
    assert (len(train), len(val)) == (100 - n_val, n_val)
    assert (train.split, val.split) == ("train", "val")
    both = torch.cat([train.labels, val.labels]).sort().values
    assert torch.equal(both, torch.arange(100))  # every sample in exactly one part
    assert torch.equal(train.images[:, 0, 0, 0].long(), train.labels)  # rows stay paired


def test_split_is_reproducible_and_depends_on_seed():
    a = train_val_split(_dataset(50), 10, seed=1)[1].labels
    b = train_val_split(_dataset(50), 10, seed=1)[1].labels
    c = train_val_split(_dataset(50), 10, seed=2)[1].labels
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


@pytest.mark.parametrize("bad", [0, 50, -1, 1.0, 0.0, 0.001, True, "10"])
def test_bad_val_size_is_a_config_error(bad):
    with pytest.raises(ConfigError, match="val_size"):
        train_val_split(_dataset(50), bad)


@pytest.fixture
def data_root(tmp_path, formats):
    formats.write_idx_dataset(tmp_path / "mnist", n_train=60, n_test=20)
    return tmp_path


def test_load_splits_shapes_types_and_test_kept_apart(data_root):
    s = load_splits("mnist", val_size=15, root=data_root, flatten=True)
    assert s.train_x.shape == (45, 784) and s.train_x.dtype == torch.float32
    assert s.val_x.shape == (15, 784) and s.test_x.shape == (20, 784)
    assert s.train_y.dtype == torch.int64 and s.standardizer is None
    assert float(s.train_x.min()) >= 0.0 and float(s.train_x.max()) <= 1.0
    test = load_dataset("mnist", "test", root=data_root)
    assert torch.equal(s.test_x, to_float(test.images).flatten(1))
    assert torch.equal(s.test_y, test.labels)
    assert s.classes == tuple(str(d) for d in range(10))


@pytest.mark.parametrize("per", ["feature", "channel"])
def test_standardization_uses_training_part_only(data_root, per):
    s = load_splits("mnist", val_size=15, seed=4, root=data_root, standardize=per)
    train, _ = train_val_split(load_dataset("mnist", root=data_root), 15, seed=4)
    ref = to_float(train.images).double()  # slow reference: float64 on the training part
    dims = (0,) if per == "feature" else (0, 2, 3)
    mean = ref.mean(dims, keepdim=True)
    std = ref.std(dims, keepdim=True, unbiased=False)
    test = to_float(load_dataset("mnist", "test", root=data_root).images).double()
    torch.testing.assert_close(s.train_x.double(), (ref - mean) / std, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(s.test_x.double(), (test - mean) / std, atol=1e-5, rtol=1e-5)
    # The statistics are not those of train + val + test pooled.
    assert abs(float(s.test_x.mean())) > 1e-4


def test_unknown_standardize_value_is_rejected(data_root):
    with pytest.raises(ConfigError, match="standardize = 'pixel'"):
        load_splits("mnist", root=data_root, standardize="pixel")
