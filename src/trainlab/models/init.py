"""Activation modules and weight initialization schemes, chosen by name."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from trainlab.errors import ConfigError

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": nn.LeakyReLU,
    "gelu": nn.GELU,
}

INITS: tuple[str, ...] = ("default", "he", "he_uniform", "uniform", "xavier")
# Layers with a weight matrix: what init schemes re-draw and monitors watch.
WEIGHT_LAYERS: tuple[type[nn.Module], ...] = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


def make_activation(name: str) -> nn.Module:
    """A fresh activation module for ``name`` (one of ``ACTIVATIONS``)."""
    if name not in ACTIVATIONS:
        raise ConfigError(f"activation = {name!r}; expected one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]()


def check_init(name: str) -> None:
    """Raise ConfigError unless ``name`` is a known initialization scheme."""
    if name not in INITS:
        raise ConfigError(f"init = {name!r}; expected one of {list(INITS)}")


@torch.no_grad()
def init_weights(module: nn.Module, scheme: str) -> None:
    """Re-initialize every ``nn.Linear`` and ``nn.Conv*d`` weight inside ``module`` in place.

    Schemes: ``he`` (Kaiming normal, fan_in, ReLU gain; bias 0),
    ``he_uniform`` (Kaiming uniform; bias 0), ``uniform`` (weight and bias
    U(-1/sqrt(fan_in), 1/sqrt(fan_in))), ``xavier`` (Glorot uniform; bias 0),
    ``default`` (leave torch's initialization untouched). Norm layers are left as built
    (weight 1, bias 0).
    """
    check_init(scheme)
    if scheme == "default":
        return
    for layer in module.modules():
        if not isinstance(layer, WEIGHT_LAYERS):
            continue
        _init_layer(layer, scheme)


def _init_layer(layer: nn.Module, scheme: str) -> None:
    weight = layer.weight
    if scheme == "he":
        nn.init.kaiming_normal_(weight, mode="fan_in", nonlinearity="relu")
    elif scheme == "he_uniform":
        nn.init.kaiming_uniform_(weight, mode="fan_in", nonlinearity="relu")
    elif scheme == "xavier":
        nn.init.xavier_uniform_(weight)
    elif scheme == "uniform":
        # fan_in = in_features (Linear) or in_channels * kernel area (Conv)
        bound = 1.0 / math.sqrt(weight[0].numel())
        nn.init.uniform_(weight, -bound, bound)
        if layer.bias is not None:
            nn.init.uniform_(layer.bias, -bound, bound)
        return
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)
