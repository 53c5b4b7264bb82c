"""Predicted classes of a trained model, batch by batch, in eval mode."""

from __future__ import annotations

import torch
from torch import nn

from trainlab.models.modes import evaluating
from trainlab.train.evaluation import model_device


def predict(model: nn.Module, x: torch.Tensor, *, batch_size: int = 1024) -> torch.Tensor:
    """Argmax class of `model`'s output for every row of `x`: (N,) int64 on the CPU.

    Runs on the model's device in eval mode and restores the training mode after.
    """
    device = model_device(model)
    with evaluating(model):
        parts = [
            model(x[i : i + batch_size].to(device)).argmax(dim=1).cpu()
            for i in range(0, len(x), batch_size)
        ]
    return torch.cat(parts) if parts else torch.zeros(0, dtype=torch.long)
