"""Loss functions by name, the network output each expects, and batch accuracy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from trainlab.autodiff import clipped_cross_entropy, one_hot
from trainlab.errors import ConfigError

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _mse(output: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    # integer class labels are regressed as one-hot vectors
    target = y if y.dtype.is_floating_point else one_hot(y, output.shape[1]).to(output.dtype)
    return F.mse_loss(output, target)


@dataclass(frozen=True)
class Loss:
    """A named loss: the function, and the head the network ends with for it."""

    fn: LossFn
    output: str  # a key of trainlab.models.OUTPUTS


LOSSES: dict[str, Loss] = {
    "cross_entropy": Loss(F.cross_entropy, "logits"),  # logits (N, C), labels (N,)
    "clipped_cross_entropy": Loss(clipped_cross_entropy, "softmax"),  # probabilities
    "nll": Loss(F.nll_loss, "log_softmax"),  # log-probabilities
    "mse": Loss(_mse, "logits"),  # regression on one-hot targets, linear output
}


def resolve_loss(loss: str | LossFn) -> LossFn:
    """A loss callable ``(output, y) -> 0-d mean loss`` from a name or a callable."""
    if callable(loss):
        return loss
    if loss not in LOSSES:
        raise ConfigError(f"loss = {loss!r}; expected a callable or one of {sorted(LOSSES)}")
    return LOSSES[loss].fn


def correct_count(output: torch.Tensor, y: torch.Tensor) -> torch.Tensor | None:
    """Number of argmax hits as a 0-d tensor (no sync); None unless y holds class labels."""
    if y.dtype.is_floating_point or output.dim() != 2 or y.dim() != 1:
        return None
    return (output.argmax(dim=1) == y).sum()
