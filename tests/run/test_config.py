"""RunConfig: what decides a run's results, a split seed that follows the run's seed
(data.split_per_seed), the keys of the earlier layout, and the network a run trains for its
dataset and loss."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from trainlab.config import keys_of
from trainlab.errors import ConfigError
from trainlab.run.config import RunConfig, build_run_model, result_defining


def test_where_the_data_lives_and_what_ray_is_asked_do_not_decide_the_results():
    config = RunConfig.from_dict({"data": {"root": "/a"}, "resources": {"cpus": 4, "threads": 2}})
    moved = RunConfig.from_dict({"data": {"root": "/b"}, "resources": {"cpus": 1, "threads": 2}})
    assert result_defining(config.to_dict()) == result_defining(moved.to_dict())
    threads = RunConfig.from_dict({"resources": {"threads": 1}})  # threads change the numbers
    assert result_defining(config.to_dict()) != result_defining(threads.to_dict())


def test_every_moved_key_is_gone_and_leads_to_keys_that_exist():
    keys = keys_of(RunConfig)
    for old, new in RunConfig.MOVED_KEYS.items():
        assert old not in keys, f"{old} is a key again: remove it from MOVED_KEYS"
        assert all(keys.get(key) for key in new), f"{old} -> {new}: not all are keys"


@pytest.mark.parametrize(("old", "new"), RunConfig.MOVED_KEYS.items())
def test_a_key_of_the_earlier_layout_says_where_it_moved(old, new):
    table, name = old.rsplit(".", 1)
    with pytest.raises(ConfigError) as info:
        RunConfig.from_dict({table: {name: 1}}, where="config.json")
    meant = " or ".join(f"`{key}`" for key in new)
    assert str(info.value) == f"config.json: unknown key {old!r}; it moved: did you mean {meant}?"


@pytest.mark.parametrize(
    ("name", "loss", "shape", "probabilities"),
    [
        ("fashion-mnist", "cross_entropy", (2, 1, 28, 28), False),
        ("cifar10", "clipped_cross_entropy", (2, 3, 32, 32), True),
    ],
)
def test_the_network_fits_the_datasets_images_and_ends_in_the_head_its_loss_expects(
    name, loss, shape, probabilities
):
    config = RunConfig.from_dict({"data": {"name": name}, "train": {"loss": loss},
                                  "model": {"mlp": {"hidden": [8]}}})  # fmt: skip
    output = build_run_model(config)(torch.rand(shape))
    assert output.shape == (2, 10)
    assert torch.allclose(output.sum(dim=1), torch.ones(2)) == probabilities


def test_the_split_seed_follows_the_run_seed_through_copies():
    config = RunConfig.from_dict({"seed": 3, "data": {"split_per_seed": True, "split_seed": 9}})
    assert config.data.split_seed == 3
    assert dataclasses.replace(config, seed=7).data.split_seed == 7  # a study's replicate
    fixed = RunConfig.from_dict({"seed": 3, "data": {"split_seed": 9}})
    assert dataclasses.replace(fixed, seed=7).data.split_seed == 9  # the default: one split
