"""Split sizes from the files' headers (no image read), and a DataConfig checked against them."""

from __future__ import annotations

import gzip

import pytest

from trainlab.data.config import DataConfig
from trainlab.data.locate import locate
from trainlab.data.sizes import SplitSizes, check_sizes, count, split_sizes
from trainlab.data.synthetic import GENERATED_SIZES, generated_root, write_synthetic
from trainlab.errors import ConfigError, DataError


@pytest.mark.parametrize("gz", [True, False])
def test_idx_sizes_come_from_the_headers(tmp_path, formats, gz):
    formats.write_idx_dataset(tmp_path / "mnist", n_train=37, n_test=11, gz=gz)
    sizes = split_sizes("mnist", root=tmp_path)
    assert sizes == SplitSizes(37, 11, source=f"the files in {tmp_path / 'mnist'}")


def test_a_truncated_file_still_counts_by_its_header_and_a_bad_one_is_a_data_error(
    tmp_path, formats
):
    formats.write_idx_dataset(tmp_path / "mnist", n_train=30, n_test=5, gz=False)
    images = tmp_path / "mnist" / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:100])  # the values cut, the header whole
    assert split_sizes("mnist", root=tmp_path).train == 30
    images.write_bytes(b"\x00\x00\x08")
    with pytest.raises(DataError, match="3 bytes; the header alone needs 16"):
        split_sizes("mnist", root=tmp_path)
    images.write_bytes(gzip.compress(b"")[:5])
    images.rename(images.with_suffix(".gz"))
    with pytest.raises(DataError, match="not a complete gzip file"):
        split_sizes("mnist", root=tmp_path)


def test_images_and_labels_that_disagree_are_a_data_error(tmp_path, formats):
    formats.write_idx_dataset(tmp_path / "a", n_train=30, n_test=5)
    formats.write_idx_dataset(tmp_path / "b", n_train=31, n_test=5)
    labels = "train-labels-idx1-ubyte.gz"
    (tmp_path / "a" / labels).write_bytes((tmp_path / "b" / labels).read_bytes())
    with pytest.raises(DataError, match="holds 30 images but .* holds 31 labels"):
        count(locate("mnist", "train", tmp_path / "a"))


def test_cifar_binary_batches_count_their_records_and_python_batches_are_official(
    tmp_path, formats
):
    formats.write_cifar(tmp_path / "cifar-10-batches-bin", fmt="bin", per_batch=3)
    sizes = split_sizes("cifar10", root=tmp_path)
    assert (sizes.train, sizes.test) == (15, 3)  # 5 train batches of 3 records, 1 test batch
    formats.write_cifar(tmp_path / "py" / "cifar-10-batches-py", fmt="py", per_batch=3)
    sizes = split_sizes("cifar10", root=tmp_path / "py")  # read only once their md5 matches
    assert (sizes.train, sizes.test) == (50_000, 10_000)


def test_data_not_here_counts_at_the_official_sizes_and_generated_data_at_its_own(
    tmp_path, no_user_data
):
    assert split_sizes("mnist", root=tmp_path) == SplitSizes(
        60_000, 10_000, source="the official files"
    )
    generated = split_sizes("mnist", generated=True)
    assert generated == SplitSizes(**GENERATED_SIZES, source="generated data")
    write_synthetic("mnist", generated_root("mnist"), n_train=40, n_test=10)
    assert split_sizes("mnist", generated=True) == SplitSizes(40, 10, source="generated data")


SIZES = SplitSizes(train=1_000, test=200, source="the files in /data")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"val_size": 1_000}, "data.val_size = 1000; the mnist train split has 1000 images "
                              "(the files in /data): expected 1 to 999"),
        ({"val_size": 200, "val_from": "test"}, "data.val_size = 200; the mnist test split "
                                                "has 200 images (the files in /data): expected "
                                                "1 to 199"),
        ({"val_size": 100, "train_size": 901}, "data.train_size = 901; the mnist train split "
                                               "has 900 images after data.val_size (the files "
                                               "in /data): expected 0 (all of them) to 900"),
        ({"val_size": 100, "val_from": "test", "train_size": 1_001},
         "data.train_size = 1001; the mnist train split has 1000 images (the files in /data): "
         "expected 0 (all of them) to 1000"),
    ],
)  # fmt: skip
def test_sizes_beyond_the_data_name_the_key_the_split_and_what_fits(fields, expected):
    with pytest.raises(ConfigError) as info:
        check_sizes(DataConfig(name="mnist", **fields), SIZES, where="s.toml")
    assert str(info.value) == f"s.toml: {expected}"


@pytest.mark.parametrize(
    "fields",
    [{"val_size": 999}, {"val_size": 100, "train_size": 900}, {"val_size": 199, "val_from": "test",
     "train_size": 1_000}, {"val_size": 1, "train_size": 0}],
)  # fmt: skip
def test_sizes_that_fit_pass(fields):
    check_sizes(DataConfig(name="mnist", **fields), SIZES, where="s.toml")
