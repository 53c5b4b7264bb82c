"""Multi-layer perceptrons of any depth, built from nn.Linear and activation modules.

Layout of ``mlp(784, [256, 256], 10, batch_norm="before", dropout=0.2)``::

    flatten          (only with flatten=True)  (N, 1, 28, 28) -> (N, 784)
    hidden1.linear   (N, 784) -> (N, 256)
    hidden1.bn       batch norm before the activation ("before")
    hidden1.act
    hidden1.dropout
    hidden2.*        (N, 256) -> (N, 256)
    output           (N, 256) -> (N, 10)
    softmax          (only with softmax=True)
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from itertools import pairwise

from torch import nn

from trainlab.errors import ConfigError
from trainlab.models.init import check_init, init_weights, make_activation

BATCH_NORM_PLACEMENTS: tuple[str, ...] = ("none", "before", "after")


def hidden_layer(
    in_features: int,
    out_features: int,
    *,
    activation: str = "relu",
    dropout: float = 0.0,
    batch_norm: str = "none",
) -> nn.Sequential:
    """One dense block: linear, activation, optional batch norm around it, optional dropout."""
    modules: list[tuple[str, nn.Module]] = [("linear", nn.Linear(in_features, out_features))]
    if batch_norm == "before":
        modules.append(("bn", nn.BatchNorm1d(out_features)))
    modules.append(("act", make_activation(activation)))
    if batch_norm == "after":
        modules.append(("bn", nn.BatchNorm1d(out_features)))
    if dropout > 0.0:
        modules.append(("dropout", nn.Dropout(dropout)))
    return nn.Sequential(OrderedDict(modules))


def mlp(
    in_features: int,
    hidden: Sequence[int],
    out_features: int,
    *,
    activation: str = "relu",
    dropout: float = 0.0,
    batch_norm: str = "none",
    init: str = "default",
    flatten: bool = False,
    softmax: bool = False,
) -> nn.Sequential:
    """A fully connected network with ``len(hidden)`` hidden layers.

    Args:
        in_features: input size (784 for a flattened 28x28 image).
        hidden: hidden layer widths, any length (empty gives a linear model).
        out_features: output size (number of classes).
        activation: ``relu``, ``tanh``, ``sigmoid``, ``leaky_relu`` or ``gelu``.
        dropout: probability of dropping each hidden unit, applied after the activation.
        batch_norm: ``none``, ``before`` or ``after`` the activation of each hidden layer.
        init: weight initialization scheme (see ``trainlab.models.init.init_weights``).
        flatten: start with ``nn.Flatten`` so image batches (N, C, H, W) can be fed.
        softmax: end with ``nn.Softmax(dim=1)`` (outputs are probabilities, not logits).

    Raises:
        ConfigError: a size, name or probability is not allowed.
    """
    _check_sizes(in_features, hidden, out_features)
    if batch_norm not in BATCH_NORM_PLACEMENTS:
        raise ConfigError(f"batch_norm = {batch_norm!r}; expected one of {BATCH_NORM_PLACEMENTS}")
    if not 0.0 <= dropout < 1.0:
        raise ConfigError(f"dropout = {dropout!r}; expected 0 <= dropout < 1")
    make_activation(activation)  # validates the name before anything is built
    check_init(init)
    modules: list[tuple[str, nn.Module]] = []
    if flatten:
        modules.append(("flatten", nn.Flatten()))
    widths = [in_features, *hidden]
    for i, (fan_in, fan_out) in enumerate(pairwise(widths), start=1):
        block = hidden_layer(
            fan_in, fan_out, activation=activation, dropout=dropout, batch_norm=batch_norm
        )
        modules.append((f"hidden{i}", block))
    modules.append(("output", nn.Linear(widths[-1], out_features)))
    if softmax:
        modules.append(("softmax", nn.Softmax(dim=1)))
    model = nn.Sequential(OrderedDict(modules))
    init_weights(model, init)
    return model


def _check_sizes(in_features: int, hidden: Sequence[int], out_features: int) -> None:
    for name, value in (("in_features", in_features), ("out_features", out_features)):
        if not isinstance(value, int) or value < 1:
            raise ConfigError(f"{name} = {value!r}; expected a positive int")
    if isinstance(hidden, (int, str)) or any(not isinstance(h, int) or h < 1 for h in hidden):
        raise ConfigError(f"hidden = {hidden!r}; expected a sequence of positive ints")
