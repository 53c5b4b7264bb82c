import pytest
import torch

from trainlab.data import load_dataset, sources
from trainlab.data.locate import search_dirs
from trainlab.errors import ConfigError, DataError, DataNotFoundError


def test_offline_and_absent_lists_every_place_and_how_to_provide_files(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAINLAB_DATA", str(tmp_path / "env"))
    with pytest.raises(DataNotFoundError) as err:
        load_dataset("mnist", "train", root=tmp_path / "root")  # the test network is off
    message = str(err.value)
    for _, folder in search_dirs("mnist", tmp_path / "root"):
        assert str(folder) in message
    assert "Download failed" in message and "network disabled" in message
    assert "train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz]" in message
    assert "TRAINLAB_DATA=<data root>" in message and "root=" in message
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz" in message
    assert not (tmp_path / "home" / ".cache" / "trainlab" / "mnist").exists()


def test_download_disabled_is_said_in_the_error(tmp_path):
    with pytest.raises(DataNotFoundError, match=r"cifar10 \(test split\) not found"):
        load_dataset("cifar10", "test", root=tmp_path, download=False)
    with pytest.raises(DataNotFoundError, match=r"download=False[\s\S]*test_batch.bin"):
        load_dataset("cifar10", "test", root=tmp_path, download=False)


@pytest.mark.parametrize(
    ("name", "split", "bad"), [("imagenet", "train", "imagenet"), ("mnist", "valid", "valid")]
)
def test_unknown_name_or_split_is_a_config_error(name, split, bad):
    with pytest.raises(ConfigError, match=f"'{bad}'; expected one of"):
        load_dataset(name, split)


def test_cifar_binary_dataset_with_class_names_from_meta(tmp_path, formats):
    written, _ = formats.write_cifar(tmp_path / "cifar-10-batches-bin", fmt="bin", per_batch=3)
    meta = tmp_path / "cifar-10-batches-bin" / "batches.meta.txt"
    meta.write_text(meta.read_text().replace("airplane", "plane"))
    train = load_dataset("cifar10", "train", root=tmp_path)
    test = load_dataset("cifar10", "test", root=tmp_path)
    assert train.images.shape == (15, 3, 32, 32) and train.images.dtype == torch.uint8
    assert test.images.shape == (3, 3, 32, 32) and test.labels.dtype == torch.int64
    assert torch.equal(train.images, written["train"].images)
    assert torch.equal(test.labels, written["test"].labels)
    assert train.classes[0] == "plane" and len(train.classes) == 10
    assert (train.name, train.split, test.split) == ("cifar10", "train", "test")


def test_cifar_python_dataset_is_read_only_with_known_checksums(tmp_path, formats, monkeypatch):
    written, md5s = formats.write_cifar(tmp_path / "cifar-10-batches-py", fmt="py")
    with pytest.raises(DataError, match="refusing to unpickle"):
        load_dataset("cifar10", "train", root=tmp_path)
    for batch, value in md5s.items():
        monkeypatch.setitem(sources.CIFAR_PY_MD5, batch, value)
    ds = load_dataset("cifar10", "train", root=tmp_path)
    assert torch.equal(ds.images, written["train"].images)
    assert ds.classes == sources.CLASSES["cifar10"]


def test_malformed_local_file_is_a_data_error_naming_it(tmp_path, formats):
    formats.write_idx_dataset(tmp_path / "mnist", gz=False)
    labels = tmp_path / "mnist" / "t10k-labels-idx1-ubyte"
    labels.write_bytes(labels.read_bytes()[:-3])
    with pytest.raises(DataError, match=f"{labels}: .*truncated"):
        load_dataset("mnist", "test", root=tmp_path)
