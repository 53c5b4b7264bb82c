import pickle

import numpy as np
import pytest
import torch

from trainlab.data import cifar
from trainlab.errors import DataError


def test_binary_batch_round_trips_pixel_order(tmp_path, formats):
    images, labels = formats.cifar_arrays(5, np.random.default_rng(1))
    path = tmp_path / "data_batch_1.bin"
    path.write_bytes(formats.cifar_binary_bytes(images, labels))
    got_images, got_labels = cifar.read_binary_batch(path)
    assert got_images.shape == (5, 3, 32, 32) and got_images.dtype == torch.uint8
    assert torch.equal(got_images, torch.from_numpy(images))
    assert torch.equal(got_labels, torch.from_numpy(labels).long())
    # Official layout: first 1024 pixel bytes of a record are the red channel, row by row.
    raw = path.read_bytes()
    assert raw[1 + 33] == int(got_images[0, 0, 1, 1])
    assert raw[1 + 1024] == int(got_images[0, 1, 0, 0])


@pytest.mark.parametrize("size", [0, 3073 * 2 - 5])
def test_binary_batch_with_partial_record_is_rejected(tmp_path, size):
    path = tmp_path / "test_batch.bin"
    path.write_bytes(bytes(size))
    with pytest.raises(DataError, match=r"test_batch.bin: .* 3073-byte records"):
        cifar.read_binary_batch(path)


def test_binary_batch_label_out_of_range_is_rejected(tmp_path, formats):
    images, labels = formats.cifar_arrays(3, np.random.default_rng(0))
    labels[1] = 10
    path = tmp_path / "b.bin"
    path.write_bytes(formats.cifar_binary_bytes(images, labels))
    with pytest.raises(DataError, match="label 10 found"):
        cifar.read_binary_batch(path)


def test_class_names_file(tmp_path):
    path = tmp_path / "batches.meta.txt"
    path.write_text("a\nb\n\n")
    assert cifar.read_class_names(path, num_classes=2) == ("a", "b")
    with pytest.raises(DataError, match="2 class names; expected 10"):
        cifar.read_class_names(path)


def test_python_batch_round_trips_when_checksum_matches(tmp_path, formats):
    images, labels = formats.cifar_arrays(6, np.random.default_rng(2))
    path = tmp_path / "data_batch_1"
    path.write_bytes(formats.cifar_python_bytes(images, labels))
    got_images, got_labels = cifar.read_python_batch(path, md5=formats.md5(path))
    assert torch.equal(got_images, torch.from_numpy(images))
    assert torch.equal(got_labels, torch.from_numpy(labels).long())


def test_python_batch_with_wrong_checksum_is_never_unpickled(tmp_path, formats, monkeypatch):
    images, labels = formats.cifar_arrays(2, np.random.default_rng(2))
    path = tmp_path / "data_batch_1"
    path.write_bytes(formats.cifar_python_bytes(images, labels))
    calls = []
    monkeypatch.setattr(pickle, "load", lambda *a, **k: calls.append(a))
    with pytest.raises(DataError, match=r"data_batch_1: md5 \w+, expected 0+; refusing"):
        cifar.read_python_batch(path, md5="0" * 32)
    assert calls == []


def test_python_batch_count_mismatch_is_rejected(tmp_path, formats):
    images, labels = formats.cifar_arrays(4, np.random.default_rng(3))
    path = tmp_path / "test_batch"
    path.write_bytes(formats.cifar_python_bytes(images, labels[:3]))
    with pytest.raises(DataError, match="4 images but 3 labels"):
        cifar.read_python_batch(path, md5=formats.md5(path))


def test_python_batch_of_wrong_structure_is_rejected(tmp_path, formats):
    path = tmp_path / "test_batch"
    path.write_bytes(pickle.dumps({b"data": np.zeros((2, 10), np.uint8), b"labels": [0, 1]}))
    with pytest.raises(DataError, match=r"expected uint8 \(N, 3072\)"):
        cifar.read_python_batch(path, md5=formats.md5(path))
    path.write_bytes(pickle.dumps([1, 2]))
    with pytest.raises(DataError, match="expected a dict"):
        cifar.read_python_batch(path, md5=formats.md5(path))
