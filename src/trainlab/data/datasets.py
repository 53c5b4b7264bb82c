"""Datasets as tensors: `load_dataset("fashion-mnist", "train")` -> uint8 images + labels."""

from __future__ import annotations

import os
import urllib.error
from dataclasses import dataclass

import torch

from trainlab.data import cifar, idx, sources
from trainlab.data.downloads import Fetcher
from trainlab.data.downloads import download as fetch_dataset
from trainlab.data.locate import (
    ENV_VAR,
    Found,
    cache_dir,
    formats,
    locate,
    required_files,
    search_dirs,
)
from trainlab.errors import ConfigError, DataNotFoundError


@dataclass(frozen=True)
class Dataset:
    """One split of a labelled image dataset, held in memory.

    `images` is (N, C, H, W) uint8: (N, 1, 28, 28) for MNIST and Fashion-MNIST,
    (N, 3, 32, 32) for CIFAR-10. `labels` is (N,) int64 indexing `classes`.
    """

    images: torch.Tensor
    labels: torch.Tensor
    classes: tuple[str, ...]
    name: str
    split: str  # "train" | "test" | "val"

    def __len__(self) -> int:
        return self.labels.shape[0]


def _check_name_split(name: str, split: str) -> None:
    if name not in sources.DATASET_NAMES:
        raise ConfigError(f"dataset name = {name!r}; expected one of {sources.DATASET_NAMES}")
    if split not in sources.SPLITS:
        raise ConfigError(f"split = {split!r}; expected one of {sources.SPLITS}")


def _read(found: Found, name: str) -> tuple[torch.Tensor, torch.Tensor, tuple[str, ...]]:
    """Read the files of one split; returns images, labels and class names."""
    classes = sources.CLASSES[name]
    if found.format == "idx":
        images, labels = idx.read_idx_pair(*found.files, num_classes=len(classes))
        return images, labels, classes
    if found.format == "cifar-bin":
        parts = [cifar.read_binary_batch(f, num_classes=len(classes)) for f in found.files]
        meta = found.directory / sources.CIFAR_BIN_META
        if meta.is_file():
            classes = cifar.read_class_names(meta, num_classes=len(classes))
    else:
        parts = [
            cifar.read_python_batch(f, md5=sources.CIFAR_PY_MD5[f.name], num_classes=len(classes))
            for f in found.files
        ]
    images = torch.cat([p[0] for p in parts])
    labels = torch.cat([p[1] for p in parts])
    return images, labels, classes


def _not_found(
    name: str, split: str, root: str | os.PathLike | None, reason: str
) -> DataNotFoundError:
    looked = "\n".join(f"  {d}  ({origin})" for origin, d in search_dirs(name, root))
    fmt = formats(name)[0]
    suffix = "[.gz]" if fmt == "idx" else ""
    files = ", ".join(f + suffix for f in required_files(fmt, split))
    folder = sources.FOLDERS[name][0]
    return DataNotFoundError(
        f"{name} ({split} split) not found. Looked in:\n{looked}\n{reason}\n"
        f"To provide the files offline, put {files} in a folder '{folder}' under a data "
        f"root and pass root=<data root> (`--data-dir`, or `data.root` in a study spec), or "
        f"set {ENV_VAR}=<data root>, or copy the "
        f"folder into {cache_dir()}. Official files: {', '.join(sources.download_urls(name))}"
    )


def load_dataset(
    name: str,
    split: str = "train",
    *,
    root: str | os.PathLike | None = None,
    download: bool = True,
    fetch: Fetcher | None = None,
) -> Dataset:
    """Load one split of `mnist`, `fashion-mnist` or `cifar10` as tensors.

    Files are looked for under `root`, `$TRAINLAB_DATA`, `~/.cache/trainlab` and system
    package folders (see `trainlab.data.locate`); if absent and `download` is true, they
    are downloaded from the official mirror into the cache and verified by md5.

    Raises:
        DataNotFoundError: no local copy and no (successful) download; the message lists
            every folder searched and how to provide the files.
        DataError: a file was found but is malformed.
    """
    found = find_files(name, split, root=root, download=download, fetch=fetch)
    images, labels, classes = _read(found, name)
    return Dataset(images=images, labels=labels, classes=classes, name=name, split=split)


def ensure_dataset(
    name: str,
    *,
    root: str | os.PathLike | None = None,
    download: bool = True,
    fetch: Fetcher | None = None,
) -> None:
    """Make sure both splits of `name` are on disk (downloading once if absent), reading none.

    For drivers that start many runs: a missing dataset is one clear error up front, not
    one failed download per run. Raises as `load_dataset`.
    """
    for split in ("train", "test"):
        find_files(name, split, root=root, download=download, fetch=fetch)


def find_files(
    name: str,
    split: str,
    *,
    root: str | os.PathLike | None = None,
    download: bool = True,
    fetch: Fetcher | None = None,
) -> Found:
    """The files of one split: found on the search path, else downloaded into the cache."""
    _check_name_split(name, split)
    found = locate(name, split, root)
    if found is None and not download:
        raise _not_found(name, split, root, "Downloading was disabled (download=False).")
    if found is None:
        try:
            fetch_dataset(name, fetch=fetch)
        except (urllib.error.URLError, OSError) as e:
            raise _not_found(name, split, root, f"Download failed: {e}") from e
        found = locate(name, split, root)
        if found is None:  # the download wrote somewhere that is not searched
            raise _not_found(name, split, root, "Downloaded files were not found afterwards.")
    return found
