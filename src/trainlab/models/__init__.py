"""Model builders: MLPs, CNNs, the CIFAR ResNet, from-scratch layers, parameter budgets."""

from trainlab.models.cnn import NetworkConfiguration, cnn
from trainlab.models.init import ACTIVATIONS, INITS, init_weights, make_activation
from trainlab.models.layers import BatchNorm1d, BatchNorm2d, Dropout
from trainlab.models.mlp import mlp
from trainlab.models.params import count_parameters, match_parameter_count
from trainlab.models.resnet import ResNetCifar, resnet20, resnet32, resnet56, resnet_cifar

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "BatchNorm1d",
    "BatchNorm2d",
    "Dropout",
    "NetworkConfiguration",
    "ResNetCifar",
    "cnn",
    "count_parameters",
    "init_weights",
    "make_activation",
    "match_parameter_count",
    "mlp",
    "resnet20",
    "resnet32",
    "resnet56",
    "resnet_cifar",
]
