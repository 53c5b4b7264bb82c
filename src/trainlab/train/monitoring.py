"""What fit() measures beyond its own numbers: the losses a Monitor logs each step, the
first layer's weight and gradient sizes per epoch, and each layer's output statistics
per epoch in training and in evaluation mode.

One implementation for every trainer: fit() uses `MonitorLogger` as a callback,
the Lightning bridge calls its `begin` and `log` from Lightning's hooks.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, Protocol

import torch
from torch import nn

from trainlab.errors import ConfigError
from trainlab.models.init import WEIGHT_LAYERS
from trainlab.models.modes import evaluating
from trainlab.train.callbacks import Callback, TrainState
from trainlab.train.evaluation import EVAL_BATCH_SIZE, first_samples
from trainlab.train.history import OUTPUT_STATS, output_column
from trainlab.train.losses import LossFn
from trainlab.train.schedules import Schedule, always


class LossMonitor(Protocol):
    """What a MonitorLogger needs from a monitor (trainlab.monitor.Monitor provides it)."""

    def watch_optimizer(self, optimizer: torch.optim.Optimizer) -> None: ...

    def log_losses(self, train_loss: Any, val_loss: Any) -> None: ...

    def validation_loss(
        self, x: torch.Tensor, y: torch.Tensor, loss_fn: LossFn, *, size: int
    ) -> torch.Tensor: ...


# () -> the validation loss now (a 0-d tensor or a float), e.g. on a fixed subset.
Validate = Callable[[], "torch.Tensor | float"]


class MonitorLogger(Callback):
    """Logs every step's training loss to `monitor`, and on `schedule`'s steps a
    validation loss.

    In fit() the validation loss is the model's on a fixed subset of `val_size`
    validation samples, drawn once by the monitor's own seeded generator (the whole set
    when it is smaller), so every logged value is comparable across steps and
    replicates of a run differ in it as in everything else random. Other trainers give
    their own `validate` to `begin`. Steps off the schedule log NaN.
    """

    def __init__(self, monitor: LossMonitor, *, val_size: int = 512, schedule: Schedule = always):
        self.monitor = monitor
        self.val_size = val_size
        self.schedule = schedule
        self._validate: Validate | None = None

    def begin(self, optimizer: torch.optim.Optimizer, validate: Validate | None) -> None:
        """Watch `optimizer`; `validate` gives the validation loss (None: no validation)."""
        self.monitor.watch_optimizer(optimizer)
        self._validate = validate

    def log(self, step: int, train_loss: torch.Tensor | float) -> None:
        """Log one optimizer step's training loss (and validation loss on the schedule)."""
        val: torch.Tensor | float = math.nan
        if self._validate is not None and self.schedule(step):
            val = self._validate()
        self.monitor.log_losses(train_loss, val)

    def on_train_begin(self, state: TrainState) -> None:
        """fit(): watch its optimizer; validate on a fixed subset of its validation batches."""
        loader = state.val_loader
        subset = first_samples(loader, None if _has_tensors(loader) else self.val_size,
                               state.device)  # fmt: skip
        validate = None
        if subset is not None:
            validate = functools.partial(
                self.monitor.validation_loss, *subset, state.loss_fn, size=self.val_size
            )
        self.begin(state.optimizer, validate)

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


class PhaseStats(Callback):
    """Each layer's output mean, mean |x| and std per epoch, in training mode and in
    evaluation mode, as History columns (`trainlab.train.history.output_column`), the way
    the course's Fashion-MNIST ``fit`` logs them: to show what dropout and batch norm
    change between the two modes.

    Training mode: every training batch of the epoch (a forward hook per layer, three
    reductions kept on the device, read once per epoch). Evaluation mode: after each
    epoch, one pass in eval mode under no_grad over the first `eval_size` validation
    samples (training samples without a validation loader). Each value is the mean
    over batches of the batch's statistic. fit()'s own scoring passes are not counted,
    and the Monitor never sees these (it records training forwards only).

    Args:
        layers: module names to watch; default: the children of an ``nn.Sequential``
            (as the course's loop does), else every module without children.
        eval_size: samples of the evaluation-mode pass.
    """

    def __init__(self, layers: list[str] | None = None, *, eval_size: int = 1024) -> None:
        if eval_size < 1:
            raise ConfigError(f"PhaseStats eval_size={eval_size}; expected >= 1")
        self.layers = layers
        self.eval_size = eval_size
        self._labels: dict[nn.Module, str] = {}
        self._values: dict[tuple[str, str], list[torch.Tensor]] = {}
        self._handles: list = []
        self._evaluating = False
        self._inputs: torch.Tensor | None = None

    def on_train_begin(self, state: TrainState) -> None:
        """Hook the layers; take the evaluation-mode samples."""
        modules = dict(state.model.named_modules())
        names = self.layers if self.layers is not None else _default_layers(state.model)
        unknown = [name for name in names if name not in modules]
        if unknown:
            raise ConfigError(
                f"PhaseStats layers: no module {unknown[0]!r}; modules: {list(modules)[1:]}"
            )
        self._labels = {modules[n]: f"{n} ({type(modules[n]).__name__})" for n in names}
        self._handles = [m.register_forward_hook(self._on_output) for m in self._labels]
        loader = state.val_loader if state.val_loader is not None else state.train_loader
        subset = first_samples(loader, self.eval_size, state.device)
        self._inputs = subset[0] if subset is not None else None

    def _on_output(self, module: nn.Module, args: tuple, output: Any) -> None:
        if self._evaluating:
            phase = "eval"
        elif module.training and torch.is_grad_enabled():
            phase = "train"
        else:
            return  # fit()'s scoring passes
        if isinstance(output, torch.Tensor):
            out = output.detach().float()
            stats = torch.stack((out.mean(), out.abs().mean(), out.std()))
            self._values.setdefault((phase, self._labels[module]), []).append(stats)

    def on_epoch_end(self, state: TrainState) -> None:
        """The evaluation-mode pass, then the epoch's means into its row."""
        if self._inputs is not None:
            self._evaluating = True
            try:
                with evaluating(state.model):
                    for batch in self._inputs.split(EVAL_BATCH_SIZE):
                        state.model(batch)
            finally:
                self._evaluating = False
        for (phase, label), values in self._values.items():
            means = torch.stack(values).mean(dim=0).tolist()
            for stat, value in zip(OUTPUT_STATS, means, strict=True):
                state.metrics[output_column(phase, label, stat)] = value
        self._values = {}

    def on_train_end(self, state: TrainState) -> None:
        """Remove the hooks."""
        for handle in self._handles:
            handle.remove()
        self._handles = []


def _default_layers(model: nn.Module) -> list[str]:
    if isinstance(model, nn.Sequential):
        return [name for name, _ in model.named_children()]
    return [name for name, m in model.named_modules() if name and next(m.children(), None) is None]
