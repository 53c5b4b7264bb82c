"""Running studies: artifacts per run, failures recorded, resume after interruption.

Killing or interrupting the driver, and its workers' death with it, are a process's
behaviour: those tests start `trainlab run` as a process of its own (marked slow).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error

import numpy as np
import pandas as pd
import pytest

from trainlab.data import downloads
from trainlab.errors import DataNotFoundError
from trainlab.monitor import Record
from trainlab.report import write_report
from trainlab.run.rundir import META_FILE, run_dir
from trainlab.study import LocalExecutor
from trainlab.study.runner import run_study, with_synthetic_data
from trainlab.study.spec import load_spec

RUN_FILES = ("config.json", "history.csv", "batches.csv", "record.json", "record.npz",
             "model.pt", "dashboard.png", "run.json")  # fmt: skip


def _table(spec, out, jobs: int = 1) -> pd.DataFrame:
    """The results table of `spec` run into `out` with `jobs` local workers."""
    run_study(spec, out, executor=LocalExecutor(jobs), progress=False)
    return write_report(out).table


def test_study_writes_every_artifact_and_a_report(tiny_spec, tmp_path):
    out = tmp_path / "out"
    table = _table(load_spec(tiny_spec()), out)
    assert len(table) == 4 and set(table["status"]) == {"completed"}
    for name in table["run"]:
        directory = run_dir(out, name)
        for file in RUN_FILES:
            assert (directory / file).is_file(), f"{name}: {file} missing"
        record = Record.load(directory)
        assert record.n_steps == 8
        assert np.isfinite(record.val_loss).all()
    results = pd.read_csv(out / "results.csv")
    assert list(results.columns[:5]) == ["run", "point", "seed", "lr", "dropout"]
    assert results["val_loss"].is_monotonic_increasing  # ranked by the study's rule
    assert len(pd.read_csv(out / "configs.csv")) == 4
    assert (out / "findings.md").read_text().count("## 1. Best configuration") == 1
    for figure in ("effects", "lc_lr", "history_grid", "samples", "classes"):
        assert (out / "figures" / f"{figure}.png").is_file(), figure


def test_replicates_differ_by_seed_only_and_the_findings_judge_noise(run_cli, tiny_spec, tmp_path):
    path = tiny_spec(grid='"optim.lr" = [0.01, 0.001]')
    path.write_text("repeats = 2\n" + path.read_text())
    spec = load_spec(path)
    out = tmp_path / "out"
    table = _table(spec, out)
    assert sorted(table["run"]) == ["lr=0.001_seed=0", "lr=0.001_seed=1", "lr=0.01_seed=0",
                                    "lr=0.01_seed=1"]  # fmt: skip
    pair = table[table["point"] == "lr=0.01"]["val_loss"].tolist()
    assert pair[0] != pair[1]  # seed 1 draws other init, order, dropout, validation subset
    configs = pd.read_csv(out / "configs.csv").set_index("point")
    assert configs.loc["lr=0.01", "val_loss_n"] == 2
    assert "**lr**: " in (out / "findings.md").read_text()  # judged against the seed noise
    listing = run_cli("list", out)
    assert listing.out.count("_seed=") == 4


def test_failing_and_diverging_runs_are_recorded_and_others_go_on(tiny_spec, tmp_path):
    grid = """
[grid.case]
levels.ok = {}
levels.diverge = { "optim.name" = "sgd", "optim.lr" = 1e12 }
levels.broken = { "model.kind" = "cnn", "model.cnn.channels" = [4], \
"model.cnn.kernel_sizes" = [64] }
"""
    out = tmp_path / "out"
    table = _table(load_spec(tiny_spec(grid=grid)), out).set_index("run")
    assert table.loc["case=ok", "status"] == "completed"
    assert table.loc["case=diverge", "status"] == "diverged"
    assert table.loc["case=broken", "status"] == "failed"
    assert "RuntimeError" in table.loc["case=broken", "error"]
    assert "Traceback" in (run_dir(out, "case=broken") / "error.txt").read_text()
    assert "case=broken: failed" in (out / "findings.md").read_text()


def test_a_diverged_runs_reason_and_step_reach_run_json_results_and_findings(tiny_spec, tmp_path):
    grid = '[grid.case]\nlevels.diverge = { "optim.name" = "sgd", "optim.lr" = 1e12 }'
    out = tmp_path / "out"
    table = _table(load_spec(tiny_spec(grid=grid)), out)
    meta = json.loads((run_dir(out, "case=diverge") / META_FILE).read_text())
    assert meta["status"] == "diverged" and meta["stop_step"] >= 1
    assert meta["stop_reason"].startswith("training loss became ")
    assert f"at step {meta['stop_step']} (epoch 1)" in meta["stop_reason"]
    assert table.loc[0, "stop_reason"] == meta["stop_reason"]
    assert pd.read_csv(out / "results.csv").loc[0, "stop_step"] == meta["stop_step"]
    assert meta["stop_reason"] in (out / "findings.md").read_text()
    assert "diverged" in {d["name"] for d in meta["diagnoses"]}  # the detector agrees
    assert "diverged" in table.loc[0, "diagnoses"]


def test_resume_skips_finished_runs_and_redoes_unfinished_ones(tiny_spec, tmp_path):
    spec = load_spec(tiny_spec())
    out = tmp_path / "out"
    _table(spec, out)
    names = [r.name for r in spec.runs]
    finished = {n: (run_dir(out, n) / META_FILE).stat().st_mtime_ns for n in names}
    victim = run_dir(out, names[2])
    (victim / META_FILE).unlink()  # as if killed before its final metadata
    (victim / "record.npz").write_bytes(b"half-written")
    _table(spec, out)
    for name in names:
        mtime = (run_dir(out, name) / META_FILE).stat().st_mtime_ns
        assert (mtime == finished[name]) == (name != names[2])
    Record.load(victim)  # the half-written file was replaced by a complete one


def test_resume_reruns_finished_runs_whose_config_changed(tiny_spec, data_root, tmp_path, capsys):
    grid = '"optim.lr" = [0.01, 0.001]'
    before = load_spec(tiny_spec(grid=grid))
    changed = load_spec(tiny_spec(extra="[optim]\nweight_decay = 0.01", grid=grid))
    out = tmp_path / "out"
    run_study(before, out, executor=LocalExecutor(1), progress=False)
    mtimes = _meta_mtimes(out)
    run_study(changed, out, executor=LocalExecutor(1), progress=False)
    assert "2 finished run(s)" in capsys.readouterr().out
    rerun = _meta_mtimes(out)
    assert all(rerun[name] != mtime for name, mtime in mtimes.items())
    for name in rerun:
        saved = json.loads((run_dir(out, name) / "config.json").read_text())["config"]
        assert saved["optim"]["weight_decay"] == 0.01
    (tmp_path / "same-data").symlink_to(data_root)  # another path to the same files
    moved = tiny_spec(extra="[optim]\nweight_decay = 0.01", grid=grid)
    moved.write_text(moved.read_text().replace(str(data_root), str(tmp_path / "same-data")))
    run_study(load_spec(moved), out, executor=LocalExecutor(1), progress=False)
    assert _meta_mtimes(out) == rerun  # the data root does not decide the results


def _meta_mtimes(out) -> dict[str, int]:
    return {p.parent.name: p.stat().st_mtime_ns for p in out.glob(f"runs/*/{META_FILE}")}


def _run_until_a_run_finishes(spec_path, out, jobs: str, wait_until, **popen) -> subprocess.Popen:
    """`trainlab run` in its own process group, returned once its first run has finished
    (killed, with the test failed, if none finishes in two minutes)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "trainlab", "run", str(spec_path), "--out", str(out),
         "--jobs", jobs, "--no-progress"],
        stdout=subprocess.DEVNULL, start_new_session=True, **popen,
    )  # fmt: skip
    try:
        wait_until(lambda: list(out.glob(f"runs/*/{META_FILE}")), 120, "a first finished run")
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    return proc


@pytest.mark.slow
def test_killed_driver_resumes_without_redoing_finished_runs(
    run_cli, wait_until, tiny_spec, tmp_path
):
    spec_path = tiny_spec(extra="[output]\nmovie = true")
    out = tmp_path / "out"
    proc = _run_until_a_run_finishes(spec_path, out, "1", wait_until, stderr=subprocess.DEVNULL)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = _meta_mtimes(out)
    assert 1 <= len(done_before) < 4
    result = run_cli("run", spec_path, "--out", out, "--jobs", "1", "--no-progress")
    assert result.code == 0, result.err
    after = _meta_mtimes(out)
    assert len(after) == 4
    assert all(after[name] == mtime for name, mtime in done_before.items())
    assert all((run_dir(out, name) / "movie.gif").is_file() for name in after)


@pytest.mark.slow
def test_ctrl_c_exits_130_keeps_finished_runs_and_leaks_nothing(
    run_cli, wait_until, tiny_spec, tmp_path
):
    spec_path = tiny_spec(extra="[output]\nmovie = true")
    out = tmp_path / "out"
    proc = _run_until_a_run_finishes(
        spec_path, out, "2", wait_until, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as at a terminal
    )  # fmt: skip
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the driver and its workers
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted; finished runs are kept" in err
    assert "Traceback" not in err and "leaked" not in err
    done_before = _meta_mtimes(out)
    assert 1 <= len(done_before) < 4
    result = run_cli("run", spec_path, "--out", out, "--jobs", "2", "--no-progress")
    assert result.code == 0, result.err
    after = _meta_mtimes(out)
    assert len(after) == 4 and all(after[name] == t for name, t in done_before.items())


@pytest.mark.slow
def test_jobs_1_and_jobs_2_give_bit_identical_results_and_records(tiny_spec, tmp_path):
    # Regression: the torch thread count followed --jobs, so the numbers did too.
    spec = load_spec(tiny_spec(extra="[resources]\nthreads = 2"))
    serial = _table(spec, tmp_path / "a", jobs=1).sort_values("run", ignore_index=True)
    parallel = _table(spec, tmp_path / "b", jobs=2).sort_values("run", ignore_index=True)
    metrics = [c for c in serial.columns if c.startswith(("final_", "val_", "train_"))]
    pd.testing.assert_frame_equal(serial[["run", *metrics]], parallel[["run", *metrics]])
    for name in serial["run"]:
        a, b = (
            Record.load(run_dir(tmp_path / "a", name)),
            Record.load(run_dir(tmp_path / "b", name)),
        )
        assert np.array_equal(a.val_loss, b.val_loss, equal_nan=True)
        for kind in ("weights", "net_values", "outputs", "grads"):
            for layer, values in getattr(a, kind).items():
                assert np.array_equal(values, getattr(b, kind)[layer], equal_nan=True), layer
        meta = json.loads((run_dir(tmp_path / "b", name) / META_FILE).read_text())
        assert meta["threads"] == 2


def test_resume_redoes_runs_whose_thread_count_changed(tiny_spec, tmp_path, capsys):
    grid = '"optim.lr" = [0.01]'
    out = tmp_path / "out"
    _table(load_spec(tiny_spec(grid=grid)), out)
    _table(load_spec(tiny_spec(grid=grid, extra="[resources]\nthreads = 2")), out)
    assert "1 finished run(s)" in capsys.readouterr().out


def test_missing_dataset_is_one_error_before_anything_is_written(
    tmp_path, monkeypatch, no_user_data
):
    fetched = []

    def offline(url):
        fetched.append(url)
        raise urllib.error.URLError("offline")

    monkeypatch.setattr(downloads, "urlopen_fetch", offline)
    spec = tmp_path / "mnist.toml"
    spec.write_text(f'name = "m"\n[data]\nname = "mnist"\nroot = "{tmp_path}"\n'
                    '[grid]\n"optim.lr" = [0.1, 0.01, 0.001]\n')  # fmt: skip
    out = tmp_path / "out"
    with pytest.raises(DataNotFoundError, match="mnist \\(train split\\) not found"):
        run_study(load_spec(spec), out, executor=LocalExecutor(1), progress=False)
    assert not out.exists() and len(fetched) == 1  # one download attempt, not one per run


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is dead, only not yet reaped
        return f.read().split(")")[-1].split()[0] != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux")
def test_workers_die_with_a_killed_driver(wait_until, tiny_spec, tmp_path):
    spec_path = tiny_spec(grid='"optim.lr" = [0.1, 0.05, 0.01, 0.005, 0.001, 0.0005]')
    driver = subprocess.Popen(
        [sys.executable, "-m", "trainlab", "run", str(spec_path), "--out", str(tmp_path / "out"),
         "--jobs", "2", "--no-progress"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip

    def pool_workers() -> list[int]:
        found = [p for p in _children(driver.pid) if "spawn_main" in _cmdline(p)]
        return found if len(found) == 2 else []

    def both_training() -> bool:  # each worker past its start-up (two runs begun), so the
        # kill tests the parent-death signal, not a worker still importing torch
        return len(list((tmp_path / "out" / "runs").glob("*"))) >= 2

    try:
        workers = wait_until(pool_workers, 60, "the pool's two workers to start")
        wait_until(both_training, 60, "two runs to begin")
    finally:
        driver.kill()  # SIGKILL: no chance to clean up
        driver.wait()
    assert len(workers) == 2, "the pool's workers did not start"
    wait_until(lambda: not any(_alive(p) for p in workers), 10, "the workers to die")
    assert not any(_alive(p) for p in workers), "pool workers outlived their driver"


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode(errors="replace")
    except FileNotFoundError:
        return ""


@pytest.mark.slow
def test_an_option_that_changes_nothing_is_noise_and_a_learning_rate_of_1e8_is_an_effect(
    tiny_spec, tmp_path
):
    grid = '"optim.lr" = [1e-8, 1e-2]\n"output.fps" = [5, 10]  # draws nothing: no effect'
    path = tiny_spec(grid=grid)
    path.write_text("repeats = 3\n" + path.read_text().replace("max_steps = 8", "max_steps = 30"))
    out = tmp_path / "out"
    run_study(load_spec(path), out, executor=LocalExecutor(2), progress=False)
    analysis = write_report(out)
    verdicts = analysis.grids[0].verdicts
    assert verdicts["lr"] == "matters" and verdicts["fps"] == "within noise"
    findings = (out / "findings.md").read_text()
    assert "**fps**: not distinguishable from seed noise." in findings
    assert "**lr**: matters." in findings and "lr=1e-08 raises it by" in findings


def test_quick_switches_a_dataset_that_is_not_here_to_generated_files(tmp_path, no_user_data):
    spec = tmp_path / "s.toml"
    spec.write_text(f'[data]\nname = "mnist"\nroot = "{tmp_path / "empty"}"\n'
                    '[grid]\n"optim.lr" = [0.1, 0.01]\n')  # fmt: skip
    study = load_spec(spec, quick=True)
    switched, replaced = with_synthetic_data(study)
    assert replaced == ["mnist"] and all(r.config.data.synthetic for r in switched.runs)
    assert all(r.config.data.val_size == 500 for r in switched.runs)  # fits 2,000 generated
    assert with_synthetic_data(switched) == (switched, [])
