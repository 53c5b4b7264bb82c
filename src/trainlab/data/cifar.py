"""Readers for the CIFAR-10 batch files: the binary version and the python (pickle) version.

Binary: each record is 1 label byte then 3072 pixel bytes (1024 red, 1024 green,
1024 blue, rows in order). Python: a pickled dict with `data` (N, 3072) uint8 in the
same pixel order and `labels` (N ints). A pickle can run code when loaded, so a
python batch is only unpickled after its md5 matches the known value.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import numpy as np
import torch

from trainlab.errors import DataError

IMAGE_SHAPE = (3, 32, 32)
PIXELS = 3 * 32 * 32
RECORD = 1 + PIXELS  # bytes per image in a binary batch
PY_BATCH_IMAGES = 10_000  # images in each official python batch (5 train, 1 test)


def _check_labels(labels: torch.Tensor, path: Path, num_classes: int) -> None:
    if labels.numel() and not 0 <= int(labels.min()) <= int(labels.max()) < num_classes:
        bad = int(labels.min()) if int(labels.min()) < 0 else int(labels.max())
        raise DataError(f"{path}: label {bad} found; expected 0..{num_classes - 1}")


def read_binary_batch(
    path: str | Path, *, num_classes: int = 10
) -> tuple[torch.Tensor, torch.Tensor]:
    """Read one binary batch (`data_batch_1.bin`, `test_batch.bin`).

    Returns:
        images (N, 3, 32, 32) uint8 and labels (N,) int64.
    """
    path = Path(path)
    raw = bytearray(path.read_bytes())
    if not raw or len(raw) % RECORD:
        raise DataError(
            f"{path}: {len(raw)} bytes is not a whole, non-zero number of {RECORD}-byte "
            "records (1 label byte + 3x32x32 pixel bytes); the file is truncated or not "
            "a CIFAR-10 binary batch"
        )
    records = torch.frombuffer(raw, dtype=torch.uint8).reshape(-1, RECORD)  # (N, 3073)
    labels = records[:, 0].long()
    _check_labels(labels, path, num_classes)
    images = records[:, 1:].reshape(-1, *IMAGE_SHAPE).clone()  # own memory, not a view
    return images, labels


def read_class_names(path: str | Path, *, num_classes: int = 10) -> tuple[str, ...]:
    """Read `batches.meta.txt`: one class name per line (blank lines ignored)."""
    path = Path(path)
    names = tuple(line.strip() for line in path.read_text().splitlines() if line.strip())
    if len(names) != num_classes:
        raise DataError(f"{path}: {len(names)} class names; expected {num_classes}")
    return names


def md5_of(path: str | Path) -> str:
    """Hex md5 of a file's bytes."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_python_batch(
    path: str | Path, *, md5: str, num_classes: int = 10
) -> tuple[torch.Tensor, torch.Tensor]:
    """Verify a python batch (`data_batch_1`, `test_batch`) against `md5`, then unpickle it.

    Returns:
        images (N, 3, 32, 32) uint8 and labels (N,) int64.

    Raises:
        DataError: checksum mismatch (the file is not unpickled), or a malformed batch.
    """
    path = Path(path)
    found = md5_of(path)
    if found != md5:
        raise DataError(
            f"{path}: md5 {found}, expected {md5}; refusing to unpickle a file that is not "
            "the official batch (download the binary version, cifar-10-binary.tar.gz, instead)"
        )
    with open(path, "rb") as f:
        batch = pickle.load(f, encoding="bytes")  # noqa: S301 - checksum verified above
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise DataError(f"{path}: expected a dict with keys b'data' and b'labels'")
    data = np.asarray(batch[b"data"])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != PIXELS:
        raise DataError(f"{path}: data is {data.dtype} {data.shape}; expected uint8 (N, {PIXELS})")
    labels = torch.as_tensor(np.asarray(batch[b"labels"], dtype=np.int64))
    if labels.shape != (data.shape[0],):
        raise DataError(
            f"{path}: {data.shape[0]} images but {labels.numel()} labels; the counts must agree"
        )
    _check_labels(labels, path, num_classes)
    images = torch.from_numpy(data.copy()).reshape(-1, *IMAGE_SHAPE)
    return images, labels
