"""Callbacks: the extension point of fit(), and early stopping / keep-best.

A callback reads a TrainState at four hooks and may call ``state.request_stop``.
Early stopping decides with the pure function ``early_stopping_step``; the callback
only acts on the decision (copying or restoring weights, asking to stop), and
restores in one place, ``on_train_end``, whatever ended training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from trainlab.errors import ConfigError
from trainlab.train.history import EPOCH_COLUMNS, History

MODES: tuple[str, ...] = ("min", "max")


@dataclass
class TrainState:
    """What a callback sees: the live objects, what the loop is working with, where it is.

    Attributes:
        model: the model being trained.
        optimizer: its optimizer.
        history: the History being filled (epochs so far, batches of finished epochs).
        loss_fn: the data loss, ``loss_fn(output, y)``.
        device: where the model and batches live.
        train_loader, val_loader: the batches fit() was given (val_loader may be None).
        epoch: current epoch (1-based; 0 before the first).
        step: optimizer steps taken so far.
        batch_loss: last batch's data loss as a 0-d tensor (reading it syncs the device).
        epoch_losses: this epoch's batch losses so far, device tensors.
        metrics: the last finished epoch's row (keys of ``EPOCH_COLUMNS``, or more).
        stop: set by ``request_stop``; fit() ends after the current batch/epoch hook.
        stop_reason: why a stop was requested.
        stop_status: the History status a stop leads to: ``stopped`` or ``diverged``.
    """

    model: nn.Module
    optimizer: torch.optim.Optimizer
    history: History
    loss_fn: Any = None
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    train_loader: Any = None
    val_loader: Any = None
    epoch: int = 0
    step: int = 0
    batch_loss: torch.Tensor | None = None
    epoch_losses: list[torch.Tensor] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    stop: bool = False
    stop_reason: str | None = None
    stop_status: str = "stopped"

    def request_stop(self, reason: str, *, status: str = "stopped") -> None:
        """Ask fit() to stop; the first reason (and its status) given is kept."""
        if not self.stop:
            self.stop = True
            self.stop_reason = reason
            self.stop_status = status


class Callback:
    """Base class: override the hooks you need; all default to doing nothing."""

    def on_train_begin(self, state: TrainState) -> None:
        """Called once before the first batch."""

    def on_batch_end(self, state: TrainState) -> None:
        """Called after every optimizer step (``state.step`` already counts it)."""

    def on_epoch_end(self, state: TrainState) -> None:
        """Called after each epoch's metrics are in ``state.metrics`` and the history."""

    def on_train_end(self, state: TrainState) -> None:
        """Called once when training ends: completed, stopped or diverged."""

    def state_dict(self) -> dict[str, Any]:
        """State needed to resume this callback exactly."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned."""


@dataclass(frozen=True)
class StopDecision:
    """Result of one early-stopping step.

    Attributes:
        improved: the value beat the best by more than min_delta.
        best: best value so far (after this step).
        wait: epochs since the last improvement.
        stop: patience is exhausted.
    """

    improved: bool
    best: float
    wait: int
    stop: bool


def is_improvement(current: float, best: float, *, mode: str, min_delta: float) -> bool:
    """True if ``current`` beats ``best`` by more than ``min_delta`` in direction ``mode``.

    ``min_delta >= 0`` always means "by at least this much better": lower for ``min``,
    higher for ``max``. A non-finite ``current`` never improves.
    """
    if not math.isfinite(current):
        return False
    if mode == "min":
        return current < best - min_delta
    return current > best + min_delta


def early_stopping_step(
    current: float, best: float, wait: int, *, mode: str, min_delta: float, patience: int | None
) -> StopDecision:
    """Pure decision after one epoch: update best/wait and say whether to stop."""
    if is_improvement(current, best, mode=mode, min_delta=min_delta):
        return StopDecision(improved=True, best=current, wait=0, stop=False)
    wait += 1
    return StopDecision(
        improved=False, best=best, wait=wait, stop=patience is not None and wait >= patience
    )


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs; restore the best weights.

    The best weights are a deep copy of the state_dict tensors taken at the best epoch,
    restored at train end however training ended (this callback, another callback,
    epochs/max_steps exhausted, or divergence) when ``restore_best`` is set.

    Args:
        monitor: an epoch metric, e.g. ``val_loss`` or ``val_acc``.
        mode: ``min`` (lower is better) or ``max``.
        patience: epochs without improvement before stopping; None never stops.
        min_delta: required improvement (>= 0) in the direction of ``mode``.
        restore_best: load the best weights into the model at train end.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        mode: str = "min",
        patience: int | None = 5,
        min_delta: float = 0.0,
        *,
        restore_best: bool = True,
    ) -> None:
        if monitor not in EPOCH_COLUMNS or monitor == "epoch":
            raise ConfigError(f"monitor = {monitor!r}; expected one of {EPOCH_COLUMNS[1:]}")
        if mode not in MODES:
            raise ConfigError(f"mode = {mode!r}; expected one of {MODES}")
        if patience is not None and patience < 1:
            raise ConfigError(f"patience = {patience!r}; expected an int >= 1 or None")
        if min_delta < 0:
            raise ConfigError(
                f"min_delta = {min_delta!r}; expected >= 0 (the direction comes from mode)"
            )
        self.monitor = monitor
        self.mode = mode
        self.patience = patience
        self.min_delta = min_delta
        self.restore_best = restore_best
        self._resumed = False
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.wait = 0
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.best_state: dict[str, torch.Tensor] | None = None

    def on_train_begin(self, state: TrainState) -> None:
        """Start fresh, unless ``load_state_dict`` was called to resume a run."""
        if not self._resumed:
            self._reset()
        self._resumed = False

    def on_epoch_end(self, state: TrainState) -> None:
        """Apply the decision for this epoch's value."""
        decision = early_stopping_step(
            float(state.metrics[self.monitor]),
            self.best,
            self.wait,
            mode=self.mode,
            min_delta=self.min_delta,
            patience=self.patience,
        )
        self.best, self.wait = decision.best, decision.wait
        if decision.improved:
            self.best_epoch = state.epoch
            if self.restore_best:
                self.best_state = _copy_state(state.model)
        if decision.stop:
            self.stopped_epoch = state.epoch
            state.request_stop(
                f"{self.monitor} did not improve for {self.wait} epochs "
                f"(best {self.best:.6g} at epoch {self.best_epoch})"
            )

    def on_train_end(self, state: TrainState) -> None:
        """Load the best weights (if any epoch improved) into the live model."""
        if self.best_epoch is not None:
            state.history.best_epoch = self.best_epoch
        if self.restore_best and self.best_state is not None:
            state.model.load_state_dict(self.best_state)

    def state_dict(self) -> dict[str, Any]:
        """Best value, wait counter, epochs and the copied best weights."""
        return {
            "best": self.best,
            "wait": self.wait,
            "best_epoch": self.best_epoch,
            "stopped_epoch": self.stopped_epoch,
            "best_state": self.best_state,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned (tensors are copied)."""
        self.best = state["best"]
        self.wait = state["wait"]
        self.best_epoch = state["best_epoch"]
        self.stopped_epoch = state["stopped_epoch"]
        best_state = state["best_state"]
        self.best_state = (
            None if best_state is None else {k: v.clone() for k, v in best_state.items()}
        )
        self._resumed = True


class LRSchedule(Callback):
    """Steps a learning-rate scheduler once per epoch (``ReduceLROnPlateau`` gets val_loss)."""

    def __init__(self, scheduler: Any) -> None:
        self.scheduler = scheduler

    def on_epoch_end(self, state: TrainState) -> None:
        """One scheduler step after each epoch."""
        if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            self.scheduler.step(state.metrics["val_loss"])
        else:
            self.scheduler.step()

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's own state."""
        return self.scheduler.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the scheduler's state."""
        self.scheduler.load_state_dict(state)


class KeepBest(EarlyStopping):
    """Train for all epochs but keep (and restore at the end) the best weights."""

    def __init__(self, monitor: str = "val_loss", mode: str = "min", min_delta: float = 0.0):
        super().__init__(monitor, mode, patience=None, min_delta=min_delta, restore_best=True)


def _copy_state(model: nn.Module) -> dict[str, torch.Tensor]:
    # clone() so later optimizer steps on the live parameters cannot change the copy
    return {name: t.detach().clone() for name, t in model.state_dict().items()}
