"""Signals: per-step numbers that say how a layer learns, computed with the summaries.

Pure functions over blocks of per-step copies (one row per step), on the block's
device, in the order of :data:`trainlab.monitor.record.LAYER_SIGNALS` and
:data:`~trainlab.monitor.record.ACTIVATION_SIGNALS`:

- ``grad_norm``, ``weight_norm``: Euclidean norms, from the exact mean and std
  (||x||^2 = m (std^2 + mean^2)), so they cost no pass of their own;
- ``update_norm``: ||w_t - w_{t-1}||, ``update_ratio``: update_norm / weight_norm
  (Karpathy's "ratio of updates to values", ~1e-3 in a healthy layer);
- ``dead_frac``: units whose input (the net value) was never positive over the batch,
  a unit being one position of the non-batch dimensions: (B, ...) -> (B, U). For a
  ReLU-like activation such a unit gives zero output and passes back no gradient;
- ``saturated_frac``: outputs within SATURATION_MARGIN of the output range from a
  bound of a bounded activation; NaN for an unbounded one.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from trainlab.monitor.record import SATURATION_MARGIN

# Bounded activations and their output range; nn.Hardtanh (and its subclass nn.ReLU6)
# gives its own min_val and max_val.
BOUNDED: tuple[tuple[type[nn.Module], tuple[float, float]], ...] = (
    (nn.Tanh, (-1.0, 1.0)),
    (nn.Softsign, (-1.0, 1.0)),
    (nn.Sigmoid, (0.0, 1.0)),
    (nn.Hardsigmoid, (0.0, 1.0)),
)


def saturation_bounds(module: nn.Module) -> tuple[float, float] | None:
    """The output range (low, high) of a bounded activation; None for an unbounded one."""
    if isinstance(module, nn.Hardtanh):
        return float(module.min_val), float(module.max_val)
    for kind, bounds in BOUNDED:
        if isinstance(module, kind):
            return bounds
    return None


def norms(mean: torch.Tensor, std: torch.Tensor, width: int) -> torch.Tensor:
    """Euclidean norm of tensors of `width` elements from their mean and population std."""
    return (width * (std.square() + mean.square())).sqrt()


def update_norms(rows: torch.Tensor, *, work: torch.Tensor | None = None) -> torch.Tensor:
    """||row_t - row_{t-1}|| for t = 1..R-1: (R, m) -> (R - 1,).

    Args:
        rows: consecutive weights, the first being the weights before the first step.
        work: an (R - 1, m) scratch tensor to overwrite; None allocates one.
    """
    change = torch.sub(rows[1:], rows[:-1], out=work)
    return torch.linalg.vector_norm(change, dim=1)


def weight_signals(weight_norm: torch.Tensor, update_norm: torch.Tensor) -> torch.Tensor:
    """weight_norm, update_norm and update_ratio per step: two (S,) tensors -> (S, 3).

    With grad_norm in front, a row in LAYER_SIGNALS order.
    """
    return torch.stack((weight_norm, update_norm, update_norm / weight_norm), dim=1)


def dead_fraction(net_values: torch.Tensor, batch: int) -> torch.Tensor:
    """Fraction of units never positive over the batch: (S, B * U) -> (S,).

    Args:
        net_values: one flattened (B, ...) activation input per row.
        batch: B, the size of the first dimension of each input.
    """
    steps = net_values.shape[0]
    best = net_values.view(steps, batch, -1).amax(dim=1)  # (S, U); NaN counts as alive
    return (best <= 0).sum(dim=1, dtype=net_values.dtype) / best.shape[1]


def saturated_fraction(outputs: torch.Tensor, bounds: tuple[float, float] | None) -> torch.Tensor:
    """Fraction of each row within SATURATION_MARGIN of a bound, (S, m) -> (S,); NaN: unbounded."""
    steps = outputs.shape[0]
    if bounds is None:
        return torch.full((steps,), math.nan, device=outputs.device)
    low, high = bounds
    margin = SATURATION_MARGIN * (high - low)
    near = (outputs <= low + margin) | (outputs >= high - margin)
    return near.sum(dim=1, dtype=outputs.dtype) / outputs.shape[1]
