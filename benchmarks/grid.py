"""Wall time of the 84-run regularization grid, and where it goes.

Runs ``studies/regularization_movies.toml`` as shipped (CIFAR-shaped MLP
3072-256-128-10, 100 batches of 32, per-batch validation loss on 512 samples,
a dashboard and a 100-frame GIF per run) with the local executor. CIFAR-10 is
not on this machine, so the data are generated files in the CIFAR-10 binary
format (same shapes, same reader). Prints the wall time, the per-run mean, and
the share of run time spent reading data, training, monitoring and rendering.

Monitoring (hooks, summaries, and the validation loss on 512 samples after every
batch, which alone is 16 forward passes' worth of a 32-sample batch) happens inside
fit(); its share is measured by re-running a few runs with the Monitor off and
taking the difference of the training times.

Run: ``python benchmarks/grid.py [--jobs 2] [--runs 84]``
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

from trainlab.data.synthetic import write_synthetic
from trainlab.report import write_report
from trainlab.run.rundir import read_meta, run_dir
from trainlab.study import LocalExecutor
from trainlab.study.runner import run_study
from trainlab.study.spec import load_spec

SPEC = Path(__file__).resolve().parents[1] / "studies" / "regularization_movies.toml"
TARGET_MINUTES = 15
MONITOR_OFF_RUNS = 4  # runs re-trained without the Monitor to measure its cost


def _timings(out: Path, names: list[str]) -> dict[str, float]:
    totals: dict[str, float] = {"data": 0.0, "train": 0.0, "render": 0.0, "seconds": 0.0}
    for name in names:
        meta = read_meta(run_dir(out, name))
        for key in ("data", "train", "render"):
            totals[key] += meta["timings"].get(key, 0.0)
        totals["seconds"] += meta["seconds"]
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=84, help="first N runs of the grid")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = write_synthetic("cifar10", Path(tmp) / "data", n_train=10_000, n_test=1_000)
        study = load_spec(SPEC, data_root=str(root))
        study = dataclasses.replace(study, runs=study.runs[: args.runs])
        names = [run.name for run in study.runs]
        out = Path(tmp) / "out"
        tic = time.perf_counter()
        run_study(study, out, executor=LocalExecutor(args.jobs), progress=True)
        table = write_report(out).table
        wall = time.perf_counter() - tic
        assert (table["status"] == "completed").all(), table[["run", "status", "error"]]
        movies = len(list(out.glob("runs/*/movie.gif")))
        totals = _timings(out, names)

        sample = study.runs[:: max(1, len(study.runs) // MONITOR_OFF_RUNS)][:MONITOR_OFF_RUNS]
        plain_runs = []
        for run in sample:
            config = dataclasses.replace(
                run.config,
                monitor=dataclasses.replace(run.config.monitor, enabled=False),
                output=dataclasses.replace(run.config.output, movie=False, dashboard=False),
            )
            plain_runs.append(dataclasses.replace(run, config=config))
        plain_out = Path(tmp) / "plain"
        run_study(dataclasses.replace(study, runs=plain_runs), plain_out,
                  executor=LocalExecutor(args.jobs), progress=False)  # fmt: skip
        with_monitor = statistics.mean(
            read_meta(run_dir(out, r.name))["timings"]["train"] for r in sample
        )
        without = statistics.mean(
            read_meta(run_dir(plain_out, r.name))["timings"]["train"] for r in sample
        )

    run_total = totals["seconds"]
    monitor = max(0.0, with_monitor - without) * len(names)
    train = totals["train"] - monitor
    print(f"grid: {len(names)} runs x 100 batches, {movies} movies, --jobs {args.jobs}")
    print(f"wall time: {wall:.1f} s ({wall / 60:.2f} min; target < {TARGET_MINUTES} min)")
    print(f"per run: {run_total / len(names):.2f} s of worker time")
    for label, seconds in (
        ("data", totals["data"]), ("training", train), ("monitoring + val loss/batch", monitor),
        ("rendering", totals["render"]),
        ("other (setup, writing)", run_total - totals["data"] - totals["train"] - totals["render"]),
    ):  # fmt: skip
        print(f"  {label:<24} {seconds:8.1f} s  {seconds / run_total:6.1%}")
    val_size = study.runs[0].config.monitor.val_size
    print(
        f"fit() per run: {with_monitor:.2f} s monitored (hooks, summaries and the validation "
        f"loss on {val_size} samples after every batch) vs {without:.2f} s without "
        f"({with_monitor / without:.2f}x, {len(sample)} runs)"
    )


if __name__ == "__main__":
    main()
