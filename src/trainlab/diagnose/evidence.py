"""RunView: what the rules read from a Record and a History, as plain arrays.

Pure: built once per diagnosis from stored data, never from a live model. Steps are
1-based (step t is row t - 1 of the record's per-step arrays). Missing data (no
History, no gradients, no signals, a loaded record of an older run) gives empty
or NaN arrays, and a rule needing them is skipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from trainlab.diagnose.thresholds import LATE
from trainlab.monitor.record import (
    ACTIVATION_SIGNALS,
    LAYER_SIGNALS,
    STAT_INDEX,
    Record,
)
from trainlab.train.history import History

# Points of a per-step curve: a curve from a record without epochs is smoothed into
# this many windows (medians), about as many points as a run of 20 epochs.
CURVE_POINTS = 20


@dataclass(frozen=True)
class Curve:
    """A loss over a run: one value per epoch, or per window of steps.

    Attributes:
        steps: (n,) the last step each value covers.
        values: (n,) the loss there.
        unit: ``"epoch"`` or ``"window"`` (what one point is, for explanations).
    """

    steps: np.ndarray
    values: np.ndarray
    unit: str

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class RunView:
    """The arrays the rules read.

    Attributes:
        n_steps: optimizer steps recorded (or taken, from the History).
        train_loss: (n_steps,) training loss per step; NaN where not logged.
        layers: weight layers in forward (module) order.
        layer_signals: layer -> (n_steps, len(LAYER_SIGNALS)); NaN where not captured.
        weight_before: layer -> (n_steps,) weight norm before each step.
        weight_nonfinite: layer -> (n_steps,) fraction of non-finite weights after each step.
        sites: activation call site -> (n_steps, len(ACTIVATION_SIGNALS)).
        site_types: activation call site -> module class name ("ReLU", "Tanh", ...).
        captured: the signal names the record holds (see `Record.meta["signals"]`).
        val: validation loss per epoch (History) or per window of steps (Record).
        train: training loss on the same points as `val` (eval mode per epoch, or the
            per-step loss in windows).
        lr: learning rate of the last epoch, if the History says.
        epochs: epochs in the History (0 without one).
        status: the History's status, or None.
        stop_step: the History's stop step, or None.
        stop_reason: the History's stop reason, or None.
        model_kind: ``mlp``, ``cnn``, ... from the run config in the record's meta
            (``mlp`` when it is not there), to phrase suggestions as config keys.
        optimizer: ``adam``, ``sgd``, ... from the same config, or None (a user's own loop).
    """

    n_steps: int
    train_loss: np.ndarray
    layers: list[str] = field(default_factory=list)
    layer_signals: dict[str, np.ndarray] = field(default_factory=dict)
    weight_before: dict[str, np.ndarray] = field(default_factory=dict)
    weight_nonfinite: dict[str, np.ndarray] = field(default_factory=dict)
    sites: dict[str, np.ndarray] = field(default_factory=dict)
    site_types: dict[str, str] = field(default_factory=dict)
    captured: frozenset[str] = frozenset()
    val: Curve | None = None
    train: Curve | None = None
    lr: float | None = None
    epochs: int = 0
    status: str | None = None
    stop_step: int | None = None
    stop_reason: str | None = None
    model_kind: str = "mlp"
    optimizer: str | None = None

    def signal(self, name: str, layer: str) -> np.ndarray:
        """(n_steps,) one layer or call-site signal over steps."""
        if name in LAYER_SIGNALS:
            return self.layer_signals[layer][:, LAYER_SIGNALS.index(name)]
        return self.sites[layer][:, ACTIVATION_SIGNALS.index(name)]

    def late(self, values: np.ndarray) -> np.ndarray:
        """The values of the late part of the run (its second half; see thresholds.LATE)."""
        return values[len(values) - max(1, math.ceil(len(values) * (1 - LATE))) :]

    @property
    def initial_loss(self) -> float:
        """The first finite training loss (the model as initialised); NaN if none."""
        finite = self.train_loss[np.isfinite(self.train_loss)]
        return float(finite[0]) if len(finite) else math.nan

    def late_steps(self) -> tuple[int, int]:
        """(first, last) steps of the late part of the run."""
        return self.n_steps - len(self.late(self.train_loss)) + 1, self.n_steps

    def relative_gradient(self, layer: str) -> np.ndarray:
        """(n_steps,) gradient norm / norm of the weights it is applied to (before the step)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.signal("grad_norm", layer) / self.weight_before[layer]

    def model_key(self, name: str) -> str:
        """The config key of a model field, e.g. ``model.mlp.init``."""
        return f"model.{self.model_kind}.{name}"

    def late_loss(self) -> float:
        """Median training loss of the late part of the run (NaN steps ignored)."""
        return nanmedian(self.late(self.train_loss))


def view(record: Record | None, history: History | None) -> RunView:
    """The RunView of a run from its Record and/or History (either may be None)."""
    if record is None and history is None:
        return RunView(n_steps=0, train_loss=np.zeros(0))
    train_loss = _train_loss(record, history)
    n = len(train_loss)
    layers, layer_signals, weight_before, weight_nonfinite = [], {}, {}, {}
    sites, site_types = {}, {}
    captured: frozenset[str] = frozenset()
    if record is not None:
        layers = record.weight_layers
        layer_signals = {name: _rows(v, n) for name, v in record.layer_signals.items()}
        weight_before = {name: _weight_before(record, name, n) for name in layers}
        column = STAT_INDEX["nonfinite_frac"]
        weight_nonfinite = {name: _rows(w[1:, column], n) for name, w in record.weights.items()}
        sites = {name: _rows(v, n) for name, v in record.activation_signals.items()}
        types = record.meta.get("activations", {})
        site_types = {site: types.get(site.split("#")[0], "") for site in sites}
        captured = _captured(record)
    val, train = _curves(record, history, train_loss)
    lr = None
    if history is not None and history.epochs:
        lr = history.epochs[-1].get("lr")
        lr = float(lr) if lr is not None and math.isfinite(float(lr)) else None
    return RunView(
        n_steps=n,
        train_loss=train_loss,
        layers=layers,
        layer_signals=layer_signals,
        weight_before=weight_before,
        weight_nonfinite=weight_nonfinite,
        sites=sites,
        site_types=site_types,
        captured=captured,
        val=val,
        train=train,
        lr=lr,
        epochs=len(history.epochs) if history is not None else 0,
        status=history.status if history is not None else None,
        stop_step=history.stop_step if history is not None else None,
        stop_reason=history.stop_reason if history is not None else None,
        model_kind=_model_kind(record),
        optimizer=_optimizer(record),
    )


def nanmedian(values: np.ndarray) -> float:
    """Median of the finite values; NaN when there are none (no warning)."""
    finite = np.asarray(values, np.float64)
    finite = finite[np.isfinite(finite)]
    return float(np.median(finite)) if len(finite) else math.nan


def windows(values: np.ndarray, points: int) -> Curve:
    """Medians of `points` equal windows of a per-step array (fewer for short arrays)."""
    n = len(values)
    edges = np.linspace(0, n, min(points, n) + 1).round().astype(int)
    medians = [nanmedian(values[a:b]) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return Curve(steps=edges[1:].copy(), values=np.array(medians), unit="window")


def _train_loss(record: Record | None, history: History | None) -> np.ndarray:
    # The record logs every step as it happens; a History has its batches only for
    # finished epochs, so it is the fallback.
    if record is not None and record.n_steps:
        return np.asarray(record.train_loss, np.float64)
    if history is not None and history.batches:
        return np.array([row["loss"] for row in history.batches], np.float64)
    return np.zeros(0)


def _rows(values: np.ndarray, n: int) -> np.ndarray:
    """`values` with exactly n rows: cut, or padded with NaN (a step not captured)."""
    values = np.asarray(values, np.float64)
    if len(values) >= n:
        return values[:n]
    pad = np.full((n - len(values), *values.shape[1:]), np.nan)
    return np.concatenate([values, pad])


def _weight_before(record: Record, layer: str, n: int) -> np.ndarray:
    """(n,) the weight norm before each step: the initial one, then each step's after."""
    after = _rows(record.layer_signals[layer][:, LAYER_SIGNALS.index("weight_norm")], n)
    initial = math.nan
    stats = record.weights.get(layer)
    shape = record.meta.get("layers", {}).get(layer)
    if stats is not None and len(stats) and shape:
        mean, std = stats[0, STAT_INDEX["mean"]], stats[0, STAT_INDEX["std"]]
        initial = math.sqrt(math.prod(shape) * (float(std) ** 2 + float(mean) ** 2))
    return np.concatenate([[initial], after[:-1]]) if n else after


def _model_kind(record: Record | None) -> str:
    config = record.meta.get("config") if record is not None else None
    model = config.get("model") if isinstance(config, dict) else None
    return model.get("kind", "mlp") if isinstance(model, dict) else "mlp"


def _optimizer(record: Record | None) -> str | None:
    config = record.meta.get("config") if record is not None else None
    optim = config.get("optim") if isinstance(config, dict) else None
    name = optim.get("name") if isinstance(optim, dict) else None
    return name if isinstance(name, str) else None


def _captured(record: Record) -> frozenset[str]:
    """Signals the record holds: its meta says which; else those present and not all NaN."""
    said = record.meta.get("signals")
    if said is not None:
        return frozenset(said.get("layer", ())) | frozenset(said.get("activation", ()))
    present = set()
    for group, names in (
        (record.layer_signals, LAYER_SIGNALS),
        (record.activation_signals, ACTIVATION_SIGNALS),
    ):
        for values in group.values():
            present |= {n for i, n in enumerate(names) if np.isfinite(values[:, i]).any()}
    return frozenset(present)


def _curves(
    record: Record | None, history: History | None, train_loss: np.ndarray
) -> tuple[Curve | None, Curve | None]:
    """Validation and training loss on common points: per epoch when the History has
    enough epochs, else per window of steps from the record's per-step losses."""
    if history is not None and len(history.epochs) >= 4:
        rows = history.epochs
        steps = _epoch_end_steps(history)
        val = np.array([row.get("val_loss", math.nan) for row in rows], np.float64)
        train = np.array([row.get("train_loss", math.nan) for row in rows], np.float64)
        if np.isfinite(val).any():
            return Curve(steps, val, "epoch"), Curve(steps, train, "epoch")
    train = windows(train_loss, CURVE_POINTS) if len(train_loss) else None
    if record is not None and np.isfinite(record.val_loss).any():
        return windows(np.asarray(record.val_loss, np.float64), CURVE_POINTS), train
    return None, train


def _epoch_end_steps(history: History) -> np.ndarray:
    ends: dict[int, int] = {}
    for row in history.batches:
        ends[int(row["epoch"])] = int(row["step"])
    return np.array([ends.get(int(row["epoch"]), 0) for row in history.epochs])
