"""RunConfig: everything that determines one run, one section per concern.

A run is a pure function of its `RunConfig` (and the data files it names): the
study runner builds one per grid point and seed, saves it beside the results,
and `load_run` rebuilds the model from it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from torch import nn

from trainlab.config import build, check_fields, number, to_dict
from trainlab.data.config import DataConfig
from trainlab.data.sources import CLASSES, IMAGE_SHAPES
from trainlab.diagnose.config import DiagnoseConfig
from trainlab.models.config import ModelConfig, build_model
from trainlab.monitor.config import MonitorConfig
from trainlab.train.config import OptimConfig, TrainConfig
from trainlab.train.losses import LOSSES
from trainlab.viz.config import OutputConfig


@dataclass(frozen=True)
class ResourcesConfig:
    """What one run computes with, and what it asks of a cluster executor (Ray)."""

    threads: int = number(1, lo=1)  # torch threads of the run: fixed, so results never
    # depend on how many runs share the machine (reductions split by thread count)
    cpus: float = number(1.0, lo=0.0)  # Ray's request; the local executor ignores it
    gpus: float = number(0.0, lo=0.0)
    memory_mb: int = number(0, lo=0)  # 0 = no memory request
    retries: int = number(2, lo=0)  # re-runs after a worker process dies

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines one run."""

    seed: int = 0  # init, data order, dropout masks and the monitor's samples
    data: DataConfig = DataConfig()
    model: ModelConfig = ModelConfig()
    optim: OptimConfig = OptimConfig()
    train: TrainConfig = TrainConfig()
    monitor: MonitorConfig = MonitorConfig()
    output: OutputConfig = OutputConfig()
    diagnose: DiagnoseConfig = DiagnoseConfig()
    resources: ResourcesConfig = ResourcesConfig()

    # Keys of the earlier layout, one [model] table for every kind, and the keys each
    # became when every kind got its own table: an error that meets one names the new key.
    MOVED_KEYS: ClassVar[dict[str, tuple[str, ...]]] = {
        "model.hidden": ("model.mlp.hidden",),
        "model.dropout": ("model.mlp.dropout",),
        "model.batch_norm": ("model.mlp.batch_norm",),
        "model.activation": ("model.mlp.activation", "model.cnn.activation"),
        "model.init": ("model.mlp.init", "model.cnn.init"),
        "model.channels": ("model.cnn.channels",),
        "model.kernel_sizes": ("model.cnn.kernel_sizes",),
        "model.strides": ("model.cnn.strides",),
        "model.paddings": ("model.cnn.paddings",),
        "model.dense_hiddens": ("model.cnn.dense_hiddens",),
        "model.resnet_n": ("model.resnet.n",),
    }

    def __post_init__(self) -> None:
        check_fields(self)
        if self.data.split_per_seed and self.data.split_seed != self.seed:
            # each seed its own validation split: set here, so a copy with another seed
            # (dataclasses.replace) draws that seed's split
            object.__setattr__(self, "data", dataclasses.replace(self.data, split_seed=self.seed))

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (tuples as lists), as saved in a run directory."""
        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str = "config") -> RunConfig:
        """Build and validate a config; errors name `where` and the offending key."""
        return build(cls, data, where=where)


# Keys that do not change a run's numbers: where its data lives and what Ray is asked for.
NOT_RESULT_DEFINING: dict[str, tuple[str, ...]] = {
    "data": ("root",),
    "resources": ("cpus", "gpus", "memory_mb", "retries"),
}


def result_defining(config: dict[str, Any]) -> dict[str, Any]:
    """The part of a saved config that determines a run's results (compared on resume)."""
    return {
        section: (
            {k: v for k, v in values.items() if k not in NOT_RESULT_DEFINING[section]}
            if section in NOT_RESULT_DEFINING and isinstance(values, dict)
            else values
        )
        for section, values in config.items()
    }


def build_run_model(config: RunConfig) -> nn.Module:
    """The network a run trains: for its dataset's image shape and classes, ending in the
    head its loss expects (probabilities for the clipped cross-entropy, ...)."""
    return build_model(
        config.model,
        in_shape=IMAGE_SHAPES[config.data.name],
        n_classes=len(CLASSES[config.data.name]),
        output=LOSSES[config.train.loss].output,
    )
