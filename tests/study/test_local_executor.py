"""The local executor: how many workers a study gets; each run keeps its own thread count."""

from __future__ import annotations

import pytest
import torch

from trainlab.run.config import ResourcesConfig, RunConfig
from trainlab.run.identity import Run
from trainlab.study import local_executor
from trainlab.study.local_executor import LocalExecutor


def _run(name: str, threads: int = 1) -> Run:
    return Run(name, RunConfig(resources=ResourcesConfig(threads=threads)))


def test_one_job_runs_in_this_process_and_restores_its_thread_count(monkeypatch, tmp_path):
    seen: list[int] = []
    caches = set()

    def fake_run(run, out, *, splits):
        torch.set_num_threads(run.config.resources.threads)  # as execute_run does
        seen.append(torch.get_num_threads())
        caches.add(id(splits))
        return {"name": run.name}

    monkeypatch.setattr(local_executor, "execute_run", fake_run)
    before = torch.get_num_threads()
    results: list[str] = []
    LocalExecutor(1).execute([_run("a", 1), _run("b", 2)], tmp_path,
                             lambda run, meta: results.append(meta["name"]))  # fmt: skip
    assert results == ["a", "b"] and seen == [1, 2]
    assert torch.get_num_threads() == before
    assert len(caches) == 1  # the runs share one cache of data


def test_default_jobs_fill_the_cores_by_the_largest_thread_count(monkeypatch, tmp_path):
    monkeypatch.setattr(local_executor, "default_jobs", lambda: 8)
    pools: list[int] = []

    class FakePool:
        def __init__(self, max_workers, **kwargs):
            pools.append(max_workers)
            raise RuntimeError("stop here")

    monkeypatch.setattr(local_executor, "ProcessPoolExecutor", FakePool)
    runs = [_run(str(i), threads=2) for i in range(10)]
    with pytest.raises(RuntimeError, match="stop here"):
        LocalExecutor().execute(runs, tmp_path, lambda run, meta: None)
    assert pools == [4]  # 8 cores / 2 threads per run
