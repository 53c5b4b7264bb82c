"""The data one run trains on: its splits, read once per cache and shared by runs alike.

Runs whose data configs differ only in ``train_size`` (sliced after loading) or
``augment`` (applied per batch) share one copy: `splits_key` says what decides
the loaded tensors. Who keeps a cache, and for how long, is the executor's choice
(one per worker process); a run handed no cache reads its data itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

from trainlab.data import Splits, ensure_dataset, load_splits
from trainlab.data.config import DataConfig
from trainlab.data.synthetic import ensure_synthetic, generated_root

SplitsSource = Callable[[DataConfig], Splits]  # how a run gets its splits: read, cached, shared


def ensure_run_data(configs: Iterable[DataConfig]) -> None:
    """Check up front that each dataset the runs read is on disk, downloading it once.

    Raises DataNotFoundError (one clear message) instead of every run failing alike.
    Generated (synthetic) data is written when first loaded, so it is not checked.
    """
    for name, root in dict.fromkeys((c.name, c.root or None) for c in configs if not c.synthetic):
        ensure_dataset(name, root=root)


def load_run_splits(config: DataConfig) -> Splits:
    """The splits a run with data `config` trains on, read from disk (no cache)."""
    return for_run(_read(splits_key(config)), config)


class SplitsCache:
    """Splits read once per `splits_key` and handed to every run that asks for them.

    Call it like `load_run_splits`. It holds every dataset it has read, so it lives
    as long as its owner: one executor's work, or one worker process.
    """

    def __init__(self) -> None:
        self._full: dict[DataConfig, Splits] = {}

    def __call__(self, config: DataConfig) -> Splits:
        key = splits_key(config)
        if key not in self._full:
            self._full[key] = _read(key)
        return for_run(self._full[key], config)


def splits_key(config: DataConfig) -> DataConfig:
    """What decides the loaded splits: `config` less `train_size` (sliced after) and
    `augment` (per batch). Runs with equal keys share one copy of the data."""
    return dataclasses.replace(config, train_size=0, augment=False)


def for_run(splits: Splits, config: DataConfig) -> Splits:
    """The splits of `splits_key(config)` cut to the run's `train_size` (a view, no copy)."""
    if not config.train_size:
        return splits
    n = config.train_size
    return dataclasses.replace(splits, train_x=splits.train_x[:n], train_y=splits.train_y[:n])


def _read(config: DataConfig) -> Splits:
    """The splits of `config` with every training sample, from disk."""
    root = config.root or None
    if config.synthetic:
        root = ensure_synthetic(config.name, generated_root(config.name))
    return load_splits(
        config.name, val_size=config.val_size, val_from=config.val_from, seed=config.split_seed,
        standardize=None if config.standardize == "none" else config.standardize, root=root,
    )  # fmt: skip
