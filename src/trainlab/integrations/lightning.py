"""A Lightning callback that records a LightningModule with the trainlab Monitor.

``MonitorCallback`` subclasses the ``Callback`` of ``lightning.pytorch`` (or, when
only that is installed, of ``pytorch_lightning``): use it with the ``Trainer`` of
the same package. The class is built on first use, so importing this module never
needs Lightning; without it, ``MonitorCallback`` raises a ConfigError naming the extra.

What it records during ``Trainer.fit``: every training forward pass and every
optimizer step (weights after the step), the training loss from the ``outputs``
of ``training_step`` (a tensor or a dict with ``"loss"``), and after each step the
validation loss on a fixed subset (the first `val_size` samples of the first
validation dataloader, batches of ``(x, y, ...)``), computed in eval mode under
``no_grad`` with `loss_fn` on ``pl_module(x)``. Validation and sanity-check passes
are not recorded (the Monitor ignores eval-mode passes).

Checkpoints: the callback's ``state_dict`` holds what was recorded so far (plain
tensors, loadable with ``weights_only=True``); a run resumed with
``trainer.fit(..., ckpt_path=...)`` continues the same Record.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from trainlab.atomic import save_figure
from trainlab.errors import ConfigError, RecordError
from trainlab.monitor import MODES, Monitor, Record
from trainlab.monitor.record import KINDS
from trainlab.run import rundir
from trainlab.train.monitoring import MonitorLogger

OUT_SUBDIR = "monitor"  # default output: <trainer.default_root_dir>/monitor
SUMMED_META = ("optimizer_steps", "forward_passes")  # counters that add up across a resume
SIGNAL_GROUPS = ("layer_signals", "activation_signals")  # Record fields, one row per step


def _lightning_module():
    """``lightning.pytorch``, else ``pytorch_lightning``, else a ConfigError naming the extra."""
    try:
        import lightning.pytorch as pl
    except ImportError:
        try:
            import pytorch_lightning as pl
        except ImportError as exc:
            raise ConfigError(
                "MonitorCallback needs Lightning: pip install 'trainlab[lightning]'"
            ) from exc
    return pl


class _MonitorHooks:
    """The callback's behaviour; mixed into Lightning's ``Callback`` by `_callback_class`."""

    def __init__(
        self,
        mode: str = "summary",
        val_size: int = 512,
        out_dir: str | Path | None = None,
        dashboard: bool = True,
        movie: bool = False,
        *,
        loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = F.cross_entropy,
        fps: float = 10,
        **monitor_options: Any,
    ) -> None:
        """Record the module during fit; write a Record (and figures) at the end.

        Args:
            mode: Monitor mode, ``summary``, ``full`` or ``sample``.
            val_size: validation samples for the per-step validation loss.
            out_dir: where ``record.*``, ``dashboard.png`` and ``movie.gif`` go;
                default ``<trainer.default_root_dir>/monitor``.
            dashboard: write ``dashboard.png`` at the end of fit.
            movie: write ``movie.gif`` (one frame per step) at the end of fit.
            loss_fn: ``loss_fn(pl_module(x), y)`` for the validation loss.
            fps: frames per second of the movie.
            monitor_options: further keyword arguments of `trainlab.monitor.Monitor`.
        """
        super().__init__()
        if mode not in MODES:
            raise ConfigError(f"MonitorCallback mode={mode!r}; expected one of {', '.join(MODES)}")
        if val_size < 1:
            raise ConfigError(f"MonitorCallback val_size={val_size}; expected a positive integer")
        self.mode = mode
        self.val_size = val_size
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.dashboard = dashboard
        self.movie = movie
        self.loss_fn = loss_fn
        self.fps = fps
        self.monitor_options = monitor_options
        self.record: Record | None = None  # the complete Record, after fit
        self._monitor: Monitor | None = None
        self._logger: MonitorLogger | None = None  # the same step logging as fit()'s
        self._logged_steps = 0
        self._resumed: Record | None = None  # recorded before the checkpoint resumed from

    # -- Lightning hooks -------------------------------------------------------

    def on_train_start(self, trainer, pl_module) -> None:
        """Attach the Monitor, watch the first optimizer, take the validation subset."""
        self._monitor = Monitor(pl_module, mode=self.mode, **self.monitor_options)
        self._logger = MonitorLogger(self._monitor, val_size=self.val_size)
        self._logger.begin(
            trainer.optimizers[0], _first_loader(trainer.val_dataloaders), self.loss_fn,
            pl_module.device,
        )  # fmt: skip
        self._logged_steps = 0

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        """Log the step's train and validation loss, once per optimizer step."""
        monitor = self._monitor
        if monitor is None or monitor.steps == self._logged_steps:
            return  # gradient accumulation: no optimizer step after this batch
        self._logged_steps = monitor.steps
        if isinstance(outputs, dict):
            outputs = outputs.get("loss")
        train = outputs.detach() if isinstance(outputs, torch.Tensor) else math.nan
        self._logger.log(monitor.steps, train)

    def on_fit_end(self, trainer, pl_module) -> None:
        """Detach the Monitor and write the Record, dashboard and movie (rank 0 only)."""
        if self._monitor is None:
            return
        self.record = self._full_record()
        self._monitor.detach()
        self._monitor = None
        if trainer.is_global_zero and self.record.n_steps:
            self._write(Path(self.out_dir or Path(trainer.default_root_dir) / OUT_SUBDIR))

    def on_exception(self, trainer, pl_module, exception: BaseException) -> None:
        """Remove the hooks when fit fails; what was recorded stays in the callback."""
        if self._monitor is not None:
            self._monitor.detach()

    def state_dict(self) -> dict[str, Any]:
        """What was recorded so far, as tensors (a resumed fit continues the Record)."""
        if self._monitor is None and self._resumed is None:
            return {}
        return {"mode": self.mode, "record": _record_state(self._full_record())}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Keep the Record of a checkpoint; the next fit appends to it."""
        if "record" in state_dict:
            self._resumed = _record_from_state(state_dict["record"])

    # -- helpers -----------------------------------------------------------------

    def _full_record(self) -> Record:
        current = self._monitor.to_record() if self._monitor is not None else None
        if current is None:
            return self._resumed
        return current if self._resumed is None else concat_records(self._resumed, current)

    def _write(self, out: Path) -> None:
        from trainlab.viz import dashboard, make_movie  # viz pulls in matplotlib: only here

        self.record.save(out)
        if self.dashboard:
            save_figure(dashboard(self.record), out / rundir.DASHBOARD_FILE)
        if self.movie:
            make_movie(self.record, out / rundir.movie_file("gif"), fps=self.fps, progress=False)


@functools.cache
def _callback_class() -> type:
    pl = _lightning_module()
    cls = type("MonitorCallback", (_MonitorHooks, pl.Callback), {"__module__": __name__})
    cls.__doc__ = _MonitorHooks.__init__.__doc__
    return cls


def __getattr__(name: str) -> Any:
    if name == "MonitorCallback":  # built on first access: importing Lightning is slow
        return _callback_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _first_loader(loaders: Any) -> Any:
    """The first validation dataloader: Lightning gives a list when there are several."""
    if isinstance(loaders, (list, tuple)):
        return loaders[0] if loaders else None
    return loaders


def concat_records(before: Record, after: Record) -> Record:
    """One Record of a run recorded in two parts (resumed from a checkpoint).

    `after` starts where `before` ended: its initial weights (row 0) are the final
    weights of `before` and are dropped.

    Raises:
        RecordError: the two parts watch different layers.
    """
    merged = Record(meta=dict(after.meta))
    for kind in KINDS:
        first, second = getattr(before, kind), getattr(after, kind)
        if set(first) != set(second):
            raise RecordError(
                f"cannot resume the record: {kind} {sorted(first)} before the checkpoint, "
                f"{sorted(second)} after"
            )
        skip = 1 if kind == "weights" else 0
        getattr(merged, kind).update(
            {name: np.concatenate([first[name], second[name][skip:]]) for name in first}
        )
    for kind in set(before.quantiles) | set(after.quantiles):
        skip = 1 if kind == "weights" else 0
        first, second = before.quantiles.get(kind, {}), after.quantiles.get(kind, {})
        merged.quantiles[kind] = {
            name: np.concatenate([first[name], second[name][skip:]])
            for name in first
            if name in second
        }
    for group in SIGNAL_GROUPS:  # one row per step in both parts
        first, second = getattr(before, group), getattr(after, group)
        getattr(merged, group).update(
            {name: np.concatenate([first[name], second[name]]) for name in first if name in second}
        )
    merged.train_loss = np.concatenate([before.train_loss, after.train_loss])
    merged.val_loss = np.concatenate([before.val_loss, after.val_loss])
    for kind in set(before.tensors) | set(after.tensors):
        skip = 1 if kind == "weights" else 0
        names = set(before.tensors.get(kind, {})) | set(after.tensors.get(kind, {}))
        merged.tensors[kind] = {
            name: list(before.tensors.get(kind, {}).get(name, []))
            + list(after.tensors.get(kind, {}).get(name, []))[skip:]
            for name in names
        }
    for key in SUMMED_META:
        if key in before.meta and key in after.meta:
            merged.meta[key] = before.meta[key] + after.meta[key]
    return merged


def _record_state(record: Record) -> dict[str, Any]:
    """A Record as tensors and a JSON string, readable by ``torch.load(weights_only=True)``."""
    return {
        "train_loss": torch.from_numpy(np.asarray(record.train_loss, np.float32)),
        "val_loss": torch.from_numpy(np.asarray(record.val_loss, np.float32)),
        "summaries": {
            kind: {
                name: torch.from_numpy(np.asarray(v)) for name, v in getattr(record, kind).items()
            }
            for kind in KINDS
        },
        "quantiles": {
            kind: {name: torch.from_numpy(np.asarray(v)) for name, v in per_name.items()}
            for kind, per_name in record.quantiles.items()
        },
        "signals": {
            group: {
                name: torch.from_numpy(np.asarray(v)) for name, v in getattr(record, group).items()
            }
            for group in SIGNAL_GROUPS
        },
        "tensors": {
            kind: {name: [torch.as_tensor(a) for a in arrays] for name, arrays in layers.items()}
            for kind, layers in record.tensors.items()
        },
        "meta": json.dumps(record.meta, default=str),
    }


def _record_from_state(state: dict[str, Any]) -> Record:
    record = Record(
        train_loss=state["train_loss"].numpy(),
        val_loss=state["val_loss"].numpy(),
        meta=json.loads(state["meta"]),
    )
    for kind, layers in state["summaries"].items():
        getattr(record, kind).update({name: t.numpy() for name, t in layers.items()})
    for kind, per_name in state.get("quantiles", {}).items():  # absent before format 2
        record.quantiles[kind] = {name: t.numpy() for name, t in per_name.items()}
    for group, per_name in state.get("signals", {}).items():
        getattr(record, group).update({name: t.numpy() for name, t in per_name.items()})
    record.tensors = {
        kind: {name: [t.numpy() for t in arrays] for name, arrays in layers.items()}
        for kind, layers in state["tensors"].items()
    }
    return record
