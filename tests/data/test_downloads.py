"""Downloads go through an injectable fetcher; tests serve files locally, never from the web."""

import gzip
import hashlib
import io
import tarfile

import numpy as np
import pytest
import torch

from trainlab.data import download_file, load_dataset, sources
from trainlab.errors import DataError


class CountingFetcher:
    """Serves bytes by URL from memory and counts requests."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.requests: list[str] = []

    def __call__(self, url: str) -> io.BytesIO:
        self.requests.append(url)
        return io.BytesIO(self.files[url])


def test_download_file_keeps_a_verified_file(tmp_path):
    data = b"x" * 3_000_000  # several 1 MiB chunks
    fetch = CountingFetcher({"http://mirror/f": data})
    dest = tmp_path / "sub" / "f"
    download_file(
        "http://mirror/f", dest, md5=hashlib.md5(data).hexdigest(), fetch=fetch, progress=False
    )
    assert dest.read_bytes() == data
    assert sorted(p.name for p in dest.parent.iterdir()) == ["f"]  # no temporary left behind


def test_checksum_mismatch_leaves_no_file(tmp_path):
    fetch = CountingFetcher({"http://mirror/f": b"tampered"})
    dest = tmp_path / "out" / "f"
    with pytest.raises(DataError, match=r"http://mirror/f: .*md5 \w+, expected 0+; not saved"):
        download_file("http://mirror/f", dest, md5="0" * 32, fetch=fetch, progress=False)
    assert list(dest.parent.iterdir()) == []  # neither the file nor its temporary


def _serve_idx(tmp_path, formats, monkeypatch, name):
    """Put gzip IDX files in a folder, point the mirror at it (file://) and trust their md5s."""
    mirror = tmp_path / "mirror"
    written = formats.write_idx_dataset(mirror, n_train=8, n_test=4, gz=True)
    monkeypatch.setitem(sources.IDX_MIRRORS, name, mirror.as_uri() + "/")
    checksums = {f.name: formats.md5(f) for f in mirror.iterdir()}
    monkeypatch.setitem(sources.IDX_MD5, name, checksums)
    return written


def test_missing_dataset_is_downloaded_to_cache_then_reused(tmp_path, formats, monkeypatch):
    written = _serve_idx(tmp_path, formats, monkeypatch, "mnist")
    ds = load_dataset("mnist", "test")  # the default fetcher, reading file:// URLs
    assert torch.equal(ds.images, written["test"].images)
    cached = tmp_path / "home" / ".cache" / "trainlab" / "mnist"
    assert sorted(p.name for p in cached.iterdir()) == sorted(sources.IDX_MD5["mnist"])
    fetch = CountingFetcher({})
    assert len(load_dataset("mnist", "train", fetch=fetch)) == 8
    assert fetch.requests == []  # found in the cache: no second download


def test_corrupt_download_raises_and_caches_nothing(tmp_path, formats, monkeypatch):
    _serve_idx(tmp_path, formats, monkeypatch, "fashion-mnist")
    monkeypatch.setitem(sources.SYSTEM_DIRS, "fashion-mnist", ())
    label_file = "t10k-labels-idx1-ubyte.gz"
    served = tmp_path / "mirror" / label_file
    served.write_bytes(gzip.compress(b"not the file the checksum describes"))
    with pytest.raises(DataError, match=f"{label_file}: downloaded file has md5"):
        load_dataset("fashion-mnist", "test")
    cached = tmp_path / "home" / ".cache" / "trainlab" / "fashion-mnist"
    assert label_file not in {p.name for p in cached.iterdir()}
    assert not any(p.name.endswith(".tmp") for p in cached.iterdir())


def _cifar_archive(formats, extra: dict[str, bytes] | None = None) -> bytes:
    """A cifar-10-binary.tar.gz with the official member names (and optional extras)."""
    rng = np.random.default_rng(0)
    members = {"cifar-10-batches-bin/batches.meta.txt": b"\n".join(b"c%d" % i for i in range(10))}
    for batch in [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]:
        images, labels = formats.cifar_arrays(2, rng)
        members[f"cifar-10-batches-bin/{batch}.bin"] = formats.cifar_binary_bytes(images, labels)
    members.update(extra or {})
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_cifar_archive_is_verified_extracted_and_removed(tmp_path, formats, monkeypatch):
    archive = _cifar_archive(formats, extra={"../outside.bin": b"x", "cifar-10-batches-bin/x": b""})
    url = "https://mirror/cifar-10-binary.tar.gz"
    monkeypatch.setitem(sources.ARCHIVES, "cifar10", (url, hashlib.md5(archive).hexdigest()))
    fetch = CountingFetcher({url: archive})
    ds = load_dataset("cifar10", "train", fetch=fetch)
    assert ds.images.shape == (10, 3, 32, 32)
    assert ds.classes == tuple(f"c{i}" for i in range(10))
    cache = tmp_path / "home" / ".cache" / "trainlab"
    assert [p.name for p in cache.iterdir()] == ["cifar-10-batches-bin"]  # archive removed
    assert len(list((cache / "cifar-10-batches-bin").iterdir())) == 7  # batches + meta only
    assert not (tmp_path / "home" / ".cache" / "outside.bin").exists()
