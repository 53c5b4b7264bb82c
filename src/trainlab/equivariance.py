"""Shift and rotation equivariance checks of a conv-only network.

A function f is equivariant to a transformation g when f(g(x)) = g(f(x)).
Convolutions commute with (circular) shifts but not with rotations unless the
kernels are rotation-symmetric; the difference maps returned here show where.
Only arrays come back: plotting them is up to the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from trainlab.models.modes import evaluating


def shift(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """Circularly shift the last two (H, W) dims by ``dy`` rows and ``dx`` columns."""
    return torch.roll(x, shifts=(dy, dx), dims=(-2, -1))


def rotate(x: torch.Tensor, k: int = 1) -> torch.Tensor:
    """Rotate the last two (H, W) dims by ``k`` quarter turns counter-clockwise."""
    return torch.rot90(x, k, dims=(-2, -1))


@dataclass(frozen=True)
class EquivarianceCheck:
    """Arrays of one check, each (C, H, W) except ``image`` and ``transformed_image``.

    Attributes:
        image: the input (C_in, H, W).
        transformed_image: g(x).
        output: f(x).
        transformed_output: g(f(x)), the output transformed afterwards.
        output_of_transformed: f(g(x)), the output of the transformed input.
        difference: |g(f(x)) - f(g(x))|, pixel by pixel; zero where f is equivariant.
    """

    image: np.ndarray
    transformed_image: np.ndarray
    output: np.ndarray
    transformed_output: np.ndarray
    output_of_transformed: np.ndarray
    difference: np.ndarray

    @property
    def max_difference(self) -> float:
        """Largest absolute difference over all pixels and channels."""
        return float(self.difference.max())


def check_equivariance(
    model: nn.Module, image: torch.Tensor, transform: Callable[[torch.Tensor], torch.Tensor]
) -> EquivarianceCheck:
    """Compare transform-then-model against model-then-transform on one (C, H, W) image.

    The model runs in eval mode under no_grad; its training mode is restored.
    A conv-only network (`trainlab.models.conv_only_net`) keeps the image size, so the
    output can be transformed like the input.
    """
    x = image.unsqueeze(0) if image.dim() == 3 else image  # (1, C, H, W)
    with evaluating(model):
        out = model(x)
        out_of_transformed = model(transform(x))
    transformed_out = transform(out)
    return EquivarianceCheck(
        image=x[0].cpu().numpy(),
        transformed_image=transform(x)[0].cpu().numpy(),
        output=out[0].cpu().numpy(),
        transformed_output=transformed_out[0].cpu().numpy(),
        output_of_transformed=out_of_transformed[0].cpu().numpy(),
        difference=(transformed_out - out_of_transformed).abs()[0].cpu().numpy(),
    )


def check_shift(
    model: nn.Module, image: torch.Tensor, *, dy: int = 3, dx: int = 3
) -> EquivarianceCheck:
    """Shift equivariance check: |shift(f(x)) - f(shift(x))|."""
    return check_equivariance(model, image, lambda t: shift(t, dy, dx))


def check_rotation(model: nn.Module, image: torch.Tensor, *, k: int = 1) -> EquivarianceCheck:
    """Rotation equivariance check: |rot(f(x)) - f(rot(x))| for ``k`` quarter turns."""
    return check_equivariance(model, image, lambda t: rotate(t, k))
