"""How many images each split of a dataset holds, and whether a `DataConfig` fits them.

Counted without reading the images, so a study can check every run's sizes when its
spec is read: an IDX images file gives N in its header (the first 8 bytes), a CIFAR-10
binary batch holds (file size / 3073) records, a python batch is one of the official
10,000-image batches (its md5 is checked before it is read). A dataset not on this
machine counts at its official sizes (what a download gives); generated data at the
sizes of the generated files, or those `write_synthetic` will write.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from trainlab.data import cifar, idx, sources
from trainlab.data.config import DataConfig
from trainlab.data.locate import Found, locate, locate_in
from trainlab.data.synthetic import GENERATED_SIZES, generated_root
from trainlab.errors import ConfigError, DataError


@dataclass(frozen=True)
class SplitSizes:
    """Images in the official train and test splits of one dataset, and whence the counts."""

    train: int
    test: int
    source: str  # for messages: "the files in DIR", "generated data", ...

    def of(self, split: str) -> int:
        """The count of `split` ("train" or "test")."""
        return self.train if split == "train" else self.test


def split_sizes(
    name: str, *, root: str | os.PathLike | None = None, generated: bool = False
) -> SplitSizes:
    """The sizes of dataset `name` as a run would read it: from `root` or the search path,
    else the official sizes; with `generated`, the generated stand-in's.

    Raises:
        DataError: a file is found whose header is malformed.
    """
    if generated:
        folder = generated_root(name) / sources.FOLDERS[name][0]
        found = {split: locate_in(name, split, folder) for split in sources.SPLITS}
        if None in found.values():  # not written yet: written at these sizes
            return SplitSizes(**GENERATED_SIZES, source="generated data")
        return SplitSizes(**{s: count(f) for s, f in found.items()}, source="generated data")
    found = {split: locate(name, split, root) for split in sources.SPLITS}
    if None in found.values():  # downloaded when the study starts
        return SplitSizes(**sources.OFFICIAL_SIZES[name], source="the official files")
    where = sorted({str(f.directory) for f in found.values()})
    return SplitSizes(
        **{s: count(f) for s, f in found.items()}, source=f"the files in {', '.join(where)}"
    )


def count(found: Found) -> int:
    """Images in the files of one split, from their headers and sizes only."""
    if found.format == "idx":
        images, labels = (
            idx.read_idx_dims(found.files[0], magic=idx.IMAGES_MAGIC)[0],
            idx.read_idx_dims(found.files[1], magic=idx.LABELS_MAGIC)[0],
        )
        if images != labels:
            raise DataError(
                f"{found.files[0]} holds {images} images but {found.files[1]} holds "
                f"{labels} labels; the counts must agree"
            )
        return images
    if found.format == "cifar-bin":
        return sum(f.stat().st_size // cifar.RECORD for f in found.files)
    return len(found.files) * cifar.PY_BATCH_IMAGES  # official batches, md5-checked on read


def check_sizes(config: DataConfig, sizes: SplitSizes, *, where: str) -> None:
    """ConfigError when `config` asks for more images than `sizes` hold: a validation set
    of 1 to N - 1 images of the split it is cut from (``val_from``), and a ``train_size``
    of at most what remains of the train split."""
    held_from = sizes.of(config.val_from)
    if not 1 <= config.val_size < held_from:
        raise ConfigError(
            f"{where}: data.val_size = {config.val_size}; the {config.name} {config.val_from} "
            f"split has {held_from} images ({sizes.source}): expected 1 to {held_from - 1}"
        )
    left = sizes.train - (config.val_size if config.val_from == "train" else 0)
    if config.train_size > left:
        held = " after data.val_size" if config.val_from == "train" else ""
        raise ConfigError(
            f"{where}: data.train_size = {config.train_size}; the {config.name} train split "
            f"has {left} images{held} ({sizes.source}): expected 0 (all of them) to {left}"
        )
