"""DataConfig: which dataset a run reads, how it is split and preprocessed."""

from __future__ import annotations

from dataclasses import dataclass

from trainlab.config import check_fields, choice, number
from trainlab.data.sources import DATASET_NAMES, SPLITS
from trainlab.data.transforms import STANDARDIZE_PER


@dataclass(frozen=True)
class DataConfig:
    """Which dataset, how it is split and preprocessed."""

    name: str = choice(DATASET_NAMES, default="fashion-mnist")
    root: str = ""  # directory holding the files; "" = the usual search order
    val_size: int = number(10_000, lo=1)  # samples held out for validation
    val_from: str = choice(SPLITS, default="train")  # official split the validation set is cut from
    split_seed: int = 0  # fixed by default so every run of a grid validates on the same samples
    # true: each run draws its validation split with its own seed (split_seed follows the
    # run's seed), so seed noise includes the choice of split (Bouthillier et al. 2021)
    split_per_seed: bool = False
    train_size: int = number(0, lo=0)  # use only the first N training samples; 0 = all
    standardize: str = choice(("none", *STANDARDIZE_PER), default="feature")
    augment: bool = False  # random crop (padding 4) + horizontal flip, per batch
    synthetic: bool = False  # generated learnable files in the official format (smoke tests)

    def __post_init__(self) -> None:
        check_fields(self)
