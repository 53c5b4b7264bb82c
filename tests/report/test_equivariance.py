"""The equivariance experiment: the image it is run on, both figures, index checks."""

import numpy as np
import pytest

from trainlab.data import load_dataset, to_float
from trainlab.data.synthetic import write_synthetic
from trainlab.errors import ConfigError
from trainlab.report.equivariance import equivariance_experiment


@pytest.fixture
def root(tmp_path):
    return write_synthetic("fashion-mnist", tmp_path / "data", n_train=20, n_test=10)


def test_the_first_training_image_is_used_and_both_figures_written(root, tmp_path):
    results = equivariance_experiment("fashion-mnist", tmp_path / "eq", root=str(root))
    first = to_float(load_dataset("fashion-mnist", "train", root=root).images[0]).numpy()
    for name in ("shift", "rotation"):
        check, path = results[name]
        np.testing.assert_array_equal(check.image, first)
        assert path == tmp_path / "eq" / f"{name}.png" and path.read_bytes()[:4] == b"\x89PNG"


def test_an_index_outside_the_split_names_its_range(root, tmp_path):
    with pytest.raises(ConfigError, match="--index 20: the fashion-mnist train split has images"):
        equivariance_experiment("fashion-mnist", tmp_path / "eq", root=str(root), index=20)
    assert not (tmp_path / "eq").exists()
