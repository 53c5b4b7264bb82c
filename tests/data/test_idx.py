import gzip

import numpy as np
import pytest
import torch

from trainlab.data.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx, read_idx_pair
from trainlab.errors import DataError


@pytest.mark.parametrize("gz", [True, False])
def test_idx_pair_round_trips_raw_and_gzip(tmp_path, formats, gz):
    written = formats.write_idx_dataset(tmp_path, n_train=7, n_test=3, gz=gz)
    suffix = ".gz" if gz else ""
    images, labels = read_idx_pair(
        tmp_path / f"train-images-idx3-ubyte{suffix}",
        tmp_path / f"train-labels-idx1-ubyte{suffix}",
        num_classes=10,
    )
    assert images.shape == (7, 1, 28, 28) and images.dtype == torch.uint8
    assert labels.dtype == torch.int64
    assert torch.equal(images, written["train"].images)
    assert torch.equal(labels, written["train"].labels)


def test_wrong_magic_names_file_and_expected_value(tmp_path, formats):
    path = tmp_path / "labels"
    path.write_bytes(formats.idx_bytes(np.zeros(5, np.uint8), IMAGES_MAGIC - 2))  # 0x801
    with pytest.raises(DataError, match=r"labels: magic number 0x00000801; expected 0x00000803"):
        read_idx(path, magic=IMAGES_MAGIC)


@pytest.mark.parametrize("cut", [1, 700])
def test_truncated_raw_file_is_rejected(tmp_path, formats, cut):
    data = formats.idx_bytes(np.ones((3, 28, 28), np.uint8), IMAGES_MAGIC)
    path = tmp_path / "images"
    path.write_bytes(data[:-cut])
    with pytest.raises(DataError, match="truncated"):
        read_idx(path, magic=IMAGES_MAGIC)


def test_file_shorter_than_its_header_is_rejected(tmp_path, formats):
    path = tmp_path / "images"
    path.write_bytes(formats.idx_bytes(np.ones((3, 28, 28), np.uint8), IMAGES_MAGIC)[:9])
    with pytest.raises(DataError, match="header alone needs 16"):
        read_idx(path, magic=IMAGES_MAGIC)


def test_extra_trailing_bytes_are_rejected(tmp_path, formats):
    path = tmp_path / "labels"
    path.write_bytes(formats.idx_bytes(np.ones(4, np.uint8), LABELS_MAGIC) + b"\0")
    with pytest.raises(DataError, match="13 bytes.*need 12"):
        read_idx(path, magic=LABELS_MAGIC)


def test_truncated_gzip_is_rejected(tmp_path, formats):
    data = gzip.compress(formats.idx_bytes(np.arange(100, dtype=np.uint8), LABELS_MAGIC))
    path = tmp_path / "labels.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="labels.gz: not a complete gzip file"):
        read_idx(path, magic=LABELS_MAGIC)


def test_image_and_label_counts_must_agree(tmp_path, formats):
    (tmp_path / "im").write_bytes(formats.idx_bytes(np.zeros((3, 28, 28), np.uint8), 0x803))
    (tmp_path / "lb").write_bytes(formats.idx_bytes(np.zeros(4, np.uint8), 0x801))
    with pytest.raises(DataError, match="3 images but .* 4 labels"):
        read_idx_pair(tmp_path / "im", tmp_path / "lb", num_classes=10)


def test_label_outside_class_range_is_rejected(tmp_path, formats):
    (tmp_path / "im").write_bytes(formats.idx_bytes(np.zeros((2, 28, 28), np.uint8), 0x803))
    (tmp_path / "lb").write_bytes(formats.idx_bytes(np.array([3, 10], np.uint8), 0x801))
    with pytest.raises(DataError, match="label 10 found; expected 0..9"):
        read_idx_pair(tmp_path / "im", tmp_path / "lb", num_classes=10)
