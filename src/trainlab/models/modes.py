"""Switching a module to evaluation mode for a block, and back."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn


@contextlib.contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """Eval mode and no_grad inside the block; the model's training mode is restored after,
    however the block ends. Nothing inside is recorded by a Monitor (it ignores eval passes)."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        model.train(was_training)
