"""Finding dataset files on disk: which folders are searched, in which order.

Search order: the `root` argument, the `TRAINLAB_DATA` environment variable, the
user cache (`~/.cache/trainlab`), then folders installed by system packages. Under
each data root the dataset's own folder comes first, then the torchvision layout.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from trainlab.data import sources

ENV_VAR = "TRAINLAB_DATA"


@dataclass(frozen=True)
class Found:
    """Files of one split of a dataset, found in one folder in one format."""

    format: str  # "idx" | "cifar-bin" | "cifar-py"
    directory: Path
    files: tuple[Path, ...]  # in the order the reader needs them


def cache_dir() -> Path:
    """The user cache, where downloads are written: `~/.cache/trainlab`."""
    return Path.home() / ".cache" / "trainlab"


def data_roots(root: str | os.PathLike | None = None) -> list[tuple[str, Path]]:
    """Data roots in search order, each with where it came from."""
    roots = []
    if root is not None:
        roots.append(("root argument", Path(root).expanduser()))
    env = os.environ.get(ENV_VAR)
    if env:
        roots.append((ENV_VAR, Path(env).expanduser()))
    roots.append(("user cache", cache_dir()))
    return roots


def search_dirs(name: str, root: str | os.PathLike | None = None) -> list[tuple[str, Path]]:
    """Every folder searched for dataset `name`, in order, each with where it came from.

    An explicit `root` may also be the dataset folder itself, so it is searched too.
    """
    dirs = []
    for origin, base in data_roots(root):
        dirs.extend((origin, base / folder) for folder in sources.FOLDERS[name])
        if origin == "root argument":
            dirs.append((origin, base))
    dirs.extend(("system package", d) for d in sources.SYSTEM_DIRS.get(name, ()))
    return dirs


def formats(name: str) -> tuple[str, ...]:
    """File formats of dataset `name`, preferred first (CIFAR binary batches need no pickle)."""
    return ("cifar-bin", "cifar-py") if name == "cifar10" else ("idx",)


def required_files(fmt: str, split: str) -> tuple[str, ...]:
    """File names one split needs in format `fmt` (IDX names without `.gz`)."""
    table = {
        "idx": sources.IDX_FILES,
        "cifar-bin": sources.CIFAR_BIN_FILES,
        "cifar-py": sources.CIFAR_PY_FILES,
    }[fmt]
    return table[split]


def _match(directory: Path, fmt: str, split: str) -> Found | None:
    files = []
    for fname in required_files(fmt, split):
        # IDX files may be raw or gzip-compressed; raw is read first (no inflate).
        options = (fname, f"{fname}.gz") if fmt == "idx" else (fname,)
        path = next((directory / o for o in options if (directory / o).is_file()), None)
        if path is None:
            return None
        files.append(path)
    return Found(fmt, directory, tuple(files))


def locate_in(name: str, split: str, directory: str | os.PathLike) -> Found | None:
    """Every file of `split` in `directory` itself (no search chain); None if any is missing."""
    for fmt in formats(name):
        found = _match(Path(directory), fmt, split)
        if found is not None:
            return found
    return None


def locate(name: str, split: str, root: str | os.PathLike | None = None) -> Found | None:
    """First folder, in search order, that holds every file of `split`; None if none does."""
    for _, directory in search_dirs(name, root):
        found = locate_in(name, split, directory)
        if found is not None:
            return found
    return None
