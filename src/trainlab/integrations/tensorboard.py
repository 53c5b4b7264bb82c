"""Export a finished run to TensorBoard event files: scalars and per-layer distributions.

Scalars (from ``history.csv``, ``batches.csv`` and the Record):

- ``epoch/<column>`` for train/val loss and accuracy, gradient norm and learning
  rate, at the step that ended the epoch (so they line up with the batch curves);
- ``batch/train_loss`` and ``batch/grad_norm`` per optimizer step (1-based);
- ``batch/val_loss``: the Monitor's validation loss on its fixed subset, per step;
- the signals the diagnoses read, per step: ``grad_norm/<layer>``, ``weight_norm/<layer>``,
  ``update_norm/<layer>`` and ``update_ratio/<layer>`` (|step change| / |weight|) per
  weight layer, ``dead_frac/<site>`` and ``saturated_frac/<site>`` per activation
  (steps where a signal was not measured, e.g. saturation of a ReLU, are left out).

Export several runs into one log directory (`trainlab export-tb OUT` does, for every
run of a study) and TensorBoard overlays them: one colour per run on each chart.

Distributions ``weights/<layer>``, ``net_values/<site>``, ``outputs/<site>`` (and
``grads/<layer>`` when recorded), one histogram per step; weights start at step
0 (the initial weights). A Record in mode ``full`` or ``sample`` holds the raw
tensors, which are written as exact histograms (``add_histogram``). A ``summary``
Record holds only statistics, so its histograms are synthesised
(``add_histogram_raw``): exact min, max and mean, four buckets bounded by the
quartiles holding 25 each, counts in percent of the elements (num = 100), and
``sum_squares`` from the standard deviation. TensorBoard's distribution view
then shows the recorded quartiles; shapes within a quartile are not known.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from trainlab.errors import ConfigError
from trainlab.monitor.record import ACTIVATION_SIGNALS, KINDS, LAYER_SIGNALS, STAT_INDEX, Record
from trainlab.run import rundir
from trainlab.run.reload import load_run

EPOCH_SCALARS = ("train_loss", "val_loss", "train_acc", "val_acc", "grad_norm", "lr")
BATCH_SCALARS = {"loss": "train_loss", "grad_norm": "grad_norm"}  # batches.csv -> tag
PERCENT = 100.0  # synthesised histograms count percent of elements


def _summary_writer():
    """SummaryWriter class, or a ConfigError naming the extra to install."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as exc:
        raise ConfigError(
            "TensorBoard export needs the tensorboard package: pip install 'trainlab[tensorboard]'"
        ) from exc
    return SummaryWriter


def export_tensorboard(run_dir: str | Path, logdir: str | Path | None = None) -> Path:
    """Write the scalars and distributions of a finished run as TensorBoard events.

    Events go to ``<logdir>/<run name>/`` so several runs exported to one `logdir`
    show side by side in ``tensorboard --logdir LOGDIR``; `logdir` defaults to
    ``<run_dir>/tensorboard``. A previous export of the run is replaced, and the
    new one appears complete or not at all (written aside, then renamed).

    Returns:
        The directory holding the event file.

    Raises:
        ConfigError: the tensorboard package is not installed.
        RecordError: the run directory is incomplete or from another trainlab version.
    """
    writer_class = _summary_writer()
    run = load_run(run_dir)
    logdir = Path(logdir) if logdir is not None else run.directory / rundir.TENSORBOARD_DIR
    target = logdir / run.name
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        writer = writer_class(log_dir=str(staging))
        try:
            _write_scalars(writer, run.history.to_frame(), run.history.batch_frame())
            if run.record is not None:
                _write_record(writer, run.record)
        finally:
            writer.close()
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _write_scalars(writer, epochs: pd.DataFrame, batches: pd.DataFrame) -> None:
    for row in batches.itertuples(index=False):
        for column, tag in BATCH_SCALARS.items():
            _scalar(writer, f"batch/{tag}", getattr(row, column), int(row.step))
    # step that ended each epoch; the epoch number when no batch was logged
    last_step = batches.groupby("epoch")["step"].max().to_dict() if len(batches) else {}
    for row in epochs.itertuples(index=False):
        step = int(last_step.get(row.epoch, row.epoch))
        for column in EPOCH_SCALARS:
            _scalar(writer, f"epoch/{column}", getattr(row, column), step)


def _scalar(writer, tag: str, value: float, step: int) -> None:
    if value is not None and math.isfinite(float(value)):  # NaN marks "not measured"
        writer.add_scalar(tag, float(value), global_step=step)


def _write_record(writer, record: Record) -> None:
    for step, val_loss in enumerate(np.asarray(record.val_loss, np.float64), start=1):
        _scalar(writer, "batch/val_loss", val_loss, step)
    for names, per_name in ((LAYER_SIGNALS, record.layer_signals),
                            (ACTIVATION_SIGNALS, record.activation_signals)):  # fmt: skip
        for name, values in per_name.items():
            values = np.asarray(values, np.float64)
            for i, signal in enumerate(names[: values.shape[1]]):
                for step, value in enumerate(values[:, i], start=1):
                    _scalar(writer, f"{signal}/{name}", value, step)
    for kind in KINDS:
        first = 0 if kind == "weights" else 1  # weights row 0 = before the first step
        raw = record.tensors.get(kind, {})
        for name, summaries in getattr(record, kind).items():
            tag = f"{kind}/{name}"
            if name in raw:
                for step, values in enumerate(raw[name], start=first):
                    writer.add_histogram(tag, np.asarray(values), global_step=step)
                continue
            for step, stats in enumerate(np.asarray(summaries, np.float64), start=first):
                histogram = quartile_histogram(stats)
                if histogram is not None:
                    writer.add_histogram_raw(tag, **histogram, global_step=step)


def quartile_histogram(stats: np.ndarray) -> dict[str, float | list[float]] | None:
    """`add_histogram_raw` arguments from one row of Record statistics (see module doc).

    Returns None for a row that is not finite (a step whose tensor held NaN/inf).
    """
    get = {name: float(stats[i]) for name, i in STAT_INDEX.items()}
    if not all(math.isfinite(v) for v in get.values()):
        return None
    mean, std = get["mean"], get["std"]
    return {
        "min": get["min"],
        "max": get["max"],
        "num": PERCENT,
        "sum": mean * PERCENT,
        "sum_squares": (std**2 + mean**2) * PERCENT,  # E[x^2] = var + mean^2
        "bucket_limits": [get["q1"], get["median"], get["q3"], get["max"]],
        "bucket_counts": [PERCENT / 4] * 4,
    }
