"""Fixtures for data tests: an isolated environment and writers of small files in the
official formats (IDX, CIFAR-10 binary and python batches)."""

from __future__ import annotations

import gzip
import hashlib
import pickle
import urllib.error
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

from trainlab.data import downloads as download_module
from trainlab.data.sources import CLASSES
from trainlab.data.synthetic import cifar_binary_bytes, idx_bytes


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, no_user_data):
    """No test sees the real home cache or TRAINLAB_DATA, and none reaches the network."""
    real_fetch = download_module.urlopen_fetch

    def local_only(url: str):
        if not url.startswith("file:"):
            raise urllib.error.URLError(f"network disabled in tests: {url}")
        return real_fetch(url)

    monkeypatch.setattr(download_module, "urlopen_fetch", local_only)
    return no_user_data


def md5(path: Path) -> str:
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


@dataclass
class Split:
    images: torch.Tensor  # (N, C, H, W) uint8, as load_dataset must return it
    labels: torch.Tensor  # (N,) int64


IDX_NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def write_idx_dataset(
    folder: Path, *, n_train: int = 40, n_test: int = 12, gz: bool = True, seed: int = 0
) -> dict[str, Split]:
    """Write both IDX splits (28x28 images, labels 0..9) into `folder`; return their content."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for split, n in (("train", n_train), ("test", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = np.arange(n, dtype=np.uint8) % 10
        for name, array, magic in zip(
            IDX_NAMES[split], (images, labels), (0x803, 0x801), strict=True
        ):
            data = idx_bytes(array, magic)
            if gz:
                (folder / f"{name}.gz").write_bytes(gzip.compress(data))
            else:
                (folder / name).write_bytes(data)
        out[split] = Split(torch.from_numpy(images).unsqueeze(1), torch.from_numpy(labels).long())
    return out


CIFAR_BATCHES = {
    "train": [f"data_batch_{i}" for i in range(1, 6)],
    "test": ["test_batch"],
}


def cifar_arrays(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    images = rng.integers(0, 256, size=(n, 3, 32, 32), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    return images, labels


def cifar_python_bytes(images: np.ndarray, labels: np.ndarray) -> bytes:
    """A pickled dict with the official keys (bytes, as read with encoding='bytes')."""
    batch = {
        b"batch_label": b"generated batch",
        b"labels": [int(v) for v in labels],
        b"data": images.reshape(len(images), -1),
        b"filenames": [f"img_{i}.png".encode() for i in range(len(labels))],
    }
    return pickle.dumps(batch, protocol=2)


def write_cifar(
    folder: Path, *, fmt: str, per_batch: int = 4, seed: int = 0, meta: bool = True
) -> tuple[dict[str, Split], dict[str, str]]:
    """Write all six CIFAR-10 batches in `fmt` ("bin" or "py") into `folder`.

    Returns the content per split and the md5 of every written batch file.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out, md5s = {}, {}
    for split, batches in CIFAR_BATCHES.items():
        parts = []
        for batch in batches:
            images, labels = cifar_arrays(per_batch, rng)
            if fmt == "bin":
                path = folder / f"{batch}.bin"
                path.write_bytes(cifar_binary_bytes(images, labels))
            else:
                path = folder / batch
                path.write_bytes(cifar_python_bytes(images, labels))
            md5s[batch] = md5(path)
            parts.append((images, labels))
        out[split] = Split(
            torch.from_numpy(np.concatenate([p[0] for p in parts])),
            torch.from_numpy(np.concatenate([p[1] for p in parts])).long(),
        )
    if meta and fmt == "bin":
        (folder / "batches.meta.txt").write_text("\n".join(CLASSES["cifar10"]) + "\n\n")
    return out, md5s


@pytest.fixture
def formats():
    """The file writers above, for tests (conftest functions are not importable)."""
    return _Writers()


class _Writers:
    idx_bytes = staticmethod(idx_bytes)
    write_idx_dataset = staticmethod(write_idx_dataset)
    cifar_arrays = staticmethod(cifar_arrays)
    cifar_binary_bytes = staticmethod(cifar_binary_bytes)
    cifar_python_bytes = staticmethod(cifar_python_bytes)
    write_cifar = staticmethod(write_cifar)
    md5 = staticmethod(md5)
