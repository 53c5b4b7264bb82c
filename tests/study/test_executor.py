"""The Executor base: runs whose dataset is missing are refused before anything starts, and
the default number of workers is the cores this process may use."""

from __future__ import annotations

import os
import urllib.error

import pytest

from trainlab.data import downloads
from trainlab.errors import DataNotFoundError
from trainlab.run.config import RunConfig
from trainlab.run.identity import Run
from trainlab.study.executor import Executor, default_jobs


def test_runs_whose_dataset_is_not_here_are_refused_once(tmp_path, monkeypatch, no_user_data):
    fetched = []

    def offline(url):
        fetched.append(url)
        raise urllib.error.URLError("offline")

    monkeypatch.setattr(downloads, "urlopen_fetch", offline)
    config = RunConfig.from_dict({"data": {"name": "mnist", "root": str(tmp_path)}})
    runs = [Run(f"r{i}", config) for i in range(3)]
    with pytest.raises(DataNotFoundError, match=r"mnist \(train split\) not found"):
        Executor().check(runs)
    assert len(fetched) == 1  # one attempt for the dataset, not one per run
    generated = RunConfig.from_dict({"data": {"name": "mnist", "synthetic": True}})
    Executor().check([Run("g", generated)])  # generated data is written when first read


def test_default_jobs_are_the_cores_this_process_may_use(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 2, 5}, raising=False)
    assert default_jobs() == 3  # pinned to 3 cores of the machine's
    monkeypatch.delattr(os, "sched_getaffinity")  # macOS, Windows: every core
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert default_jobs() == 8
    monkeypatch.setattr(os, "cpu_count", lambda: None)  # unknown: one
    assert default_jobs() == 1
