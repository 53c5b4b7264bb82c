"""A run's name and identity: level labels, file-system safe names, the point it belongs to."""

from __future__ import annotations

import pytest

from trainlab.run.config import RunConfig
from trainlab.run.identity import Run, level_label, run_name, safe_name


@pytest.mark.parametrize(
    ("value", "label"),
    [(True, "on"), (False, "off"), ([128, 64], "128x64"), (0.001, "0.001"), ("he", "he"),
     (3, "3")],
)  # fmt: skip
def test_a_level_is_labelled_by_its_value(value, label):
    assert level_label(value) == label


def test_names_are_file_system_safe_and_name_every_varied_level():
    assert safe_name("a/b c") == "a-b-c" and safe_name("l2+0.1") == "l2+0.1"
    assert safe_name("///") == "_"
    assert run_name({}) == "base"
    assert run_name({"lr": "0.1", "norm": "batch/layer"}) == "lr=0.1_norm=batch-layer"


def test_a_run_is_its_own_point_unless_it_is_a_replicate():
    alone = Run("lr=0.1", RunConfig())
    assert alone.point == "lr=0.1"
    replicate = Run("lr=0.1_seed=1", RunConfig(seed=1), {"lr": "0.1"}, "lr=0.1", 1, (0,))
    assert replicate.identity == {"name": "lr=0.1_seed=1", "point": "lr=0.1", "seed": 1,
                                  "varied": {"lr": "0.1"}, "grids": [0]}  # fmt: skip
