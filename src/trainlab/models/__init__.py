"""Model builders: MLPs, CNNs, the CIFAR ResNet, from-scratch layers, parameter budgets.

Each kind has a config dataclass handed whole to its builder (`build_mlp`,
`build_cnn`, `build_resnet`, or `build_model` for a `ModelConfig`), and a
keyword front for quick use (`mlp`, `cnn`, `resnet_cifar`).
"""

from trainlab.models.cnn import CNNConfig, build_cnn, cnn
from trainlab.models.config import BUILDERS, ModelConfig, build_model
from trainlab.models.conv_only import conv_only_net
from trainlab.models.init import ACTIVATIONS, INITS, WEIGHT_LAYERS, init_weights, make_activation
from trainlab.models.layers import BatchNorm1d, BatchNorm2d, Dropout
from trainlab.models.mlp import BATCH_NORM_PLACEMENTS, MLPConfig, build_mlp, mlp
from trainlab.models.modes import evaluating
from trainlab.models.outputs import OUTPUTS
from trainlab.models.params import count_parameters, match_parameter_count
from trainlab.models.resnet import (
    ResNetCifar,
    ResNetConfig,
    build_resnet,
    resnet20,
    resnet32,
    resnet56,
    resnet_cifar,
)

__all__ = [
    "ACTIVATIONS",
    "BATCH_NORM_PLACEMENTS",
    "BUILDERS",
    "INITS",
    "OUTPUTS",
    "WEIGHT_LAYERS",
    "BatchNorm1d",
    "BatchNorm2d",
    "CNNConfig",
    "Dropout",
    "MLPConfig",
    "ModelConfig",
    "ResNetCifar",
    "ResNetConfig",
    "build_cnn",
    "build_mlp",
    "build_model",
    "build_resnet",
    "cnn",
    "conv_only_net",
    "count_parameters",
    "evaluating",
    "init_weights",
    "make_activation",
    "match_parameter_count",
    "mlp",
    "resnet20",
    "resnet32",
    "resnet56",
    "resnet_cifar",
]
