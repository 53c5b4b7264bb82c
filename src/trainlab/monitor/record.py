"""The Record: what a Monitor saw, per training step, in a form figures render from.

On disk a record is two or three files in one directory, each written atomically:

- ``record.json``: format version, ``meta`` (mode, layer order and shapes, what
  was captured, ...), the statistic, quantile and signal names, the list of arrays;
- ``record.npz``: float32 arrays: the per-step summaries keyed ``"<kind>/<name>"``,
  the per-step quantiles ``"quantiles/<kind>/<name>"``, the signals
  ``"layer_signals/<layer>"`` and ``"activation_signals/<site>"``, plus
  ``train_loss`` and ``val_loss``;
- ``record_tensors.npz`` (modes ``full`` and ``sample`` only): the captured raw
  tensors, keyed ``"<kind>/<layer name>/<step>"``.

Summaries have shape ``(steps, len(STATS))`` for activations and gradients and
``(steps + 1, len(STATS))`` for weights (entry 0 is the initial weights); the
quantiles of a tensor have the same rows with ``len(QUANTILE_LEVELS)`` columns.
Signals have one row per step.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trainlab.atomic import atomic_write_bytes, atomic_write_text
from trainlab.errors import RecordError

FORMAT_VERSION = 2

# Box-plot statistics (whiskers by the 1.5 IQR rule), then moments, the fraction of
# exact zeros, the mean absolute value and the fraction of NaN or infinite elements.
# A non-finite element is not a zero; it makes min/max/mean/std non-finite, which is
# what happened, and nonfinite_frac says how much of the tensor it was.
STATS: tuple[str, ...] = (
    "min", "whislo", "q1", "median", "q3", "whishi", "max", "mean", "std", "zero_frac",
    "mean_abs", "nonfinite_frac",
)  # fmt: skip
STAT_INDEX: dict[str, int] = {name: i for i, name in enumerate(STATS)}

# Quantiles kept per tensor and step, fine enough to draw its distribution (an
# equal-mass histogram) in a movie frame: every 5 %, 0 and 1 being min and max.
QUANTILE_LEVELS: tuple[float, ...] = tuple(i / 20 for i in range(21))

# Per weight layer and step: the Euclidean norm of the weight's gradient (before the
# step), of the weight (after it), of the step's change, and change / weight.
LAYER_SIGNALS: tuple[str, ...] = ("grad_norm", "weight_norm", "update_norm", "update_ratio")
# Per activation call site and step: the fraction of its units that were never
# positive over the batch (dead, for ReLU-like activations), and the fraction of its
# outputs within SATURATION_MARGIN of a bound of a bounded activation (tanh, sigmoid).
ACTIVATION_SIGNALS: tuple[str, ...] = ("dead_frac", "saturated_frac")
# An output is saturated within 2.5 % of its activation's output range from a bound:
# there tanh' = 1 - y^2 (|y| >= 0.95) and sigmoid' = y (1 - y) (y >= 0.975 or <= 0.025)
# are below 10 % of their peak, so the unit passes back less than a tenth of the
# gradient it passes at its centre (the same cut for both: sigmoid is a scaled tanh).
SATURATION_MARGIN = 0.025
# Floats per tensor and step in a record: its statistics and its quantiles.
N_ROW_FLOATS = len(STATS) + len(QUANTILE_LEVELS)
SIGNAL_INDEX: dict[str, int] = {
    **{name: i for i, name in enumerate(LAYER_SIGNALS)},
    **{name: i for i, name in enumerate(ACTIVATION_SIGNALS)},
}

KINDS: tuple[str, ...] = ("weights", "net_values", "outputs", "grads")

JSON_NAME = "record.json"
NPZ_NAME = "record.npz"
TENSORS_NAME = "record_tensors.npz"


@dataclass
class Record:
    """Per-step summaries of weights, activations and losses for one training run.

    Attributes:
        weights: layer name -> (steps + 1, n_stats) summaries; row 0 = initial weights.
        net_values: activation call site -> (steps, n_stats) summaries of its input.
        outputs: activation call site -> (steps, n_stats) summaries of its output.
        grads: layer name -> (steps, n_stats) summaries of weight gradients (optional).
        quantiles: kind -> name -> (rows as for the kind, len(QUANTILE_LEVELS)).
        layer_signals: layer name -> (steps, len(LAYER_SIGNALS)).
        activation_signals: activation call site -> (steps, len(ACTIVATION_SIGNALS)).
        train_loss: (steps,) train loss per step; NaN where none was logged.
        val_loss: (steps,) validation loss per step; NaN where none was logged.
        tensors: raw captures for modes ``full``/``sample``:
            kind -> name -> list of arrays, one per step (weights: steps + 1).
        meta: JSON-serialisable run metadata (mode, layer shapes, config, ...).
    """

    weights: dict[str, np.ndarray] = field(default_factory=dict)
    net_values: dict[str, np.ndarray] = field(default_factory=dict)
    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    grads: dict[str, np.ndarray] = field(default_factory=dict)
    quantiles: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    layer_signals: dict[str, np.ndarray] = field(default_factory=dict)
    activation_signals: dict[str, np.ndarray] = field(default_factory=dict)
    train_loss: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    val_loss: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    tensors: dict[str, dict[str, list[np.ndarray]]] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    @property
    def weight_layers(self) -> list[str]:
        """The Linear and Conv weights among the recorded parameters, in forward order: what
        the diagnoses' thresholds and the run metrics measure (embeddings, norm weights and
        bare parameters are recorded, not judged by them). A record of an older version,
        which recorded nothing else, says every layer."""
        said = self.meta.get("weight_layers", list(self.layer_signals))
        return [name for name in said if name in self.layer_signals]

    @property
    def n_steps(self) -> int:
        """Number of training steps (batches) recorded."""
        return int(len(self.train_loss))

    def stat(self, kind: str, name: str, stat: str) -> np.ndarray:
        """One statistic over steps, e.g. ``record.stat("weights", "fc1", "median")``."""
        return self.summaries(kind)[name][:, STAT_INDEX[stat]]

    def signal(self, signal: str, name: str) -> np.ndarray:
        """One signal over steps: ``record.signal("update_ratio", "hidden1.linear")`` for a
        layer (LAYER_SIGNALS), ``record.signal("dead_frac", "hidden1.act")`` for an
        activation call site (ACTIVATION_SIGNALS)."""
        if signal in LAYER_SIGNALS:
            return self.layer_signals[name][:, LAYER_SIGNALS.index(signal)]
        if signal in ACTIVATION_SIGNALS:
            return self.activation_signals[name][:, ACTIVATION_SIGNALS.index(signal)]
        raise ValueError(
            f"unknown signal {signal!r}; expected one of {LAYER_SIGNALS + ACTIVATION_SIGNALS}"
        )

    def summaries(self, kind: str) -> dict[str, np.ndarray]:
        """The per-step summaries of one kind (a KINDS name): name -> (rows, len(STATS))."""
        if kind not in KINDS:
            raise ValueError(f"unknown record kind {kind!r}; expected one of {KINDS}")
        return getattr(self, kind)

    # -- persistence ---------------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        """Write the record into `directory` (created if needed); returns the JSON path.

        The JSON index is written last, so a directory holding a ``record.json``
        always holds the complete arrays it names.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {
            "train_loss": np.asarray(self.train_loss, np.float32),
            "val_loss": np.asarray(self.val_loss, np.float32),
        }
        layers: dict[str, list[str]] = {}
        for kind in KINDS:
            layers[kind] = list(self.summaries(kind))
            for name, values in self.summaries(kind).items():
                arrays[f"{kind}/{name}"] = np.asarray(values, np.float32)
        quantiles = {kind: list(per_name) for kind, per_name in self.quantiles.items()}
        for kind, per_name in self.quantiles.items():
            for name, values in per_name.items():
                arrays[f"quantiles/{kind}/{name}"] = np.asarray(values, np.float32)
        signals = {
            "layer_signals": self.layer_signals,
            "activation_signals": self.activation_signals,
        }
        for group, per_name in signals.items():
            for name, values in per_name.items():
                arrays[f"{group}/{name}"] = np.asarray(values, np.float32)
        atomic_write_bytes(directory / NPZ_NAME, _npz_bytes(arrays))

        tensor_index: dict[str, dict[str, int]] = {}
        if self.tensors:
            raw: dict[str, np.ndarray] = {}
            for kind, per_layer in self.tensors.items():
                tensor_index[kind] = {}
                for name, steps in per_layer.items():
                    tensor_index[kind][name] = len(steps)
                    for i, arr in enumerate(steps):
                        raw[f"{kind}/{name}/{i}"] = np.asarray(arr)
            atomic_write_bytes(directory / TENSORS_NAME, _npz_bytes(raw))

        index = {
            "format_version": FORMAT_VERSION,
            "stats": list(STATS),
            "quantile_levels": list(QUANTILE_LEVELS),
            "layer_signal_names": list(LAYER_SIGNALS),
            "activation_signal_names": list(ACTIVATION_SIGNALS),
            "n_steps": self.n_steps,
            "layers": layers,
            "quantiles": quantiles,
            "signals": {group: list(per_name) for group, per_name in signals.items()},
            "tensors": tensor_index,
            "meta": self.meta,
        }
        json_path = directory / JSON_NAME
        atomic_write_text(json_path, json.dumps(index, indent=2, default=_json_default))
        return json_path

    @classmethod
    def load(cls, directory: str | Path, *, tensors: bool = True) -> Record:
        """Read a record written by :meth:`save`; raises RecordError naming what is wrong.

        Args:
            directory: the directory `save` wrote.
            tensors: also read the raw tensors of a ``full``/``sample`` record. False
                skips their file, often far larger than the rest, for readers that only
                need the losses and summaries (reports, dashboards); ``tensors`` is then
                empty.
        """
        directory = Path(directory)
        json_path = directory / JSON_NAME
        if not json_path.is_file():
            raise RecordError(f"{directory}: no {JSON_NAME}; not a trainlab record directory")
        try:
            index = json.loads(json_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise RecordError(f"{json_path}: not valid JSON ({exc})") from exc
        version = index.get("format_version")
        if version != FORMAT_VERSION:
            raise RecordError(
                f"{json_path}: record format version {version!r}; this trainlab reads "
                f"version {FORMAT_VERSION}. Re-create the record with this version."
            )
        if tuple(index.get("stats", ())) != STATS:
            raise RecordError(f"{json_path}: statistics {index.get('stats')} differ from {STATS}")
        arrays = _load_npz(directory / NPZ_NAME)
        record = cls(
            train_loss=_take(arrays, "train_loss", directory / NPZ_NAME),
            val_loss=_take(arrays, "val_loss", directory / NPZ_NAME),
            meta=index.get("meta", {}),
        )
        npz = directory / NPZ_NAME
        for kind, names in index["layers"].items():
            target = record.summaries(kind)
            for name in names:
                target[name] = _take(arrays, f"{kind}/{name}", npz)
        for kind, names in index.get("quantiles", {}).items():
            record.quantiles[kind] = {n: _take(arrays, f"quantiles/{kind}/{n}", npz) for n in names}
        for group, names in index.get("signals", {}).items():
            getattr(record, group).update({n: _take(arrays, f"{group}/{n}", npz) for n in names})
        if tensors and index.get("tensors"):
            raw = _load_npz(directory / TENSORS_NAME)
            for kind, per_layer in index["tensors"].items():
                record.tensors[kind] = {
                    name: [_take(raw, f"{kind}/{name}/{i}", directory / TENSORS_NAME)
                           for i in range(count)]
                    for name, count in per_layer.items()
                }  # fmt: skip
        return record


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _load_npz(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        raise RecordError(f"{path}: missing; the record directory is incomplete")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except (OSError, ValueError) as exc:
        raise RecordError(f"{path}: unreadable npz ({exc})") from exc


def _take(arrays: dict[str, np.ndarray], key: str, path: Path) -> np.ndarray:
    if key not in arrays:
        raise RecordError(f"{path}: array {key!r} listed in {JSON_NAME} is missing")
    return arrays[key]


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
