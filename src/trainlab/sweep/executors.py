"""Executors run a study's runs; the local one uses a pool of worker processes.

An executor only schedules: each run is `execute_run`, which writes its own
directory and final metadata, so a finished run survives whatever happens to
the executor afterwards (Ctrl-C, a killed process, a crashed worker).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

import torch
import tqdm

from trainlab.errors import ConfigError
from trainlab.sweep.run import ensure_run_data, execute_run
from trainlab.sweep.spec import Run

OnResult = Callable[[Run, dict[str, Any]], None]


class Executor:
    """Base class: run every run of `runs` into `out`, reporting each result as it ends."""

    def check(self, runs: list[Run]) -> None:
        """Raise a TrainlabError for runs that cannot start; called before anything is written.

        By default: each dataset the runs read must be on this machine (or downloadable).
        """
        ensure_run_data(run.config.data for run in runs)

    def execute(self, runs: list[Run], out: Path, on_result: OnResult) -> None:
        """Run all `runs`; call `on_result(run, meta)` as each finishes."""
        raise NotImplementedError


def default_jobs() -> int:
    """One worker per core this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


class LocalExecutor(Executor):
    """Runs in `jobs` local processes, each limited to its share of the cores.

    With ``jobs=1`` runs execute in this process (no start-up cost, easy debugging).
    Workers are started with ``spawn``: a forked copy of a process that already
    ran torch can deadlock in its thread pools.
    """

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = jobs or default_jobs()

    def execute(self, runs: list[Run], out: Path, on_result: OnResult) -> None:
        workers = max(1, min(self.jobs, len(runs)))
        threads = threads_per_worker(workers)
        if workers == 1:
            _set_threads(threads)
            for run in runs:
                on_result(run, execute_run(run, out))
            return
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context,
            initializer=_init_worker, initargs=(threads,),
        )  # fmt: skip
        try:
            pending: dict[Future, Run] = {pool.submit(execute_run, r, out): r for r in runs}
            for future, run in _as_completed(pending):
                on_result(run, _result(future, run))
        except BaseException:
            _terminate_children()  # a run in flight is unfinished and redone on resume
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)


def threads_per_worker(workers: int) -> int:
    """Torch threads per worker: `workers` processes share the cores, never oversubscribe them."""
    return max(1, default_jobs() // workers)


def make_executor(
    kind: str, *, jobs: int | None = None, address: str | None = None, share_data: bool = True
) -> Executor:
    """The executor named on the command line ("local" or "ray")."""
    if kind == "ray":
        from trainlab.sweep.ray_executor import RayExecutor  # optional extra, imported lazily

        return RayExecutor(address=address, num_cpus=jobs, share_data=share_data)
    if address or not share_data:
        raise ConfigError("--address and --no-share-data are only used with --executor ray")
    return LocalExecutor(jobs)


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
        return {"name": run.name, "varied": run.varied, "status": "failed",
                "error": f"worker died: {type(exc).__name__}: {exc}", "metrics": {}}  # fmt: skip


def _terminate_children() -> None:
    """Stop this process's worker processes now, mid-run (the pool's shutdown would wait)."""
    for process in multiprocessing.active_children():
        process.terminate()


def _set_threads(threads: int) -> None:
    torch.set_num_threads(threads)


def _init_worker(threads: int) -> None:
    """A pool worker: its share of the cores, and it dies with the driver.

    Without the parent-death signal, workers of a driver killed by SIGKILL or SIGTERM
    linger (blocked on their task pipe, holding their memory) until killed by hand.
    """
    _set_threads(threads)
    # Workers draw no bars; a thread lock keeps tqdm from making a multiprocessing
    # semaphore, which a worker terminated on Ctrl-C would leak (and Python warn about).
    tqdm.tqdm.set_lock(threading.RLock())
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1  # <linux/prctl.h>
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:
        os._exit(1)  # the driver died while this worker was still starting up
