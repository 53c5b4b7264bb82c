"""Monitor: hooks that record, per training step, every layer's weights (and gradients)
and every activation's inputs (net values) and outputs.

Hooks used, and why:

- a forward *pre*-hook on each activation module reads its input before the module
  runs, so ``nn.ReLU(inplace=True)`` cannot overwrite it first;
- a forward hook on each activation module reads its output;
- a forward pre-hook on the model resets the per-module call counters, so a module
  called twice in one forward pass (a residual block reusing one ReLU) gets two
  call sites, ``block.relu#0`` and ``block.relu#1``, each one entry per forward pass;
- optimizer step hooks: the *pre*-hook copies the gradients (``grads=True``), the
  post-hook the weights after the update, each with one ``torch._foreach_copy_``.

A hook only copies the tensor into the next row of a preallocated block (see
`trainlab.monitor.tracks`); statistics, quantiles and signals are computed per
block. Only forward passes in training mode with autograd enabled are recorded, so
evaluation passes (``model.eval()`` or ``torch.no_grad()``) leave no trace. Every
stored tensor is a detached copy: nothing keeps the autograd graph alive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from trainlab.errors import ConfigError
from trainlab.models.modes import evaluating
from trainlab.monitor.buffers import ScalarLog, Scratch
from trainlab.monitor.raw import ON_LIMIT, Key, RawCapture
from trainlab.monitor.record import (
    ACTIVATION_SIGNALS,
    KINDS,
    LAYER_SIGNALS,
    QUANTILE_LEVELS,
    SATURATION_MARGIN,
    Record,
)
from trainlab.monitor.signals import saturation_bounds
from trainlab.monitor.summary import EXACT_LIMIT, SAMPLE_SIZE, sample_index
from trainlab.monitor.tracks import (
    DIRECT_LIMIT,
    SUMMARY_BLOCK,
    GradTrack,
    InputTrack,
    OutputTrack,
    Track,
    WeightTrack,
    derives_outputs,
)

WEIGHT_TYPES: tuple[type[nn.Module], ...] = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
ACTIVATION_TYPES: tuple[type[nn.Module], ...] = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.RReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU,
    nn.SiLU, nn.Mish, nn.Tanh, nn.Sigmoid, nn.Hardtanh, nn.Hardswish, nn.Hardsigmoid,
    nn.Softplus, nn.Softsign, nn.LogSigmoid, nn.Tanhshrink,
)  # fmt: skip
MODES = ("summary", "full", "sample")  # what is kept besides the per-step summaries
DEFAULT_MAX_BYTES = 2 * 1024**3  # full capture of the benchmark MLP: ~3.4 MB per step

_TRACKS: dict[str, type[Track]] = {
    "weights": WeightTrack, "grads": GradTrack, "net_values": InputTrack, "outputs": OutputTrack,
}  # fmt: skip


@dataclass(frozen=True)
class LayerTrack:
    """A weight layer with the track of its weight (or gradient), copied together each step."""

    key: Key
    layer: nn.Module
    track: Track


class Monitor:
    """Records weights, activation net values/outputs and losses at every training step.

    Args:
        model: the network; hooks go on its modules of `weight_types` (weights) and
            `activation_types` (inputs and outputs).
        optimizer: watched at once if given (see :meth:`watch_optimizer`).
        mode: ``"summary"`` keeps only per-step statistics; ``"full"`` also keeps exact
            CPU copies of every tensor; ``"sample"`` also keeps a fixed random subset
            of each tensor's elements (activations: of its units, for every example).
        grads: also summarise each layer's weight gradient before every step (and
            record its norm, the ``grad_norm`` signal).
        sample_size: elements (weights) or units (activations) kept in mode ``"sample"``.
        max_bytes: cap on raw tensor bytes in modes ``"full"``/``"sample"``.
        planned_steps: steps the run will take, if known, to check the cap after step 1.
        on_limit: ``"raise"`` a CaptureLimitError, or ``"stop"`` raw capture with a
            warning (summaries go on), when the cap would be exceeded.
        exact_limit: tensors with more elements get their quantiles, whiskers, zero
            fraction and mean |x| from a fixed sample of SAMPLE_SIZE elements.
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
        self._modules = {name: module for module, name in self._activation_names.items()}
        self._bounds = {name: saturation_bounds(module) for name, module in self._modules.items()}

        self._tracks: dict[Key, Track] = {}  # per recorded tensor: blocks, summaries, signals
        self._weight_tracks: list[LayerTrack] | None = None  # made at first use
        self._grad_tracks: list[LayerTrack] | None = None
        self._scratch = Scratch()  # shared workspace of the block statistics
        self._raw = (
            RawCapture(
                mode, sample_size=sample_size, max_bytes=max_bytes, planned_steps=planned_steps,
                on_limit=on_limit, index=self._sample_for_raw,
            )
            if mode != "summary"
            else None
        )  # fmt: skip
        self._losses = ScalarLog(2, block=SUMMARY_BLOCK)  # (steps, 2): train, val
        self._calls: dict[str, int] = {}  # call index within the current forward pass
        self._max_calls: dict[str, int] = {}  # most calls seen in one forward pass
        self._indices: dict[tuple, torch.Tensor] = {}  # fixed element samples
        self._val_indices: dict[tuple, torch.Tensor] = {}  # fixed validation subsets
        self._generator = torch.Generator().manual_seed(seed)
        self._val_generator = torch.Generator().manual_seed(seed + 1)
        self._have_initial = False
        self._steps = 0
        self._forwards = 0

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
        call = self._calls[name] - 1
        source = self._tracks.get(("net_values", name, call))
        if source is not None and source.derives:
            return  # the outputs will be computed from the inputs' copy
        self._capture(("outputs", name, call), output)

    def _on_pre_step(self, optimizer: torch.optim.Optimizer, args, kwargs) -> None:
        self._ensure_initial()
        if self._grad_tracks is None:
            self._grad_tracks = self._layer_tracks("grads")
        self._copy_all(self._grad_tracks, [t.layer.weight.grad for t in self._grad_tracks])

    def _on_step(self, optimizer: torch.optim.Optimizer, args, kwargs) -> None:
        self._ensure_initial()
        self._steps += 1
        self._snapshot_weights()
        if self._steps == 1 and self._raw is not None:
            self._raw.check_estimate()

    def _ensure_initial(self) -> None:
        if not self._have_initial:
            self._have_initial = True
            self._snapshot_weights()
            if self._raw is not None:
                self._raw.mark_initial()

    def _snapshot_weights(self) -> None:
        if self._weight_tracks is None:
            self._weight_tracks = self._layer_tracks("weights")
        self._copy_all(self._weight_tracks, [t.layer.weight for t in self._weight_tracks])

    def _layer_tracks(self, kind: str) -> list[LayerTrack]:
        return [
            LayerTrack((kind, name, 0), layer, self._track((kind, name, 0), layer.weight.device))
            for name, layer in self._layers.items()
        ]

    @torch.no_grad()  # a copy of a tensor that requires grad would join its graph
    def _copy_all(self, layers: list[LayerTrack], tensors: list[torch.Tensor | None]) -> None:
        """One step of every layer's weight (or gradient): one foreach copy into the blocks."""
        slots, sources, filled = [], [], []
        for layer, x in zip(layers, tensors, strict=True):
            if x is None:  # a layer that took no part in the loss has no gradient
                layer.track.append_nan()
                continue
            slot = layer.track.slot(x)
            if slot is not None:
                slots.append(slot)
                sources.append(x)
                filled.append(layer.track)
        if slots:
            torch._foreach_copy_(slots, sources)  # one dispatch for all layers
        for track in filled:
            track.commit()
        if self._raw is not None:
            for layer, x in zip(layers, tensors, strict=True):
                if x is not None:
                    self._raw.store(layer.key, x.detach(), self._steps)

    def _capture(self, key: Key, x: torch.Tensor) -> None:
        x = x.detach()
        track = self._tracks.get(key)
        if track is None:
            track = self._track(key, x.device)
        track.add(x)
        if self._raw is not None:
            self._raw.store(key, x, self._steps)

    def _track(self, key: Key, device: torch.device) -> Track:
        kind, name, call = key
        options: dict = {}
        if kind == "outputs":
            options["bounds"] = self._bounds[name]
        module = self._modules.get(name)
        if kind == "net_values" and self._raw is None and derives_outputs(module):
            # The outputs of a monotone activation are computed from its inputs (InputTrack).
            outputs = self._track(("outputs", name, call), device)
            options["derived"] = (module, outputs)
        track = _TRACKS[kind](
            device=device, scratch=self._scratch, index_for=self._quantile_sample(key), **options
        )
        self._tracks[key] = track
        return track

    def _quantile_sample(self, key: Key) -> Callable[[int], torch.Tensor | None]:
        def index_for(width: int) -> torch.Tensor | None:
            if width <= self.exact_limit:
                return None
            return self._index(key, "summary", width, SAMPLE_SIZE, self._tracks[key].device)

        return index_for

    def _sample_for_raw(self, key: Key, numel: int, size: int, device) -> torch.Tensor:
        return self._index(key, "sample", numel, size, device)

    def _index(self, key: Key, purpose: str, numel: int, size: int, device) -> torch.Tensor:
        # Net values and outputs of one call site share their sample, as do weights and grads.
        family = "layer" if key[0] in ("weights", "grads") else "activation"
        cache_key = (purpose, family, key[1], key[2], numel)
        index = self._indices.get(cache_key)
        if index is None:
            index = sample_index(numel, size, generator=self._generator, device=device)
            self._indices[cache_key] = index
        return index

    def _flush_all(self) -> None:
        for track in self._tracks.values():
            track.flush()

    # -- losses ----------------------------------------------------------------

    def log_losses(
        self, train_loss: torch.Tensor | float, val_loss: torch.Tensor | float | None = None
    ) -> None:
        """Append one step's train and validation loss (floats or 0-d tensors; no host sync)."""
        self._losses.append(train_loss, val_loss)

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
        with evaluating(self.model):
            loss = loss_fn(self.model(x), y)
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
        return self._raw.bytes_per_step if self._raw is not None else None

    @property
    def estimated_bytes(self) -> int | None:
        """Raw bytes the whole run will hold: initial + per step x planned steps (if known)."""
        return self._raw.estimated_bytes if self._raw is not None else None

    def _view(self, kind: str) -> dict[str, list[torch.Tensor]]:
        # summary: (len(STATS),) rows in STATS order; full: exact CPU copies with the
        # original shape; sample: the fixed subset, (elements,) or (batch, units).
        self._flush_all()
        view: dict[str, list[torch.Tensor]] = {}
        for key, track in self._tracks.items():
            if key[0] != kind:
                continue
            if self._raw is None:
                view[self._site(key)] = list(track.stats.rows().unbind(0))
            else:
                view[self._site(key)] = list(self._raw.values.get(key, []))
        return view

    def _loss_column(self, column: int) -> list[float]:
        return self._losses.numpy()[:, column].tolist()

    def _site(self, key: Key) -> str:
        kind, name, call = key
        if kind in ("weights", "grads") or self._max_calls.get(name, 1) <= 1:
            return name
        return f"{name}#{call}"

    # -- the record ------------------------------------------------------------

    def to_record(self, *, meta: dict | None = None) -> Record:
        """Everything recorded so far as a :class:`Record` (one device-to-host copy per array).

        Callable at any time, also mid-training: the pending steps are summarised first.
        `meta` entries (run config, seed, ...) are added to the record's metadata.
        """
        self._ensure_initial()
        self._flush_all()
        record = Record()
        signals: dict[Key, np.ndarray] = {}
        for key, track in self._tracks.items():
            kind, site = key[0], self._site(key)
            record._kind(kind)[site] = track.stats.numpy()
            record.quantiles.setdefault(kind, {})[site] = track.levels.numpy()
            signals[key] = track.signals.numpy()
        for name in self._layers:
            grad = signals.get(("grads", name, 0))
            weight = signals.get(("weights", name, 0))
            record.layer_signals[name] = _columns(
                [
                    grad if grad is not None else np.full((len(weight), 1), np.nan, np.float32),
                    weight,
                ]  # fmt: skip
            )
        for key in signals:
            if key[0] == "net_values":
                outputs = signals.get(("outputs", *key[1:]), np.zeros((0, 1), np.float32))
                record.activation_signals[self._site(key)] = _columns([signals[key], outputs])
        losses = self._losses.numpy()
        n_steps = max(self._steps, len(losses))
        padded = np.full((n_steps, 2), np.nan, np.float32)
        padded[: len(losses)] = losses
        record.train_loss = padded[:, 0].copy()
        record.val_loss = padded[:, 1].copy()
        if self._raw is not None:
            for key, values in self._raw.values.items():
                per_kind = record.tensors.setdefault(key[0], {})
                per_kind[self._site(key)] = [v.cpu().numpy() for v in values]
        record.meta = {**self._meta(), **(meta or {})}
        return record

    def save(self, directory: str | Path, *, meta: dict | None = None) -> Path:
        """Write :meth:`to_record` into `directory`; returns the record's JSON path."""
        return self.to_record(meta=meta).save(directory)

    def _meta(self) -> dict:
        layer_signals = [s for s in LAYER_SIGNALS if self.grads or s != "grad_norm"]
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
            # Larger tensors are read in the hook, and a weight's update norm is then
            # estimated from the sample (docs/monitor.md).
            "direct_limit": DIRECT_LIMIT,
            "seed": self.seed,
            "kinds": [kind for kind in KINDS if any(key[0] == kind for key in self._tracks)],
            # What was captured, so a reader can tell "not captured" (absent, NaN) from 0.
            "quantile_levels": list(QUANTILE_LEVELS),
            "signals": {"layer": layer_signals, "activation": list(ACTIVATION_SIGNALS)},
            "saturation_bounds": {name: bounds for name, bounds in self._bounds.items()},
            "saturation_margin": SATURATION_MARGIN,
        }
        raw = self._raw
        if raw is not None:
            meta.update(
                max_bytes=raw.max_bytes,
                raw_bytes=raw.nbytes,
                capture_stopped_at_step=raw.stopped_at,
            )
        if self.mode == "sample":
            meta["sample_size"] = raw.sample_size
            meta["sample_indices"] = {
                f"{family}/{name}#{call}": index.tolist()
                for (purpose, family, name, call, _), index in self._indices.items()
                if purpose == "sample"
            }
        return meta


def _columns(parts: list[np.ndarray]) -> np.ndarray:
    """Side by side, the shorter padded with NaN rows at the end (a step cut short)."""
    rows = max(len(part) for part in parts)
    out = np.full((rows, sum(part.shape[1] for part in parts)), np.nan, np.float32)
    column = 0
    for part in parts:
        out[: len(part), column : column + part.shape[1]] = part
        column += part.shape[1]
    return out


def _check_choice(arg: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"Monitor {arg}={value!r}; expected one of {allowed}")
