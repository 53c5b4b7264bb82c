"""Runs a study in a pool of local worker processes (or in this process with one job)."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

import torch
import tqdm

from trainlab.run import rundir
from trainlab.run.execute import execute_run
from trainlab.run.identity import Run
from trainlab.run.splits import SplitsCache
from trainlab.study.executor import Executor, OnResult, default_jobs

_worker_splits: SplitsCache | None = None  # a pool worker's data, read once per dataset


class LocalExecutor(Executor):
    """Runs in `jobs` local processes; each run computes with its own ``resources.threads``.

    Parallelism comes from processes only, so a run's numbers are the same whatever
    `jobs` is. By default `jobs` fills the cores: cores // the largest thread count.
    With one job, runs execute in this process (no start-up cost, easy debugging).
    Each process reads a dataset once and shares it with the runs it executes.
    Workers are started with ``spawn``: a forked copy of a process that already ran
    torch can deadlock in its thread pools.
    """

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = jobs

    def execute(self, runs: list[Run], out: Path, on_result: OnResult) -> None:
        if not runs:
            return
        threads = max(run.config.resources.threads for run in runs)
        jobs = self.jobs or max(1, default_jobs() // threads)
        workers = max(1, min(jobs, len(runs)))
        if workers == 1:
            before = torch.get_num_threads()
            splits = SplitsCache()  # released when this study's runs are done
            try:
                for run in runs:
                    on_result(run, execute_run(run, out, splits=splits))
            finally:
                torch.set_num_threads(before)  # execute_run set each run's own count
            return
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_init_worker
        )
        try:
            pending: dict[Future, Run] = {pool.submit(_execute, r, out): r for r in runs}
            for future, run in _as_completed(pending):
                on_result(run, _result(future, run))
        except BaseException:
            _terminate_children()  # a run in flight is unfinished and redone on resume
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)


def _execute(run: Run, out: Path) -> dict[str, Any]:
    """`execute_run` in a pool worker, with the worker's cache of data."""
    assert _worker_splits is not None, "started by _init_worker"
    return execute_run(run, out, splits=_worker_splits)


def _as_completed(pending: dict[Future, Run]) -> Iterable[tuple[Future, Run]]:
    while pending:
        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for future in done:
            yield future, pending.pop(future)


def _result(future: Future, run: Run) -> dict[str, Any]:
    """The run's metadata, or a ``failed`` record when its worker process died."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - e.g. BrokenProcessPool from a killed worker
        return rundir.failed_meta(run.identity, f"worker died: {type(exc).__name__}: {exc}")


def _terminate_children() -> None:
    """Stop this process's worker processes now, mid-run (the pool's shutdown would wait)."""
    for process in multiprocessing.active_children():
        process.terminate()


def _init_worker() -> None:
    """A pool worker: its data cache, and it dies with its driver (each run sets its own
    thread count).

    Without the parent-death signal, workers of a driver killed by SIGKILL or SIGTERM
    linger (blocked on their task pipe, holding their memory) until killed by hand.
    """
    # Workers draw no bars; a thread lock keeps tqdm from making a multiprocessing
    # semaphore, which a worker terminated on Ctrl-C would leak (and Python warn about).
    tqdm.tqdm.set_lock(threading.RLock())
    global _worker_splits
    _worker_splits = SplitsCache()
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1  # <linux/prctl.h>
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:
        os._exit(1)  # the driver died while this worker was still starting up
