"""Reader for the IDX format of MNIST and Fashion-MNIST (raw or gzip-compressed).

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of
dimensions), one big-endian uint32 per dimension, then the values in C order.
Only unsigned bytes (type 0x08) occur in these datasets.
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path

import torch

from trainlab.errors import DataError

UBYTE = 0x08
IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dims: (N, H, W)
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dim: (N,)


def read_bytes(path: Path) -> bytearray:
    """Whole content of `path`, decompressed when the name ends in `.gz`."""
    if path.suffix != ".gz":
        return bytearray(path.read_bytes())
    try:
        with gzip.open(path, "rb") as f:
            return bytearray(f.read())
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path}: not a complete gzip file ({e})") from e


def read_idx_dims(path: str | Path, *, magic: int) -> tuple[int, ...]:
    """The dimensions in an IDX file's header, read without the values (gzip streams)."""
    path = Path(path)
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    try:
        with gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb") as f:
            raw = f.read(header)
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path}: not a complete gzip file ({e})") from e
    if len(raw) < header:
        raise DataError(f"{path}: {len(raw)} bytes; the header alone needs {header}")
    (found,) = struct.unpack(">I", raw[:4])
    if found != magic:
        raise DataError(f"{path}: magic number 0x{found:08x}; expected 0x{magic:08x}")
    return struct.unpack(f">{ndim}I", raw[4:header])


def read_idx(path: str | Path, *, magic: int) -> torch.Tensor:
    """Read an unsigned-byte IDX file and check its magic number and length.

    Returns:
        A uint8 tensor with the dimensions given in the header.

    Raises:
        DataError: wrong magic number, truncated or over-long file, broken gzip.
    """
    path = Path(path)
    raw = read_bytes(path)
    if len(raw) < 4:
        raise DataError(f"{path}: {len(raw)} bytes; an IDX file starts with a 4-byte magic number")
    (found,) = struct.unpack(">I", raw[:4])
    if found != magic:
        raise DataError(f"{path}: magic number 0x{found:08x}; expected 0x{magic:08x}")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: {len(raw)} bytes; the header alone needs {header}")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    expected = header + math.prod(dims)
    if len(raw) != expected:
        raise DataError(
            f"{path}: {len(raw)} bytes, but the header's dimensions {tuple(dims)} need "
            f"{expected}; the file is truncated or corrupt"
        )
    return torch.frombuffer(raw, dtype=torch.uint8, offset=header).reshape(dims)


def read_idx_pair(
    images_path: str | Path, labels_path: str | Path, *, num_classes: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Read an IDX image file and its label file; check that they agree.

    Returns:
        images (N, 1, H, W) uint8 and labels (N,) int64.
    """
    images = read_idx(images_path, magic=IMAGES_MAGIC)
    labels = read_idx(labels_path, magic=LABELS_MAGIC)
    if images.shape[0] != labels.shape[0]:
        raise DataError(
            f"{images_path} holds {images.shape[0]} images but {labels_path} holds "
            f"{labels.shape[0]} labels; the counts must agree"
        )
    if labels.numel() and int(labels.max()) >= num_classes:
        raise DataError(
            f"{labels_path}: label {int(labels.max())} found; expected 0..{num_classes - 1}"
        )
    return images.unsqueeze(1), labels.long()  # (N, 1, H, W), (N,)
