"""fit(): the training loop.

The hot loop keeps every per-batch number (loss, correct count, gradient norm) as a
device tensor and reads them back once per epoch, so a GPU is never stalled by a
per-batch ``.item()``. What need not run every batch runs in a callback on a
schedule: the non-finite check (`StopOnNonFinite`, every 64 steps), the monitor's
validation loss (`MonitorLogger`), learning-rate schedules (`LRSchedule`).

At each epoch's end the model is scored in eval mode on a fixed subset of the
training samples and on the validation set, so train and validation metrics are
measured the same way; the running mean over the epoch's batches is kept apart
(``train_loss_running``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import nn
from tqdm.auto import tqdm

from trainlab.autodiff import model_gradient_norm
from trainlab.data.loader import TensorLoader
from trainlab.errors import ConfigError
from trainlab.train.callbacks import Callback, TrainState
from trainlab.train.device import select_device
from trainlab.train.divergence import StopOnNonFinite
from trainlab.train.evaluation import EVAL_BATCH_SIZE, Batches, evaluate, first_samples
from trainlab.train.history import History, lowest_epoch
from trainlab.train.losses import LossFn, correct_count, resolve_loss
from trainlab.train.regularize import Regularization


@dataclass
class _Loop:
    """What stays fixed for a whole fit() call: the pieces every batch uses."""

    state: TrainState
    callbacks: Sequence[Callback]
    penalty: Regularization | None
    max_steps: int | None
    bar: tqdm


@dataclass
class _EpochTrace:
    """Per-batch tensors of one epoch, read back to the host once at epoch end."""

    losses: list[torch.Tensor] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    corrects: list[torch.Tensor] = field(default_factory=list)
    grad_norms: list[torch.Tensor] = field(default_factory=list)


def fit(
    model: nn.Module,
    train_loader: Batches,
    val_loader: Batches | None,
    optimizer: torch.optim.Optimizer,
    *,
    epochs: int | None = None,
    max_steps: int | None = None,
    loss: str | LossFn = "cross_entropy",
    regularization: Regularization | None = None,
    callbacks: Sequence[Callback] = (),
    train_eval_size: int | None = 10_000,
    device: str | torch.device = "auto",
    progress: bool = True,
) -> History:
    """Train ``model`` and return its History.

    Args:
        model: the network; moved to ``device``.
        train_loader: iterable of (x, y) batches, re-iterated each epoch (TensorLoader,
            DataLoader, ...).
        val_loader: batches scored after each epoch, or None.
        optimizer: built on ``model.parameters()``.
        epochs: passes over ``train_loader``; at least one of epochs/max_steps is needed.
        max_steps: stop after this many optimizer steps (the last epoch may be partial).
        loss: ``cross_entropy`` (logits), ``clipped_cross_entropy`` (softmax output),
            ``nll``, ``mse``, or a callable ``(output, y) -> 0-d loss``.
        regularization: L1/L2 penalties added to the loss for the backward pass.
        callbacks: hooks called at train begin, batch end, epoch end and train end, in
            order, after fit's own non-finite check; e.g. ``MonitorLogger(monitor)``
            to record every step, ``EarlyStopping()``, ``LRSchedule(scheduler)``.
        train_eval_size: training samples (the first ones; None: all) scored in eval
            mode after each epoch for ``train_loss``/``train_acc``.
        device: ``auto`` (cuda, then mps, then cpu) or a torch device string.
        progress: show a tqdm bar over steps.

    Returns:
        History with status ``completed``, ``stopped`` (a callback asked) or ``diverged``
        (a non-finite loss; no exception is raised).
    """
    _check_budget(epochs, max_steps)
    dev = select_device(device)
    model.to(dev)
    history = History()
    state = TrainState(
        model=model, optimizer=optimizer, history=history, loss_fn=resolve_loss(loss),
        device=dev, train_loader=train_loader, val_loader=val_loader,
    )  # fmt: skip
    train_subset = first_samples(train_loader, train_eval_size, dev)
    loop = _Loop(
        state=state,
        callbacks=[StopOnNonFinite(), *callbacks],
        penalty=regularization if regularization is not None and regularization.active else None,
        max_steps=max_steps,
        bar=tqdm(
            total=planned_steps(train_loader, epochs, max_steps),
            disable=not progress,
            desc="fit",
            unit="step",
            leave=False,
        ),  # fmt: skip
    )
    was_training = model.training
    for cb in loop.callbacks:
        cb.on_train_begin(state)
    start = time.perf_counter()
    while epochs is None or state.epoch < epochs:
        state.epoch += 1
        lr = float(optimizer.param_groups[0]["lr"])
        model.train()
        trace = _train_epoch(loop, train_loader)
        losses, norms, correct = _read_back(trace)
        history.batches.extend(_batch_rows(state, losses, norms))
        row = _epoch_row(state.epoch, losses, norms, correct, trace.sizes)
        row["lr"] = lr
        if math.isfinite(row["train_loss_running"]):
            row.update(_scores(model, train_subset, "train", state.loss_fn, dev))
            if val_loader is not None:
                val = evaluate(model, val_loader, loss=state.loss_fn, device=dev)
                row["val_loss"], row["val_acc"] = val["loss"], val["acc"]
        row["time"] = time.perf_counter() - start
        history.epochs.append(row)
        state.metrics = row
        for cb in loop.callbacks:
            cb.on_epoch_end(state)
        loop.bar.set_postfix(train_loss=f"{row['train_loss']:.4f}",
                             val_loss=f"{row['val_loss']:.4f}")  # fmt: skip
        if state.stop or (max_steps is not None and state.step >= max_steps):
            break
    loop.bar.close()
    _finish(history, state)
    for cb in loop.callbacks:
        cb.on_train_end(state)
    model.train(was_training)
    return history


def _train_epoch(loop: _Loop, loader: Batches) -> _EpochTrace:
    state = loop.state
    model, optimizer, loss_fn = state.model, state.optimizer, state.loss_fn
    trace = _EpochTrace()
    state.epoch_losses = trace.losses
    for xb, yb in loader:
        xb = xb.to(state.device, non_blocking=True)
        yb = yb.to(state.device, non_blocking=True)
        output = model(xb)
        batch_loss = loss_fn(output, yb)
        objective = batch_loss + loop.penalty.penalty(model) if loop.penalty else batch_loss
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
        for cb in loop.callbacks:
            cb.on_batch_end(state)
        loop.bar.update()
        if state.stop or (loop.max_steps is not None and state.step >= loop.max_steps):
            break
    if not trace.losses:
        raise ConfigError(f"train_loader yielded no batches in epoch {state.epoch}")
    return trace


def _finish(history: History, state: TrainState) -> None:
    """Status, stop reason and best epoch once the loop has ended."""
    if state.stop:
        history.status = state.stop_status
        history.stop_reason = state.stop_reason
        if history.stop_step is None:
            history.stop_step = state.step
    else:
        history.status = "completed"
    history.best_epoch = lowest_epoch(history)


def _scores(
    model: nn.Module, subset: tuple[torch.Tensor, torch.Tensor] | None, split: str,
    loss_fn: LossFn, device: torch.device,
) -> dict[str, float]:  # fmt: skip
    """``<split>_loss`` and ``<split>_acc`` of the model on a fixed subset (eval mode)."""
    if subset is None:
        return {}
    loader = TensorLoader(subset[0], subset[1], EVAL_BATCH_SIZE, shuffle=False)
    scores = evaluate(model, loader, loss=loss_fn, device=device)
    return {f"{split}_loss": scores["loss"], f"{split}_acc": scores["acc"]}


def _read_back(trace: _EpochTrace) -> tuple[list[float], list[float], int | None]:
    """The single host read of one epoch: batch losses, gradient norms, correct count."""
    losses = torch.stack(trace.losses).tolist()
    norms = torch.stack(trace.grad_norms).tolist()
    has_acc = len(trace.corrects) == len(trace.losses)
    correct = int(torch.stack(trace.corrects).sum()) if has_acc else None
    return losses, norms, correct


def _epoch_row(
    epoch: int, losses: list[float], norms: list[float], correct: int | None, sizes: list[int]
) -> dict[str, float]:
    """The epoch's row from its batches; the eval-mode scores are filled in after."""
    n = sum(sizes)
    return {
        "epoch": epoch,
        "train_loss": math.nan,
        "train_acc": math.nan,
        "val_loss": math.nan,
        "val_acc": math.nan,
        "train_loss_running": sum(v * s for v, s in zip(losses, sizes, strict=True)) / n,
        "train_acc_running": correct / n if correct is not None else math.nan,
        "grad_norm": sum(norms) / len(norms),
        "lr": math.nan,
        "time": math.nan,
    }


def _batch_rows(
    state: TrainState, losses: list[float], norms: list[float]
) -> list[dict[str, float]]:
    first_step = state.step - len(losses) + 1
    return [
        {"step": first_step + i, "epoch": state.epoch, "loss": loss, "grad_norm": norm}
        for i, (loss, norm) in enumerate(zip(losses, norms, strict=True))
    ]


def _check_budget(epochs: int | None, max_steps: int | None) -> None:
    if epochs is None and max_steps is None:
        raise ConfigError("fit needs epochs= or max_steps= (or both); got neither")
    for name, value in (("epochs", epochs), ("max_steps", max_steps)):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ConfigError(f"{name} = {value!r}; expected a positive int or None")


def planned_steps(loader: Batches, epochs: int | None, max_steps: int | None) -> int | None:
    """The optimizer steps fit() will take at most: epochs x batches, capped by max_steps
    (None when neither bounds it, e.g. a loader without a length and no max_steps)."""
    per_epoch = len(loader) if hasattr(loader, "__len__") else None
    by_epochs = epochs * per_epoch if epochs is not None and per_epoch is not None else None
    candidates = [v for v in (by_epochs, max_steps) if v is not None]
    return min(candidates) if candidates else None
