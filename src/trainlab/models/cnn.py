"""Convolutional classifiers described by one NetworkConfiguration.

Layout for ``n_channels=(16, 32)``, ``dense_hiddens=(256,)``::

    conv1.conv, conv1.act, conv1.pool   Conv2d, activation, MaxPool2d(2)
    conv2.conv, conv2.act               last conv: no MaxPool2d(2), instead
    pool                                AdaptiveMaxPool2d((4, 4)) -> (N, 32, 4, 4)
    flatten                             (N, 32 * 16)
    hidden1.linear, hidden1.act         (N, 256)
    output                              (N, n_classes)
    softmax                             (only with softmax=True)

The adaptive pool makes the dense part independent of the input size, so one
configuration serves 28x28 and 32x32 images.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from itertools import pairwise

from torch import nn

from trainlab.errors import ConfigError
from trainlab.models.init import check_init, init_weights, make_activation
from trainlab.models.mlp import hidden_layer

POOLED_SIZE = (4, 4)  # spatial size after the adaptive pool


@dataclass(frozen=True)
class NetworkConfiguration:
    """Architecture of a CNN: one entry per conv layer in the first four tuples.

    Attributes:
        n_channels: output channels of each conv layer, e.g. (16, 32, 45).
        kernel_sizes: square kernel size of each conv layer.
        strides: stride of each conv layer.
        paddings: zero padding of each conv layer.
        dense_hiddens: widths of the fully connected hidden layers after the convs.
        activation: activation after every conv and hidden dense layer.
        in_channels: channels of the input image (1 grey, 3 RGB).
        n_classes: size of the output layer.
        softmax: end with softmax (probabilities) instead of logits.
        init: weight initialization scheme name.
    """

    n_channels: tuple[int, ...] = (16, 32)
    kernel_sizes: tuple[int, ...] = (3, 3)
    strides: tuple[int, ...] = (1, 1)
    paddings: tuple[int, ...] = (0, 0)
    dense_hiddens: tuple[int, ...] = (256, 256)
    activation: str = "relu"
    in_channels: int = 1
    n_classes: int = 10
    softmax: bool = False
    init: str = "default"

    def __post_init__(self) -> None:
        conv_fields = ("n_channels", "kernel_sizes", "strides", "paddings")
        lengths = {name: len(getattr(self, name)) for name in conv_fields}
        if len(set(lengths.values())) != 1:
            raise ConfigError(f"NetworkConfiguration conv tuples differ in length: {lengths}")
        if lengths["n_channels"] == 0:
            raise ConfigError("NetworkConfiguration.n_channels is empty; expected >= 1 conv layer")
        for name in (*conv_fields, "dense_hiddens"):
            minimum = 0 if name == "paddings" else 1
            values = getattr(self, name)
            if any(not isinstance(v, int) or v < minimum for v in values):
                raise ConfigError(
                    f"NetworkConfiguration.{name} = {values!r}; expected ints >= {minimum}"
                )
        make_activation(self.activation)
        check_init(self.init)


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


def cnn(config: NetworkConfiguration) -> nn.Sequential:
    """Build the CNN described by ``config`` (see the module docstring for the layout)."""
    modules: list[tuple[str, nn.Module]] = []
    channels = (config.in_channels, *config.n_channels)
    n_conv = len(config.n_channels)
    for i in range(n_conv):
        layer = conv_layer(
            channels[i],
            channels[i + 1],
            kernel_size=config.kernel_sizes[i],
            stride=config.strides[i],
            padding=config.paddings[i],
            activation=config.activation,
            pool=i < n_conv - 1,
        )
        modules.append((f"conv{i + 1}", layer))
    modules.append(("pool", nn.AdaptiveMaxPool2d(POOLED_SIZE)))
    modules.append(("flatten", nn.Flatten()))
    widths = (channels[-1] * POOLED_SIZE[0] * POOLED_SIZE[1], *config.dense_hiddens)
    for i, (fan_in, fan_out) in enumerate(pairwise(widths), start=1):
        modules.append((f"hidden{i}", hidden_layer(fan_in, fan_out, activation=config.activation)))
    modules.append(("output", nn.Linear(widths[-1], config.n_classes)))
    if config.softmax:
        modules.append(("softmax", nn.Softmax(dim=1)))
    model = nn.Sequential(OrderedDict(modules))
    init_weights(model, config.init)
    return model
