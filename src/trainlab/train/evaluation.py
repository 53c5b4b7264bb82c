"""Scoring a model on batches: `evaluate`, and the fixed sample subsets it is scored on."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import torch
from torch import nn

from trainlab.errors import ConfigError
from trainlab.models.modes import evaluating
from trainlab.train.device import select_device
from trainlab.train.losses import LossFn, correct_count, resolve_loss

Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]
EVAL_BATCH_SIZE = 1024  # scoring batches: no gradients, so larger than training ones


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
    dev = select_device(device) if device is not None else model_device(model)
    loss_sums: list[torch.Tensor] = []
    corrects: list[torch.Tensor] = []
    n = 0
    with evaluating(model):
        for xb, yb in loader:
            xb = xb.to(dev, non_blocking=True)
            yb = yb.to(dev, non_blocking=True)
            output = model(xb)
            loss_sums.append(loss_fn(output, yb) * len(yb))
            correct = correct_count(output, yb)
            if correct is not None:
                corrects.append(correct)
            n += len(yb)
    if n == 0:
        raise ConfigError("evaluate: the loader yielded no batches")
    mean_loss = torch.stack(loss_sums).sum().item() / n
    acc = torch.stack(corrects).sum().item() / n if len(corrects) == len(loss_sums) else math.nan
    return {"loss": mean_loss, "acc": acc}


def first_samples(
    loader: Iterable[Any] | None, n: int | None, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The first ``n`` (x, y) samples of ``loader`` on ``device`` (all for None): a fixed subset.

    Reads ``loader.x``/``loader.y`` when present (TensorLoader: a view, no copy on the
    CPU), else concatenates ``(x, y, ...)`` batches until ``n`` samples. None for no
    loader or no batches.

    Raises:
        ConfigError: ``n`` < 1, or a batch that is not an ``(x, y, ...)`` tuple.
    """
    if n is not None and n < 1:
        raise ConfigError(f"subset size = {n!r}; expected >= 1")
    if loader is None:
        return None
    if hasattr(loader, "x") and hasattr(loader, "y"):
        return loader.x[:n].to(device), loader.y[:n].to(device)
    xs, ys, have = [], [], 0
    for batch in loader:
        if not isinstance(batch, (list, tuple)) or len(batch) < 2:
            raise ConfigError(
                f"batches are {type(batch).__name__}; expected (x, y, ...) tuples to score "
                "the model on"
            )
        xs.append(batch[0])
        ys.append(batch[1])
        have += len(batch[1])
        if n is not None and have >= n:
            break
    if not xs:
        return None
    return torch.cat(xs)[:n].to(device), torch.cat(ys)[:n].to(device)


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter (CPU for a model without parameters)."""
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


def confusion_matrix(y_true: torch.Tensor, y_pred: torch.Tensor, n_classes: int) -> np.ndarray:
    """(n_classes, n_classes) int64 counts: row = true class, column = predicted class."""
    y_true = torch.as_tensor(y_true).long().cpu()
    y_pred = torch.as_tensor(y_pred).long().cpu()
    if y_true.shape != y_pred.shape:
        raise ConfigError(f"{len(y_true)} labels but {len(y_pred)} predictions")
    for name, y in (("labels", y_true), ("predictions", y_pred)):
        if len(y) and (int(y.min()) < 0 or int(y.max()) >= n_classes):
            raise ConfigError(
                f"{name} span {int(y.min())}..{int(y.max())}; expected 0..{n_classes - 1}"
            )
    flat = torch.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes).numpy()
