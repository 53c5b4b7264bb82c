"""Train/validation/test splits ready to train on: float tensors, standardized, on a device."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import torch

from trainlab.data import transforms
from trainlab.data.datasets import Dataset, load_dataset
from trainlab.data.sources import SPLITS
from trainlab.data.transforms import Standardizer, to_float
from trainlab.errors import ConfigError


def _val_count(val_size: int | float, n: int) -> int:
    """Number of validation samples for `val_size` (a count, or a fraction of `n`)."""
    if isinstance(val_size, bool) or not isinstance(val_size, int | float):
        raise ConfigError(f"val_size = {val_size!r}; expected an int count or a float fraction")
    if isinstance(val_size, float):
        if not 0.0 < val_size < 1.0:
            raise ConfigError(f"val_size = {val_size}; a fraction must be in (0, 1)")
        count = round(val_size * n)
    else:
        count = val_size
    if not 0 < count < n:
        raise ConfigError(
            f"val_size = {val_size!r} gives {count} of {n} samples; expected 1..{n - 1}"
        )
    return count


def train_val_split(
    dataset: Dataset, val_size: int | float, *, seed: int = 0
) -> tuple[Dataset, Dataset]:
    """Split `dataset` at random into (train, val); `val_size` is a count or a fraction.

    The same seed always gives the same split; the two parts never share a sample.
    """
    n = len(dataset)
    n_val = _val_count(val_size, n)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    val_idx, train_idx = order[:n_val], order[n_val:]

    def part(indices: torch.Tensor, split: str) -> Dataset:
        return replace(
            dataset, images=dataset.images[indices], labels=dataset.labels[indices], split=split
        )

    return part(train_idx, dataset.split), part(val_idx, "val")


@dataclass(frozen=True)
class Splits:
    """Float32 inputs and int64 targets for training, validation and test."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    classes: tuple[str, ...]
    standardizer: Standardizer | None  # fitted on train_x; None when not standardized


def load_splits(
    name: str,
    *,
    val_size: int | float = 0.1,
    val_from: str = "train",
    seed: int = 0,
    standardize: str | None = None,
    flatten: bool = False,
    root: str | os.PathLike | None = None,
    device: str | torch.device = "cpu",
    download: bool = True,
) -> Splits:
    """Load a dataset as train/val/test tensors ready to train on.

    Images are scaled to [0, 1]; with `standardize` ("feature" or "channel") they are
    standardized with statistics of the training part only; with `flatten` they
    become (N, C*H*W). The validation part is drawn at random with `seed` from the
    official split `val_from`: "train" keeps the official test split apart; "test"
    cuts it in two (validation and the rest as test), as some course exercises do.
    """
    if standardize not in (None, *transforms.STANDARDIZE_PER):
        raise ConfigError(
            f"standardize = {standardize!r}; expected None or one of {transforms.STANDARDIZE_PER}"
        )
    if val_from not in SPLITS:
        raise ConfigError(f"val_from = {val_from!r}; expected one of {SPLITS}")
    train = load_dataset(name, "train", root=root, download=download)
    test = load_dataset(name, "test", root=root, download=download)
    if val_from == "train":
        train, val = train_val_split(train, val_size, seed=seed)
    else:
        test, val = train_val_split(test, val_size, seed=seed)
    xs = [to_float(d.images.to(device)) for d in (train, val, test)]
    standardizer = None
    if standardize is not None:
        standardizer = Standardizer(standardize).fit(xs[0])
        xs = [standardizer.transform(x) for x in xs]
    if flatten:
        xs = [transforms.flatten(x) for x in xs]
    ys = [d.labels.to(device) for d in (train, val, test)]
    return Splits(
        train_x=xs[0],
        train_y=ys[0],
        val_x=xs[1],
        val_y=ys[1],
        test_x=xs[2],
        test_y=ys[2],
        classes=train.classes,
        standardizer=standardizer,
    )
