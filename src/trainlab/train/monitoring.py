"""What fit() measures beyond its own numbers: the losses a Monitor logs each step, and
the first layer's weight and gradient sizes per epoch.

One implementation for every trainer: fit() uses `MonitorLogger` as a callback,
the Lightning bridge calls its `begin` and `log` from Lightning's hooks.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import torch
from torch import nn

from trainlab.models.init import WEIGHT_LAYERS
from trainlab.train.callbacks import Callback, TrainState
from trainlab.train.evaluation import first_samples
from trainlab.train.losses import LossFn
from trainlab.train.schedules import Schedule, always


class LossMonitor(Protocol):
    """What a MonitorLogger needs from a monitor (trainlab.monitor.Monitor provides it)."""

    def watch_optimizer(self, optimizer: torch.optim.Optimizer) -> None: ...

    def log_losses(self, train_loss: Any, val_loss: Any) -> None: ...

    def validation_loss(
        self, x: torch.Tensor, y: torch.Tensor, loss_fn: LossFn, *, size: int
    ) -> torch.Tensor: ...


class MonitorLogger(Callback):
    """Logs every step's training loss to `monitor`, and on `schedule`'s steps the
    validation loss on a fixed subset of `val_size` validation samples.

    The subset is drawn once by the monitor's own seeded generator (the whole set when
    it is smaller), so every logged value is comparable across steps and replicates of
    a run differ in it as in everything else random. Steps off the schedule log NaN.
    """

    def __init__(self, monitor: LossMonitor, *, val_size: int = 512, schedule: Schedule = always):
        self.monitor = monitor
        self.val_size = val_size
        self.schedule = schedule
        self._val: tuple[torch.Tensor, torch.Tensor] | None = None
        self._loss_fn: LossFn | None = None

    def begin(
        self,
        optimizer: torch.optim.Optimizer,
        val_loader: Any,
        loss_fn: LossFn,
        device: torch.device,
    ) -> None:
        """Watch `optimizer` and take the validation samples (from any trainer)."""
        self.monitor.watch_optimizer(optimizer)
        self._loss_fn = loss_fn
        self._val = first_samples(val_loader, None if _has_tensors(val_loader) else self.val_size,
                                  device)  # fmt: skip

    def log(self, step: int, train_loss: torch.Tensor | float) -> None:
        """Log one optimizer step's training loss (and validation loss on the schedule)."""
        val: torch.Tensor | float = math.nan
        if self._val is not None and self.schedule(step):
            x, y = self._val
            val = self.monitor.validation_loss(x, y, self._loss_fn, size=self.val_size)
        self.monitor.log_losses(train_loss, val)

    def on_train_begin(self, state: TrainState) -> None:
        """fit(): begin with its optimizer, validation batches, loss and device."""
        self.begin(state.optimizer, state.val_loader, state.loss_fn, state.device)

    def on_batch_end(self, state: TrainState) -> None:
        """fit(): log the step."""
        self.log(state.step, state.batch_loss)


def _has_tensors(loader: Any) -> bool:
    # A TensorLoader holds its samples as tensors: the subset is drawn from all of them.
    return hasattr(loader, "x") and hasattr(loader, "y")


class FirstLayerStats(Callback):
    """Adds the first weight layer's mean |weight| and mean |gradient| to each epoch's row,
    averaged over the epoch's steps (as the course exercise tracks them), in the History.

    Two small reductions per step, kept on the device and read once per epoch.
    """

    WEIGHT = "first_layer_mean_abs_weight"
    GRAD = "first_layer_mean_abs_grad"

    def __init__(self) -> None:
        self._layer: nn.Module | None = None
        self._weights: list[torch.Tensor] = []
        self._grads: list[torch.Tensor] = []

    def on_train_begin(self, state: TrainState) -> None:
        """Find the first module with a weight (a Linear or Conv layer)."""
        self._layer = next((m for m in state.model.modules() if isinstance(m, WEIGHT_LAYERS)), None)

    def on_batch_end(self, state: TrainState) -> None:
        """The step's mean |weight| (after the update) and mean |gradient|."""
        if self._layer is None:
            return
        weight = self._layer.weight.detach()
        self._weights.append(weight.abs().mean())
        if self._layer.weight.grad is not None:
            self._grads.append(self._layer.weight.grad.detach().abs().mean())

    def on_epoch_end(self, state: TrainState) -> None:
        """Write the epoch's means into its row and start the next epoch."""
        if self._weights:
            state.metrics[self.WEIGHT] = float(torch.stack(self._weights).mean())
        if self._grads:
            state.metrics[self.GRAD] = float(torch.stack(self._grads).mean())
        self._weights, self._grads = [], []
