"""A study's report, rebuilt from its run directories: results, findings, figures.

OUT/results.csv                 one row per run (`collect_results`)
OUT/findings.md                 the two findings and factor effects (`write_findings`)
OUT/figures/effects.png         mean +- std of the final validation loss per level
OUT/figures/lc_<axis>.png       final metrics against each numeric axis
OUT/figures/history_grid.png    loss curves of the best runs
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from trainlab.atomic import atomic_open, atomic_write_text, save_figure
from trainlab.config import RunConfig
from trainlab.errors import RecordError, TrainlabError
from trainlab.monitor import Record
from trainlab.sweep import rundir
from trainlab.sweep.findings import FINAL_METRIC, PROGRESS_METRIC, write_findings
from trainlab.sweep.results import collect_results, factor_effects, finished_runs
from trainlab.sweep.run import load_run_splits
from trainlab.viz import class_distribution, history_grid, learning_curve, sample_grid
from trainlab.viz.effects import effects_figure

HISTORY_GRID_RUNS = 12  # the best runs drawn in the history grid
LOG_AXES = ("lr", "weight_decay", "wd", "l1", "l2", "decay")  # rates and decays: log x axis


def write_report(out: str | Path) -> pd.DataFrame:
    """Write results.csv, findings.md and figures for the study in `out`; return the table."""
    out = Path(out)
    index = rundir.read_study(out)
    axes = list(index.get("axes", {}))
    table = collect_results(out, axes)
    with atomic_open(out / rundir.RESULTS_FILE, "w") as f:
        table.to_csv(f, index=False)
    atomic_write_text(
        out / rundir.FINDINGS_FILE, write_findings(table, axes, title=index.get("name", out.name))
    )
    _figures(out, table, axes)
    return table


def _figures(out: Path, table: pd.DataFrame, axes: list[str]) -> None:
    figures = out / rundir.FIGURES_DIR
    ok = finished_runs(table, FINAL_METRIC)
    if ok.empty:
        return
    _dataset_figures(rundir.run_dir(out, ok["run"].iloc[0]), figures)
    if axes:
        save_figure(effects_figure(factor_effects(table, axes, FINAL_METRIC), FINAL_METRIC),
                    figures / "effects.png")  # fmt: skip
    curves = ok.rename(columns=lambda c: c.removeprefix("final_"))
    for axis in axes:
        values = pd.to_numeric(curves[axis], errors="coerce")
        if values.isna().any() or values.nunique() < 2:
            continue  # categorical axes are covered by the effects figure
        numeric = curves.assign(**{axis: values})
        fig = learning_curve(numeric, axis, log_x=_log_axis(axis, values))
        save_figure(fig, figures / f"lc_{axis}.png")
    best = ok.sort_values([PROGRESS_METRIC, FINAL_METRIC]).head(HISTORY_GRID_RUNS)
    directories = [rundir.run_dir(out, run) for run in best["run"]]
    histories = {d.name: pd.read_csv(d / rundir.HISTORY_FILE) for d in directories}
    cols = min(3, len(histories))
    layout = {"rows": math.ceil(len(histories) / cols), "cols": cols}
    if max(len(h) for h in histories.values()) > 2:  # enough epochs for epoch curves
        fig = history_grid(histories, **layout, star_epoch="best")
    else:  # short runs: per-batch losses (the record, else batches.csv)
        batches = {d.name: batch_losses(d) for d in directories}
        batches = {name: frame for name, frame in batches.items() if frame is not None}
        if not batches:  # neither a record nor batches.csv: no per-batch curves to draw
            return
        fig = history_grid(
            batches, **layout, x="step", panels=(("loss per batch", ("train_loss", "val_loss")),)
        )
    save_figure(fig, figures / "history_grid.png")


def _dataset_figures(directory: Path, figures: Path) -> None:
    """Sample images and the class balance of the splits the study trained on."""
    if (figures / "classes.png").is_file():
        return  # the data of a study never change; drawn once
    data = RunConfig.from_dict(rundir.read_json(directory / rundir.CONFIG_FILE)["config"],
                               where=str(directory / rundir.CONFIG_FILE)).data  # fmt: skip
    try:
        splits = load_run_splits(data)
    except TrainlabError:  # e.g. the report is rebuilt on a machine without the dataset
        return
    save_figure(sample_grid(splits.train_x, splits.train_y, splits.classes, n=32),
                figures / "samples.png")  # fmt: skip
    labels = {"train": splits.train_y, "val": splits.val_y, "test": splits.test_y}
    save_figure(class_distribution(labels, splits.classes), figures / "classes.png")


def batch_losses(directory: str | Path) -> pd.DataFrame | None:
    """Per-batch losses of a run directory, for its loss curves (None without any).

    Columns step, train_loss and val_loss from the run's record (read without its
    raw tensors), else step and train_loss from batches.csv when the monitor was off.
    """
    directory = Path(directory)
    try:
        record = Record.load(directory, tensors=False)
    except RecordError:
        batches = directory / rundir.BATCHES_FILE
        if not batches.is_file():
            return None
        frame = pd.read_csv(batches)
        return frame.rename(columns={"loss": "train_loss"})[["step", "train_loss"]]
    steps = np.arange(1, record.n_steps + 1)
    return pd.DataFrame({"step": steps, "train_loss": record.train_loss,
                         "val_loss": record.val_loss})  # fmt: skip


def _log_axis(axis: str, values: pd.Series) -> bool:
    positive = values[values > 0]
    spans_decades = len(positive) > 1 and positive.max() / positive.min() >= 100
    return axis in LOG_AXES or spans_decades
