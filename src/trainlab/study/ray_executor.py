"""Run a study's runs as Ray tasks, on a local Ray instance or an existing cluster.

The driver reads each distinct dataset once and shares it through Ray's object
store. Every task trains with `execute_run` into a worker-local temporary
directory and returns the run's files as bytes; the driver writes them into its
own output directory, ``run.json`` last, so workers need no shared filesystem
and the resume rule of `trainlab.run.rundir` holds unchanged.

Ray is an optional extra (``pip install 'trainlab[ray]'``): it is imported only
here, when a `RayExecutor` is built.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import logging
import os
import shutil
import socket
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from trainlab.atomic import atomic_write_bytes
from trainlab.data import Splits
from trainlab.data.config import DataConfig
from trainlab.errors import ConfigError
from trainlab.run import rundir
from trainlab.run.config import ResourcesConfig
from trainlab.run.execute import execute_run
from trainlab.run.identity import Run
from trainlab.run.splits import for_run, load_run_splits, splits_key
from trainlab.study.executor import Executor, OnResult, default_jobs

INSTALL_HINT = "pip install 'trainlab[ray]'"
# Test hook, read by the task: "<run name>:<marker file>" makes that run's worker
# process die (os._exit) once, on the attempt that finds no marker file yet.
CRASH_ENV = "TRAINLAB_TEST_CRASH"

# Tasks submitted ahead of the free CPUs. ray.wait costs ~7 us per pending task
# (72 ms per call with 10,000 pending, measured on 2 cores), so a grid is fed in a
# window of at least 2 tasks per cluster CPU instead of all at once.
MIN_IN_FLIGHT = 256
WAIT_S = 0.5  # longest delay between a task's end and its files being written
CONNECT_TIMEOUT_S = 5.0  # a cluster's head node that does not answer by then is not there

RunFiles = dict[str, bytes]  # path relative to the run directory -> content


def import_ray() -> Any:
    """The `ray` module, or a ConfigError telling how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise ConfigError(
            f"--executor ray needs Ray, which is not installed; install it with: {INSTALL_HINT}"
        ) from exc
    return ray


def task_options(resources: ResourcesConfig) -> dict[str, Any]:
    """Ray task options for a run's ``[resources]``: its resource request and retries."""
    options: dict[str, Any] = {
        "num_cpus": resources.cpus,
        "num_gpus": resources.gpus,
        "max_retries": resources.retries,  # re-runs after the worker process dies
    }
    if resources.memory_mb:
        options["memory"] = resources.memory_mb * 1024 * 1024  # Ray counts bytes
    return options


class RayExecutor(Executor):
    """Runs each run as one Ray task, sized by the run's ``[resources]``.

    Without `address` it starts a local Ray instance of `num_cpus` CPUs (default:
    one per core) and shuts it down at the end; with `address` ("HOST:PORT" or
    "auto") it joins that cluster and leaves it running. An already initialized
    Ray (e.g. in a notebook) is used as it is. With ``share_data=False`` the
    driver does not put the datasets into the object store: every worker process
    reads them itself (from ``data.root``, e.g. on a shared filesystem).
    """

    def __init__(
        self,
        *,
        address: str | None = None,
        num_cpus: int | None = None,
        share_data: bool = True,
    ) -> None:
        self._ray = import_ray()
        if address and num_cpus:
            raise ConfigError(
                f"--jobs {num_cpus} sizes a local Ray instance and cannot be used with "
                f"--address {address}: the cluster's CPUs and each run's resources.cpus decide"
            )
        self.address = address
        self.num_cpus = num_cpus or default_jobs()
        self.share_data = share_data

    def check(self, runs: list[Run]) -> None:
        """Refuse, before Ray starts, runs asking more CPUs, GPUs or memory than are here,
        and (when the driver shares the data) runs whose dataset is not on this machine."""
        if self.share_data:
            super().check(runs)
        if self.address:
            _check_reachable(self.address)
        else:
            _check_fits(runs, {"CPU": self.num_cpus, "GPU": torch.cuda.device_count(),
                               "memory": _physical_memory()})  # fmt: skip

    def execute(self, runs: list[Run], out: Path, on_result: OnResult) -> None:
        """Submit every run, write each run's files as its task ends, report it."""
        if not runs:
            return
        ray = self._ray
        started = self._connect()
        pending: dict[Any, Run] = {}
        try:
            if started:  # exact now: e.g. Ray's memory is a share of the machine's
                _check_fits(runs, ray.cluster_resources())
            shared = self._share_data(runs)
            task = ray.remote(_run_task)
            window = in_flight_window(ray.cluster_resources().get("CPU", 0))
            queue = collections.deque(runs)
            while queue or pending:
                while queue and len(pending) < window:
                    run = queue.popleft()
                    options = task_options(run.config.resources)
                    data = shared.get(splits_key(run.config.data))
                    pending[task.options(**options).remote(run, data)] = run
                # Every task that ends within WAIT_S, so one ray.wait serves many results.
                refs = list(pending)
                done, _ = ray.wait(refs, num_returns=len(refs), timeout=WAIT_S)
                for ref in done:
                    run = pending.pop(ref)
                    on_result(run, self._collect(ref, run, Path(out)))
        except BaseException:
            for ref in pending:  # runs in flight are unfinished and redone on resume
                with contextlib.suppress(Exception):
                    ray.cancel(ref, force=True)
            raise
        finally:
            if started:
                ray.shutdown()

    def _connect(self) -> bool:
        """Start or join Ray; True when this executor started it (and must shut it down)."""
        ray = self._ray
        if ray.is_initialized():
            return False
        # Never report usage to the internet; set before the Ray processes start.
        os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
        if self.address:
            try:
                ray.init(address=self.address, logging_level=logging.WARNING, log_to_driver=False)
            except ConnectionError as exc:
                message = f"--address {self.address}: no Ray cluster there ({exc})"
                raise ConfigError(message) from exc
            return False
        # ERROR: a private instance's start-up warnings (auth token, /dev/shm size) are noise
        # on the progress bar; failures still raise.
        ray.init(address="local", num_cpus=self.num_cpus, include_dashboard=False,
                 logging_level=logging.ERROR, log_to_driver=False)  # fmt: skip
        return True

    def _share_data(self, runs: list[Run]) -> dict[DataConfig, Any]:
        """One object-store reference per distinct dataset, read here once."""
        if not self.share_data:
            return {}
        keys = dict.fromkeys(splits_key(run.config.data) for run in runs)  # distinct, in order
        return {key: self._ray.put(_to_arrays(load_run_splits(key))) for key in keys}

    def _collect(self, ref: Any, run: Run, out: Path) -> dict[str, Any]:
        """Write a finished task's files into `out`; a failed record if its worker died."""
        try:
            meta, files = self._ray.get(ref)
        except self._ray.exceptions.RayError as exc:  # the task, not the training, failed
            attempts = run.config.resources.retries + 1
            crashed = isinstance(exc, self._ray.exceptions.WorkerCrashedError)
            cause = f"worker died ({attempts} attempts)" if crashed else "task failed"
            first_line = (str(exc).strip().splitlines() or [""])[0]
            return rundir.failed_meta(run.identity, f"{cause}: {type(exc).__name__}: {first_line}")
        write_run_files(rundir.run_dir(out, run.name), files)
        return meta


def in_flight_window(cluster_cpus: float) -> int:
    """How many runs are submitted ahead: enough to keep every CPU busy, bounded for ray.wait."""
    return max(MIN_IN_FLIGHT, 2 * int(cluster_cpus))


def write_run_files(directory: Path, files: RunFiles) -> None:
    """Replace `directory` with `files`, each written atomically, ``run.json`` last."""
    if directory.exists():
        shutil.rmtree(directory)  # unfinished leftovers of an interrupted attempt
    directory.mkdir(parents=True)
    for name in sorted(files, key=lambda n: n == rundir.META_FILE):
        atomic_write_bytes(directory / name, files[name])


def _run_task(run: Run, shared: dict[str, Any] | None) -> tuple[dict[str, Any], RunFiles]:
    """Body of one Ray task: train `run` in a temporary directory, return meta and files."""
    _crash_once_if_asked(run.name)
    with tempfile.TemporaryDirectory(prefix="trainlab-ray-") as tmp:
        if shared is None:  # the worker reads data.root itself (shared storage)
            meta = execute_run(run, tmp)
        else:
            meta = execute_run(run, tmp, splits=lambda data: for_run(_from_arrays(shared), data))
        directory = rundir.run_dir(Path(tmp), run.name)
        files = {
            path.relative_to(directory).as_posix(): path.read_bytes()
            for path in sorted(directory.rglob("*"))
            if path.is_file()
        }
    return meta, files


def _crash_once_if_asked(name: str) -> None:
    """Test hook (`CRASH_ENV`): kill this worker process on the run's first attempt."""
    target, _, marker = os.environ.get(CRASH_ENV, "").partition(":")
    if target != name or not marker or os.path.exists(marker):
        return
    Path(marker).touch()  # the retry finds it and runs normally
    os._exit(1)


def _to_arrays(splits: Splits) -> dict[str, Any]:
    """`Splits` as a dict with numpy arrays, which Ray's object store shares without copies."""
    return {
        f.name: value.numpy() if isinstance(value, torch.Tensor) else value
        for f in dataclasses.fields(splits)
        for value in [getattr(splits, f.name)]
    }


def _from_arrays(shared: dict[str, Any]) -> Splits:
    """Tensors viewing the object store's read-only arrays; training only reads them."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        fields = {
            name: torch.from_numpy(value) if isinstance(value, np.ndarray) else value
            for name, value in shared.items()
        }
    return Splits(**fields)


def _check_reachable(address: str) -> None:
    """Fail in seconds on a HOST:PORT nothing answers at (Ray itself retries for minutes)."""
    host, _, port = address.rpartition(":")
    if address == "auto" or "://" in address or not host or not port.isdigit():
        return  # found by Ray itself: a running local cluster, or a client URL
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise ConfigError(
            f"--address {address}: no answer there ({exc}); give the head node's "
            "HOST:PORT as `ray start --head` printed it (port 6379 by default)"
        ) from exc


def _physical_memory() -> float:
    """Bytes of RAM on this machine (an upper bound of what a local Ray instance offers)."""
    if not hasattr(os, "sysconf"):  # Windows: left to the check once Ray has started
        return float("inf")
    return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def _check_fits(runs: list[Run], available: dict[str, float]) -> None:
    """Refuse runs that ask more than the local Ray instance has (they would wait forever)."""
    for run in runs:
        options = task_options(run.config.resources)
        for option, key, what in (("num_cpus", "CPU", "cpus"), ("num_gpus", "GPU", "gpus"),
                                  ("memory", "memory", "memory_mb")):  # fmt: skip
            asked = options.get(option, 0)
            has = available.get(key, 0.0)
            if asked > has:
                value = getattr(run.config.resources, what)
                limit = has / 2**20 if key == "memory" else has
                raise ConfigError(
                    f"run {run.name}: resources.{what} = {value}, but the local Ray instance "
                    f"has {limit:g}; lower it, raise --jobs, or join a cluster with --address"
                )
