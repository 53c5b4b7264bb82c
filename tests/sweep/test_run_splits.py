"""A run's splits: one load per dataset however train_size/augment vary; generated data stays
generated even where real files are on the search chain."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from trainlab.data import load_splits
from trainlab.data.config import DataConfig
from trainlab.data.synthetic import write_synthetic
from trainlab.sweep import run as run_module
from trainlab.sweep.run import load_run_splits


@pytest.fixture(autouse=True)
def isolated(monkeypatch, no_user_data):
    """A fresh splits cache, and no real home cache or TRAINLAB_DATA."""
    monkeypatch.setattr(run_module, "_SPLITS_CACHE", {})


@pytest.fixture
def loads(monkeypatch):
    """Count the calls of `load_splits` made by `load_run_splits`."""
    calls = []

    def counting(*args, **kwargs):
        calls.append(args)
        return load_splits(*args, **kwargs)

    monkeypatch.setattr(run_module, "load_splits", counting)
    return calls


def test_train_size_and_augment_reuse_the_cached_splits(tmp_path, loads):
    root = write_synthetic("fashion-mnist", tmp_path / "data", n_train=300, n_test=20)
    base = DataConfig(root=str(root), val_size=50)
    full = load_run_splits(base)
    small = load_run_splits(dataclasses.replace(base, train_size=100, augment=True))
    augmented = load_run_splits(dataclasses.replace(base, augment=True))
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
    load_run_splits(base)
    load_run_splits(dataclasses.replace(base, split_seed=1))
    load_run_splits(dataclasses.replace(base, standardize="none"))
    assert len(loads) == 3


def test_synthetic_runs_ignore_real_data_on_the_search_chain(tmp_path, monkeypatch):
    real = write_synthetic("mnist", tmp_path / "real", n_train=300, n_test=20, seed=7)
    monkeypatch.setenv("TRAINLAB_DATA", str(real))
    splits = load_run_splits(DataConfig(name="mnist", val_size=100, synthetic=True))
    assert splits.train_x.shape[0] == 1_900  # the generated 2000, not the 300 found elsewhere
    assert splits.test_x.shape[0] == 500
