"""Training: the fit() loop, its callbacks and schedules, losses, regularization, configs."""

from trainlab.train.callbacks import (
    Callback,
    EarlyStopping,
    KeepBest,
    LRSchedule,
    StopDecision,
    TrainState,
    early_stopping_step,
    is_improvement,
)
from trainlab.train.config import (
    EARLY_STOPPING,
    SCHEDULERS,
    STOP_METRICS,
    OptimConfig,
    TrainConfig,
    build_optimizer,
    build_regularization,
    build_scheduler,
    early_stopping_callbacks,
)
from trainlab.train.device import seed_everything, select_device
from trainlab.train.divergence import StopOnNonFinite
from trainlab.train.evaluation import EVAL_BATCH_SIZE, evaluate, first_samples
from trainlab.train.fit import fit, planned_steps
from trainlab.train.history import History
from trainlab.train.losses import LOSSES, resolve_loss
from trainlab.train.monitoring import FirstLayerStats, MonitorLogger, PhaseStats
from trainlab.train.predict import predict
from trainlab.train.regularize import OPTIMIZERS, Regularization, make_optimizer
from trainlab.train.schedules import always, every, first, never

__all__ = [
    "EARLY_STOPPING",
    "EVAL_BATCH_SIZE",
    "LOSSES",
    "OPTIMIZERS",
    "SCHEDULERS",
    "STOP_METRICS",
    "Callback",
    "EarlyStopping",
    "FirstLayerStats",
    "History",
    "KeepBest",
    "LRSchedule",
    "MonitorLogger",
    "OptimConfig",
    "PhaseStats",
    "Regularization",
    "StopDecision",
    "StopOnNonFinite",
    "TrainConfig",
    "TrainState",
    "always",
    "build_optimizer",
    "build_regularization",
    "build_scheduler",
    "early_stopping_callbacks",
    "early_stopping_step",
    "evaluate",
    "every",
    "first",
    "first_samples",
    "fit",
    "is_improvement",
    "make_optimizer",
    "never",
    "planned_steps",
    "predict",
    "resolve_loss",
    "seed_everything",
    "select_device",
]
