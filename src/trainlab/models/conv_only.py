"""A small network of convolutions only, for the equivariance experiments."""

from __future__ import annotations

from itertools import pairwise

from torch import nn


def conv_only_net(
    in_channels: int = 1,
    channels: tuple[int, ...] = (8, 8),
    *,
    kernel_size: int = 3,
    padding_mode: str = "zeros",
) -> nn.Sequential:
    """A stack of 'same'-padded Conv2d + ReLU layers (no pooling, no dense layer), so the
    output is a map of the input's size.

    ``padding_mode="circular"`` makes it exactly equivariant to circular shifts; with zero
    padding the borders differ.
    """
    layers: list[nn.Module] = []
    widths = (in_channels, *channels)
    for c_in, c_out in pairwise(widths):
        pad = kernel_size // 2
        layers.append(nn.Conv2d(c_in, c_out, kernel_size, padding=pad, padding_mode=padding_mode))
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)
