"""Where load_dataset looks: root argument > TRAINLAB_DATA > user cache > system folder."""

import pytest
import torch

from trainlab.data import load_dataset, sources
from trainlab.data.locate import cache_dir, locate, search_dirs


@pytest.fixture
def places(tmp_path, monkeypatch, isolated_env):
    """Four data roots, each with its own (distinguishable) copy of fashion-mnist."""
    root, env = tmp_path / "root", tmp_path / "env"
    system = tmp_path / "system" / "fashion-mnist"
    monkeypatch.setenv("TRAINLAB_DATA", str(env))
    monkeypatch.setitem(sources.SYSTEM_DIRS, "fashion-mnist", (system,))
    return {
        "root": root / "fashion-mnist",
        "env": env / "FashionMNIST" / "raw",  # torchvision layout
        "cache": isolated_env / ".cache" / "trainlab" / "fashion-mnist",
        "system": system,
    }


def test_search_order_root_env_cache_system(places, formats, tmp_path):
    sizes = {"root": 11, "env": 12, "cache": 13, "system": 14}
    for place, n in sizes.items():
        formats.write_idx_dataset(places[place], n_train=n)
    for place in ["root", "env", "cache", "system"]:
        ds = load_dataset("fashion-mnist", root=tmp_path / "root", download=False)
        assert len(ds) == sizes[place], f"expected the copy in {place}"
        for f in places[place].iterdir():
            f.unlink()  # remove this copy: the next place in the order must be used


def test_search_dirs_lists_every_place_in_order(places, tmp_path):
    dirs = [d for _, d in search_dirs("fashion-mnist", tmp_path / "root")]
    assert dirs == [
        tmp_path / "root" / "fashion-mnist",
        tmp_path / "root" / "FashionMNIST" / "raw",
        tmp_path / "root",
        tmp_path / "env" / "fashion-mnist",
        places["env"],
        places["cache"],
        places["cache"].parent / "FashionMNIST" / "raw",
        places["system"],
    ]
    assert cache_dir() == places["cache"].parent


def test_explicit_root_may_be_the_dataset_folder_itself(tmp_path, formats):
    written = formats.write_idx_dataset(tmp_path / "anywhere", n_train=9, gz=False)
    ds = load_dataset("mnist", "test", root=tmp_path / "anywhere", download=False)
    assert torch.equal(ds.images, written["test"].images)


def test_folder_missing_the_requested_split_is_skipped(places, formats, tmp_path):
    formats.write_idx_dataset(places["root"], n_train=5)
    formats.write_idx_dataset(places["env"], n_train=6, n_test=7)
    for f in places["root"].glob("t10k-*"):
        f.unlink()
    assert len(load_dataset("fashion-mnist", "train", root=tmp_path / "root")) == 5
    assert len(load_dataset("fashion-mnist", "test", root=tmp_path / "root")) == 7


def test_cifar_binary_batches_are_preferred_over_python_batches(tmp_path, formats, monkeypatch):
    written, _ = formats.write_cifar(tmp_path / "cifar-10-batches-bin", fmt="bin", seed=1)
    _, md5s = formats.write_cifar(tmp_path / "cifar-10-batches-py", fmt="py", seed=2)
    for batch, value in md5s.items():
        monkeypatch.setitem(sources.CIFAR_PY_MD5, batch, value)
    assert locate("cifar10", "train", tmp_path).format == "cifar-bin"
    ds = load_dataset("cifar10", "train", root=tmp_path, download=False)
    assert torch.equal(ds.images, written["train"].images)


def test_raw_idx_file_is_read_before_its_gzip_twin(tmp_path, formats):
    folder = tmp_path / "mnist"
    formats.write_idx_dataset(folder, n_train=4, gz=True, seed=0)
    raw = formats.write_idx_dataset(folder, n_train=4, gz=False, seed=1)
    found = locate("mnist", "train", tmp_path)
    assert [f.name for f in found.files] == ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]
    assert torch.equal(load_dataset("mnist", root=tmp_path).images, raw["train"].images)
