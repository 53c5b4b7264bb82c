"""Monitor: records, per training step, every watched parameter (and its gradient) and
every activation's inputs (net values) and outputs.

The Monitor owns one of each part and hands the work to it:

- `Sites` (`trainlab.monitor.sites`): what is watched in the model, and the name each
  recorded tensor goes by;
- `Hooks` (`trainlab.monitor.hooks`): the hooks on the model, its activation modules
  and its optimizers, which decide when a tensor belongs to a training step;
- `Capture` (`trainlab.monitor.capture`): the tracks each step's tensors are copied
  into, the raw capture of modes full and sample, and the forwards and steps counted;
- `assemble` and `record_meta` (`trainlab.monitor.assembly`): all of it as a `Record`;
- `Notes` (`trainlab.monitor.notes`): what the Monitor cannot see, in sentences.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from trainlab.errors import ConfigError
from trainlab.models.modes import evaluating
from trainlab.monitor.assembly import assemble, record_meta
from trainlab.monitor.buffers import ScalarLog
from trainlab.monitor.capture import Capture
from trainlab.monitor.config import MonitorConfig
from trainlab.monitor.functional import AUTO_FORWARDS
from trainlab.monitor.hooks import Hooks
from trainlab.monitor.notes import Notes
from trainlab.monitor.record import Record
from trainlab.monitor.sites import Sites
from trainlab.monitor.summary import sample_index
from trainlab.monitor.tracks import SUMMARY_BLOCK


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
        self.seed = seed
        self.notes = Notes()
        self._sites = Sites(model, config)
        self.notes.at_attach(
            self._sites.params, self._sites.skipped, config,
            activation_modules=bool(self._sites.activations),
        )  # fmt: skip
        self._capture = Capture(self._sites, config, planned_steps=planned_steps, seed=seed)
        self._hooks = Hooks(
            model, sites=self._sites, capture=self._capture, notes=self.notes, config=config,
            optimizers=_optimizers(optimizer),
        )  # fmt: skip
        self._losses = ScalarLog(2, block=SUMMARY_BLOCK)  # (steps, 2): train, val
        self._val_indices: dict[tuple, torch.Tensor] = {}  # fixed validation subsets
        self._val_generator = torch.Generator().manual_seed(seed + 1)
        if attach:
            self.attach()

    @property
    def mode(self) -> str:
        """What is kept besides the summaries (``config.mode``)."""
        return self.config.mode

    @property
    def grads(self) -> bool:
        """Whether gradients are recorded (``config.grads``)."""
        return self.config.grads

    @property
    def exact_limit(self) -> int:
        """Larger tensors get sampled quantiles (``config.exact_limit``)."""
        return self.config.exact_limit

    # -- hooks on and off ------------------------------------------------------

    def attach(self, optimizer: torch.optim.Optimizer | None = None) -> Monitor:
        """Register the model hooks (once) and watch `optimizer` if given; returns self."""
        self._hooks.attach()
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
        self._hooks.watch(optimizer)

    def detach(self) -> None:
        """Remove every hook (model, modules, optimizers); what was recorded is kept."""
        self._hooks.detach()

    def __enter__(self) -> Monitor:
        return self.attach()

    def __exit__(self, *exc_info) -> None:
        self.detach()

    def begin_forward(self) -> None:
        """A training forward begins: call-site numbering restarts, functional capture
        starts. The model's forward pre-hook calls it; call it (and `end_forward`)
        yourself around training code that does not call the attached model. Nested
        calls count once."""
        self._hooks.begin_forward()

    def end_forward(self) -> None:
        """The training forward begun by `begin_forward` ends."""
        self._hooks.end_forward()

    def describe(self) -> str:
        """What is watched and what is not, in a few lines (print it after attaching)."""
        sites = self._sites
        keys = ", ".join(w.key for w in sites.params) or "none"
        modules = ", ".join(sites.activations.values()) or "none"
        functional = {
            "auto": f"watched (kept if seen in the first {AUTO_FORWARDS} training forwards)",
            "on": "watched",
            "off": "not watched",
        }[self.config.functional]
        seen = ", ".join(sorted(sites.functional))
        lines = [
            f"Monitor on {type(self.model).__name__}, mode {self.mode!r}:",
            f"  parameters ({self.config.params!r}): {keys}"
            + ("; and their gradients" if self.grads else ""),
            f"  activation modules: {modules}",
            f"  functional activations: {functional}" + (f"; seen: {seen}" if seen else ""),
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
        """Parameter key -> one entry per step plus the initial values (see :meth:`net_values`
        for what an entry is in each mode)."""
        self._capture.ensure_initial()
        return self._capture.view("weights")

    @property
    def net_values(self) -> dict[str, list[torch.Tensor]]:
        """Activation call site -> its input, one entry per training forward pass.

        An entry is, in mode summary, a (len(STATS),) row in STATS order; in full, an
        exact CPU copy with the original shape; in sample, the fixed subset, (elements,)
        or (batch, units).
        """
        return self._capture.view("net_values")

    @property
    def outputs(self) -> dict[str, list[torch.Tensor]]:
        """Activation call site -> its output, one entry per training forward pass."""
        return self._capture.view("outputs")

    @property
    def gradients(self) -> dict[str, list[torch.Tensor]]:
        """Parameter key -> its gradient before each step (``grads=True`` only)."""
        return self._capture.view("grads")

    @property
    def train_losses(self) -> list[float]:
        """Train loss per logged step."""
        return self._losses.numpy()[:, 0].tolist()

    @property
    def val_losses(self) -> list[float]:
        """Validation loss per logged step (NaN where none was given)."""
        return self._losses.numpy()[:, 1].tolist()

    @property
    def steps(self) -> int:
        """Optimizer steps seen (of the optimizer whose steps count)."""
        return self._capture.steps

    @property
    def forwards(self) -> int:
        """Training forward passes seen."""
        return self._capture.map.forwards

    @property
    def bytes_per_step(self) -> int | None:
        """Raw capture bytes of the first step (modes full/sample); None before it."""
        raw = self._capture.raw
        return raw.bytes_per_step if raw is not None else None

    @property
    def estimated_bytes(self) -> int | None:
        """Raw bytes the whole run will hold: initial + per step x planned steps (if known)."""
        raw = self._capture.raw
        return raw.estimated_bytes if raw is not None else None

    @property
    def summary_bytes_per_step(self) -> int:
        """Bytes the summaries grow by per step (all modes); see `Capture`."""
        return self._capture.summary_bytes_per_step

    @property
    def nbytes(self) -> int:
        """Bytes held now: summaries (their capacity), pending blocks, map, losses, raw."""
        return self._capture.nbytes + self._losses.nbytes

    # -- the record ------------------------------------------------------------

    def to_record(self, *, meta: dict | None = None) -> Record:
        """Everything recorded so far as a :class:`Record` (one device-to-host copy per array).

        Activations get one row per optimizer step: the last training forward before it
        (`trainlab.monitor.forwards`); one per forward when no step was taken. Callable
        at any time, also mid-training: the pending steps are summarised first. `meta`
        entries (run config, seed, ...) are added to the record's metadata.
        """
        capture, hooks = self._capture, self._hooks
        capture.ensure_initial()
        notes = self.notes.at_record(
            optimizers=len(hooks.optimizers), per_step=capture.map.per_step(),
            forwards=capture.map.forwards, steps=capture.steps,
        )  # fmt: skip
        record = assemble(capture, self._losses.numpy())
        said = record_meta(
            capture, model=type(self.model).__name__, config=self.config, seed=self.seed,
            notes=notes, missing=self.notes.missing, optimizers=hooks.optimizers,
            counting=hooks.counting,
        )  # fmt: skip
        record.meta = {**said, **(meta or {})}
        return record

    def save(self, directory: str | Path, *, meta: dict | None = None) -> Path:
        """Write :meth:`to_record` into `directory`; returns the record's JSON path."""
        return self.to_record(meta=meta).save(directory)


# The name the original course exercise gave this class; same dictionaries, same meaning.
TorchMonitor = Monitor


def _optimizers(optimizer) -> list[torch.optim.Optimizer]:
    if optimizer is None:
        return []
    if isinstance(optimizer, torch.optim.Optimizer):
        return [optimizer]
    return list(optimizer)


__all__ = ["Monitor", "TorchMonitor"]
