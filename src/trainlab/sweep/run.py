"""One run end to end: data, model, fit with the Monitor, artifacts, final metadata.

`execute_run` is a pure function of the run's config (and the data files): it
can run in the main process, a local worker process or a remote worker, and it
sets the torch thread count from ``resources.threads`` itself, so its numbers
never depend on how many runs share the machine. Its directory counts as
finished only once ``run.json`` is written, atomically and last; a
half-finished directory is cleared and redone.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch

from trainlab.atomic import atomic_open, atomic_write_text, save_figure
from trainlab.data import Splits, TensorLoader, augment_crop_flip, ensure_dataset, load_splits
from trainlab.data.config import DataConfig
from trainlab.data.locate import cache_dir
from trainlab.data.synthetic import ensure_synthetic
from trainlab.diagnose import build_diagnose_callback, diagnose
from trainlab.monitor import Record, build_monitor
from trainlab.sweep import rundir
from trainlab.sweep.config import RunConfig, build_run_model
from trainlab.sweep.metrics import run_metrics
from trainlab.sweep.progress import ProgressWriter
from trainlab.sweep.spec import Run
from trainlab.train import (
    FirstLayerStats,
    History,
    LRSchedule,
    MonitorLogger,
    always,
    build_optimizer,
    build_regularization,
    build_scheduler,
    early_stopping_callbacks,
    evaluate,
    every,
    fit,
    predict,
    seed_everything,
)
from trainlab.train.fit import EVAL_BATCH_SIZE
from trainlab.version import __version__
from trainlab.viz import dashboard, make_movie, sample_grid
from trainlab.viz.diagnosis import diagnosis_caption, diagnosis_figure

TEST_GRID_IMAGES = 32  # test images shown with their predicted labels

_SPLITS_CACHE: dict[DataConfig, Any] = {}  # per process: a worker loads each dataset once


def execute_run(run: Run, out: str | Path, *, splits: Splits | None = None) -> dict[str, Any]:
    """Train `run` into ``out/runs/<name>`` and return its final metadata.

    Errors inside the run are recorded (status ``failed``) rather than raised, so
    one bad run never stops a grid. `splits` (from `load_run_splits`) skips reading
    the dataset, e.g. when a driver shares one copy with many workers.
    """
    directory = rundir.run_dir(Path(out), run.name)
    if directory.exists():
        shutil.rmtree(directory)  # unfinished leftovers: nothing in them is trusted
    directory.mkdir(parents=True)
    config = run.config
    rundir.write_json(
        directory / rundir.CONFIG_FILE,
        {**run.identity, "trainlab_version": __version__, "config": config.to_dict()},
    )
    torch.set_num_threads(config.resources.threads)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    try:
        history, record, test = _train(config, directory, timings, splits)
        tic = time.perf_counter()
        _render(config, record, directory)
        timings["render"] = time.perf_counter() - tic
        restored = config.train.early_stopping != "none"
        found = diagnose(record, history) if record is not None and config.diagnose.enabled else []
        diagnoses = _diagnosis_figures(record, history, [d.to_dict() for d in found], directory)
        meta = rundir.run_meta(
            run.identity, status=history.status,
            metrics=run_metrics(history, record, restored=restored, test=test),
            stop_reason=history.stop_reason, stop_step=history.stop_step,
            kept_by=config.train.early_stopping if restored else "last epoch",
            diagnoses=diagnoses,
        )  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - a run's failure is data, not a crash
        atomic_write_text(directory / rundir.ERROR_FILE, traceback.format_exc())
        meta = rundir.failed_meta(run.identity, f"{type(exc).__name__}: {exc}")
    meta.update(seconds=time.perf_counter() - start, timings=timings,
                threads=config.resources.threads)  # fmt: skip
    rundir.write_json(directory / rundir.META_FILE, meta)  # last: marks the run finished
    return meta


def _train(config: RunConfig, directory: Path, timings: dict[str, float], splits: Splits | None):
    tic = time.perf_counter()
    splits = splits if splits is not None else load_run_splits(config.data)
    timings["data"] = time.perf_counter() - tic
    seed_everything(config.seed)
    model = build_run_model(config)
    optimizer = build_optimizer(config.optim, model.parameters())
    train_loader = TensorLoader(
        splits.train_x, splits.train_y, config.train.batch_size, shuffle=True, seed=config.seed,
        transform=augment_crop_flip(4) if config.data.augment else None,
    )  # fmt: skip
    val_loader = TensorLoader(splits.val_x, splits.val_y, EVAL_BATCH_SIZE, shuffle=False)
    callbacks = early_stopping_callbacks(config.train)
    scheduler = build_scheduler(config.optim, optimizer)
    if scheduler is not None:
        callbacks.append(LRSchedule(scheduler))
    planned = config.train.epochs * len(train_loader)
    if config.train.max_steps:
        planned = min(planned, config.train.max_steps)
    callbacks += [ProgressWriter(directory, planned), FirstLayerStats()]
    monitor = None
    if config.monitor.enabled:
        monitor = build_monitor(config.monitor, model, planned_steps=planned, seed=config.seed)
        schedule = every(config.monitor.val_every) if config.monitor.val_every > 1 else always
        callbacks.append(
            MonitorLogger(monitor, val_size=config.monitor.val_size, schedule=schedule)
        )
        live = build_diagnose_callback(config.diagnose, monitor)
        if live is not None:  # after the logger: it diagnoses the steps logged so far
            callbacks.append(live)
    tic = time.perf_counter()
    history = fit(
        model, train_loader, val_loader, optimizer,
        epochs=config.train.epochs,
        max_steps=config.train.max_steps or None,
        loss=config.train.loss,
        regularization=build_regularization(config.optim),
        callbacks=callbacks,
        train_eval_size=config.train.train_eval_size or None,
        device="cpu" if not torch.cuda.is_available() else "auto",
        progress=False,
    )  # fmt: skip
    timings["train"] = time.perf_counter() - tic
    record = None
    if monitor is not None:
        record = monitor.to_record(meta={
            "run": directory.name, "config": config.to_dict(),
            "steps_per_epoch": len(train_loader),  # movies show the epoch of each frame
        })  # fmt: skip
        monitor.detach()
        record.save(directory)
    test = None
    if config.train.test:  # once, on the final (restored best) weights
        test_loader = TensorLoader(splits.test_x, splits.test_y, EVAL_BATCH_SIZE, shuffle=False)
        test = evaluate(model, test_loader, loss=config.train.loss)
        _save_test_predictions(model, splits, directory)
    _save_history(history, directory)
    with atomic_open(directory / rundir.MODEL_FILE, "wb") as f:
        torch.save(model.state_dict(), f)
    return history, record, test


def _save_test_predictions(model: torch.nn.Module, splits: Splits, directory: Path) -> None:
    """The first test images with predicted / true labels (wrong ones red)."""
    x, y = splits.test_x[:TEST_GRID_IMAGES], splits.test_y[:TEST_GRID_IMAGES]
    predictions = predict(model, x, batch_size=EVAL_BATCH_SIZE)
    fig = sample_grid(x, y, splits.classes, predictions, n=TEST_GRID_IMAGES)
    save_figure(fig, directory / rundir.TEST_PREDICTIONS_FILE)


def _render(config: RunConfig, record: Record | None, directory: Path) -> None:
    if record is None or record.n_steps == 0:
        return
    title = directory.name
    if config.output.dashboard:
        save_figure(dashboard(record, title=title), directory / rundir.DASHBOARD_FILE)
    if config.output.movie:
        path = directory / rundir.movie_file(config.output.movie_format)
        make_movie(record, path, fps=config.output.fps, progress=False, title=title,
                   frames=min(record.n_steps, config.output.movie_frames))  # fmt: skip


def _diagnosis_figures(
    record: Record | None, history: History, diagnoses: list[dict[str, Any]], directory: Path
) -> list[dict[str, Any]]:
    """Each warning or error with the figure of the signal that raised it (saved beside the
    run); an info (e.g. not_converged) is read from the run's curves, drawn anyway."""
    for k, diagnosis in enumerate(diagnoses, start=1):
        if diagnosis["severity"] == "info":
            continue
        name = f"{rundir.DIAGNOSES_DIR}/{k}_{diagnosis['name']}.png"
        save_figure(diagnosis_figure(record, history.to_frame(), diagnosis), directory / name)
        diagnosis.update(
            figure=name, caption=f"{diagnosis['explanation']} {diagnosis_caption(diagnosis)}"
        )
    return diagnoses


def ensure_run_data(configs: Iterable[DataConfig]) -> None:
    """Check up front that each dataset the runs read is on disk, downloading it once.

    Raises DataNotFoundError (one clear message) instead of every run failing alike.
    Generated (synthetic) data is written when first loaded, so it is not checked.
    """
    for name, root in dict.fromkeys((c.name, c.root or None) for c in configs if not c.synthetic):
        ensure_dataset(name, root=root)


def load_run_splits(config: DataConfig) -> Splits:
    """The splits a run trains on, cached per process (a worker reads each dataset once).

    `train_size` keeps the first N training samples (the split already shuffled them).
    """
    return for_run(_full_splits(splits_key(config)), config)


def splits_key(config: DataConfig) -> DataConfig:
    """What decides the loaded splits: `config` less `train_size` (sliced after) and
    `augment` (per batch). Runs with equal keys share one copy of the data."""
    return dataclasses.replace(config, train_size=0, augment=False)


def for_run(splits: Splits, config: DataConfig) -> Splits:
    """The splits of `splits_key(config)` cut to the run's `train_size` (a view, no copy)."""
    if not config.train_size:
        return splits
    n = config.train_size
    return dataclasses.replace(splits, train_x=splits.train_x[:n], train_y=splits.train_y[:n])


def _full_splits(config: DataConfig) -> Splits:
    """The splits of `config` with every training sample, read once per process."""
    if config not in _SPLITS_CACHE:
        root = config.root or None
        if config.synthetic:
            root = ensure_synthetic(config.name, cache_dir() / "synthetic" / config.name)
        _SPLITS_CACHE[config] = load_splits(
            config.name, val_size=config.val_size, val_from=config.val_from,
            seed=config.split_seed,
            standardize=None if config.standardize == "none" else config.standardize,
            root=root,
        )  # fmt: skip
    return _SPLITS_CACHE[config]


def _save_history(history: History, directory: Path) -> None:
    with atomic_open(directory / rundir.HISTORY_FILE, "w") as f:
        history.to_frame().to_csv(f, index=False)
    with atomic_open(directory / rundir.BATCHES_FILE, "w") as f:
        history.batch_frame().to_csv(f, index=False)
