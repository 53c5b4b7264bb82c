"""The local executor: how many workers and torch threads a study gets."""

from __future__ import annotations

from trainlab.config import RunConfig
from trainlab.sweep import executors
from trainlab.sweep.executors import LocalExecutor, threads_per_worker
from trainlab.sweep.spec import Run


def test_workers_share_the_cores(monkeypatch):
    monkeypatch.setattr(executors, "default_jobs", lambda: 8)
    assert [threads_per_worker(w) for w in (1, 2, 3, 8, 16)] == [8, 4, 2, 1, 1]


def test_fewer_runs_than_jobs_get_the_spare_cores(monkeypatch, tmp_path):
    monkeypatch.setattr(executors, "default_jobs", lambda: 8)
    threads: list[int] = []
    monkeypatch.setattr(executors, "_set_threads", threads.append)
    monkeypatch.setattr(executors, "execute_run", lambda run, out: {"name": run.name})
    results: list[str] = []
    on_result = lambda run, meta: results.append(run.name)  # noqa: E731
    LocalExecutor(4).execute([Run("only", RunConfig())], tmp_path, on_result)
    assert threads == [8] and results == ["only"]
