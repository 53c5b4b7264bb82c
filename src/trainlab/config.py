"""Run configuration: one frozen dataclass per concern, validated when built from data.

A run is a pure function of its `RunConfig` (and the data files it names): the
sweep runner builds one per grid point, saves it beside the results, and
`load_run` rebuilds the model from it.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Any

from trainlab.errors import ConfigError


def _choice(*allowed: str, default: str) -> Any:
    return field(default=default, metadata={"choices": allowed})


def _number(default: float | int, *, lo: float | None = None, hi: float | None = None,
            hi_open: bool = False) -> Any:  # fmt: skip
    return field(default=default, metadata={"lo": lo, "hi": hi, "hi_open": hi_open})


@dataclass(frozen=True)
class DataConfig:
    """Which dataset, how it is split and preprocessed."""

    name: str = _choice("fashion-mnist", "mnist", "cifar10", default="fashion-mnist")
    root: str = ""  # directory holding the files; "" = the usual search order
    val_size: int = _number(10_000, lo=1)  # samples held out of the training split
    split_seed: int = 0  # fixed by default so every run of a grid validates on the same samples
    train_size: int = _number(0, lo=0)  # use only the first N training samples; 0 = all
    standardize: str = _choice("none", "feature", "channel", default="feature")
    augment: bool = False  # random crop (padding 4) + horizontal flip, per batch
    synthetic: bool = False  # generated learnable files in the official format (smoke tests)


MODEL_KINDS = ("mlp", "cnn", "resnet")
# Knobs a model kind lacks: setting one is an error, not a run that silently ignores it.
# (Shape keys such as `hidden` or `channels` may stay in a base config shared by kinds.)
_KNOBS_LACKING: dict[str, tuple[str, ...]] = {
    "cnn": ("dropout", "batch_norm"),
    "resnet": ("activation", "init", "dropout", "batch_norm"),
}


@dataclass(frozen=True)
class ModelConfig:
    """Architecture: an MLP, the configurable CNN, or the CIFAR ResNet."""

    kind: str = _choice(*MODEL_KINDS, default="mlp")
    hidden: tuple[int, ...] = (128, 64)  # MLP hidden widths
    activation: str = _choice("relu", "tanh", "sigmoid", "leaky_relu", "gelu", default="relu")
    dropout: float = _number(0.0, lo=0.0, hi=1.0, hi_open=True)
    batch_norm: str = _choice("none", "before", "after", default="none")
    init: str = _choice("default", "he", "he_uniform", "uniform", "xavier", default="default")
    channels: tuple[int, ...] = (16, 32)  # CNN conv widths
    kernel_sizes: tuple[int, ...] = (3, 3)
    strides: tuple[int, ...] = (1, 1)
    paddings: tuple[int, ...] = (1, 1)
    dense_hiddens: tuple[int, ...] = (128,)
    resnet_n: int = _number(5, lo=1)  # ResNet-(6n+2); 5 gives ResNet-32

    def __post_init__(self) -> None:
        for name in _KNOBS_LACKING.get(self.kind, ()):
            value = getattr(self, name)
            if value != ModelConfig.__dataclass_fields__[name].default:
                users = [k for k in MODEL_KINDS if name not in _KNOBS_LACKING.get(k, ())]
                raise ConfigError(
                    f"model.{name} = {value!r} has no effect on a {self.kind} model; "
                    f"only {' and '.join(users)} models use it: remove it"
                )
        if self.kind != "cnn":
            return
        for name in ("kernel_sizes", "strides", "paddings"):
            values = getattr(self, name)
            if len(values) not in (1, len(self.channels)):
                raise ConfigError(
                    f"model.{name} = {list(values)}; expected 1 value or one per conv layer "
                    f"({len(self.channels)}, as in model.channels)"
                )


@dataclass(frozen=True)
class OptimConfig:
    """Optimizer, explicit penalties and learning-rate schedule."""

    name: str = _choice("adam", "adamw", "sgd", default="adam")
    lr: float = _number(1e-3, lo=0.0)
    weight_decay: float = _number(0.0, lo=0.0)  # the optimizer's own decay
    momentum: float = _number(0.0, lo=0.0, hi=1.0, hi_open=True)  # SGD only
    l1: float = _number(0.0, lo=0.0)  # lambda * sum|w| added to the loss
    l2: float = _number(0.0, lo=0.0)  # lambda/2 * sum w^2 added to the loss
    scheduler: str = _choice("none", "multistep", default="none")
    milestones: tuple[int, ...] = ()  # epochs at which MultiStepLR multiplies by gamma
    gamma: float = _number(0.1, lo=0.0)


@dataclass(frozen=True)
class TrainConfig:
    """Length of training and early stopping."""

    batch_size: int = _number(32, lo=1)
    epochs: int = _number(1, lo=1)
    max_steps: int = _number(0, lo=0)  # stop after this many batches; 0 = no limit
    early_stopping: str = _choice("none", "patience", "keep_best", default="none")
    patience: int = _number(5, lo=1)
    min_delta: float = _number(0.0, lo=0.0)
    stop_metric: str = _choice("val_loss", "val_acc", default="val_loss")
    test: bool = False  # evaluate the final (restored best) model once on the test split


@dataclass(frozen=True)
class MonitorConfig:
    """What the Monitor records per batch."""

    enabled: bool = True
    mode: str = _choice("summary", "full", "sample", default="summary")
    val_size: int = _number(512, lo=1)  # validation samples for the per-batch val loss


@dataclass(frozen=True)
class OutputConfig:
    """Artifacts written per run."""

    dashboard: bool = True
    movie: bool = False
    movie_format: str = _choice("gif", "mp4", default="gif")
    fps: int = _number(10, lo=1)


@dataclass(frozen=True)
class ResourcesConfig:
    """What one run asks of a cluster executor (Ray); the local executor ignores it."""

    cpus: float = _number(1.0, lo=0.0)
    gpus: float = _number(0.0, lo=0.0)
    memory_mb: int = _number(0, lo=0)  # 0 = no memory request
    retries: int = _number(2, lo=0)  # re-runs after a worker process dies


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines one run."""

    seed: int = 0
    data: DataConfig = DataConfig()
    model: ModelConfig = ModelConfig()
    optim: OptimConfig = OptimConfig()
    train: TrainConfig = TrainConfig()
    monitor: MonitorConfig = MonitorConfig()
    output: OutputConfig = OutputConfig()
    resources: ResourcesConfig = ResourcesConfig()

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (tuples as lists), as saved in a run directory."""
        return _plain(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str = "config") -> RunConfig:
        """Build and validate a config; errors name `where` and the offending key."""
        return build(cls, data, where=where)


def build(cls: type, data: Any, *, where: str, prefix: str = "") -> Any:
    """Build dataclass `cls` from a mapping, checking keys, types and ranges."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: {prefix or 'config'} must be a table, got {data!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        key = f"{prefix}{unknown[0]}"
        raise ConfigError(f"{where}: unknown key {key!r}; allowed: {', '.join(sorted(fields))}")
    values: dict[str, Any] = {}
    for name, value in data.items():
        key = f"{prefix}{name}"
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            values[name] = build(hint, value, where=where, prefix=f"{key}.")
        else:
            values[name] = _check(value, hint, fields[name].metadata, where=where, key=key)
    try:
        return cls(**values)
    except ConfigError as exc:  # a check across fields, in __post_init__
        raise ConfigError(f"{where}: {exc}") from exc


def _check(value: Any, hint: Any, meta: Any, *, where: str, key: str) -> Any:
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {key} = {value!r}; expected true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: {key} = {value!r}; expected an integer")
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: {key} = {value!r}; expected a number")
        value = float(value)
    elif hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {key} = {value!r}; expected a string")
        choices = meta.get("choices")
        if choices and value not in choices:
            raise ConfigError(f"{where}: {key} = {value!r}; expected one of {', '.join(choices)}")
        return value
    elif typing.get_origin(hint) is tuple:
        if not isinstance(value, (list, tuple)) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value
        ):
            raise ConfigError(f"{where}: {key} = {value!r}; expected a list of integers >= 0")
        return tuple(value)
    else:  # pragma: no cover - a new field type needs a branch above
        raise TypeError(f"unsupported config field type {hint!r} for {key}")
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is not None and value < lo:
        raise ConfigError(f"{where}: {key} = {value!r}; expected >= {lo}")
    if hi is not None and (value >= hi if meta.get("hi_open") else value > hi):
        bound = f"< {hi}" if meta.get("hi_open") else f"<= {hi}"
        raise ConfigError(f"{where}: {key} = {value!r}; expected {lo} <= value {bound}")
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def replace_paths(config: RunConfig, sets: dict[str, Any], *, where: str) -> RunConfig:
    """Return `config` with dotted keys set, e.g. ``{"model.dropout": 0.5}``; validated once."""
    data = config.to_dict()
    for path, value in sets.items():
        node = data
        parts = path.split(".")
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                raise ConfigError(f"{where}: unknown key {path!r}")
            node = node[part]
        if parts[-1] not in node or isinstance(node[parts[-1]], dict):
            raise ConfigError(f"{where}: unknown key {path!r}")
        node[parts[-1]] = value
    return RunConfig.from_dict(data, where=where)
