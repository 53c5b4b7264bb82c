"""Studies on Ray: same results as local, shared data, crashed workers, interrupted drivers.

One local Ray instance (2 CPUs) serves the module; each executor joins it and
leaves it running. Killing the driver is a process's behaviour: that test starts
`trainlab run` as a process of its own, with its own Ray instance (marked slow).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time

import pandas as pd
import pytest

from trainlab import cli
from trainlab.data.synthetic import write_synthetic
from trainlab.report import write_report
from trainlab.run.config import ResourcesConfig
from trainlab.run.rundir import META_FILE, run_dir
from trainlab.run.splits import load_run_splits
from trainlab.study import LocalExecutor, make_executor, ray_executor
from trainlab.study.ray_executor import CRASH_ENV, RayExecutor, task_options
from trainlab.study.runner import run_study
from trainlab.study.spec import load_spec

CRASH_RUN = "crash=b"  # the run whose worker process dies once (see the fixture)
CRASH_GRID = '[grid.crash]\nlevels.a = {}\nlevels.b = { "optim.lr" = 0.002 }'
RUN_FILES = ("config.json", "history.csv", "batches.csv", "record.json", "record.npz",
             "model.pt", "dashboard.png", "run.json")  # fmt: skip
METRICS = ["run", "final_train_loss", "final_val_loss", "final_val_acc", "best_val_loss",
           "val_subset_loss_mean", "steps", "status"]  # fmt: skip


@pytest.fixture(scope="module")
def ray_marker(tmp_path_factory):
    """Start the module's Ray instance; returns the crash hook's marker file path.

    The crash hook's environment variable is set only while Ray starts: its worker
    processes inherit it, nothing else in the test session sees it.
    """
    ray = pytest.importorskip("ray")
    marker = tmp_path_factory.mktemp("crash") / "crashed"
    env = {"RAY_USAGE_STATS_ENABLED": "0", CRASH_ENV: f"{CRASH_RUN}:{marker}"}
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
                 logging_level=logging.ERROR)  # fmt: skip
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    yield marker
    ray.shutdown()


def test_missing_ray_exits_2_with_one_install_line(tiny_spec, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    out = tmp_path / "never"
    code = cli.main(["run", str(tiny_spec()), "--executor", "ray", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "pip install 'trainlab[ray]'" in err
    assert not out.exists()


def test_resources_become_the_task_request():
    options = task_options(ResourcesConfig(cpus=2.0, gpus=1.0, memory_mb=512, retries=3))
    assert options == {"num_cpus": 2.0, "num_gpus": 1.0, "max_retries": 3,
                       "memory": 512 * 1024 * 1024}  # fmt: skip
    assert "memory" not in task_options(ResourcesConfig(memory_mb=0))


def test_jobs_with_an_address_is_refused():
    pytest.importorskip("ray")
    with pytest.raises(ValueError, match="--jobs 2 .* --address auto"):
        make_executor("ray", jobs=2, address="auto")


def test_unreachable_cluster_address_exits_2_at_once(tiny_spec, tmp_path):
    pytest.importorskip("ray")
    with socket.socket() as probe:  # a port on this machine that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "out"
    tic = time.monotonic()
    code = cli.main(["run", str(tiny_spec()), "--executor", "ray", "--address",
                     f"127.0.0.1:{port}", "--out", str(out), "--no-progress"])  # fmt: skip
    assert code == 2 and time.monotonic() - tic < 30 and not out.exists()


def test_run_asking_more_cpus_than_the_local_instance_exits_2(run_cli, tiny_spec, tmp_path):
    pytest.importorskip("ray")
    spec_path = tiny_spec(extra="[resources]\ncpus = 3", grid='"optim.lr" = [0.01]')
    out = tmp_path / "out"
    result = run_cli("run", spec_path, "--out", out, "--executor", "ray", "--jobs", "2",
                     "--no-progress")  # fmt: skip
    assert result.code == 2, result.err
    assert "run lr=0.01: resources.cpus = 3.0, but the local Ray instance has 2" in result.err
    assert "Traceback" not in result.err and not out.exists()


def test_ray_gives_the_same_runs_and_results_as_local(ray_marker, tiny_spec, tmp_path, monkeypatch):
    monkeypatch.setattr(ray_executor, "in_flight_window", lambda cpus: 3)  # refills: 4 runs
    spec = load_spec(tiny_spec())
    local = _table(spec, tmp_path / "local", LocalExecutor(1))
    on_ray = _table(spec, tmp_path / "ray", RayExecutor())
    # Bit for bit: each run computes with its own resources.threads wherever it runs.
    pd.testing.assert_frame_equal(local[METRICS], on_ray[METRICS], rtol=0, atol=0)
    assert set(on_ray["status"]) == {"completed"}
    for name in on_ray["run"]:
        local_files = sorted(p.name for p in run_dir(tmp_path / "local", name).iterdir())
        ray_files = sorted(p.name for p in run_dir(tmp_path / "ray", name).iterdir())
        assert ray_files == local_files and set(RUN_FILES) <= set(ray_files)
    assert (tmp_path / "ray" / "findings.md").is_file()


def _table(spec, out, executor) -> pd.DataFrame:
    run_study(spec, out, executor=executor, progress=False)
    return write_report(out).table.sort_values("run", ignore_index=True)


def test_workers_train_on_the_drivers_copy_of_the_data(
    ray_marker, tiny_spec, data_root, tmp_path, monkeypatch
):
    root = write_synthetic("fashion-mnist", tmp_path / "data", n_train=600, n_test=100)
    spec_path = tiny_spec(grid='"optim.lr" = [0.01, 0.001]')
    spec_path.write_text(spec_path.read_text().replace(str(data_root), str(root)))
    spec = load_spec(spec_path)
    driver = _table(spec, tmp_path / "local", LocalExecutor(1))  # the files as first written

    def read_then_change(config):
        splits = load_run_splits(config)  # the driver holds the dataset in memory...
        write_synthetic("fashion-mnist", root, n_train=600, n_test=100, seed=1)  # ...it changes
        return splits

    monkeypatch.setattr(ray_executor, "load_run_splits", read_then_change)
    shared = _table(spec, tmp_path / "shared", RayExecutor())
    reread = _table(spec, tmp_path / "reread", RayExecutor(share_data=False))
    pd.testing.assert_frame_equal(driver[METRICS], shared[METRICS], rtol=1e-5)
    assert set(reread["status"]) == {"completed"}
    difference = reread["val_subset_loss_mean"] - driver["val_subset_loss_mean"]
    assert difference.abs().min() > 1e-3


def test_runs_differing_in_train_size_share_one_copy(ray_marker, tiny_spec, tmp_path, monkeypatch):
    ray = pytest.importorskip("ray")
    puts = []
    put = ray.put
    monkeypatch.setattr(ray, "put", lambda value: puts.append(value) or put(value))
    spec = load_spec(tiny_spec(grid='"data.train_size" = [300, 0]'))
    local = _table(spec, tmp_path / "local", LocalExecutor(1))
    on_ray = _table(spec, tmp_path / "ray", RayExecutor())
    assert len(puts) == 1 and len(puts[0]["train_y"]) > 300  # the full split, cut per task
    pd.testing.assert_frame_equal(local[METRICS], on_ray[METRICS], rtol=1e-5)
    assert local.loc[0, "val_subset_loss_mean"] != local.loc[1, "val_subset_loss_mean"]


def test_crashed_worker_is_retried_then_recorded_failed(ray_marker, tiny_spec, tmp_path):
    grid = CRASH_GRID
    retried = load_spec(tiny_spec(extra="[resources]\nretries = 1", grid=grid))
    table = _table(retried, tmp_path / "retried", RayExecutor())
    assert ray_marker.exists(), f"the worker of {CRASH_RUN} did not crash"
    assert set(table["status"]) == {"completed"} and CRASH_RUN in set(table["run"])

    ray_marker.unlink()  # crash again, now with no retry left
    no_retry = load_spec(tiny_spec(extra="[resources]\nretries = 0", grid=grid))
    out = tmp_path / "no-retry"
    out.mkdir()
    results = {}
    RayExecutor().execute(no_retry.runs, out, lambda run, meta: results.update({run.name: meta}))
    assert results["crash=a"]["status"] == "completed"
    assert results[CRASH_RUN]["status"] == "failed"
    assert "worker died (1 attempts)" in results[CRASH_RUN]["error"]
    assert not (run_dir(out, CRASH_RUN) / META_FILE).exists()  # redone on resume


def test_interrupt_cancels_outstanding_tasks(ray_marker, wait_until, tiny_spec, tmp_path):
    ray = pytest.importorskip("ray")
    # One short run, then two of ~10 s that would hold both CPUs if not cancelled.
    long = '{ "train.epochs" = 100, "train.max_steps" = 3000 }'
    spec = load_spec(tiny_spec(grid=f"[grid.case]\nlevels.short = {{}}\n"
                                    f"levels.long1 = {long}\nlevels.long2 = {long}"))  # fmt: skip

    def interrupt(run, meta):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        RayExecutor().execute(spec.runs, tmp_path / "out", interrupt)
    wait_until(lambda: ray.available_resources().get("CPU", 0) >= 2, 6, "both CPUs free again")
    assert ray.available_resources().get("CPU", 0) == 2


@pytest.mark.slow
def test_killed_driver_resumes_without_redoing_finished_runs(
    ray_marker, run_cli, wait_until, tiny_spec, tmp_path
):
    spec_path = tiny_spec(extra="[output]\nmovie = true")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "trainlab", "run", str(spec_path), "--out", str(out),
               "--executor", "ray", "--jobs", "2", "--no-progress"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    try:
        wait_until(lambda: list(out.glob(f"runs/*/{META_FILE}")), 120, "a first finished run")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and the Ray processes it started
        proc.wait()
    done_before = {p.parent.name: p.stat().st_mtime_ns for p in out.glob(f"runs/*/{META_FILE}")}
    assert 1 <= len(done_before) < 4
    result = run_cli(*command[3:])  # resumed here, on the module's Ray instance
    assert result.code == 0, result.err
    after = {p.parent.name: p.stat().st_mtime_ns for p in out.glob(f"runs/*/{META_FILE}")}
    assert len(after) == 4
    assert all(after[name] == mtime for name, mtime in done_before.items())
    assert all((run_dir(out, name) / "movie.gif").is_file() for name in after)
