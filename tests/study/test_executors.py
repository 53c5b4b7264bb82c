"""Choosing an executor by its command-line name."""

from __future__ import annotations

import pytest

from trainlab.errors import ConfigError
from trainlab.study.executors import make_executor
from trainlab.study.local_executor import LocalExecutor


def test_local_is_chosen_by_name_and_refuses_the_options_of_ray():
    assert isinstance(make_executor("local", jobs=2), LocalExecutor)
    with pytest.raises(ConfigError, match="executor 'slurm'; expected one of local, ray"):
        make_executor("slurm")
    for options in ({"address": "auto"}, {"share_data": False}):
        with pytest.raises(ConfigError, match="only used with --executor ray"):
            make_executor("local", **options)
