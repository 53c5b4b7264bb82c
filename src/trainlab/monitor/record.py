"""The Record: what a Monitor saw, per training step, in a form figures render from.

On disk a record is two or three files in one directory, each written atomically:

- ``record.json``: format version, ``meta`` (mode, layer order and shapes, ...),
  the statistic names and the list of arrays;
- ``record.npz``: the per-step summaries, one float32 array per layer and kind,
  keyed ``"<kind>/<layer name>"``, plus ``train_loss`` and ``val_loss``;
- ``record_tensors.npz`` (modes ``full`` and ``sample`` only): the captured raw
  tensors, keyed ``"<kind>/<layer name>/<step>"``.

Summaries have shape ``(steps, len(STATS))`` for activations and gradients and
``(steps + 1, len(STATS))`` for weights (entry 0 is the initial weights).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trainlab.atomic import atomic_write_bytes, atomic_write_text
from trainlab.errors import RecordError

FORMAT_VERSION = 1

# Box-plot statistics (whiskers by the 1.5 IQR rule), then moments and the
# fraction of exact zeros (dead ReLU units).
STATS: tuple[str, ...] = (
    "min", "whislo", "q1", "median", "q3", "whishi", "max", "mean", "std", "zero_frac",
)  # fmt: skip
STAT_INDEX: dict[str, int] = {name: i for i, name in enumerate(STATS)}

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
    train_loss: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    val_loss: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    tensors: dict[str, dict[str, list[np.ndarray]]] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    @property
    def n_steps(self) -> int:
        """Number of training steps (batches) recorded."""
        return int(len(self.train_loss))

    def stat(self, kind: str, name: str, stat: str) -> np.ndarray:
        """One statistic over steps, e.g. ``record.stat("weights", "fc1", "median")``."""
        return self._kind(kind)[name][:, STAT_INDEX[stat]]

    def _kind(self, kind: str) -> dict[str, np.ndarray]:
        if kind not in KINDS:
            raise ValueError(f"unknown record kind {kind!r}; expected one of {KINDS}")
        return getattr(self, kind)

    def _repr_html_(self) -> str:
        """Jupyter display: a summary table and the dashboard (rendered by the notebook module)."""
        from trainlab.integrations.notebook import record_html

        return record_html(self)

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
            layers[kind] = list(self._kind(kind))
            for name, values in self._kind(kind).items():
                arrays[f"{kind}/{name}"] = np.asarray(values, np.float32)
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
            "n_steps": self.n_steps,
            "layers": layers,
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
        for kind, names in index["layers"].items():
            target = record._kind(kind)
            for name in names:
                target[name] = _take(arrays, f"{kind}/{name}", directory / NPZ_NAME)
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
