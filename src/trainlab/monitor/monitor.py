"""Monitor: hooks that record, per training step, every watched parameter (and its
gradient) and every activation's inputs (net values) and outputs.

What it hooks, and why:

- a forward *pre*-hook and an always-called forward hook on the model bracket each
  training forward: they reset the per-site call counters (a module called twice in
  one pass, like a residual block reusing one ReLU, gets two call sites,
  ``block.relu#0`` and ``block.relu#1``) and keep the `ActivationMode` on the stack
  while the forward runs, so functional activations (``F.relu(x)``) are seen too
  (`trainlab.monitor.functional`). Code that never calls the attached model itself
  (a Lightning ``training_step`` calling submodules) brackets its forwards with
  `begin_forward` / `end_forward`;
- a forward *pre*-hook on each activation module reads its input before the module
  runs, so ``nn.ReLU(inplace=True)`` cannot overwrite it first; a forward hook its
  output;
- optimizer step hooks: the *pre*-hook copies the gradients (``grads=True``), the
  post-hook the parameters after the update, each with one ``torch._foreach_copy_``.

A hook only copies the tensor into the next row of a preallocated block (see
`trainlab.monitor.tracks`); statistics, quantiles and signals are computed per block.
Only forward passes in training mode with autograd enabled are recorded, so
evaluation passes (``model.eval()`` or ``torch.no_grad()``) leave no trace. Every
stored tensor is a detached copy: nothing keeps the autograd graph alive.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from trainlab.errors import ConfigError
from trainlab.models.modes import evaluating
from trainlab.monitor.buffers import ScalarLog, Scratch
from trainlab.monitor.config import MonitorConfig
from trainlab.monitor.forwards import ForwardMap, take_rows
from trainlab.monitor.functional import AUTO_FORWARDS, ActivationMode, Op, call_input, call_site
from trainlab.monitor.notes import Notes
from trainlab.monitor.params import Watched, select_params
from trainlab.monitor.raw import Key, RawCapture
from trainlab.monitor.record import (
    ACTIVATION_SIGNALS,
    KINDS,
    LAYER_SIGNALS,
    N_ROW_FLOATS,
    QUANTILE_LEVELS,
    SATURATION_MARGIN,
    Record,
)
from trainlab.monitor.signals import saturation_bounds
from trainlab.monitor.summary import SAMPLE_SIZE, sample_index
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

ACTIVATION_TYPES: tuple[type[nn.Module], ...] = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.RReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU,
    nn.SiLU, nn.Mish, nn.Tanh, nn.Sigmoid, nn.Hardtanh, nn.Hardswish, nn.Hardsigmoid,
    nn.Softplus, nn.Softsign, nn.LogSigmoid, nn.Tanhshrink,
)  # fmt: skip

_TRACKS: dict[str, type[Track]] = {
    "weights": WeightTrack, "grads": GradTrack, "net_values": InputTrack, "outputs": OutputTrack,
}  # fmt: skip
_ACTIVATION_KINDS = ("net_values", "outputs")
NO_ACTIVATIONS = (
    f"no activation modules or functional activations seen in {AUTO_FORWARDS} training "
    "forwards: net values, outputs, dead_frac and saturated_frac are not recorded"
)


@dataclass(frozen=True)
class ParamTrack:
    """A watched parameter with the track of its values (or gradient), copied together."""

    key: Key
    watched: Watched
    track: Track


class Monitor:
    """Records parameters, activation net values/outputs and losses at every training step.

    Args:
        model: the network; hooks go on the model, its activation modules and (through
            a torch function mode during training forwards) its functional activations.
        optimizer: watched at once if given, or several (see :meth:`watch_optimizer`).
        config: what to record (`MonitorConfig`; its defaults when None).
        planned_steps: steps the run will take, if known, to check the raw-capture cap
            after step 1.
        seed: random seed of the fixed element samples.
        attach: register the hooks now (as the context manager and :meth:`attach` do).
        **options: `MonitorConfig` fields replacing those of `config`, e.g.
            ``Monitor(model, mode="full", grads=False)``.

    Raises:
        ConfigError: an unknown option or bad value, or a model with nothing to record.
    """

    def __init__(
        self,
        model: nn.Module,
        *,
        optimizer: torch.optim.Optimizer | Iterable[torch.optim.Optimizer] | None = None,
        config: MonitorConfig | None = None,
        planned_steps: int | None = None,
        seed: int = 0,
        attach: bool = True,
        **options,
    ) -> None:
        self.config = config = (config or MonitorConfig()).replace(**options)
        if planned_steps is not None and planned_steps < 1:
            raise ConfigError(f"Monitor planned_steps={planned_steps}; expected None or >= 1")
        self.model = model
        self.mode = config.mode
        self.grads = config.grads
        self.exact_limit = config.exact_limit
        self.seed = seed
        self.notes = Notes()

        # a torch.compile'd model: its modules and parameters are those of the original
        # (no "_orig_mod." in their names); the forward hooks go on the compiled wrapper
        network = getattr(model, "_orig_mod", model)
        selection = select_params(network, config.params, config.param_filter)
        self._params = selection.watched
        self._skipped = selection.skipped
        self._activation_names: dict[nn.Module, str] = {
            module: name for name, module in network.named_modules()
            if isinstance(module, ACTIVATION_TYPES)
        }  # fmt: skip
        self._module_names = {id(module): name for name, module in network.named_modules()}
        if not self._params and not self._activation_names and config.functional == "off":
            raise ConfigError(
                f"Monitor: {type(model).__name__} has no parameter to record (params = "
                f"{config.params!r}, param_filter = {list(config.param_filter)}), no activation "
                "module, and functional = 'off'; nothing to record"
            )
        # Activation sites by name: the module, or a functional site's equivalent module.
        self._modules = {name: module for module, name in self._activation_names.items()}
        self._bounds = {name: saturation_bounds(module) for name, module in self._modules.items()}
        self._functional_sites: set[str] = set()
        # The leaf modules (not activations) whose output a functional activation may
        # take: the last one's output, to name the layer a site comes after.
        self._leaves = {
            module: name for name, module in network.named_modules()
            if next(module.children(), None) is None and module not in self._activation_names
        }  # fmt: skip
        self._last_output: tuple[weakref.ref, str] | None = None
        self._inputs_of: dict[tuple[str, int], str] = {}  # (site, call) -> layer before it
        self.notes.at_attach(
            self._params, self._skipped, config, activation_modules=bool(self._activation_names)
        )

        self._tracks: dict[Key, Track] = {}  # per recorded tensor: blocks, summaries, signals
        self._weight_tracks: list[ParamTrack] | None = None  # made at first use
        self._grad_tracks: list[ParamTrack] | None = None
        self._scratch = Scratch()  # shared workspace of the block statistics
        self._raw = (
            RawCapture(
                config.mode, sample_size=config.sample_size, max_bytes=config.max_bytes,
                planned_steps=planned_steps, on_limit=config.on_limit, index=self._sample_for_raw,
            )
            if config.mode != "summary"
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
        self._map = ForwardMap()
        # the forward in progress: nesting depth, whether it records, whether it was
        # opened by a capture outside any bracketed forward (closed by the next step)
        self._depth = 0
        self._open = False
        self._implicit = False
        self._stepped = False  # the counting optimizer stepped since the forward began
        self._grads_after_step = False  # a step with a closure: gradients read after it
        self._busy = False  # the Monitor is capturing: its own torch calls are not the model's
        self._functional = config.functional != "off"
        self._mode = ActivationMode(_eager(self._on_functional))
        self._mode_pushed = False

        self._module_handles: list = []
        self._leaf_handles: list = []
        self._optimizer_handles: list = []
        self._optimizers: list[torch.optim.Optimizer] = []
        self._counting: torch.optim.Optimizer | None = None  # the one whose steps count
        optimizers = _optimizers(optimizer)
        if attach:
            self.attach()
        for opt in optimizers:
            if attach:
                self.watch_optimizer(opt)
            else:
                self._optimizers.append(opt)

    # -- hooks on and off ------------------------------------------------------

    def attach(self, optimizer: torch.optim.Optimizer | None = None) -> Monitor:
        """Register the model hooks (once) and watch `optimizer` if given; returns self."""
        if not self._module_handles:
            handles = self._module_handles
            handles.append(self.model.register_forward_pre_hook(_eager(self._on_forward)))
            handles.append(
                self.model.register_forward_hook(_eager(self._on_forward_end), always_call=True)
            )
            for module in self._activation_names:
                handles.append(module.register_forward_pre_hook(_eager(self._on_input)))
                handles.append(module.register_forward_hook(_eager(self._on_output)))
            if self._functional:
                self._leaf_handles = [
                    module.register_forward_hook(_eager(self._on_leaf_output))
                    for module in self._leaves
                ]
            pending, self._optimizers = self._optimizers, []
            for opt in pending:
                self.watch_optimizer(opt)
        if optimizer is not None:
            self.watch_optimizer(optimizer)
        return self

    def watch_optimizer(self, optimizer: torch.optim.Optimizer) -> None:
        """Watch `optimizer` too (watching one twice does nothing).

        Steps are counted by the first watched optimizer to step; its post-hook copies
        every watched parameter. Another watched optimizer that steps after it in the
        same iteration (before the next training forward) rewrites that step's copy,
        so each step shows the parameters after all updates of its iteration.
        """
        if any(opt is optimizer for opt in self._optimizers):
            return
        self._optimizers.append(optimizer)
        if self.grads:
            self._optimizer_handles.append(
                optimizer.register_step_pre_hook(_eager(self._on_pre_step))
            )
        self._optimizer_handles.append(optimizer.register_step_post_hook(_eager(self._on_step)))

    def detach(self) -> None:
        """Remove every hook (model, modules, optimizers); what was recorded is kept."""
        self._remove(self._module_handles)
        self._remove(self._leaf_handles)
        self._remove(self._optimizer_handles)
        self._pop_mode()
        self._depth = 0

    def __enter__(self) -> Monitor:
        return self.attach()

    def __exit__(self, *exc_info) -> None:
        self.detach()

    @staticmethod
    def _remove(handles: list) -> None:
        for handle in handles:
            handle.remove()
        handles.clear()

    # -- training forwards -------------------------------------------------------

    def begin_forward(self) -> None:
        """A training forward begins: call-site numbering restarts, functional capture
        starts. The model's forward pre-hook calls it; call it (and `end_forward`)
        yourself around training code that does not call the attached model. Nested
        calls count once."""
        self._depth += 1
        if self._depth > 1:
            return
        self._calls.clear()
        self._open = self.model.training and torch.is_grad_enabled()
        if not self._open:
            return
        self._ensure_initial()
        self._map.begin()
        self._stepped = False
        if self._functional and not self._mode_pushed:
            self._mode.__enter__()
            self._mode_pushed = True

    def end_forward(self) -> None:
        """The training forward begun by `begin_forward` ends."""
        if self._depth == 0:
            return
        self._depth -= 1
        if self._depth:
            return
        self._pop_mode()
        if self._open and self._map.forwards == AUTO_FORWARDS:
            self._after_first_forwards()
        self._open = False

    def _on_forward(self, model: nn.Module, args: tuple) -> None:
        self.begin_forward()

    def _on_forward_end(self, model: nn.Module, args: tuple, output) -> None:
        self.end_forward()

    def _pop_mode(self) -> None:
        if self._mode_pushed:
            self._mode.__exit__(None, None, None)
            self._mode_pushed = False

    def _recording(self, module: nn.Module) -> bool:
        """Whether a call of `module` now belongs to a training forward (opening one
        when the training code did not call the model)."""
        if not (module.training and torch.is_grad_enabled()):
            return False
        if self._depth:
            return self._open
        if not self._implicit:  # closed by the next optimizer step
            self._implicit = True
            self._calls.clear()
            self._ensure_initial()
            self._map.begin()
            self._stepped = False
        return True

    def _next_call(self, name: str) -> int:
        call = self._calls.get(name, 0)
        self._calls[name] = call + 1
        if call >= self._max_calls.get(name, 0):
            self._max_calls[name] = call + 1
        return call

    # -- what the hooks do ---------------------------------------------------

    def _on_input(self, module: nn.Module, args: tuple) -> None:
        if not args or not isinstance(args[0], torch.Tensor) or not self._recording(module):
            return
        name = self._activation_names[module]
        self._capture(("net_values", name, self._next_call(name)), args[0])

    def _on_output(self, module: nn.Module, args: tuple, output: torch.Tensor) -> None:
        name = self._activation_names[module]
        call = self._calls.get(name, 0) - 1
        if call < 0 or not isinstance(output, torch.Tensor) or not self._recording(module):
            return
        self._capture_output(name, call, output)

    def _on_leaf_output(self, module: nn.Module, args: tuple, output) -> None:
        if self._mode_pushed and isinstance(output, torch.Tensor):
            self._last_output = (weakref.ref(output), self._leaves[module])

    def _on_functional(self, func: Callable, op: Op, args: tuple, kwargs: dict):
        """An activation function called during a training forward (ActivationMode)."""
        x = call_input(args, kwargs)
        if self._busy or x is None or not torch.is_grad_enabled():
            return func(*args, **kwargs)
        site = call_site(self._module_names, op)
        # an activation module's own F.relu is the module's call, seen by its hooks
        if site is None or site[0] in self._activation_names or not site[0].training:
            return func(*args, **kwargs)
        name = site[1]
        if name not in self._modules:
            self._modules[name] = module = op.module(args, kwargs)
            self._bounds[name] = saturation_bounds(module)
            self._functional_sites.add(name)
        call = self._next_call(name)
        last = self._last_output
        if last is not None and last[0]() is x and (name, call) not in self._inputs_of:
            self._inputs_of[(name, call)] = last[1]
        self._capture(("net_values", name, call), x)
        output = func(*args, **kwargs)
        if isinstance(output, torch.Tensor):
            self._capture_output(name, call, output)
        return output

    def _on_pre_step(self, optimizer: torch.optim.Optimizer, args, kwargs) -> None:
        if not self._counts(optimizer):
            return
        if (args and args[0] is not None) or kwargs.get("closure") is not None:
            # step(closure): the gradients are computed inside the step (Lightning,
            # LBFGS); the update leaves them as the optimizer used them
            self._grads_after_step = True
            return
        self._copy_grads()

    def _copy_grads(self) -> None:
        self._ensure_initial()
        if self._grad_tracks is None:
            self._grad_tracks = self._param_tracks("grads")
        self._copy_all(self._grad_tracks, [t.watched.param.grad for t in self._grad_tracks])

    def _on_step(self, optimizer: torch.optim.Optimizer, args, kwargs) -> None:
        if not self._counts(optimizer):
            if self._stepped:  # after the counting one, in the same iteration
                self._copy_all(self._weight_tracks, self._values(), rewrite=True)
            return
        if self._grads_after_step:
            self._grads_after_step = False
            self._copy_grads()
        self._ensure_initial()
        if self._implicit and self._map.forwards == AUTO_FORWARDS:
            self._after_first_forwards()
        self._steps += 1
        self._map.step()
        self._stepped = True
        self._implicit = False
        self._snapshot_weights()
        if self._steps == 1 and self._raw is not None:
            self._raw.check_estimate()

    def _counts(self, optimizer: torch.optim.Optimizer) -> bool:
        """Whether `optimizer`'s steps are the ones counted (the first to step is)."""
        if self._counting is None:
            self._counting = optimizer
        return optimizer is self._counting

    def _ensure_initial(self) -> None:
        if not self._have_initial:
            self._have_initial = True
            self._snapshot_weights()
            if self._raw is not None:
                self._raw.mark_initial()

    def _snapshot_weights(self) -> None:
        if self._weight_tracks is None:
            self._weight_tracks = self._param_tracks("weights")
        self._copy_all(self._weight_tracks, self._values())

    def _values(self) -> list[torch.Tensor]:
        return [t.watched.param for t in self._weight_tracks]

    def _param_tracks(self, kind: str) -> list[ParamTrack]:
        return [
            ParamTrack((kind, w.key, 0), w, self._track((kind, w.key, 0), w.param.device))
            for w in self._params
        ]

    @torch.no_grad()  # a copy of a tensor that requires grad would join its graph
    def _copy_all(
        self, tracks: list[ParamTrack], tensors: list[torch.Tensor | None], *,
        rewrite: bool = False,
    ) -> None:  # fmt: skip
        """One step of every parameter (or gradient): one foreach copy into the blocks;
        with `rewrite`, over the last step kept instead."""
        slots, sources, filled = [], [], []
        for param, x in zip(tracks, tensors, strict=True):
            if rewrite:
                param.track.rewrite(x)
            elif x is None:  # no gradient: frozen, or no part in the loss
                param.track.append_nan()
            else:
                slot = param.track.slot(x)
                if slot is not None:
                    slots.append(slot)
                    sources.append(x)
                    filled.append(param.track)
        if slots:
            torch._foreach_copy_(slots, sources)  # one dispatch for all parameters
        for track in filled:
            track.commit()
        if self._raw is not None:
            for param, x in zip(tracks, tensors, strict=True):
                if x is None:
                    continue
                if rewrite:
                    self._raw.replace_last(param.key, x.detach())
                else:
                    self._raw.store(param.key, x.detach(), self._steps)

    def _capture_output(self, name: str, call: int, output: torch.Tensor) -> None:
        source = self._tracks.get(("net_values", name, call))
        if source is not None and source.derives:
            return  # the outputs will be computed from the inputs' copy
        self._capture(("outputs", name, call), output)

    def _capture(self, key: Key, x: torch.Tensor) -> None:
        self._busy = True
        try:
            x = x.detach()
            track = self._tracks.get(key)
            if track is None:
                track = self._track(key, x.device)
            track.add(x)
            if key[0] == "net_values":  # one row per site and forward; its outputs share it
                self._map.row(key[1:])
            if self._raw is not None:
                self._raw.store(key, x, self._steps)
        finally:
            self._busy = False

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

    def _quantile_sample(self, key: Key) -> Callable[[int, torch.device], torch.Tensor | None]:
        def index_for(width: int, device: torch.device) -> torch.Tensor | None:
            if width <= self.exact_limit:
                return None
            return self._index(key, "summary", width, SAMPLE_SIZE, device)

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
        elif index.device != torch.device(device):  # the model moved
            index = self._indices[cache_key] = index.to(device)
        return index

    def _flush_all(self) -> None:
        for track in self._tracks.values():
            track.flush()

    # -- what is said ------------------------------------------------------------

    def _after_first_forwards(self) -> None:
        """After AUTO_FORWARDS training forwards: say what was not seen; leave functional
        capture off when it found nothing and was on "auto"."""
        sites = {key[1] for key in self._tracks if key[0] == "net_values"}
        if not sites and self.config.functional != "off":
            self.notes.say("activations", NO_ACTIVATIONS, warn=True)
            self.notes.lack(ACTIVATION_SIGNALS, NO_ACTIVATIONS.partition(":")[0])
        if self.config.functional == "auto" and not self._functional_sites:
            self._functional = False
            self._remove(self._leaf_handles)
            text = f"no functional activation in {AUTO_FORWARDS} training forwards"
            self.notes.say("functional", f"{text}: functional capture stopped")

    def describe(self) -> str:
        """What is watched and what is not, in a few lines (print it after attaching)."""
        keys = ", ".join(w.key for w in self._params) or "none"
        modules = ", ".join(self._activation_names.values()) or "none"
        functional = {
            "auto": f"watched (kept if seen in the first {AUTO_FORWARDS} training forwards)",
            "on": "watched",
            "off": "not watched",
        }[self.config.functional]
        sites = ", ".join(sorted(self._functional_sites))
        lines = [
            f"Monitor on {type(self.model).__name__}, mode {self.mode!r}:",
            f"  parameters ({self.config.params!r}): {keys}"
            + ("; and their gradients" if self.grads else ""),
            f"  activation modules: {modules}",
            f"  functional activations: {functional}" + (f"; seen: {sites}" if sites else ""),
        ]
        return "\n".join(lines + [f"  note: {note}" for note in self.notes.sentences])

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
        """Parameter key -> one entry per step plus the initial values (see :meth:`_view`)."""
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
        """Parameter key -> its gradient before each step (``grads=True`` only)."""
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
        """Optimizer steps seen (of the optimizer whose steps count)."""
        return self._steps

    @property
    def forwards(self) -> int:
        """Training forward passes seen."""
        return self._map.forwards

    @property
    def bytes_per_step(self) -> int | None:
        """Raw capture bytes of the first step (modes full/sample); None before it."""
        return self._raw.bytes_per_step if self._raw is not None else None

    @property
    def estimated_bytes(self) -> int | None:
        """Raw bytes the whole run will hold: initial + per step x planned steps (if known)."""
        return self._raw.estimated_bytes if self._raw is not None else None

    @property
    def summary_bytes_per_step(self) -> int:
        """Bytes the summaries grow by per step (all modes): per recorded tensor, its
        statistics, quantiles and signals as float32, two losses, and 8 bytes of the
        forward map. Storage doubles when full, so up to twice this is held."""
        floats = sum(N_ROW_FLOATS + track.n_signals for track in self._tracks.values())
        return 4 * (floats + 2) + 8

    @property
    def nbytes(self) -> int:
        """Bytes held now: summaries (their capacity), pending blocks, map, losses, raw."""
        held = sum(
            t.stats.nbytes + t.levels.nbytes + t.signals.nbytes + t.nbytes
            for t in self._tracks.values()
        )
        raw = self._raw.nbytes if self._raw is not None else 0
        return held + self._losses.nbytes + self._map.nbytes + raw

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

        Activations get one row per optimizer step: the last training forward before it
        (`trainlab.monitor.forwards`); one per forward when no step was taken. Callable
        at any time, also mid-training: the pending steps are summarised first. `meta`
        entries (run config, seed, ...) are added to the record's metadata.
        """
        self._ensure_initial()
        self._flush_all()
        self.notes.at_record(
            optimizers=len(self._optimizers), per_step=self._map.per_step(),
            forwards=self._map.forwards, steps=self._steps,
        )  # fmt: skip
        record = Record()
        signals: dict[Key, np.ndarray] = {}
        for key, track in self._tracks.items():
            kind, site = key[0], self._site(key)
            rows = self._map.step_rows(key[1:]) if kind in _ACTIVATION_KINDS else None
            record.summaries(kind)[site] = take_rows(track.stats.numpy(), rows)
            record.quantiles.setdefault(kind, {})[site] = take_rows(track.levels.numpy(), rows)
            signals[key] = take_rows(track.signals.numpy(), rows)
        for watched in self._params:
            weight = signals.get(("weights", watched.key, 0))
            if weight is None:
                continue
            grad = signals.get(("grads", watched.key, 0))
            if grad is None:
                grad = np.full((len(weight), 1), np.nan, np.float32)
            record.layer_signals[watched.key] = _columns([grad, weight])
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
                rows = self._map.step_rows(key[1:]) if key[0] in _ACTIVATION_KINDS else None
                if rows is not None:
                    values = [values[i] for i in rows if 0 <= i < len(values)]
                per_kind = record.tensors.setdefault(key[0], {})
                per_kind[self._site(key)] = [v.cpu().numpy() for v in values]
        record.meta = {**self._meta(), **(meta or {})}
        return record

    def save(self, directory: str | Path, *, meta: dict | None = None) -> Path:
        """Write :meth:`to_record` into `directory`; returns the record's JSON path."""
        return self.to_record(meta=meta).save(directory)

    def _meta(self) -> dict:
        sites = {key[1] for key in self._tracks if key[0] == "net_values"}
        layer_signals = [s for s in LAYER_SIGNALS if self.grads or s != "grad_norm"]
        meta = {
            "mode": self.mode,
            "model": type(self.model).__name__,
            "layers": {w.key: list(w.param.shape) for w in self._params},
            "param_types": {w.key: w.module_type for w in self._params},
            # the Linear and Conv weights among them, in model order: what the diagnoses
            # compare (their thresholds were measured on such layers)
            "weight_layers": [w.key for w in self._params if w.layer],
            "tied": {w.key: list(w.names) for w in self._params if len(w.names) > 1},
            "frozen": [w.key for w in self._params if w.frozen],
            "params_not_recorded": dict(self._skipped),
            "activations": {
                **{name: type(module).__name__ for module, name in self._activation_names.items()},
                **{name: type(self._modules[name]).__name__ for name in self._functional_sites},
            },
            "functional_sites": sorted(self._functional_sites),
            # the layer whose output a functional site took, where it was one
            "activation_inputs": {
                self._site(("net_values", *site)): layer for site, layer in self._inputs_of.items()
            },
            "calls_per_forward": dict(self._max_calls),
            "optimizer_steps": self._steps,
            "forward_passes": self._map.forwards,
            "forwards_per_step": self._map.per_step(),
            "optimizers": [type(opt).__name__ for opt in self._optimizers],
            "counting_optimizer": type(self._counting).__name__ if self._counting else None,
            "monitor_config": _config_meta(self.config),
            "grads": self.grads,
            "exact_limit": self.exact_limit,
            "summary_sample_size": SAMPLE_SIZE,
            # Larger tensors are read in the hook, and a weight's update norm is then
            # estimated from the sample (docs/monitor.md).
            "direct_limit": DIRECT_LIMIT,
            "summary_bytes_per_step": self.summary_bytes_per_step,
            "seed": self.seed,
            "kinds": [kind for kind in KINDS if any(key[0] == kind for key in self._tracks)],
            # What was captured, so a reader can tell "not captured" (absent, NaN) from 0.
            "quantile_levels": list(QUANTILE_LEVELS),
            "signals": {
                "layer": layer_signals if self._params else [],
                "activation": list(ACTIVATION_SIGNALS) if sites else [],
            },
            "missing_signals": dict(self.notes.missing),
            "notes": self.notes.sentences,
            "saturation_bounds": {name: self._bounds[name] for name in self._modules},
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


def _eager(hook: Callable) -> Callable:
    """`hook` run eagerly also inside a torch.compile'd model: Dynamo breaks the graph
    there instead of tracing the Monitor's bookkeeping (which recompiled it every step).
    Costs ~0.8 us a call uncompiled (measured)."""
    return torch.compiler.disable(hook)


def _optimizers(optimizer) -> list[torch.optim.Optimizer]:
    if optimizer is None:
        return []
    if isinstance(optimizer, torch.optim.Optimizer):
        return [optimizer]
    return list(optimizer)


def _config_meta(config: MonitorConfig) -> dict:
    """The Monitor's config as JSON-ready data (tuples as lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(config).items()}


def _columns(parts: list[np.ndarray]) -> np.ndarray:
    """Side by side, the shorter padded with NaN rows at the end (a step cut short)."""
    rows = max(len(part) for part in parts)
    out = np.full((rows, sum(part.shape[1] for part in parts)), np.nan, np.float32)
    column = 0
    for part in parts:
        out[: len(part), column : column + part.shape[1]] = part
        column += part.shape[1]
    return out


__all__ = ["ACTIVATION_TYPES", "Monitor"]
