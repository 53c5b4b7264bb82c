"""ModelConfig: which network a run trains, handed whole to `build_model`.

Each kind keeps its own config beside its builder (`MLPConfig` in mlp.py, ...);
``kind`` picks one, and the other kinds' sections are ignored, so a base spec
may hold shapes for several kinds while a grid switches between them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from trainlab.config import check_fields, choice
from trainlab.models.cnn import CNNConfig, build_cnn
from trainlab.models.mlp import MLPConfig, build_mlp
from trainlab.models.resnet import ResNetConfig, build_resnet

Builder = Callable[["ModelConfig", tuple[int, ...], int, str], nn.Module]

BUILDERS: dict[str, Builder] = {
    # (C, H, W) inputs; the MLP flattens them itself
    "mlp": lambda c, shape, k, out: build_mlp(
        c.mlp, math.prod(shape), k, flatten=True, output=out
    ),  # fmt: skip
    "cnn": lambda c, shape, k, out: build_cnn(c.cnn, shape[0], k, output=out),
    "resnet": lambda c, shape, k, out: build_resnet(c.resnet, shape[0], k, output=out),
}


@dataclass(frozen=True)
class ModelConfig:
    """The network: its kind and the configuration of each kind."""

    kind: str = choice(BUILDERS, default="mlp")
    mlp: MLPConfig = MLPConfig()
    cnn: CNNConfig = CNNConfig()
    resnet: ResNetConfig = ResNetConfig()

    def __post_init__(self) -> None:
        check_fields(self)


def build_model(
    config: ModelConfig, *, in_shape: tuple[int, ...], n_classes: int, output: str = "logits"
) -> nn.Module:
    """The network `config` describes, for inputs of shape `in_shape` = (C, H, W).

    `output` is the head after the last layer (see `trainlab.models.outputs`).
    """
    return BUILDERS[config.kind](config, tuple(in_shape), n_classes, output)
