"""Predicted classes of a trained model, batch by batch, in eval mode."""

from __future__ import annotations

import torch
from torch import nn


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, *, batch_size: int = 1024) -> torch.Tensor:
    """Argmax class of `model`'s output for every row of `x`: (N,) int64 on the CPU.

    Runs on the model's device in eval mode and restores the training mode after.
    """
    parameter = next(model.parameters(), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    was_training = model.training
    model.eval()
    try:
        parts = [
            model(x[i : i + batch_size].to(device)).argmax(dim=1).cpu()
            for i in range(0, len(x), batch_size)
        ]
    finally:
        model.train(was_training)
    return torch.cat(parts) if parts else torch.zeros(0, dtype=torch.long)
