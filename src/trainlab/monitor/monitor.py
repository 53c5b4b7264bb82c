"""Monitor: hooks that record, per training step, every layer's weights and every
activation's inputs (net values) and outputs.

Hooks used, and why:

- a forward *pre*-hook on each activation module reads its input before the module
  runs, so ``nn.ReLU(inplace=True)`` cannot overwrite it first;
- a forward hook on each activation module reads its output;
- a forward pre-hook on the model resets the per-module call counters, so a module
  called twice in one forward pass (a residual block reusing one ReLU) gets two
  call sites, ``block.relu#0`` and ``block.relu#1``, each one entry per forward pass;
- optimizer step hooks: the *pre*-hook reads gradients (``grads=True``), the post-hook
  snapshots the weights after the update.

Only forward passes in training mode with autograd enabled are recorded, so
evaluation passes (``model.eval()`` or ``torch.no_grad()``) leave no trace. Every
stored tensor is detached: nothing keeps the autograd graph alive.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from trainlab.errors import CaptureLimitError, ConfigError
from trainlab.monitor.buffers import PendingSummaries, RowBuffer
from trainlab.monitor.record import KINDS, Record
from trainlab.monitor.summary import (
    EXACT_LIMIT,
    N_STATS,
    SAMPLE_SIZE,
    moments,
    sample_index,
    summarize_rows,
)

WEIGHT_TYPES: tuple[type[nn.Module], ...] = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
ACTIVATION_TYPES: tuple[type[nn.Module], ...] = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.RReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU,
    nn.SiLU, nn.Mish, nn.Tanh, nn.Sigmoid, nn.Hardtanh, nn.Hardswish, nn.Hardsigmoid,
    nn.Softplus, nn.Softsign, nn.LogSigmoid, nn.Tanhshrink,
)  # fmt: skip
MODES = ("summary", "full", "sample")
ON_LIMIT = ("raise", "stop")
# Steps captured before their box-plot statistics are computed together (one sort per
# block, see PendingSummaries); bounds the pending memory to 64 x 4096 floats per tensor.
SUMMARY_BLOCK = 64
DEFAULT_MAX_BYTES = 2 * 1024**3  # full capture of the benchmark MLP: ~3.4 MB per step

# A capture is keyed (kind, module name, call index); weights and grads use call 0.
Key = tuple[str, str, int]


class Monitor:
    """Records weights, activation net values/outputs and losses at every training step.

    Args:
        model: the network; hooks go on its modules of `weight_types` (weights) and
            `activation_types` (inputs and outputs).
        optimizer: watched at once if given (see :meth:`watch_optimizer`).
        mode: ``"summary"`` keeps only per-step statistics; ``"full"`` also keeps exact
            CPU copies of every tensor; ``"sample"`` also keeps a fixed random subset
            of each tensor's elements (activations: of its units, for every example).
        grads: also summarise each layer's weight gradient before every step.
        sample_size: elements (weights) or units (activations) kept in mode ``"sample"``.
        max_bytes: cap on raw tensor bytes in modes ``"full"``/``"sample"``.
        planned_steps: steps the run will take, if known, to check the cap after step 1.
        on_limit: ``"raise"`` a CaptureLimitError, or ``"stop"`` raw capture with a
            warning (summaries go on), when the cap would be exceeded.
        exact_limit: tensors with more elements get quartiles from a fixed sample.
        seed: random seed of the fixed element samples.
        attach: register the hooks now (as the context manager and :meth:`attach` do).

    Raises:
        ConfigError: a bad argument, or a model with no module of the watched types.
    """

    def __init__(
        self,
        model: nn.Module,
        *,
        optimizer: torch.optim.Optimizer | None = None,
        mode: str = "summary",
        grads: bool = False,
        weight_types: tuple[type[nn.Module], ...] = WEIGHT_TYPES,
        activation_types: tuple[type[nn.Module], ...] = ACTIVATION_TYPES,
        sample_size: int = 256,
        max_bytes: int = DEFAULT_MAX_BYTES,
        planned_steps: int | None = None,
        on_limit: str = "raise",
        exact_limit: int = EXACT_LIMIT,
        seed: int = 0,
        attach: bool = True,
    ) -> None:
        _check_choice("mode", mode, MODES)
        _check_choice("on_limit", on_limit, ON_LIMIT)
        for arg, value in (("sample_size", sample_size), ("max_bytes", max_bytes),
                           ("exact_limit", exact_limit)):  # fmt: skip
            if value < 1:
                raise ConfigError(f"Monitor {arg}={value}; expected a positive integer")
        if planned_steps is not None and planned_steps < 1:
            raise ConfigError(f"Monitor planned_steps={planned_steps}; expected None or >= 1")
        self.model = model
        self.mode = mode
        self.grads = grads
        self.sample_size = sample_size
        self.max_bytes = max_bytes
        self.planned_steps = planned_steps
        self.on_limit = on_limit
        self.exact_limit = exact_limit
        self.seed = seed

        # Weight layers and activations, in model.named_modules() order.
        self._layers: dict[str, nn.Module] = {}
        self._activation_names: dict[nn.Module, str] = {}
        for name, module in model.named_modules():
            if isinstance(module, weight_types) and isinstance(
                getattr(module, "weight", None), torch.Tensor
            ):
                self._layers[name] = module
            if isinstance(module, activation_types):
                self._activation_names[module] = name
        if not self._layers and not self._activation_names:
            raise ConfigError(
                f"Monitor: {type(model).__name__} has no module of weight_types "
                f"{[t.__name__ for t in weight_types]} nor activation_types; nothing to record"
            )

        self._rows: dict[Key, RowBuffer] = {}  # per-step summaries
        self._pending: dict[Key, PendingSummaries] = {}  # captured, not yet summarised
        self._raw: dict[Key, list[torch.Tensor]] = {}  # modes full/sample
        self._losses: RowBuffer | None = None  # (steps, 2): train, val
        self._calls: dict[str, int] = {}  # call index within the current forward pass
        self._max_calls: dict[str, int] = {}  # most calls seen in one forward pass
        self._indices: dict[tuple, torch.Tensor] = {}  # fixed element samples
        self._val_indices: dict[tuple, torch.Tensor] = {}  # fixed validation subsets
        self._generator = torch.Generator().manual_seed(seed)
        self._val_generator = torch.Generator().manual_seed(seed + 1)
        self._have_initial = False
        self._steps = 0
        self._forwards = 0
        self._raw_bytes = 0
        self._initial_bytes = 0
        self._bytes_per_step: int | None = None
        self._stopped_at: int | None = None

        self._module_handles: list = []
        self._optimizer_handles: list = []
        self._optimizer: torch.optim.Optimizer | None = None
        if attach:
            self.attach(optimizer)
        elif optimizer is not None:
            self._optimizer = optimizer

    # -- hooks on and off ------------------------------------------------------

    def attach(self, optimizer: torch.optim.Optimizer | None = None) -> Monitor:
        """Register the model hooks (once) and watch `optimizer` if given; returns self."""
        if not self._module_handles:
            self._module_handles.append(self.model.register_forward_pre_hook(self._on_forward))
            for module in self._activation_names:
                self._module_handles.append(module.register_forward_pre_hook(self._on_input))
                self._module_handles.append(module.register_forward_hook(self._on_output))
        optimizer = optimizer if optimizer is not None else self._optimizer
        if optimizer is not None:
            self.watch_optimizer(optimizer)
        return self

    def watch_optimizer(self, optimizer: torch.optim.Optimizer) -> None:
        """Snapshot the weights after each step of `optimizer` (and its gradients before,
        with ``grads=True``). Watching another optimizer replaces the previous one."""
        if optimizer is self._optimizer and self._optimizer_handles:
            return
        self._remove(self._optimizer_handles)
        self._optimizer = optimizer
        if self.grads:
            self._optimizer_handles.append(optimizer.register_step_pre_hook(self._on_pre_step))
        self._optimizer_handles.append(optimizer.register_step_post_hook(self._on_step))

    def detach(self) -> None:
        """Remove every hook (model, modules, optimizer); what was recorded is kept."""
        self._remove(self._module_handles)
        self._remove(self._optimizer_handles)

    def __enter__(self) -> Monitor:
        return self.attach()

    def __exit__(self, *exc_info) -> None:
        self.detach()

    @staticmethod
    def _remove(handles: list) -> None:
        for handle in handles:
            handle.remove()
        handles.clear()

    # -- what the hooks do ---------------------------------------------------

    def _on_forward(self, model: nn.Module, args: tuple) -> None:
        self._calls.clear()
        if model.training and torch.is_grad_enabled():
            self._ensure_initial()
            self._forwards += 1

    def _on_input(self, module: nn.Module, args: tuple) -> None:
        if not (module.training and torch.is_grad_enabled()):
            return
        name = self._activation_names[module]
        call = self._calls.get(name, 0)
        self._calls[name] = call + 1
        if call >= self._max_calls.get(name, 0):
            self._max_calls[name] = call + 1
        self._capture(("net_values", name, call), args[0])

    def _on_output(self, module: nn.Module, args: tuple, output: torch.Tensor) -> None:
        if not (module.training and torch.is_grad_enabled()):
            return
        name = self._activation_names[module]
        self._capture(("outputs", name, self._calls[name] - 1), output)

    def _on_pre_step(self, optimizer: torch.optim.Optimizer, args, kwargs) -> None:
        self._ensure_initial()
        for name, layer in self._layers.items():
            grad = layer.weight.grad
            key = ("grads", name, 0)
            if grad is not None:
                self._capture(key, grad)
            else:
                self._append_nan(key, layer.weight.device)

    def _on_step(self, optimizer: torch.optim.Optimizer, args, kwargs) -> None:
        self._ensure_initial()
        self._steps += 1
        self._snapshot_weights()
        if self._steps == 1 and self.mode != "summary":
            self._check_estimate()

    def _ensure_initial(self) -> None:
        if not self._have_initial:
            self._have_initial = True
            self._snapshot_weights()
            self._initial_bytes = self._raw_bytes

    def _snapshot_weights(self) -> None:
        for name, layer in self._layers.items():
            self._capture(("weights", name, 0), layer.weight)

    def _capture(self, key: Key, x: torch.Tensor) -> None:
        x = x.detach()
        flat = x.reshape(-1) if x.dtype == torch.float32 else x.reshape(-1).float()
        if flat.numel() == 0:
            self._append_nan(key, x.device)
        elif flat.numel() > self.exact_limit:
            index = self._index(key, "summary", flat.numel(), SAMPLE_SIZE, x.device)
            exact = moments(flat.unsqueeze(0))[0]  # (5,): now, the tensor may change later
            self._pending_for(key, SAMPLE_SIZE, True, x.device).add(flat[index], exact)
        else:
            self._pending_for(key, flat.numel(), False, x.device).add(flat, None)
        if self.mode != "summary" and self._stopped_at is None:
            self._store_raw(key, x)

    def _pending_for(
        self, key: Key, width: int, sampled: bool, device: torch.device
    ) -> PendingSummaries:
        pending = self._pending.get(key)
        if pending is not None and (pending.full or pending.width != width):
            self._flush(key)  # full, or a new size (e.g. a smaller last batch)
        if pending is None or pending.width != width:
            pending = self._pending[key] = PendingSummaries(
                width, sampled=sampled, device=device, capacity=SUMMARY_BLOCK
            )
        return pending

    def _flush(self, key: Key) -> None:
        pending = self._pending.get(key)
        if pending is not None and len(pending):
            self._summary_rows(key, pending.device).extend(pending.take(summarize_rows))

    def _flush_all(self) -> None:
        for key in list(self._pending):
            self._flush(key)

    def _append_nan(self, key: Key, device: torch.device) -> None:
        self._flush(key)  # keep the steps in order
        self._summary_rows(key, device).append(float("nan"))

    def _summary_rows(self, key: Key, device: torch.device) -> RowBuffer:
        rows = self._rows.get(key)
        if rows is None:
            rows = self._rows[key] = RowBuffer(N_STATS, device=device)
        return rows

    def _store_raw(self, key: Key, x: torch.Tensor) -> None:
        if self.mode == "full":
            nbytes = x.numel() * x.element_size()
        elif key[0] in ("weights", "grads"):
            x = x.reshape(-1)  # (elements,)
            nbytes = min(x.numel(), self.sample_size) * x.element_size()
        else:
            x = x.reshape(x.shape[0] if x.dim() else 1, -1)  # (batch, units)
            nbytes = x.shape[0] * min(x.shape[1], self.sample_size) * x.element_size()
        if self._raw_bytes + nbytes > self.max_bytes:
            self._limit(
                f"Monitor mode={self.mode!r}: capturing {key[0]} of {key[1]!r} would take raw "
                f"captures past max_bytes={self.max_bytes} ({_mb(self.max_bytes)}) at step "
                f"{self._steps}"
            )
            if self._stopped_at is not None:
                return
        self._raw_bytes += nbytes
        if self.mode == "full":
            value = x.to("cpu", copy=True)
        else:
            index = self._index(key, "sample", x.shape[-1], self.sample_size, x.device)
            value = x.index_select(-1, index)
        self._raw.setdefault(key, []).append(value)

    def _index(self, key: Key, purpose: str, numel: int, size: int, device) -> torch.Tensor:
        # Net values and outputs of one call site share their sample, as do weights and grads.
        family = "layer" if key[0] in ("weights", "grads") else "activation"
        cache_key = (purpose, family, key[1], key[2], numel)
        index = self._indices.get(cache_key)
        if index is None:
            index = sample_index(numel, size, generator=self._generator, device=device)
            self._indices[cache_key] = index
        return index

    def _check_estimate(self) -> None:
        self._bytes_per_step = self._raw_bytes - self._initial_bytes
        estimate = self.estimated_bytes
        if self.planned_steps is not None and estimate is not None and estimate > self.max_bytes:
            self._limit(
                f"Monitor mode={self.mode!r}: ~{_mb(self._bytes_per_step)} per step x "
                f"planned_steps={self.planned_steps} = ~{_mb(estimate)}, more than "
                f"max_bytes={self.max_bytes} ({_mb(self.max_bytes)})"
            )

    def _limit(self, message: str) -> None:
        advice = "; use mode='summary' or 'sample', fewer steps, or a larger max_bytes"
        if self.on_limit == "raise":
            raise CaptureLimitError(message + advice)
        warnings.warn(message + "; raw capture stopped, summaries go on" + advice, stacklevel=3)
        self._stopped_at = self._steps

    # -- losses ----------------------------------------------------------------

    def log_losses(
        self, train_loss: torch.Tensor | float, val_loss: torch.Tensor | float | None = None
    ) -> None:
        """Append one step's train and validation loss (floats or 0-d tensors; no host sync)."""
        if self._losses is None:
            device = next(
                (v.device for v in (train_loss, val_loss) if isinstance(v, torch.Tensor)), "cpu"
            )
            self._losses = RowBuffer(2, device=torch.device(device))
        self._losses.append_values(train_loss, val_loss)

    def validation_loss(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = F.cross_entropy,
        *,
        size: int = 512,
    ) -> torch.Tensor:
        """Loss of the model on a fixed random subset of `size` samples of (x, y).

        Runs in eval mode under ``torch.no_grad()`` (so nothing is recorded) and
        restores the model's training mode. Returns a detached 0-d tensor.
        """
        if size < x.shape[0]:  # else all of (x, y), without copying it every batch
            cache_key = (x.shape[0], size, str(x.device))
            index = self._val_indices.get(cache_key)
            if index is None:
                index = sample_index(
                    x.shape[0], size, generator=self._val_generator, device=x.device
                )
                self._val_indices[cache_key] = index
            x, y = x.index_select(0, index), y.index_select(0, index)
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                loss = loss_fn(self.model(x), y)
        finally:
            self.model.train(was_training)
        return loss.detach()

    # -- views -----------------------------------------------------------------

    @property
    def weights(self) -> dict[str, list[torch.Tensor]]:
        """Layer name -> one entry per step plus the initial weights (see :meth:`_view`)."""
        self._ensure_initial()
        return self._view("weights")

    @property
    def net_values(self) -> dict[str, list[torch.Tensor]]:
        """Activation call site -> its input, one entry per training forward pass."""
        return self._view("net_values")

    @property
    def outputs(self) -> dict[str, list[torch.Tensor]]:
        """Activation call site -> its output, one entry per training forward pass."""
        return self._view("outputs")

    @property
    def gradients(self) -> dict[str, list[torch.Tensor]]:
        """Layer name -> its weight gradient before each step (``grads=True`` only)."""
        return self._view("grads")

    @property
    def train_losses(self) -> list[float]:
        """Train loss per logged step."""
        return self._loss_column(0)

    @property
    def val_losses(self) -> list[float]:
        """Validation loss per logged step (NaN where none was given)."""
        return self._loss_column(1)

    @property
    def steps(self) -> int:
        """Optimizer steps seen."""
        return self._steps

    @property
    def bytes_per_step(self) -> int | None:
        """Raw capture bytes of the first step (modes full/sample); None before it."""
        return self._bytes_per_step

    @property
    def estimated_bytes(self) -> int | None:
        """Raw bytes the whole run will hold: initial + per step x planned steps (if known)."""
        if self._bytes_per_step is None or self.planned_steps is None:
            return None
        return self._initial_bytes + self._bytes_per_step * self.planned_steps

    def _view(self, kind: str) -> dict[str, list[torch.Tensor]]:
        # summary: (len(STATS),) rows in STATS order; full: exact CPU copies with the
        # original shape; sample: the fixed subset, (elements,) or (batch, units).
        self._flush_all()
        view: dict[str, list[torch.Tensor]] = {}
        for key, rows in self._rows.items():
            if key[0] != kind:
                continue
            if self.mode == "summary":
                view[self._site(key)] = list(rows.rows().unbind(0))
            else:
                view[self._site(key)] = list(self._raw.get(key, []))
        return view

    def _loss_column(self, column: int) -> list[float]:
        if self._losses is None:
            return []
        return self._losses.numpy()[:, column].tolist()

    def _site(self, key: Key) -> str:
        kind, name, call = key
        if kind in ("weights", "grads") or self._max_calls.get(name, 1) <= 1:
            return name
        return f"{name}#{call}"

    # -- the record ------------------------------------------------------------

    def to_record(self, *, meta: dict | None = None) -> Record:
        """Everything recorded so far as a :class:`Record` (one device-to-host copy per array).

        `meta` entries (run config, seed, ...) are added to the record's metadata.
        """
        self._ensure_initial()
        self._flush_all()
        record = Record()
        for key, rows in self._rows.items():
            record._kind(key[0])[self._site(key)] = rows.numpy()
        losses = self._losses.numpy() if self._losses is not None else np.zeros((0, 2), np.float32)
        n_steps = max(self._steps, len(losses))
        padded = np.full((n_steps, 2), np.nan, np.float32)
        padded[: len(losses)] = losses
        record.train_loss = padded[:, 0].copy()
        record.val_loss = padded[:, 1].copy()
        if self.mode != "summary":
            for key, values in self._raw.items():
                per_kind = record.tensors.setdefault(key[0], {})
                per_kind[self._site(key)] = [v.cpu().numpy() for v in values]
        record.meta = {**self._meta(), **(meta or {})}
        return record

    def save(self, directory: str | Path, *, meta: dict | None = None) -> Path:
        """Write :meth:`to_record` into `directory`; returns the record's JSON path."""
        return self.to_record(meta=meta).save(directory)

    def _meta(self) -> dict:
        meta = {
            "mode": self.mode,
            "model": type(self.model).__name__,
            "layers": {name: list(layer.weight.shape) for name, layer in self._layers.items()},
            "activations": {
                name: type(module).__name__ for module, name in self._activation_names.items()
            },
            "calls_per_forward": dict(self._max_calls),
            "optimizer_steps": self._steps,
            "forward_passes": self._forwards,
            "grads": self.grads,
            "exact_limit": self.exact_limit,
            "summary_sample_size": SAMPLE_SIZE,
            "seed": self.seed,
            "kinds": [kind for kind in KINDS if any(key[0] == kind for key in self._rows)],
        }
        if self.mode != "summary":
            meta.update(
                max_bytes=self.max_bytes,
                raw_bytes=self._raw_bytes,
                capture_stopped_at_step=self._stopped_at,
            )
        if self.mode == "sample":
            meta["sample_size"] = self.sample_size
            meta["sample_indices"] = {
                f"{family}/{name}#{call}": index.tolist()
                for (purpose, family, name, call, _), index in self._indices.items()
                if purpose == "sample"
            }
        return meta


def _check_choice(arg: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"Monitor {arg}={value!r}; expected one of {allowed}")


def _mb(nbytes: int) -> str:
    return f"{nbytes / 2**20:.1f} MiB"
