"""Come back to a finished run: rebuild its trained model, history and record from disk.

A run directory (written by `trainlab.run.execute.execute_run`, layout in
`trainlab.run.rundir`) stores no model code: the network is rebuilt from the
saved config with the input shape and classes of its dataset, then the saved
weights are loaded into it. A directory written by another major.minor version
of trainlab is refused, since its config or record format may differ.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from trainlab.atomic import save_figure
from trainlab.data import TensorLoader
from trainlab.errors import ConfigError, RecordError
from trainlab.monitor.record import JSON_NAME, Record
from trainlab.run import rundir
from trainlab.run.config import RunConfig, build_run_model
from trainlab.run.splits import load_run_splits
from trainlab.train import History, evaluate, predict
from trainlab.train.evaluation import confusion_matrix
from trainlab.train.fit import EVAL_BATCH_SIZE
from trainlab.version import __version__
from trainlab.viz import sample_grid
from trainlab.viz.confusion import confusion_matrix_figure

SPLITS = ("train", "val", "test")


@dataclass
class LoadedRun:
    """A finished run read back from its directory.

    Attributes:
        directory: the run directory.
        name: the run's name in its study.
        config: the resolved configuration it was trained with.
        model: the network with the trained weights, in eval mode, on the CPU.
        history: per-epoch and per-batch scalars (``history.to_frame()``).
        record: the Monitor's record, or None when the run was not monitored.
        metrics: final metrics from ``run.json`` (empty when the run failed).
        status: completed, stopped, diverged or failed.
        varied: axis -> level of the study grid.
    """

    directory: Path
    name: str
    config: RunConfig
    model: nn.Module
    history: History
    record: Record | None
    metrics: dict[str, float]
    status: str
    varied: dict[str, str]


def read_config(directory: str | Path) -> tuple[RunConfig, dict[str, Any]]:
    """The run's config and the raw ``config.json`` (name, varied levels, version).

    Raises:
        RecordError: ``config.json`` is missing or unreadable, or was written by a
            trainlab whose major.minor version differs from this one.
    """
    path = Path(directory) / rundir.CONFIG_FILE
    raw = _read_json(path)
    saved = str(raw.get("trainlab_version", "unknown"))
    if _major_minor(saved) != _major_minor(__version__):
        raise RecordError(
            f"{path}: written by trainlab {saved}; this is trainlab {__version__}. "
            f"Reload it with trainlab {'.'.join(_major_minor(saved))}.x or re-run the study."
        )
    if "config" not in raw:
        raise RecordError(f"{path}: no 'config' key; not a trainlab run directory")
    return RunConfig.from_dict(raw["config"], where=str(path)), raw


def load_model(directory: str | Path, config: RunConfig | None = None) -> nn.Module:
    """The run's network rebuilt from its config, trained weights loaded, in eval mode.

    Raises:
        RecordError: ``model.pt`` is missing or does not fit the config's network.
    """
    directory = Path(directory)
    config = config if config is not None else read_config(directory)[0]
    path = directory / rundir.MODEL_FILE
    if not path.is_file():
        meta = rundir.read_meta(directory)
        status = f" (run status: {meta['status']})" if meta else " (the run is unfinished)"
        raise RecordError(f"{path}: missing; the run saved no trained weights{status}")
    model = build_run_model(config)
    state = torch.load(path, map_location="cpu", weights_only=True)
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise RecordError(f"{path}: weights do not fit the network of config.json ({exc})") from exc
    return model.eval()


def load_run(directory: str | Path) -> LoadedRun:
    """Read a finished run: config, model with trained weights, History, Record, metrics.

    Raises:
        RecordError: a file is missing or unreadable, or the run comes from another
            major.minor version of trainlab; the message names the file.
    """
    directory = rundir.check_run_dir(directory)
    config, raw = read_config(directory)
    meta_path = directory / rundir.META_FILE
    meta = _read_json(meta_path)
    model = load_model(directory, config)
    history = read_history(directory)
    best = meta.get("metrics", {}).get("best_epoch")
    history.best_epoch = best if isinstance(best, int) and best >= 1 else None
    record = None
    if config.monitor.enabled:
        if not (directory / JSON_NAME).is_file():
            raise RecordError(f"{directory / JSON_NAME}: missing; the run was monitored")
        record = Record.load(directory)
    return LoadedRun(
        directory=directory,
        name=raw.get("name", directory.name),
        config=config,
        model=model,
        history=history,
        record=record,
        metrics=meta.get("metrics", {}),
        status=meta.get("status", "unknown"),
        varied=raw.get("varied", {}),
    )


def evaluate_run(
    directory: str | Path,
    split: str = "test",
    *,
    figures: bool = False,
    out_dir: str | Path | None = None,
    n_samples: int = 32,
) -> dict[str, Any]:
    """Loss and accuracy of a saved run's model on one split of its data.

    The split is rebuilt from the run's data config (same validation split and
    standardization statistics as in training).

    Args:
        directory: the run directory.
        split: ``train``, ``val`` or ``test``.
        figures: also write ``eval_<split>_samples.png`` (the first `n_samples`
            images titled predicted/true, wrong ones red) and
            ``eval_<split>_confusion.png``.
        out_dir: where figures go; default the run directory.
        n_samples: images in the sample grid.

    Returns:
        ``{"split", "loss", "acc", "n"}`` plus ``"figures"`` (list of paths) with `figures`.

    Raises:
        ConfigError: unknown split.
        RecordError: as for `load_run`.
    """
    if split not in SPLITS:
        raise ConfigError(f"split={split!r}; expected one of {', '.join(SPLITS)}")
    directory = rundir.check_run_dir(directory)
    config, _ = read_config(directory)
    model = load_model(directory, config)
    splits = load_run_splits(config.data)
    x, y = getattr(splits, f"{split}_x"), getattr(splits, f"{split}_y")
    loader = TensorLoader(x, y, EVAL_BATCH_SIZE, shuffle=False)
    result: dict[str, Any] = {"split": split, **evaluate(model, loader), "n": int(len(y))}
    if figures:
        predictions = predict(model, x, batch_size=EVAL_BATCH_SIZE)
        out = Path(out_dir) if out_dir is not None else directory
        classes = list(splits.classes)
        grid = sample_grid(x, y, classes, predictions, n=n_samples, cols=8)
        matrix = confusion_matrix(y, predictions, len(classes))
        result["figures"] = [
            save_figure(grid, out / f"eval_{split}_samples.png"),
            save_figure(
                confusion_matrix_figure(matrix, classes, title=f"{split} ({len(y)} samples)"),
                out / f"eval_{split}_confusion.png",
            ),
        ]
    return result


def read_history(directory: str | Path) -> History:
    """A run's History from history.csv and batches.csv, with the status, stop reason and
    stop step of its run.json (status ``running`` while it has none)."""
    directory = Path(directory)
    epochs = _read_csv(directory / rundir.HISTORY_FILE)
    batches = _read_csv(directory / rundir.BATCHES_FILE)
    meta = rundir.read_meta(directory) or {}
    return History(
        epochs=epochs.to_dict("records"), batches=batches.to_dict("records"),
        status=meta.get("status", "running"), stop_reason=meta.get("stop_reason"),
        stop_step=meta.get("stop_step"),
    )  # fmt: skip


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise RecordError(f"{path}: missing; the run directory is incomplete")
    try:
        return pd.read_csv(path)
    except (ValueError, OSError) as exc:  # pandas' ParserError/EmptyDataError are ValueErrors
        raise RecordError(f"{path}: unreadable CSV ({exc})") from exc


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise RecordError(f"{path}: missing; the run directory is incomplete or unfinished")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RecordError(f"{path}: not valid JSON ({exc})") from exc


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split("+")[0].split(".")[:2])


def batch_losses(directory: str | Path, record: Record | None = None) -> pd.DataFrame | None:
    """Per-batch losses of a run directory, for its loss curves (None without any).

    Columns step, train_loss and val_loss from the run's record (`record` when the caller
    has read it already, else read without its raw tensors), else step and train_loss
    from batches.csv when the monitor was off.
    """
    directory = Path(directory)
    if record is None:
        try:
            record = Record.load(directory, tensors=False)
        except RecordError:
            record = None
    if record is None or not record.n_steps:
        batches = directory / rundir.BATCHES_FILE
        if not batches.is_file():
            return None
        frame = pd.read_csv(batches)
        return frame.rename(columns={"loss": "train_loss"})[["step", "train_loss"]]
    steps = np.arange(1, record.n_steps + 1)
    return pd.DataFrame({"step": steps, "train_loss": record.train_loss,
                         "val_loss": record.val_loss})  # fmt: skip
