"""Build a run's model and learning-rate schedule from its config."""

from __future__ import annotations

import math

import torch
from torch import nn

from trainlab.config import ModelConfig, OptimConfig
from trainlab.models import NetworkConfiguration, cnn, mlp, resnet_cifar


def build_model(config: ModelConfig, *, in_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    """The network a run trains, for inputs of shape `in_shape` = (C, H, W)."""
    if config.kind == "mlp":
        return mlp(
            math.prod(in_shape),
            config.hidden,
            n_classes,
            activation=config.activation,
            dropout=config.dropout,
            batch_norm=config.batch_norm,
            init=config.init,
            flatten=True,
        )
    if config.kind == "cnn":
        n_conv = len(config.channels)
        return cnn(
            NetworkConfiguration(
                n_channels=config.channels,
                kernel_sizes=_per_layer(config.kernel_sizes, n_conv),
                strides=_per_layer(config.strides, n_conv),
                paddings=_per_layer(config.paddings, n_conv),
                dense_hiddens=config.dense_hiddens,
                activation=config.activation,
                in_channels=in_shape[0],
                n_classes=n_classes,
                init=config.init,
            )
        )
    return resnet_cifar(config.resnet_n, num_classes=n_classes, in_channels=in_shape[0])


def build_scheduler(config: OptimConfig, optimizer: torch.optim.Optimizer):
    """MultiStepLR (stepped once per epoch) or None."""
    if config.scheduler == "multistep":
        return torch.optim.lr_scheduler.MultiStepLR(
            optimizer, milestones=list(config.milestones), gamma=config.gamma
        )
    return None


def _per_layer(values: tuple[int, ...], n: int) -> tuple[int, ...]:
    """Broadcast a one-element tuple to every conv layer."""
    return values * n if len(values) == 1 else values
