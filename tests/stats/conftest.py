"""Simulated studies: a full grid of configurations, each run with several seeds."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest


def simulate_study(
    rng: np.random.Generator,
    levels: dict[str, list[str]],
    replicates: int,
    truth=lambda config: 0.0,
    sd: float = 1.0,
    metric: str = "loss",
) -> pd.DataFrame:
    """One row per run: point, seed, one column per axis, `metric` = truth(config) + noise."""
    rows = []
    for combo in itertools.product(*levels.values()):
        config = dict(zip(levels, combo, strict=True))
        name = ",".join(f"{axis}={level}" for axis, level in config.items())
        for seed in range(replicates):
            value = truth(config) + sd * rng.normal()
            rows.append(
                {"point": name, "seed": seed, **config, metric: value, "status": "completed"}
            )
    return pd.DataFrame(rows)


@pytest.fixture
def study():
    """The `simulate_study` function."""
    return simulate_study
