"""Multi-layer perceptrons of any depth, described by one MLPConfig.

Layout of ``mlp(784, [256, 256], 10, batch_norm="before", dropout=0.2)``::

    flatten          (only with flatten=True)  (N, 1, 28, 28) -> (N, 784)
    hidden1.linear   (N, 784) -> (N, 256); no bias when batch norm follows (it would cancel)
    hidden1.bn       batch norm before the activation ("before")
    hidden1.act
    hidden1.dropout
    hidden2.*        (N, 256) -> (N, 256)
    output           (N, 256) -> (N, 10)
    softmax          (only with output="softmax"; "log_softmax" likewise)
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from torch import nn

from trainlab.config import check_fields, choice, from_options, ints, number
from trainlab.errors import ConfigError
from trainlab.models.init import ACTIVATIONS, INITS, init_weights, make_activation
from trainlab.models.outputs import output_head

BATCH_NORM_PLACEMENTS: tuple[str, ...] = ("none", "before", "after")  # relative to the activation


@dataclass(frozen=True)
class MLPConfig:
    """A fully connected network's hidden layers."""

    hidden: tuple[int, ...] = ints((128, 64), lo=1)  # widths; empty gives a linear model
    activation: str = choice(ACTIVATIONS, default="relu")
    dropout: float = number(0.0, lo=0.0, hi=1.0, hi_open=True)  # after each hidden activation
    batch_norm: str = choice(BATCH_NORM_PLACEMENTS, default="none")
    init: str = choice(INITS, default="default")  # see trainlab.models.init.init_weights

    def __post_init__(self) -> None:
        check_fields(self)


def hidden_layer(
    in_features: int,
    out_features: int,
    *,
    activation: str = "relu",
    dropout: float = 0.0,
    batch_norm: str = "none",
) -> nn.Sequential:
    """One dense block: linear, activation, optional batch norm around it, optional dropout.

    With batch norm right after it, the linear layer has no bias: the normalization
    subtracts the batch mean, which cancels any bias, and its own shift replaces it.
    """
    linear = nn.Linear(in_features, out_features, bias=batch_norm != "before")
    modules: list[tuple[str, nn.Module]] = [("linear", linear)]
    if batch_norm == "before":
        modules.append(("bn", nn.BatchNorm1d(out_features)))
    modules.append(("act", make_activation(activation)))
    if batch_norm == "after":
        modules.append(("bn", nn.BatchNorm1d(out_features)))
    if dropout > 0.0:
        modules.append(("dropout", nn.Dropout(dropout)))
    return nn.Sequential(OrderedDict(modules))


def build_mlp(
    config: MLPConfig,
    in_features: int,
    out_features: int,
    *,
    flatten: bool = False,
    output: str = "logits",
) -> nn.Sequential:
    """The network `config` describes, from `in_features` inputs to `out_features` outputs.

    Args:
        flatten: start with ``nn.Flatten`` so image batches (N, C, H, W) can be fed.
        output: ``logits``, ``softmax`` or ``log_softmax`` (see trainlab.models.outputs).
    """
    for name, value in (("in_features", in_features), ("out_features", out_features)):
        if not isinstance(value, int) or value < 1:
            raise ConfigError(f"{name} = {value!r}; expected a positive int")
    modules: list[tuple[str, nn.Module]] = []
    if flatten:
        modules.append(("flatten", nn.Flatten()))
    widths = [in_features, *config.hidden]
    for i, (fan_in, fan_out) in enumerate(pairwise(widths), start=1):
        block = hidden_layer(
            fan_in, fan_out, activation=config.activation, dropout=config.dropout,
            batch_norm=config.batch_norm,
        )  # fmt: skip
        modules.append((f"hidden{i}", block))
    modules.append(("output", nn.Linear(widths[-1], out_features)))
    modules += output_head(output)
    model = nn.Sequential(OrderedDict(modules))
    init_weights(model, config.init)
    return model


def mlp(
    in_features: int,
    hidden: Sequence[int],
    out_features: int,
    *,
    flatten: bool = False,
    output: str = "logits",
    **options: Any,
) -> nn.Sequential:
    """A fully connected network with ``len(hidden)`` hidden layers.

    A keyword front for `build_mlp`: `options` are the other fields of `MLPConfig`
    (``activation``, ``dropout``, ``batch_norm``, ``init``), with its defaults.

    Raises:
        ConfigError: a size, name or probability is not allowed.
    """
    if isinstance(hidden, (int, str)):
        raise ConfigError(f"hidden = {hidden!r}; expected a sequence of positive ints")
    config = from_options(MLPConfig, hidden=tuple(hidden), **options)
    return build_mlp(config, in_features, out_features, flatten=flatten, output=output)
