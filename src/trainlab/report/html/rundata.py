"""Per-run data of the report's interactive charts, written once per run beside the pages.

    OUT/report/data/curves/<run>.js   per step: the training loss and the monitor's
                                      validation loss; per epoch: history.csv's columns
    OUT/report/data/player/<run>.js   per step: each recorded tensor's quantiles and each
                                      layer's and activation's signals (the player)

Each file is one script, ``TL.put("curves", "<run>", {...})``: a page loads it with a
``<script>`` element when it needs the run (a page opened from disk may not `fetch`
files beside it), so the index of a large study loads nothing per run until asked.
A file is rewritten only when a file of its run is newer than it.

Arrays travel as base64 of little-endian float32 (``{"f32": ...}``; NaN where nothing
was measured), quantiles as uint16 fractions of the tensor's [lo, hi] range over all
steps (``{"u16": ..., "lo", "hi"}``; 65535 for a non-finite value): 2 bytes a value,
exact to 1/65534 of the range, which is finer than a pixel of any histogram drawn.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trainlab.atomic import atomic_write_text
from trainlab.errors import RecordError
from trainlab.monitor.record import (
    ACTIVATION_SIGNALS,
    KINDS,
    LAYER_SIGNALS,
    QUANTILE_LEVELS,
    Record,
)
from trainlab.report.html.render import href
from trainlab.run import rundir
from trainlab.run.reload import batch_losses

DATA_DIR = "data"
CURVES = "curves"
PLAYER = "player"
# The player keeps every step up to this many; a longer run keeps this many steps spread
# evenly (one run's player file is ~42 bytes per tensor and step: 5000 steps of 10 tensors
# are 2 MB, about what a page loads in a blink from disk).
PLAYER_MAX_STEPS = 5000
_U16_MISSING = 65535
_U16_TOP = 65534
# Per-epoch columns the curves carry (history.csv's, those the run has).
EPOCH_COLUMNS = ("train_loss", "val_loss", "train_acc", "val_acc")


@dataclass(frozen=True)
class RunData:
    """Which data files a run has, as addresses from a page in OUT/report/runs/."""

    curves: str | None = None
    player: str | None = None


def data_path(report: Path, kind: str, name: str) -> Path:
    """OUT/report/data/<kind>/<run>.js."""
    return report / DATA_DIR / kind / f"{name}.js"


def data_href(kind: str, name: str, *, depth: int = 0) -> str:
    """The address of a run's data file from a page `depth` folders below OUT/report."""
    return href(*([".."] * depth), DATA_DIR, kind, f"{name}.js")


def write_run_data(directory: Path, name: str, report: Path) -> RunData:
    """Write (or keep, when current) the curves and player files of a finished run.

    Returns what the run has: no curves without a history or batch losses, no player
    without a record that kept quantiles.
    """
    sources = _sources(directory)
    curves_path = data_path(report, CURVES, name)
    player_path = data_path(report, PLAYER, name)
    if not (_is_current(curves_path, sources) and _is_current(player_path, sources, absent=True)):
        record = _load_record(directory)
        curves = run_curves(directory, record)
        if curves is not None:
            _write_script(curves_path, CURVES, name, curves)
        player = player_data(record) if record is not None else None
        if player is not None:
            _write_script(player_path, PLAYER, name, player)
        else:
            player_path.unlink(missing_ok=True)
            _write_marker(player_path)
    return RunData(
        curves=data_href(CURVES, name, depth=1) if curves_path.is_file() else None,
        player=data_href(PLAYER, name, depth=1) if _has_player(player_path) else None,
    )


def run_curves(directory: Path, record: Record | None) -> dict[str, Any] | None:
    """The run's loss per step and its metrics per epoch (None when it has neither)."""
    data: dict[str, Any] = {}
    losses = batch_losses(directory, record)
    if losses is not None and len(losses):
        data["step"] = {c: f32(losses[c].to_numpy(float)) for c in losses if c != "step"}
    if (directory / rundir.HISTORY_FILE).is_file():
        history = pd.read_csv(directory / rundir.HISTORY_FILE)
        if len(history):
            epochs = {"epoch": f32(history["epoch"].to_numpy(float))}
            epochs |= {c: f32(history[c].to_numpy(float)) for c in EPOCH_COLUMNS if c in history}
            data["epoch"] = epochs
    return data or None


def player_data(record: Record) -> dict[str, Any] | None:
    """What the player draws at every step: losses, signals, each tensor's quantiles.

    None for a record without quantiles (nothing to draw a distribution from).
    """
    if not any(record.quantiles.values()) or record.n_steps == 0:
        return None
    n = record.n_steps
    steps = _player_steps(n)  # 1-based optimizer steps kept
    tensors = []
    for kind in KINDS:
        for name, quantiles in record.quantiles.get(kind, {}).items():
            q = np.asarray(quantiles, np.float64)
            # weights: row 0 is before the first step (step 0); other kinds start at step 1
            first = 0 if len(q) == n + 1 else 1
            rows = np.concatenate([[0], steps]) if first == 0 else steps - 1
            rows = rows[rows < len(q)]
            tensors.append({"kind": kind, "name": name, "first": first, **u16(q[rows])})
    signals = []
    for group, names, per_name in (
        ("layer", LAYER_SIGNALS, record.layer_signals),
        ("activation", ACTIVATION_SIGNALS, record.activation_signals),
    ):
        for name, values in per_name.items():
            values = np.asarray(values, np.float64)
            for i, signal in enumerate(names):
                if i < values.shape[1] and np.isfinite(values[:, i]).any():
                    signals.append({"group": group, "name": name, "signal": signal,
                                    "values": f32(values[steps - 1, i])})  # fmt: skip
    return {
        "steps": n,
        "step": f32(steps),
        "thinned": len(steps) < n,
        "levels": list(QUANTILE_LEVELS),
        "train_loss": f32(np.asarray(record.train_loss, np.float64)[steps - 1]),
        "val_loss": f32(np.asarray(record.val_loss, np.float64)[steps - 1]),
        "steps_per_epoch": record.meta.get("steps_per_epoch"),
        "tensors": tensors,
        "signals": signals,
    }


def f32(values: np.ndarray) -> dict[str, str]:
    """An array as base64 of little-endian float32 (NaN kept)."""
    array = np.asarray(values, dtype="<f4")
    return {"f32": base64.b64encode(array.tobytes()).decode("ascii")}


def u16(values: np.ndarray) -> dict[str, Any]:
    """(rows, cols) values as uint16 fractions of their finite [lo, hi]; see the module doc."""
    values = np.asarray(values, np.float64)
    finite = np.isfinite(values)
    lo = float(values[finite].min()) if finite.any() else 0.0
    hi = float(values[finite].max()) if finite.any() else 0.0
    span = hi - lo if hi > lo else 1.0
    with np.errstate(invalid="ignore"):
        scaled = np.rint((values - lo) / span * _U16_TOP)
    codes = np.where(finite, scaled, _U16_MISSING).astype("<u2")
    return {"u16": base64.b64encode(codes.tobytes()).decode("ascii"), "lo": lo, "hi": hi,
            "cols": int(values.shape[1]) if values.ndim == 2 else 1}  # fmt: skip


def decode_u16(data: dict[str, Any]) -> np.ndarray:
    """The (rows, cols) values of `u16` (NaN where missing): what the page decodes."""
    codes = np.frombuffer(base64.b64decode(data["u16"]), dtype="<u2").reshape(-1, data["cols"])
    span = data["hi"] - data["lo"] if data["hi"] > data["lo"] else 1.0
    values = data["lo"] + codes.astype(np.float64) / _U16_TOP * span
    return np.where(codes == _U16_MISSING, np.nan, values)


def decode_f32(data: dict[str, str]) -> np.ndarray:
    """The array of `f32`."""
    return np.frombuffer(base64.b64decode(data["f32"]), dtype="<f4").astype(np.float64)


def read_script(path: Path) -> dict[str, Any]:
    """The data object of a file written by this module (for tests and tools)."""
    text = path.read_text(encoding="utf-8")
    return json.loads(text[text.index("{") : text.rindex("}") + 1])


# --- Files -----------------------------------------------------------------------------------

_NONE = "/* no player data: the run's record kept no quantiles */\n"


def _player_steps(n: int) -> np.ndarray:
    if n <= PLAYER_MAX_STEPS:
        return np.arange(1, n + 1)
    return np.unique(np.linspace(1, n, PLAYER_MAX_STEPS).round().astype(int))


def _sources(directory: Path) -> list[Path]:
    names = (rundir.HISTORY_FILE, rundir.BATCHES_FILE, *rundir.RECORD_FILES[:2], rundir.META_FILE)
    return [directory / n for n in names if (directory / n).is_file()]


def _is_current(target: Path, sources: list[Path], *, absent: bool = False) -> bool:
    """`target` (or, with `absent`, its no-data marker) is newer than every source."""
    try:
        written = target.stat().st_mtime
    except OSError:
        return False
    return all(written >= s.stat().st_mtime for s in sources) if sources else not absent


def _load_record(directory: Path) -> Record | None:
    try:
        return Record.load(directory, tensors=False)
    except RecordError:
        return None


def _write_script(path: Path, kind: str, name: str, data: dict[str, Any]) -> None:
    body = json.dumps(data, separators=(",", ":"), allow_nan=False, default=_plain)
    atomic_write_text(path, f"TL.put({json.dumps(kind)},{json.dumps(name)},{body});\n")


def _write_marker(path: Path) -> None:
    """A player file that holds no data, so a run without quantiles is not re-read."""
    atomic_write_text(path, _NONE)


def _has_player(path: Path) -> bool:
    try:
        return path.stat().st_size > len(_NONE)
    except OSError:
        return False


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
