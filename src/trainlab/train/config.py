"""OptimConfig and TrainConfig: how a run optimizes and for how long, with their builders."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import nn

from trainlab.config import check_fields, choice, ints, number
from trainlab.errors import ConfigError
from trainlab.train.callbacks import Callback, EarlyStopping, KeepBest
from trainlab.train.losses import LOSSES
from trainlab.train.regularize import OPTIMIZERS, Regularization, make_optimizer

SCHEDULERS: tuple[str, ...] = ("none", "multistep")  # multistep: lr x gamma at each milestone
EARLY_STOPPING: tuple[str, ...] = ("none", "patience", "keep_best")
# Epoch metrics early stopping may watch, and which direction is better.
STOP_METRICS: dict[str, str] = {"val_loss": "min", "val_acc": "max"}


@dataclass(frozen=True)
class OptimConfig:
    """Optimizer, explicit penalties and learning-rate schedule."""

    name: str = choice(OPTIMIZERS, default="adam")
    lr: float = number(1e-3, lo=0.0)
    weight_decay: float = number(0.0, lo=0.0)  # the optimizer's own decay
    momentum: float = number(0.0, lo=0.0, hi=1.0, hi_open=True)  # SGD only
    l1: float = number(0.0, lo=0.0)  # lambda * sum|w| added to the loss
    l2: float = number(0.0, lo=0.0)  # lambda/2 * sum w^2 added to the loss
    scheduler: str = choice(SCHEDULERS, default="none")
    milestones: tuple[int, ...] = ints(())  # epochs at which MultiStepLR multiplies by gamma
    gamma: float = number(0.1, lo=0.0)

    def __post_init__(self) -> None:
        check_fields(self)
        if self.momentum and self.name != "sgd":
            raise ConfigError(f"momentum = {self.momentum} is only used by sgd, not {self.name}")


@dataclass(frozen=True)
class TrainConfig:
    """Loss, length of training and early stopping."""

    loss: str = choice(LOSSES, default="cross_entropy")  # the network's output head follows
    batch_size: int = number(32, lo=1)
    epochs: int = number(1, lo=1)
    max_steps: int = number(0, lo=0)  # stop after this many batches; 0 = no limit
    early_stopping: str = choice(EARLY_STOPPING, default="none")
    patience: int = number(5, lo=1)  # epochs without improvement before "patience" stops
    min_delta: float = number(0.0, lo=0.0)
    stop_metric: str = choice(STOP_METRICS, default="val_loss")
    train_eval_size: int = number(10_000, lo=0)  # fixed train samples scored per epoch; 0 = all
    test: bool = False  # evaluate the final (restored best) model once on the test split

    def __post_init__(self) -> None:
        check_fields(self)


def build_optimizer(config: OptimConfig, params: Iterable[nn.Parameter]) -> torch.optim.Optimizer:
    """The optimizer `config` names, over `params`."""
    return make_optimizer(
        config.name, params, lr=config.lr, weight_decay=config.weight_decay,
        momentum=config.momentum,
    )  # fmt: skip


def build_scheduler(config: OptimConfig, optimizer: torch.optim.Optimizer):
    """MultiStepLR (stepped once per epoch by fit) or None."""
    if config.scheduler == "multistep":
        return torch.optim.lr_scheduler.MultiStepLR(
            optimizer, milestones=list(config.milestones), gamma=config.gamma
        )
    return None


def build_regularization(config: OptimConfig) -> Regularization:
    """The L1/L2 penalties `config` adds to the loss."""
    return Regularization(l1=config.l1, l2=config.l2)


def early_stopping_callbacks(config: TrainConfig) -> list[Callback]:
    """The early-stopping callback `config` asks for (none, patience or keep_best)."""
    mode = STOP_METRICS[config.stop_metric]
    if config.early_stopping == "patience":
        return [EarlyStopping(config.stop_metric, mode=mode, patience=config.patience,
                              min_delta=config.min_delta, restore_best=True)]  # fmt: skip
    if config.early_stopping == "keep_best":
        return [KeepBest(config.stop_metric, mode=mode, min_delta=config.min_delta)]
    return []
