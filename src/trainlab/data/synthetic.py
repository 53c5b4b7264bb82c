"""Generated stand-ins for the real datasets, written in the official file formats.

For runs and tests on machines without the real files: the same shapes, the same
readers, and classes that a small network can learn (each class is a fixed random
template plus noise), so the whole pipeline is exercised end to end.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from trainlab.atomic import atomic_write_bytes, atomic_write_text
from trainlab.data import sources
from trainlab.data.locate import cache_dir, locate_in
from trainlab.data.sources import IMAGE_SHAPES
from trainlab.errors import ConfigError

# Share of each pixel taken from its class template (the rest is uniform noise) is
# TEMPLATE_SNR / sqrt(pixels): evidence adds up over pixels, so this keeps the task
# equally hard at every image size. Measured: an MLP 256-128 with Adam reaches about
# 60% validation accuracy after 100 batches of 32 on both CIFAR- and MNIST-shaped data.
TEMPLATE_SNR = 3.0
# Images per split of the generated stand-ins that runs with `synthetic` (and --quick
# without the real files) train on: enough to learn from in a smoke test, fast to write.
GENERATED_SIZES: dict[str, int] = {"train": 2_000, "test": 500}


def _samples(
    n: int, shape: tuple[int, ...], templates: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """`n` images (N, C, H, W) uint8 with balanced labels (N,) uint8, in random order."""
    labels = rng.permutation(np.arange(n) % len(templates)).astype(np.uint8)
    noise = rng.uniform(0, 255, size=(n, *shape))
    weight = TEMPLATE_SNR / np.sqrt(np.prod(shape))
    images = weight * templates[labels] + (1 - weight) * noise
    return images.round().astype(np.uint8), labels


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """An unsigned-byte IDX file holding `array` (magic 0x800 + ndim unless given)."""
    magic = 0x800 | array.ndim if magic is None else magic
    header = struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def cifar_binary_bytes(images: np.ndarray, labels: np.ndarray) -> bytes:
    """CIFAR-10 binary records: 1 label byte, then 1024 R, 1024 G and 1024 B bytes each."""
    records = np.concatenate([labels[:, None], images.reshape(len(labels), -1)], axis=1)
    return records.astype(np.uint8).tobytes()


def _check_name(name: str) -> None:
    """Reject dataset names that have no generated stand-in."""
    if name not in IMAGE_SHAPES:
        raise ConfigError(f"synthetic data: name = {name!r}; expected one of {tuple(IMAGE_SHAPES)}")


def _write_split(
    name: str, folder: Path, split: str, images: np.ndarray, labels: np.ndarray
) -> None:
    """Write one split of `name` into `folder` in its official format, file by file atomically."""
    if name == "cifar10":
        files = sources.CIFAR_BIN_FILES[split]
        parts = np.array_split(np.arange(len(labels)), len(files))
        for fname, part in zip(files, parts, strict=True):
            atomic_write_bytes(folder / fname, cifar_binary_bytes(images[part], labels[part]))
        return
    image_file, label_file = sources.IDX_FILES[split]
    atomic_write_bytes(  # images as (N, H, W)
        folder / f"{image_file}.gz", gzip.compress(idx_bytes(images[:, 0]), mtime=0)
    )
    atomic_write_bytes(folder / f"{label_file}.gz", gzip.compress(idx_bytes(labels), mtime=0))


def write_synthetic(
    name: str,
    root: str | Path,
    *,
    n_train: int = GENERATED_SIZES["train"],
    n_test: int = GENERATED_SIZES["test"],
    seed: int = 0,
) -> Path:
    """Write a learnable generated dataset shaped like `name` under data root `root`.

    The train split is written last: its files mark the dataset as present (see
    `ensure_synthetic`), so a reader that sees them also sees everything else.

    Returns:
        `root`, to pass as `load_dataset(name, root=...)` / `load_splits(name, root=...)`.
    """
    _check_name(name)
    if n_train < 10 or n_test < 1:
        raise ConfigError(
            f"write_synthetic: n_train = {n_train}, n_test = {n_test}; expected >= 10 and >= 1"
        )
    root = Path(root)
    folder = root / sources.FOLDERS[name][0]
    shape = IMAGE_SHAPES[name]
    rng = np.random.default_rng(seed)
    templates = rng.uniform(0, 255, size=(10, *shape))  # one fixed image per class
    train = _samples(n_train, shape, templates, rng)  # drawn first, as ever: a seed keeps its data
    test = _samples(n_test, shape, templates, rng)
    _write_split(name, folder, "test", *test)
    if name == "cifar10":
        atomic_write_text(folder / sources.CIFAR_BIN_META, "\n".join(sources.CLASSES[name]) + "\n")
    _write_split(name, folder, "train", *train)
    return root


def generated_root(name: str) -> Path:
    """The data root of the generated `name` that runs with ``data.synthetic`` read."""
    return cache_dir() / "synthetic" / name


def ensure_synthetic(name: str, root: str | Path) -> Path:
    """Write the generated `name` under `root` unless `root` itself already holds it.

    Only `root` is looked in, not the search chain: real files elsewhere (`$TRAINLAB_DATA`,
    the user cache, system folders) must not pass for the generated ones.

    Returns:
        `root`, to pass as `load_splits(name, root=...)`.
    """
    _check_name(name)
    root = Path(root)
    if locate_in(name, "train", root / sources.FOLDERS[name][0]) is None:
        write_synthetic(name, root)
    return root
