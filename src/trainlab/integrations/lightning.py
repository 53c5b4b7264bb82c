"""A Lightning callback that records any LightningModule with the trainlab Monitor.

``MonitorCallback`` subclasses the ``Callback`` of ``lightning.pytorch`` (or, when
only that is installed, of ``pytorch_lightning``): use it with the ``Trainer`` of
the same package. The class is built on first use, so importing this module never
needs Lightning; without it, ``MonitorCallback`` raises a ConfigError naming the extra.

What it records during ``Trainer.fit``, whatever the module and its batches are:
every training batch is one training forward (bracketed with the Monitor's
``begin_forward``/``end_forward``, so a ``training_step`` that calls submodules
rather than ``self(x)`` is recorded too), every optimizer step (parameters after it,
gradients as the optimizer used them), the training loss from what ``training_step``
returns (a tensor or a dict with ``"loss"``), and a validation loss taken from the
module itself (`VAL_SOURCES`): the metric its validation loop logs (default), its
``validation_step`` on fixed batches after every step, or a function of yours. The
callback never assumes ``(x, y)`` batches nor a loss function of its own. Validation
and sanity-check passes are not recorded (the Monitor ignores eval-mode passes).

Checkpoints: the callback's ``state_dict`` holds what was recorded so far (plain
tensors, loadable with ``weights_only=True``); a run resumed with
``trainer.fit(..., ckpt_path=...)`` continues the same Record.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from trainlab.atomic import save_figure
from trainlab.errors import ConfigError, RecordError
from trainlab.models.modes import evaluating
from trainlab.monitor import Monitor, MonitorConfig, Record
from trainlab.monitor.record import KINDS
from trainlab.run import rundir
from trainlab.train.monitoring import MonitorLogger
from trainlab.train.schedules import every

OUT_SUBDIR = "monitor"  # default output: <trainer.default_root_dir>/monitor
SUMMED_META = ("optimizer_steps", "forward_passes")  # counters that add up across a resume
SIGNAL_GROUPS = ("layer_signals", "activation_signals")  # Record fields, one row per step
# Where the validation loss comes from (or pass a function (module, batch) -> loss):
# "logged": the metric the module logs in its validation loop, read when Lightning's
#   validation ends (one value per validation run, at the step it followed);
# "step": the module's validation_step on the first `val_batches` validation batches
#   after every `val_every` optimizer steps (what it returns, or what it logs);
# "none": no validation loss.
VAL_SOURCES = ("logged", "step", "none")

ValLoss = Callable[[Any, Any], Any]  # (module, batch) -> a 0-d loss


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
        out_dir: str | Path | None = None,
        dashboard: bool = True,
        movie: bool = False,
        *,
        val_loss: str | ValLoss = "logged",
        val_metric: str | None = None,
        val_batches: int = 1,
        val_every: int = 1,
        fps: float = 10,
        **monitor_options: Any,
    ) -> None:
        """Record the module during fit; write a Record (and figures) at the end.

        Args:
            mode: Monitor mode, ``summary``, ``full`` or ``sample``.
            out_dir: where ``record.*``, ``dashboard.png`` and ``movie.gif`` go;
                default ``<trainer.default_root_dir>/monitor``.
            dashboard: write ``dashboard.png`` at the end of fit.
            movie: write ``movie.gif`` (one frame per step) at the end of fit.
            val_loss: ``"logged"`` (default), ``"step"``, ``"none"`` (see VAL_SOURCES),
                or a function ``(module, batch) -> loss`` called after every
                `val_every` steps on the fixed validation batches, in eval mode.
            val_metric: the logged name of the validation loss; default ``val_loss``,
                else the first logged name with "loss" in it.
            val_batches: validation batches held fixed for ``"step"`` and a function.
            val_every: optimizer steps between those validation losses (NaN between).
            fps: frames per second of the movie.
            monitor_options: `trainlab.monitor.MonitorConfig` fields (``grads``,
                ``params``, ...).
        """
        super().__init__()
        self.config = MonitorConfig().replace(mode=mode, **monitor_options)
        if not callable(val_loss) and val_loss not in VAL_SOURCES:
            raise ConfigError(
                f"MonitorCallback val_loss={val_loss!r}; expected one of {', '.join(VAL_SOURCES)} "
                "or a function (module, batch) -> loss"
            )
        for name, value in (("val_batches", val_batches), ("val_every", val_every)):
            if value < 1:
                raise ConfigError(f"MonitorCallback {name}={value}; expected a positive integer")
        self.mode = mode
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.dashboard = dashboard
        self.movie = movie
        self.val_loss = val_loss
        self.val_metric = val_metric
        self.val_batches = val_batches
        self.val_every = val_every
        self.fps = fps
        self.record: Record | None = None  # the complete Record, after fit
        self._monitor: Monitor | None = None
        self._logger: MonitorLogger | None = None  # the same step logging as fit()'s
        self._logged_steps = 0
        self._logged_val: dict[int, float] = {}  # step -> the logged validation loss
        self._resumed: Record | None = None  # recorded before the checkpoint resumed from

    # -- Lightning hooks -------------------------------------------------------

    def on_train_start(self, trainer, pl_module) -> None:
        """Attach the Monitor, watch the optimizers, take the fixed validation batches."""
        self._monitor = Monitor(pl_module, config=self.config)
        for optimizer in trainer.optimizers[1:]:
            self._monitor.watch_optimizer(optimizer)
        self._logger = MonitorLogger(self._monitor, schedule=every(self.val_every))
        self._logger.begin(trainer.optimizers[0], self._step_validation(trainer, pl_module))
        self._logged_steps = 0
        self._logged_val = {}

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        """A training batch is one training forward of the Monitor."""
        if self._monitor is not None:
            self._monitor.begin_forward()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        """Close the forward; log the step's train (and validation) loss, once per step."""
        monitor = self._monitor
        if monitor is None:
            return
        monitor.end_forward()
        if monitor.steps == self._logged_steps:
            return  # gradient accumulation: no optimizer step after this batch
        self._logged_steps = monitor.steps
        if isinstance(outputs, Mapping):
            outputs = outputs.get("loss")
        train = outputs.detach() if isinstance(outputs, torch.Tensor) else math.nan
        self._logger.log(monitor.steps, train)

    def on_validation_end(self, trainer, pl_module) -> None:
        """``val_loss="logged"``: keep the logged validation loss at the current step."""
        if self._monitor is None or self.val_loss != "logged" or trainer.sanity_checking:
            return
        name, value = _pick_metric(trainer.callback_metrics, self.val_metric)
        if name is not None and self._monitor.steps:
            self._logged_val[self._monitor.steps] = float(value)

    def on_fit_end(self, trainer, pl_module) -> None:
        """Detach the Monitor and write the Record, dashboard and movie (rank 0 only)."""
        if self._monitor is None:
            return
        self.record = self._full_record(final=True)
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

    def _step_validation(self, trainer, pl_module) -> Callable[[], float] | None:
        """The per-step validation loss for ``"step"`` or a function; None otherwise."""
        if self.val_loss in ("logged", "none"):
            return None
        batches = _first_batches(trainer.val_dataloaders, self.val_batches, pl_module.device)
        if not batches:
            return None
        if callable(self.val_loss):
            loss_of = functools.partial(self.val_loss, pl_module)
        elif _overrides(pl_module, "validation_step"):
            loss_of = _ModuleValidation(pl_module, self.val_metric)
        else:
            return None
        return functools.partial(_mean_loss, pl_module, loss_of, batches)

    def _full_record(self, *, final: bool = False) -> Record:
        """The Record so far (after a resumed one); `final`: at the end of fit, when a
        validation loss never logged is known to be missing."""
        if final and self.val_loss == "logged" and not self._logged_val:
            wanted = repr(self.val_metric) if self.val_metric else "'val_loss' or a '*loss*' name"
            self._monitor.notes.say("validation", f"no validation loss: the module logged no "
                                    f"{wanted} in a validation run")  # fmt: skip
        current = self._monitor.to_record(meta=self._meta()) if self._monitor else None
        if current is not None:
            for step, value in self._logged_val.items():
                if step <= current.n_steps:
                    current.val_loss[step - 1] = value
        if current is None:
            return self._resumed
        return current if self._resumed is None else concat_records(self._resumed, current)

    def _meta(self) -> dict[str, Any]:
        source = self.val_loss if isinstance(self.val_loss, str) else "function"
        return {"val_loss_source": source, "val_metric": self.val_metric}

    def _write(self, out: Path) -> None:
        from trainlab.viz import dashboard, make_movie  # viz pulls in matplotlib: only here

        self.record.save(out)
        if self.dashboard:
            save_figure(dashboard(self.record), out / rundir.DASHBOARD_FILE)
        if self.movie:
            make_movie(self.record, out / rundir.movie_file("gif"), fps=self.fps, progress=False)


class _ModuleValidation:
    """The module's own ``validation_step`` as a loss: what it returns (a tensor, or a
    dict's ``"loss"`` / ``"val_loss"``), else what it logs under the validation metric.
    Its ``self.log`` calls are read here and not sent to Lightning."""

    def __init__(self, module, metric: str | None) -> None:
        self.module = module
        self.metric = metric
        params = list(inspect.signature(module.validation_step).parameters.values())
        self._with_loader = len(params) >= 3 and params[2].default is inspect.Parameter.empty

    def __call__(self, batch: Any) -> Any:
        logged: dict[str, Any] = {}
        module = self.module

        def log(name, value, *args, **kwargs):
            logged[name] = value

        def log_dict(values, *args, **kwargs):
            logged.update(values)

        module.log, module.log_dict = log, log_dict  # instance attributes shadow the methods
        try:
            args = (batch, 0, 0) if self._with_loader else (batch, 0)
            out = module.validation_step(*args)
        finally:
            del module.log, module.log_dict
        if isinstance(out, Mapping):
            out = out.get("loss", out.get("val_loss"))
        if isinstance(out, torch.Tensor):
            return out
        name, value = _pick_metric(logged, self.metric)
        if name is None:
            raise ConfigError(
                f"{type(module).__name__}.validation_step returned no loss and logged none "
                f"(logged: {sorted(logged)}); pass val_metric= or val_loss=(module, batch) -> loss"
            )
        return value


def _overrides(module, method: str) -> bool:
    """Whether `module`'s class defines `method` itself (not LightningModule's default)."""
    return getattr(type(module), method) is not getattr(_lightning_module().LightningModule, method)


def _mean_loss(module, loss_of: Callable[[Any], Any], batches: list) -> torch.Tensor:
    """The mean of `loss_of` over `batches`, in eval mode under no_grad."""
    with evaluating(module):
        losses = [torch.as_tensor(loss_of(batch)).detach().float() for batch in batches]
    return torch.stack(losses).mean()


def _pick_metric(metrics: Mapping[str, Any], name: str | None) -> tuple[str | None, Any]:
    """`name` from `metrics`, else ``val_loss``, else the first name with "loss" in it."""
    if name is not None:
        return (name, metrics[name]) if name in metrics else (None, None)
    if "val_loss" in metrics:
        return "val_loss", metrics["val_loss"]
    found = next((key for key in metrics if "loss" in key), None)
    return (found, metrics[found]) if found is not None else (None, None)


def _first_batches(loaders: Any, n: int, device: torch.device) -> list:
    """The first `n` batches of the first validation dataloader, on `device`, any structure."""
    if isinstance(loaders, (list, tuple)):
        loaders = loaders[0] if loaders else None
    if loaders is None:
        return []
    pl = _lightning_module()
    batches = []
    for batch in loaders:
        batches.append(pl.utilities.move_data_to_device(batch, device))
        if len(batches) == n:
            break
    return batches


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
