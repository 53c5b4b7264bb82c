"""Capture: each training step's tensors into their tracks, counted by forward and step.

The hooks (`trainlab.monitor.hooks`) decide when a tensor belongs to a training step;
a `Capture` keeps it: an activation's input or output goes into its call site's track,
every watched parameter (or gradient) into theirs with one ``torch._foreach_copy_``,
and in modes full and sample into the raw capture too. A track only copies the tensor
into the next row of a preallocated block (`trainlab.monitor.tracks`); statistics,
quantiles and signals are computed per block. Every stored tensor is a detached copy:
nothing keeps the autograd graph alive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from trainlab.monitor.buffers import Scratch
from trainlab.monitor.config import MonitorConfig
from trainlab.monitor.forwards import ForwardMap
from trainlab.monitor.params import Watched
from trainlab.monitor.raw import Key, RawCapture
from trainlab.monitor.record import N_ROW_FLOATS
from trainlab.monitor.sites import Sites
from trainlab.monitor.summary import SAMPLE_SIZE, sample_index
from trainlab.monitor.tracks import (
    GradTrack,
    InputTrack,
    OutputTrack,
    Track,
    WeightTrack,
    derives_outputs,
)

_TRACKS: dict[str, type[Track]] = {
    "weights": WeightTrack, "grads": GradTrack, "net_values": InputTrack, "outputs": OutputTrack,
}  # fmt: skip


@dataclass(frozen=True)
class ParamTrack:
    """A watched parameter with the track of its values (or gradient), copied together."""

    key: Key
    watched: Watched
    track: Track


class Capture:
    """The tracks of one Monitor, its raw capture, and which forward and step each row is.

    Args:
        sites: what is watched; its activation modules give the outputs' saturation
            bounds and whether they are computed from the inputs.
        config: ``mode``, ``exact_limit`` and the raw capture's ``sample_size``,
            ``max_bytes`` and ``on_limit``.
        planned_steps: steps the run will take, if known, to check the raw-capture cap
            after step 1.
        seed: random seed of the fixed element samples.
    """

    def __init__(
        self, sites: Sites, config: MonitorConfig, *, planned_steps: int | None, seed: int
    ) -> None:
        self.sites = sites
        self.config = config
        self.tracks: dict[Key, Track] = {}  # per recorded tensor: blocks, summaries, signals
        self._weight_tracks: list[ParamTrack] | None = None  # made at first use
        self._grad_tracks: list[ParamTrack] | None = None
        self._scratch = Scratch()  # shared workspace of the block statistics
        self.raw = (
            RawCapture(
                config.mode, sample_size=config.sample_size, max_bytes=config.max_bytes,
                planned_steps=planned_steps, on_limit=config.on_limit, index=self._sample_for_raw,
            )
            if config.mode != "summary"
            else None
        )  # fmt: skip
        self.indices: dict[tuple, torch.Tensor] = {}  # fixed element samples
        self._generator = torch.Generator().manual_seed(seed)
        self.map = ForwardMap()
        self.steps = 0  # optimizer steps counted
        self.busy = False  # capturing: its own torch calls are not the model's
        self._have_initial = False

    # -- a training step -------------------------------------------------------

    def begin_forward(self) -> None:
        """A training forward begins (the initial weights are taken before the first)."""
        self.ensure_initial()
        self.map.begin()

    def tensor(self, key: Key, x: torch.Tensor) -> None:
        """Keep activation tensor `x` as `key`'s row of the current forward."""
        self.busy = True
        try:
            x = x.detach()
            track = self.tracks.get(key)
            if track is None:
                track = self._track(key, x.device)
            track.add(x)
            if key[0] == "net_values":  # one row per site and forward; its outputs share it
                self.map.row(key[1:])
            if self.raw is not None:
                self.raw.store(key, x, self.steps)
        finally:
            self.busy = False

    def output(self, name: str, call: int, output: torch.Tensor) -> None:
        """Keep the output of call `call` of site `name`, unless its inputs give it."""
        source = self.tracks.get(("net_values", name, call))
        if source is not None and source.derives:
            return  # the outputs will be computed from the inputs' copy
        self.tensor(("outputs", name, call), output)

    def grads(self) -> None:
        """Every watched parameter's gradient, before the step uses it."""
        self.ensure_initial()
        if self._grad_tracks is None:
            self._grad_tracks = self._param_tracks("grads")
        self._copy_all(self._grad_tracks, [t.watched.param.grad for t in self._grad_tracks])

    def step(self) -> None:
        """The counted optimizer stepped: every watched parameter after the update."""
        self.ensure_initial()
        self.steps += 1
        self.map.step()
        self._snapshot_weights()
        if self.steps == 1 and self.raw is not None:
            self.raw.check_estimate()

    def rewrite_weights(self) -> None:
        """Another optimizer updated the parameters after the counted step of this
        iteration: the step's copy becomes the parameters after all updates."""
        self._copy_all(self._weight_tracks, self._values(), rewrite=True)

    def ensure_initial(self) -> None:
        """Take the initial parameters, once, before anything changes them."""
        if not self._have_initial:
            self._have_initial = True
            self._snapshot_weights()
            if self.raw is not None:
                self.raw.mark_initial()

    def flush(self) -> None:
        """Summarise every track's pending steps."""
        for track in self.tracks.values():
            track.flush()

    # -- what was captured -------------------------------------------------------

    def view(self, kind: str) -> dict[str, list[torch.Tensor]]:
        """Record name -> its entries of `kind`, one per row (what an entry is in each
        mode: `Monitor.net_values`)."""
        self.flush()
        view: dict[str, list[torch.Tensor]] = {}
        for key, track in self.tracks.items():
            if key[0] != kind:
                continue
            if self.raw is None:
                view[self.sites.name(key)] = list(track.stats.rows().unbind(0))
            else:
                view[self.sites.name(key)] = list(self.raw.values.get(key, []))
        return view

    @property
    def summary_bytes_per_step(self) -> int:
        """Bytes the summaries grow by per step (all modes): per recorded tensor, its
        statistics, quantiles and signals as float32, two losses, and 8 bytes of the
        forward map. Storage doubles when full, so up to twice this is held."""
        floats = sum(N_ROW_FLOATS + track.n_signals for track in self.tracks.values())
        return 4 * (floats + 2) + 8

    @property
    def nbytes(self) -> int:
        """Bytes held now: summaries (their capacity), pending blocks, map, raw."""
        held = sum(
            t.stats.nbytes + t.levels.nbytes + t.signals.nbytes + t.nbytes
            for t in self.tracks.values()
        )
        raw = self.raw.nbytes if self.raw is not None else 0
        return held + self.map.nbytes + raw

    # -- parameters ------------------------------------------------------------

    def _snapshot_weights(self) -> None:
        if self._weight_tracks is None:
            self._weight_tracks = self._param_tracks("weights")
        self._copy_all(self._weight_tracks, self._values())

    def _values(self) -> list[torch.Tensor]:
        return [t.watched.param for t in self._weight_tracks]

    def _param_tracks(self, kind: str) -> list[ParamTrack]:
        return [
            ParamTrack((kind, w.key, 0), w, self._track((kind, w.key, 0), w.param.device))
            for w in self.sites.params
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
        if self.raw is not None:
            for param, x in zip(tracks, tensors, strict=True):
                if x is None:
                    continue
                if rewrite:
                    self.raw.replace_last(param.key, x.detach())
                else:
                    self.raw.store(param.key, x.detach(), self.steps)

    # -- tracks and their samples ----------------------------------------------

    def _track(self, key: Key, device: torch.device) -> Track:
        kind, name, call = key
        options: dict = {}
        if kind == "outputs":
            options["bounds"] = self.sites.bounds[name]
        module = self.sites.modules.get(name)
        if kind == "net_values" and self.raw is None and derives_outputs(module):
            # The outputs of a monotone activation are computed from its inputs (InputTrack).
            outputs = self._track(("outputs", name, call), device)
            options["derived"] = (module, outputs)
        track = _TRACKS[kind](
            device=device, scratch=self._scratch, index_for=self._quantile_sample(key), **options
        )
        self.tracks[key] = track
        return track

    def _quantile_sample(self, key: Key) -> Callable[[int, torch.device], torch.Tensor | None]:
        def index_for(width: int, device: torch.device) -> torch.Tensor | None:
            if width <= self.config.exact_limit:
                return None
            return self._index(key, "summary", width, SAMPLE_SIZE, device)

        return index_for

    def _sample_for_raw(self, key: Key, numel: int, size: int, device) -> torch.Tensor:
        return self._index(key, "sample", numel, size, device)

    def _index(self, key: Key, purpose: str, numel: int, size: int, device) -> torch.Tensor:
        # Net values and outputs of one call site share their sample, as do weights and grads.
        family = "layer" if key[0] in ("weights", "grads") else "activation"
        cache_key = (purpose, family, key[1], key[2], numel)
        index = self.indices.get(cache_key)
        if index is None:
            index = sample_index(numel, size, generator=self._generator, device=device)
            self.indices[cache_key] = index
        elif index.device != torch.device(device):  # the model moved
            index = self.indices[cache_key] = index.to(device)
        return index
