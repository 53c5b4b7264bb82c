"""Generated data: its presence is judged in its own root only, and train is written last."""

from __future__ import annotations

import hashlib

import pytest

from trainlab.data import load_dataset, sources
from trainlab.data import synthetic as synthetic_module
from trainlab.data.locate import locate_in
from trainlab.data.synthetic import ensure_synthetic, write_synthetic
from trainlab.errors import ConfigError


def test_ensure_synthetic_ignores_data_elsewhere_on_the_search_chain(tmp_path, monkeypatch):
    real = write_synthetic("mnist", tmp_path / "real", n_train=30, n_test=5, seed=7)
    monkeypatch.setenv("TRAINLAB_DATA", str(real))
    root = ensure_synthetic("mnist", tmp_path / "generated")
    folder = root / sources.FOLDERS["mnist"][0]
    assert locate_in("mnist", "train", folder) is not None
    assert locate_in("mnist", "test", folder) is not None
    assert len(load_dataset("mnist", "train", root=root, download=False)) == 2_000


def test_ensure_synthetic_keeps_files_already_in_root(tmp_path):
    root = write_synthetic("mnist", tmp_path, n_train=30, n_test=5, seed=7)
    assert ensure_synthetic("mnist", root) == root
    assert len(load_dataset("mnist", "train", root=root, download=False)) == 30


def test_ensure_synthetic_rejects_unknown_names(tmp_path):
    with pytest.raises(ConfigError, match="name = 'svhn'"):
        ensure_synthetic("svhn", tmp_path)


@pytest.mark.parametrize("name", ["fashion-mnist", "cifar10"])
def test_whoever_sees_the_train_files_sees_the_whole_dataset(tmp_path, monkeypatch, name):
    folder = tmp_path / sources.FOLDERS[name][0]
    real_write = synthetic_module.atomic_write_bytes
    checked = []

    def write_then_check(path, data):
        real_write(path, data)
        if locate_in(name, "train", folder) is not None:  # the marker is complete
            assert locate_in(name, "test", folder) is not None
            assert name != "cifar10" or (folder / sources.CIFAR_BIN_META).is_file()
            checked.append(path)

    monkeypatch.setattr(synthetic_module, "atomic_write_bytes", write_then_check)
    write_synthetic(name, tmp_path, n_train=20, n_test=5)
    assert len(checked) == 1  # the marker became complete with the very last file


@pytest.mark.parametrize(
    ("name", "digest"), [("mnist", "48043f30347b862e"), ("cifar10", "341f3695edd83c54")]
)
def test_writing_test_first_keeps_the_data_of_each_seed(tmp_path, name, digest):
    # Digests of what the train-first writer produced: samples are still drawn train first.
    root = write_synthetic(name, tmp_path, n_train=20, n_test=5, seed=3)
    h = hashlib.sha256()
    for split in ("train", "test"):
        d = load_dataset(name, split, root=root, download=False)
        h.update(d.images.numpy().tobytes() + d.labels.numpy().tobytes())
    assert h.hexdigest()[:16] == digest
