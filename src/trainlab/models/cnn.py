"""Convolutional classifiers described by one CNNConfig.

Layout for ``channels=(16, 32)``, ``dense_hiddens=(256,)``::

    conv1.conv, conv1.act, conv1.pool   Conv2d, activation, MaxPool2d(2)
    conv2.conv, conv2.act               last conv: no MaxPool2d(2), instead
    pool                                AdaptiveMaxPool2d((4, 4)) -> (N, 32, 4, 4)
    flatten                             (N, 32 * 16)
    hidden1.linear, hidden1.act         (N, 256)
    output                              (N, n_classes)
    softmax                             (only with output="softmax")

The adaptive pool makes the dense part independent of the input size, so one
configuration serves 28x28 and 32x32 images. The fields follow the course
exercise's ``NetworkConfiguration`` (its ``n_channels`` is ``channels`` here).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from torch import nn

from trainlab.config import check_fields, choice, from_options, ints
from trainlab.errors import ConfigError
from trainlab.models.init import ACTIVATIONS, INITS, init_weights, make_activation
from trainlab.models.mlp import hidden_layer
from trainlab.models.outputs import output_head

POOLED_SIZE = (4, 4)  # spatial size after the adaptive pool
PER_LAYER = ("kernel_sizes", "strides", "paddings")  # one value, or one per conv layer


@dataclass(frozen=True)
class CNNConfig:
    """Architecture of a CNN: conv layers, then fully connected hidden layers."""

    channels: tuple[int, ...] = ints((16, 32), lo=1)  # output channels of each conv layer
    kernel_sizes: tuple[int, ...] = ints((3,), lo=1)  # square kernel side, per conv layer
    strides: tuple[int, ...] = ints((1,), lo=1)
    paddings: tuple[int, ...] = ints((0,), lo=0)  # zero padding, per conv layer
    dense_hiddens: tuple[int, ...] = ints((256, 256), lo=1)  # widths after the convs
    activation: str = choice(ACTIVATIONS, default="relu")
    init: str = choice(INITS, default="default")

    def __post_init__(self) -> None:
        check_fields(self)
        if not self.channels:
            raise ConfigError("channels = []; expected at least one conv layer")
        for name in PER_LAYER:
            values = getattr(self, name)
            if len(values) not in (1, len(self.channels)):
                raise ConfigError(
                    f"{name} = {list(values)}; expected 1 value or one per conv layer "
                    f"({len(self.channels)}, as in channels)"
                )

    def per_layer(self, name: str) -> tuple[int, ...]:
        """`name` (one of PER_LAYER) with one value per conv layer (a single value repeated)."""
        values = getattr(self, name)
        return values * len(self.channels) if len(values) == 1 else values


def conv_layer(
    in_channels: int,
    out_channels: int,
    *,
    kernel_size: int,
    stride: int,
    padding: int,
    activation: str,
    pool: bool,
) -> nn.Sequential:
    """Conv2d, activation and (unless ``pool`` is False) MaxPool2d(2)."""
    modules: list[tuple[str, nn.Module]] = [
        ("conv", nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding)),
        ("act", make_activation(activation)),
    ]
    if pool:
        modules.append(("pool", nn.MaxPool2d(kernel_size=2)))
    return nn.Sequential(OrderedDict(modules))


def build_cnn(
    config: CNNConfig, in_channels: int, n_classes: int, *, output: str = "logits"
) -> nn.Sequential:
    """The CNN `config` describes (see the module docstring for the layout)."""
    modules: list[tuple[str, nn.Module]] = []
    channels = (in_channels, *config.channels)
    n_conv = len(config.channels)
    layers = zip(*(config.per_layer(name) for name in PER_LAYER), strict=True)
    for i, (kernel_size, stride, padding) in enumerate(layers):
        layer = conv_layer(
            channels[i], channels[i + 1], kernel_size=kernel_size, stride=stride,
            padding=padding, activation=config.activation, pool=i < n_conv - 1,
        )  # fmt: skip
        modules.append((f"conv{i + 1}", layer))
    modules.append(("pool", nn.AdaptiveMaxPool2d(POOLED_SIZE)))
    modules.append(("flatten", nn.Flatten()))
    widths = (channels[-1] * POOLED_SIZE[0] * POOLED_SIZE[1], *config.dense_hiddens)
    for i, (fan_in, fan_out) in enumerate(pairwise(widths), start=1):
        modules.append((f"hidden{i}", hidden_layer(fan_in, fan_out, activation=config.activation)))
    modules.append(("output", nn.Linear(widths[-1], n_classes)))
    modules += output_head(output)
    model = nn.Sequential(OrderedDict(modules))
    init_weights(model, config.init)
    return model


def cnn(
    in_channels: int = 1, n_classes: int = 10, *, output: str = "logits", **options: Any
) -> nn.Sequential:
    """A CNN; a keyword front for `build_cnn` whose `options` are `CNNConfig`'s fields.

    Example (the course exercise's CNN): ``cnn(1, 10, channels=(16, 32, 45),
    kernel_sizes=(3,), dense_hiddens=(256, 256))``.
    """
    return build_cnn(from_options(CNNConfig, **options), in_channels, n_classes, output=output)
