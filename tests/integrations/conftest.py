"""A small finished run directory, trained on generated Fashion-MNIST-format files."""

from __future__ import annotations

import pytest

from trainlab.data.synthetic import write_synthetic
from trainlab.run import rundir
from trainlab.run.config import RunConfig
from trainlab.run.execute import execute_run
from trainlab.run.identity import Run


def train_run(out, data_root, *, name: str = "tiny", mode: str = "summary"):
    """Train an 8-step MLP 784-16-10 into ``out/runs/<name>``; returns the run directory."""
    config = RunConfig.from_dict(
        {
            "data": {"root": str(data_root), "val_size": 200},
            "model": {"mlp": {"hidden": [16]}},
            "train": {"max_steps": 8, "test": True},
            "monitor": {"mode": mode, "val_size": 64},
            "output": {"dashboard": False},
        }
    )
    meta = execute_run(Run(name, config), out)
    assert meta["status"] == "completed", meta.get("error")
    return rundir.run_dir(out, name)


@pytest.fixture(scope="session")
def data_root(tmp_path_factory):
    return write_synthetic(
        "fashion-mnist", tmp_path_factory.mktemp("data"), n_train=1_200, n_test=200
    )


@pytest.fixture(scope="session")
def summary_run(tmp_path_factory, data_root):
    return train_run(tmp_path_factory.mktemp("study"), data_root)


@pytest.fixture(scope="session")
def full_run(tmp_path_factory, data_root):
    return train_run(tmp_path_factory.mktemp("study"), data_root, name="full", mode="full")
