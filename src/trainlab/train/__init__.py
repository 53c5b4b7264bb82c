"""Training: fit() loop, callbacks, regularization, devices and seeding."""

from trainlab.train.callbacks import (
    Callback,
    EarlyStopping,
    KeepBest,
    StopDecision,
    TrainState,
    early_stopping_step,
    is_improvement,
)
from trainlab.train.device import seed_everything, select_device
from trainlab.train.fit import evaluate, fit
from trainlab.train.history import History
from trainlab.train.losses import LOSSES, resolve_loss
from trainlab.train.predict import predict
from trainlab.train.regularize import OPTIMIZERS, Regularization, make_optimizer

__all__ = [
    "LOSSES",
    "OPTIMIZERS",
    "Callback",
    "EarlyStopping",
    "History",
    "KeepBest",
    "Regularization",
    "StopDecision",
    "TrainState",
    "early_stopping_step",
    "evaluate",
    "fit",
    "is_improvement",
    "make_optimizer",
    "predict",
    "resolve_loss",
    "seed_everything",
    "select_device",
]
