"""A run's splits: one load per dataset in a cache however train_size/augment vary; generated
data stays generated even where real files are on the search chain; with
data.split_per_seed, each seed validates on its own samples."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from trainlab.data import load_splits
from trainlab.data.config import DataConfig
from trainlab.data.synthetic import write_synthetic
from trainlab.run import splits as splits_module
from trainlab.run.config import RunConfig
from trainlab.run.splits import SplitsCache, load_run_splits


@pytest.fixture(autouse=True)
def isolated(no_user_data):
    """No real home cache or TRAINLAB_DATA."""


@pytest.fixture
def loads(monkeypatch):
    """Count the calls of `load_splits` made by a `SplitsCache` or `load_run_splits`."""
    calls = []

    def counting(*args, **kwargs):
        calls.append(args)
        return load_splits(*args, **kwargs)

    monkeypatch.setattr(splits_module, "load_splits", counting)
    return calls


def test_train_size_and_augment_reuse_the_cached_splits(tmp_path, loads):
    root = write_synthetic("fashion-mnist", tmp_path / "data", n_train=300, n_test=20)
    base = DataConfig(root=str(root), val_size=50)
    cache = SplitsCache()
    full = cache(base)
    small = cache(dataclasses.replace(base, train_size=100, augment=True))
    augmented = cache(dataclasses.replace(base, augment=True))
    assert len(loads) == 1
    assert augmented.train_x is full.train_x and small.val_x is full.val_x
    assert small.standardizer is full.standardizer  # fitted on all 250 training samples
    assert full.train_x.shape[0] == 250 and small.train_x.shape[0] == 100
    reference = load_splits("fashion-mnist", val_size=50, standardize="feature", root=root)
    torch.testing.assert_close(small.train_x, reference.train_x[:100], rtol=0, atol=0)
    torch.testing.assert_close(small.train_y, reference.train_y[:100], rtol=0, atol=0)


def test_other_split_fields_still_load_again(tmp_path, loads):
    root = write_synthetic("fashion-mnist", tmp_path / "data", n_train=300, n_test=20)
    base = DataConfig(root=str(root), val_size=50)
    cache = SplitsCache()
    cache(base)
    cache(dataclasses.replace(base, split_seed=1))
    cache(dataclasses.replace(base, standardize="none"))
    assert len(loads) == 3


def test_without_a_cache_every_run_reads_its_data(tmp_path, loads):
    root = write_synthetic("fashion-mnist", tmp_path / "data", n_train=300, n_test=20)
    base = DataConfig(root=str(root), val_size=50)
    load_run_splits(base)
    load_run_splits(base)
    assert len(loads) == 2  # nothing is kept beyond the call


def test_synthetic_runs_ignore_real_data_on_the_search_chain(tmp_path, monkeypatch):
    real = write_synthetic("mnist", tmp_path / "real", n_train=300, n_test=20, seed=7)
    monkeypatch.setenv("TRAINLAB_DATA", str(real))
    splits = load_run_splits(DataConfig(name="mnist", val_size=100, synthetic=True))
    assert splits.train_x.shape[0] == 1_900  # the generated 2000, not the 300 found elsewhere
    assert splits.test_x.shape[0] == 500


def test_two_seeds_validate_on_different_samples(data_root):
    def val_x(seed):
        config = RunConfig.from_dict(
            {"seed": seed, "data": {"root": str(data_root), "val_size": 200,
                                    "split_per_seed": True}}
        )  # fmt: skip
        return load_run_splits(config.data).val_x

    assert torch.equal(val_x(0), val_x(0))
    assert not torch.equal(val_x(0), val_x(1))
