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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from trainlab.atomic import atomic_open, atomic_write_text, save_figure
from trainlab.data import Splits, TensorLoader, augment_crop_flip
from trainlab.diagnose import Diagnosis, build_diagnose_callback, diagnose
from trainlab.monitor import Monitor, Record
from trainlab.run import rundir
from trainlab.run.config import RunConfig, build_run_model
from trainlab.run.identity import Run
from trainlab.run.metrics import run_metrics
from trainlab.run.progress import ProgressWriter
from trainlab.run.splits import SplitsSource, load_run_splits
from trainlab.train import (
    EVAL_BATCH_SIZE,
    Callback,
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
    planned_steps,
    predict,
    seed_everything,
)
from trainlab.version import __version__
from trainlab.viz import dashboard, make_movie, sample_grid
from trainlab.viz.diagnosis import diagnosis_caption, diagnosis_figure

TEST_GRID_IMAGES = 32  # test images shown with their predicted labels


def execute_run(
    run: Run, out: str | Path, *, splits: SplitsSource = load_run_splits
) -> dict[str, Any]:
    """Train `run` into ``out/runs/<name>`` and return its final metadata.

    Errors inside the run are recorded (status ``failed``) rather than raised, so
    one bad run never stops a grid. `splits` gives the run its data: by default it
    reads the files; an executor passes a cache, or data it shares with its workers.
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
    clock = _Stopwatch()
    try:
        with clock("data"):
            data = splits(config.data)
        with clock("train"):
            model, history, record = _train(config, data, directory)
        test = _test(config, model, data, directory)
        _save_weights_and_history(model, history, directory)
        with clock("render"):
            _render(config, record, directory)
        restored = config.train.early_stopping != "none"
        found = diagnose(record, history) if record is not None and config.diagnose.enabled else []
        diagnoses = [d.to_dict() for d in _with_figures(found, record, history, directory)]
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
    meta.update(seconds=clock.total(), timings=clock.laps, threads=config.resources.threads)
    rundir.write_json(directory / rundir.META_FILE, meta)  # last: marks the run finished
    return meta


class _Stopwatch:
    """Seconds spent in each named phase of a run (kept for the phases a failure reached)."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.laps: dict[str, float] = {}

    @contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        tic = time.perf_counter()
        try:
            yield
        finally:
            self.laps[phase] = time.perf_counter() - tic

    def total(self) -> float:
        return time.perf_counter() - self.start


def _train(
    config: RunConfig, splits: Splits, directory: Path
) -> tuple[torch.nn.Module, History, Record | None]:
    """The model trained as `config` says, its History, and the Monitor's Record (saved)."""
    seed_everything(config.seed)
    model = build_run_model(config)
    optimizer = build_optimizer(config.optim, model.parameters())
    train_loader = TensorLoader(
        splits.train_x, splits.train_y, config.train.batch_size, shuffle=True, seed=config.seed,
        transform=augment_crop_flip(4) if config.data.augment else None,
    )  # fmt: skip
    val_loader = TensorLoader(splits.val_x, splits.val_y, EVAL_BATCH_SIZE, shuffle=False)
    planned = planned_steps(train_loader, config.train.epochs, config.train.max_steps or None)
    monitor = None
    if config.monitor.enabled:
        monitor = Monitor(model, config=config.monitor, planned_steps=planned, seed=config.seed)
    history = fit(
        model, train_loader, val_loader, optimizer,
        epochs=config.train.epochs,
        max_steps=config.train.max_steps or None,
        loss=config.train.loss,
        regularization=build_regularization(config.optim),
        callbacks=_callbacks(config, optimizer, monitor, directory, planned),
        train_eval_size=config.train.train_eval_size or None,
        device="cpu" if not torch.cuda.is_available() else "auto",
        progress=False,
    )  # fmt: skip
    if monitor is None:
        return model, history, None
    record = monitor.to_record(meta={
        "run": directory.name, "config": config.to_dict(),
        "steps_per_epoch": len(train_loader),  # movies show the epoch of each frame
    })  # fmt: skip
    monitor.detach()
    record.save(directory)
    return model, history, record


def _callbacks(
    config: RunConfig,
    optimizer: torch.optim.Optimizer,
    monitor: Monitor | None,
    directory: Path,
    planned: int | None,
) -> list[Callback]:
    """fit()'s callbacks for `config`, in the order they must run."""
    callbacks = early_stopping_callbacks(config.train)
    scheduler = build_scheduler(config.optim, optimizer)
    if scheduler is not None:
        callbacks.append(LRSchedule(scheduler))
    callbacks += [ProgressWriter(directory, planned), FirstLayerStats()]
    if monitor is not None:
        schedule = every(config.monitor.val_every) if config.monitor.val_every > 1 else always
        callbacks.append(
            MonitorLogger(monitor, val_size=config.monitor.val_size, schedule=schedule)
        )
        live = build_diagnose_callback(config.diagnose, monitor)
        if live is not None:  # after the logger: it diagnoses the steps logged so far
            callbacks.append(live)
    return callbacks


def _test(
    config: RunConfig, model: torch.nn.Module, splits: Splits, directory: Path
) -> dict[str, float] | None:
    """Test metrics, once, on the final (restored best) weights, if `config` asks."""
    if not config.train.test:
        return None
    test_loader = TensorLoader(splits.test_x, splits.test_y, EVAL_BATCH_SIZE, shuffle=False)
    test = evaluate(model, test_loader, loss=config.train.loss)
    _save_test_predictions(model, splits, directory)
    return test


def _save_test_predictions(model: torch.nn.Module, splits: Splits, directory: Path) -> None:
    """The first test images with predicted / true labels (wrong ones red)."""
    x, y = splits.test_x[:TEST_GRID_IMAGES], splits.test_y[:TEST_GRID_IMAGES]
    predictions = predict(model, x, batch_size=EVAL_BATCH_SIZE)
    fig = sample_grid(x, y, splits.classes, predictions, n=TEST_GRID_IMAGES)
    save_figure(fig, directory / rundir.TEST_PREDICTIONS_FILE)


def _save_weights_and_history(model: torch.nn.Module, history: History, directory: Path) -> None:
    with atomic_open(directory / rundir.HISTORY_FILE, "w") as f:
        history.to_frame().to_csv(f, index=False)
    with atomic_open(directory / rundir.BATCHES_FILE, "w") as f:
        history.batch_frame().to_csv(f, index=False)
    with atomic_open(directory / rundir.MODEL_FILE, "wb") as f:
        torch.save(model.state_dict(), f)


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


def _with_figures(
    diagnoses: list[Diagnosis], record: Record | None, history: History, directory: Path
) -> list[Diagnosis]:
    """Each warning or error with the figure of the signal that raised it (saved beside the
    run); an info (e.g. not_converged) is read from the run's curves, drawn anyway."""
    drawn = []
    for k, diagnosis in enumerate(diagnoses, start=1):
        if diagnosis.severity != "info":
            name = f"{rundir.DIAGNOSES_DIR}/{k}_{diagnosis.name}.png"
            entry = diagnosis.to_dict()
            save_figure(diagnosis_figure(record, history.to_frame(), entry), directory / name)
            caption = f"{diagnosis.explanation} {diagnosis_caption(entry)}"
            diagnosis = dataclasses.replace(diagnosis, figure=name, caption=caption)
        drawn.append(diagnosis)
    return drawn
