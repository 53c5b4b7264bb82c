"""Downloading datasets into the user cache, with checksum verification.

Every file is streamed into a temporary file beside its target, hashed on the way,
and renamed into place only when its md5 matches the known value; a failed or
mismatching download leaves nothing behind. The fetcher is a parameter so tests
(and users behind a proxy) can supply their own.
"""

from __future__ import annotations

import hashlib
import tarfile
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from tqdm.auto import tqdm

from trainlab.atomic import atomic_open, atomic_write_bytes
from trainlab.data import sources
from trainlab.data.locate import cache_dir
from trainlab.errors import ConfigError, DataError

Fetcher = Callable[[str], BinaryIO]
"""Opens a URL and returns a readable binary stream (optionally with a `length`)."""

CHUNK = 1 << 20  # bytes per read: 1 MiB


def urlopen_fetch(url: str) -> BinaryIO:
    """Default fetcher: `urllib.request.urlopen` (http, https and file URLs)."""
    return urllib.request.urlopen(url, timeout=60)  # noqa: S310 - fixed, known mirrors


def download_file(
    url: str,
    dest: str | Path,
    *,
    md5: str,
    fetch: Fetcher | None = None,
    progress: bool = True,
) -> Path:
    """Download `url` to `dest` atomically, keeping it only if its md5 equals `md5`.

    Raises:
        DataError: the downloaded bytes do not match `md5` (nothing is written).
        OSError: the URL could not be fetched (e.g. `urllib.error.URLError` offline).
    """
    dest = Path(dest)
    fetch = fetch or urlopen_fetch
    digest = hashlib.md5(usedforsecurity=False)
    with fetch(url) as src, atomic_open(dest, "wb") as out:
        total = getattr(src, "length", None)
        with tqdm(
            total=total, unit="B", unit_scale=True, desc=dest.name, disable=not progress
        ) as bar:
            while chunk := src.read(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                bar.update(len(chunk))
        if digest.hexdigest() != md5:
            raise DataError(
                f"{url}: downloaded file has md5 {digest.hexdigest()}, expected {md5}; "
                f"not saved to {dest}"
            )
    return dest


def _extract_cifar_binary(archive: Path, dest: Path) -> None:
    """Unpack the known batch files from a verified CIFAR-10 binary archive into `dest`.

    Only regular files named like the official batches are written, each atomically,
    so a crafted archive cannot write outside `dest`.
    """
    wanted = {*sources.CIFAR_BIN_FILES["train"], *sources.CIFAR_BIN_FILES["test"]}
    wanted.add(sources.CIFAR_BIN_META)
    written = set()
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            fname = Path(member.name).name
            if member.isfile() and fname in wanted and fname not in written:
                atomic_write_bytes(dest / fname, tar.extractfile(member).read())
                written.add(fname)
    missing = sorted(wanted - written)
    if missing:
        raise DataError(f"{archive}: archive lacks {', '.join(missing)}")


def download(
    name: str,
    *,
    dest: str | Path | None = None,
    fetch: Fetcher | None = None,
    progress: bool = True,
) -> Path:
    """Download dataset `name` from its official mirror into a data root (default: the cache).

    Returns:
        The folder holding the files (`<dest>/<name>` for MNIST and Fashion-MNIST,
        `<dest>/cifar-10-batches-bin` for CIFAR-10).
    """
    root = Path(dest) if dest is not None else cache_dir()
    if name in sources.IDX_MD5:
        folder = root / sources.FOLDERS[name][0]
        for fname, md5 in sources.IDX_MD5[name].items():
            target = folder / fname
            if not target.is_file():
                url = sources.IDX_MIRRORS[name] + fname
                download_file(url, target, md5=md5, fetch=fetch, progress=progress)
        return folder
    if name in sources.ARCHIVES:
        url, md5 = sources.ARCHIVES[name]
        archive = root / url.rsplit("/", 1)[-1]
        folder = root / "cifar-10-batches-bin"
        download_file(url, archive, md5=md5, fetch=fetch, progress=progress)
        _extract_cifar_binary(archive, folder)
        archive.unlink()  # 163 MB that the batch files now duplicate
        return folder
    raise ConfigError(f"download: name = {name!r}; expected one of {sources.DATASET_NAMES}")
