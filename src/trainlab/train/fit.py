"""fit(): the training loop, evaluate() for a whole loader, and first_samples() for the
fixed validation subset a monitor is scored on (also used by the Lightning callback).

The hot loop keeps every per-batch number (loss, correct count, gradient norm) as a
device tensor and reads them back once per epoch, so a GPU is never stalled by a
per-batch ``.item()``. Divergence is checked every ``DIVERGENCE_CHECK_EVERY`` steps
(one host sync each) and at every epoch end.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch
from torch import nn
from tqdm.auto import tqdm

from trainlab.autodiff import model_gradient_norm
from trainlab.errors import ConfigError
from trainlab.train.callbacks import Callback, TrainState
from trainlab.train.device import select_device
from trainlab.train.history import History, lowest_epoch
from trainlab.train.losses import LossFn, correct_count, resolve_loss
from trainlab.train.regularize import Regularization

DIVERGENCE_CHECK_EVERY = 64  # steps between host syncs that look for a non-finite loss

Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]


class LossMonitor(Protocol):
    """What fit() needs from a monitor (trainlab.monitor.Monitor provides it)."""

    def watch_optimizer(self, optimizer: torch.optim.Optimizer) -> None: ...

    def log_losses(self, train_loss: Any, val_loss: Any) -> None: ...

    def validation_loss(
        self, x: torch.Tensor, y: torch.Tensor, loss_fn: LossFn, *, size: int
    ) -> torch.Tensor: ...


@dataclass
class _EpochTrace:
    """Per-batch tensors of one epoch, read back to the host once at epoch end."""

    losses: list[torch.Tensor] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    corrects: list[torch.Tensor] = field(default_factory=list)
    grad_norms: list[torch.Tensor] = field(default_factory=list)
    diverged: bool = False


def fit(
    model: nn.Module,
    train_loader: Batches,
    val_loader: Batches | None,
    optimizer: torch.optim.Optimizer,
    *,
    epochs: int | None = None,
    max_steps: int | None = None,
    loss: str | LossFn = "cross_entropy",
    callbacks: Sequence[Callback] = (),
    device: str | torch.device = "auto",
    progress: bool = True,
    regularization: Regularization | None = None,
    monitor: LossMonitor | None = None,
    monitor_val_size: int = 512,
    scheduler: Any = None,
) -> History:
    """Train ``model`` and return its History.

    Args:
        model: the network; moved to ``device``.
        train_loader: iterable of (x, y) batches, re-iterated each epoch (TensorLoader,
            DataLoader, ...).
        val_loader: batches evaluated after each epoch, or None.
        optimizer: built on ``model.parameters()``.
        epochs: passes over ``train_loader``; at least one of epochs/max_steps is needed.
        max_steps: stop after this many optimizer steps (the last epoch may be partial).
        loss: ``cross_entropy`` (logits), ``clipped_cross_entropy`` (softmax output),
            ``nll``, ``mse``, or a callable ``(output, y) -> 0-d loss``.
        callbacks: hooks called at train begin, batch end, epoch end and train end.
        device: ``auto`` (cuda, then mps, then cpu) or a torch device string.
        progress: show a tqdm bar over steps.
        regularization: L1/L2 penalties added to the loss for the backward pass.
        monitor: gets ``watch_optimizer(optimizer)`` once and ``log_losses(train, val)``
            after every batch; val is ``monitor.validation_loss`` on the first
            ``monitor_val_size`` validation samples (eval mode, no_grad), NaN without any.
        monitor_val_size: size of that fixed validation subset.
        scheduler: learning-rate scheduler stepped once per epoch
            (``ReduceLROnPlateau`` gets the validation loss).

    Returns:
        History with status ``completed``, ``stopped`` (a callback asked) or ``diverged``
        (a non-finite loss; no exception is raised).
    """
    _check_budget(epochs, max_steps)
    dev = select_device(device)
    model.to(dev)
    loss_fn = resolve_loss(loss)
    penalty = regularization if regularization is not None and regularization.active else None
    history = History()
    state = TrainState(model=model, optimizer=optimizer, history=history)
    monitor_val = None
    if monitor is not None:
        monitor_val = first_samples(val_loader, monitor_val_size, dev)
        monitor.watch_optimizer(optimizer)
    was_training = model.training
    for cb in callbacks:
        cb.on_train_begin(state)
    bar = tqdm(total=_total_steps(train_loader, epochs, max_steps), disable=not progress,
               desc="fit", unit="step", leave=False)  # fmt: skip
    start = time.perf_counter()
    while epochs is None or state.epoch < epochs:
        state.epoch += 1
        lr = float(optimizer.param_groups[0]["lr"])
        model.train()
        trace = _train_epoch(model, train_loader, optimizer, loss_fn, dev, state=state,
                             callbacks=callbacks, penalty=penalty, monitor=monitor,
                             monitor_val=monitor_val, max_steps=max_steps, bar=bar)  # fmt: skip
        if not trace.losses:
            raise ConfigError(f"train_loader yielded no batches in epoch {state.epoch}")
        losses, norms, correct = _read_back(trace)
        row = _epoch_row(state.epoch, losses, norms, correct, trace.sizes)
        row["lr"] = lr
        history.batches.extend(_batch_rows(state.epoch, state.step, losses, norms))
        if trace.diverged or not math.isfinite(row["train_loss"]):
            history.status = "diverged"
            history.stop_reason = f"non-finite training loss in epoch {state.epoch}"
        elif val_loader is not None:
            val = evaluate(model, val_loader, loss=loss_fn, device=dev)
            row["val_loss"], row["val_acc"] = val["loss"], val["acc"]
        row["time"] = time.perf_counter() - start
        history.epochs.append(row)
        state.metrics = row
        for cb in callbacks:
            cb.on_epoch_end(state)
        bar.set_postfix(train_loss=f"{row['train_loss']:.4f}", val_loss=f"{row['val_loss']:.4f}")
        if history.status == "diverged":
            break
        if state.stop:
            history.status = "stopped"
            history.stop_reason = state.stop_reason
            break
        if max_steps is not None and state.step >= max_steps:
            break
        _step_scheduler(scheduler, row)
    bar.close()
    if history.status == "running":
        history.status = "completed"
    history.best_epoch = lowest_epoch(history)
    for cb in callbacks:
        cb.on_train_end(state)
    model.train(was_training)
    return history


def _train_epoch(
    model: nn.Module,
    loader: Batches,
    optimizer: torch.optim.Optimizer,
    loss_fn: LossFn,
    device: torch.device,
    *,
    state: TrainState,
    callbacks: Sequence[Callback],
    penalty: Regularization | None,
    monitor: LossMonitor | None,
    monitor_val: tuple[torch.Tensor, torch.Tensor] | None,
    max_steps: int | None,
    bar: tqdm,
) -> _EpochTrace:
    trace = _EpochTrace()
    for xb, yb in loader:
        xb = xb.to(device, non_blocking=True)
        yb = yb.to(device, non_blocking=True)
        output = model(xb)
        batch_loss = loss_fn(output, yb)
        objective = batch_loss + penalty.penalty(model) if penalty is not None else batch_loss
        optimizer.zero_grad(set_to_none=True)
        objective.backward()
        trace.grad_norms.append(model_gradient_norm(model))
        optimizer.step()
        batch_loss = batch_loss.detach()
        trace.losses.append(batch_loss)
        trace.sizes.append(len(yb))
        correct = correct_count(output.detach(), yb)
        if correct is not None:
            trace.corrects.append(correct)
        state.step += 1
        state.batch_loss = batch_loss
        if monitor is not None:
            monitor.log_losses(batch_loss, _monitor_val_loss(monitor, loss_fn, monitor_val))
        for cb in callbacks:
            cb.on_batch_end(state)
        bar.update()
        if state.step % DIVERGENCE_CHECK_EVERY == 0 and not _all_finite(trace.losses):
            trace.diverged = True
            break
        if state.stop or (max_steps is not None and state.step >= max_steps):
            break
    return trace


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: Batches,
    *,
    loss: str | LossFn = "cross_entropy",
    device: str | torch.device | None = None,
) -> dict[str, float]:
    """Sample-weighted mean loss and accuracy of ``model`` over ``loader``.

    Runs in eval mode under no_grad and restores the model's training mode. Accuracy
    is NaN when targets are not class labels.

    Returns:
        ``{"loss": ..., "acc": ...}``.
    """
    loss_fn = resolve_loss(loss)
    dev = select_device(device) if device is not None else _model_device(model)
    was_training = model.training
    model.eval()
    loss_sums: list[torch.Tensor] = []
    corrects: list[torch.Tensor] = []
    n = 0
    for xb, yb in loader:
        xb = xb.to(dev, non_blocking=True)
        yb = yb.to(dev, non_blocking=True)
        output = model(xb)
        loss_sums.append(loss_fn(output, yb) * len(yb))
        correct = correct_count(output, yb)
        if correct is not None:
            corrects.append(correct)
        n += len(yb)
    model.train(was_training)
    if n == 0:
        raise ConfigError("evaluate: the loader yielded no batches")
    mean_loss = torch.stack(loss_sums).sum().item() / n
    acc = torch.stack(corrects).sum().item() / n if len(corrects) == len(loss_sums) else math.nan
    return {"loss": mean_loss, "acc": acc}


def first_samples(
    loader: Iterable[Any] | None, n: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The first ``n`` (x, y) samples of ``loader`` on ``device``: a fixed validation subset.

    Reads ``loader.x``/``loader.y`` when present (TensorLoader), else concatenates
    ``(x, y, ...)`` batches until ``n`` samples. None for no loader or no batches.

    Raises:
        ConfigError: ``n`` < 1, or a batch that is not an ``(x, y, ...)`` tuple.
    """
    if n < 1:
        raise ConfigError(f"validation subset size (monitor_val_size) = {n!r}; expected >= 1")
    if loader is None:
        return None
    if hasattr(loader, "x") and hasattr(loader, "y"):
        return loader.x[:n].to(device), loader.y[:n].to(device)
    xs, ys, have = [], [], 0
    for batch in loader:
        if not isinstance(batch, (list, tuple)) or len(batch) < 2:
            raise ConfigError(
                f"validation batches are {type(batch).__name__}; expected (x, y, ...) tuples "
                "to compute the validation loss"
            )
        xs.append(batch[0])
        ys.append(batch[1])
        have += len(batch[1])
        if have >= n:
            break
    if not xs:
        return None
    return torch.cat(xs)[:n].to(device), torch.cat(ys)[:n].to(device)


def _read_back(trace: _EpochTrace) -> tuple[list[float], list[float], int | None]:
    """The single host read of one epoch: batch losses, gradient norms, correct count."""
    losses = torch.stack(trace.losses).tolist() if trace.losses else []
    norms = torch.stack(trace.grad_norms).tolist() if trace.grad_norms else []
    has_acc = bool(trace.corrects) and len(trace.corrects) == len(trace.losses)
    correct = int(torch.stack(trace.corrects).sum()) if has_acc else None
    return losses, norms, correct


def _epoch_row(
    epoch: int, losses: list[float], norms: list[float], correct: int | None, sizes: list[int]
) -> dict[str, float]:
    n = sum(sizes)
    return {
        "epoch": epoch,
        "train_loss": sum(v * s for v, s in zip(losses, sizes, strict=True)) / n if n else math.nan,
        "train_acc": correct / n if correct is not None and n else math.nan,
        "val_loss": math.nan,
        "val_acc": math.nan,
        "grad_norm": sum(norms) / len(norms) if norms else math.nan,
        "lr": math.nan,
        "time": math.nan,
    }


def _batch_rows(
    epoch: int, last_step: int, losses: list[float], norms: list[float]
) -> list[dict[str, float]]:
    first_step = last_step - len(losses) + 1
    return [
        {"step": first_step + i, "epoch": epoch, "loss": loss, "grad_norm": norm}
        for i, (loss, norm) in enumerate(zip(losses, norms, strict=True))
    ]


def _all_finite(losses: list[torch.Tensor]) -> bool:
    return bool(torch.isfinite(torch.stack(losses[-DIVERGENCE_CHECK_EVERY:])).all())


def _monitor_val_loss(
    monitor: LossMonitor, loss_fn: LossFn, subset: tuple[torch.Tensor, torch.Tensor] | None
) -> torch.Tensor | float:
    """The monitor's loss on the whole fixed subset (one implementation: the Monitor's)."""
    if subset is None:
        return math.nan
    x, y = subset
    return monitor.validation_loss(x, y, loss_fn, size=len(y))


def _step_scheduler(scheduler: Any, row: dict[str, float]) -> None:
    if scheduler is None:
        return
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        scheduler.step(row["val_loss"])
    else:
        scheduler.step()


def _check_budget(epochs: int | None, max_steps: int | None) -> None:
    if epochs is None and max_steps is None:
        raise ConfigError("fit needs epochs= or max_steps= (or both); got neither")
    for name, value in (("epochs", epochs), ("max_steps", max_steps)):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ConfigError(f"{name} = {value!r}; expected a positive int or None")


def _total_steps(loader: Batches, epochs: int | None, max_steps: int | None) -> int | None:
    per_epoch = len(loader) if hasattr(loader, "__len__") else None
    by_epochs = epochs * per_epoch if epochs is not None and per_epoch is not None else None
    candidates = [v for v in (by_epochs, max_steps) if v is not None]
    return min(candidates) if candidates else None


def _model_device(model: nn.Module) -> torch.device:
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")
