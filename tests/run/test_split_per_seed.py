"""data.split_per_seed: each seed draws its own validation split."""

import dataclasses

import torch

from trainlab.run.config import RunConfig
from trainlab.run.splits import load_run_splits


def test_the_split_seed_follows_the_run_seed_through_copies():
    config = RunConfig.from_dict({"seed": 3, "data": {"split_per_seed": True, "split_seed": 9}})
    assert config.data.split_seed == 3
    assert dataclasses.replace(config, seed=7).data.split_seed == 7  # a study's replicate
    fixed = RunConfig.from_dict({"seed": 3, "data": {"split_seed": 9}})
    assert dataclasses.replace(fixed, seed=7).data.split_seed == 9  # the default: one split


def test_two_seeds_validate_on_different_samples(data_root):
    def val_x(seed):
        config = RunConfig.from_dict(
            {"seed": seed, "data": {"root": str(data_root), "val_size": 200,
                                    "split_per_seed": True}}
        )  # fmt: skip
        return load_run_splits(config.data).val_x

    assert torch.equal(val_x(0), val_x(0))
    assert not torch.equal(val_x(0), val_x(1))
