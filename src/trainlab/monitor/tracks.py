"""Tracks: one recorded tensor each, from per-step copies to statistics, quantiles, signals.

Two ways to keep a step, chosen by the tensor's size:

- up to DIRECT_LIMIT elements, a hook only copies the tensor into the next row of
  its track's block (`StepBlock`, or one ``torch._foreach_copy_`` for all weights);
  when the block is full, or the record is read, `flush` computes the statistics,
  quantiles and signals of all its steps in ~40 batched operations, where computing
  them per step cost as many dispatches per step (more than a 0.8 ms step of the
  Fashion-MNIST MLP 784-128-64-10);
- above it, the hook reads the tensor at once, while it is still in cache: its exact
  min, max, sum and sum of squares and a fixed sample (`read_step`) of its
  elements go into the blocks. Copying a 100k-element weight and gradient each step
  and summarising them from memory later cost 385 us per step on one core; reading
  them in the hook, 155 us.

One subclass per kind of tensor, for the signals it carries: `WeightTrack`,
`GradTrack`, `InputTrack` (an activation's net values), `OutputTrack`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import torch
from torch import nn

from trainlab.monitor.buffers import RowBuffer, Scratch, StepBlock
from trainlab.monitor.record import STAT_INDEX
from trainlab.monitor.signals import (
    dead_fraction,
    norms,
    saturated_fraction,
    update_norms,
    weight_signals,
)
from trainlab.monitor.summary import N_LEVELS, N_STATS, read_step, sort_rows, summarize_rows

# Most steps in one block: a block's ~40 batched operations then cost little per step
# (measured alone on the Fashion-MNIST MLP: 64-step blocks cost 10 % more per step, 32
# 30 %, 512 and 1024 no less).
SUMMARY_BLOCK = 256
# Bytes of per-step rows one tensor may hold before its block is summarised.
BLOCK_BYTES = 8 * 2**20
# Above this many elements (128 KB) a tensor is read in the hook rather than copied.
# For 4k-32k elements both ways cost the same within the benchmarks' noise; copied,
# the update norm stays exact and the block costs no dispatch per step.
DIRECT_LIMIT = 32_768

MEAN, STD = STAT_INDEX["mean"], STAT_INDEX["std"]
# (width, device) -> the fixed element sample its quantiles are estimated from, on that
# device; None: all elements.
IndexFor = Callable[[int, torch.device], "torch.Tensor | None"]


# Activations whose output is a non-decreasing function of each input element, with no
# parameters and no randomness: their outputs can be computed from a copy of the inputs
# (see InputTrack). GELU, SiLU, Mish, Hardswish are not monotone; PReLU learns; RReLU draws.
MONOTONE: tuple[type[nn.Module], ...] = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.CELU, nn.SELU, nn.Tanh, nn.Sigmoid,
    nn.Hardtanh, nn.Hardsigmoid, nn.Softplus, nn.Softsign, nn.LogSigmoid,
)  # fmt: skip


def derives_outputs(module: nn.Module) -> bool:
    """Whether `module`'s outputs follow from its inputs alone, in their order."""
    if type(module) not in MONOTONE:  # a subclass may compute something else
        return False
    slope = getattr(module, "negative_slope", 0.0)  # LeakyReLU
    alpha = getattr(module, "alpha", 0.0)  # ELU, CELU
    low, high = getattr(module, "min_val", 0.0), getattr(module, "max_val", 0.0)  # Hardtanh
    return slope >= 0 and alpha >= 0 and low <= high


def block_capacity(width: int) -> int:
    """Steps per block whose rows are `width` float32 values (1 to SUMMARY_BLOCK)."""
    return max(1, min(SUMMARY_BLOCK, BLOCK_BYTES // (4 * max(width, 1))))


class Track:
    """Per-step rows of one tensor and what they are summarised into.

    Attributes:
        stats: (rows, len(STATS)) statistics, one row per captured step.
        levels: (rows, len(QUANTILE_LEVELS)) quantiles, same rows.
        signals: (steps, n_signals) signals of the subclass's kind.
        block: the steps not yet summarised: full copies, or (above DIRECT_LIMIT)
            the fixed sample of each step, with `moments` the min, max, sum and sum
            of squares of each.
    """

    n_signals = 0
    carry = False  # keep the last row across flushes (WeightTrack: the update needs it)

    def __init__(self, *, device: torch.device, scratch: Scratch, index_for: IndexFor) -> None:
        self.device = device
        self.stats = RowBuffer(N_STATS, device=device)
        self.levels = RowBuffer(N_LEVELS, device=device)
        self.signals = RowBuffer(self.n_signals, device=device)
        self.block: StepBlock | None = None
        self.moments: StepBlock | None = None
        self.shape: tuple[int, ...] | None = None  # of the tensor the blocks are made for
        self.width = 0  # its elements
        self._scratch = scratch
        self._index_for = index_for
        self._index: torch.Tensor | None = None
        self._carried = False  # the blocks' row 0 was summarised in an earlier flush

    @property
    def direct(self) -> bool:
        """Steps are read in the hook (moments and a sample), not copied whole."""
        return self.moments is not None

    def slot(self, x: torch.Tensor) -> torch.Tensor | None:
        """The row to copy this step's `x` into before `commit`; None when there is
        nothing to copy: an empty `x` (its rows are NaN) or a large one (read now)."""
        if x.numel() == 0:
            self.append_nan()
            return None
        if x.device != self.device:
            self._move(x.device)
        if x.shape != self.shape or self.block.full:
            self._renew(x)
        if self.direct:
            # statistics in float32 whatever the tensor's type (bfloat16 under autocast)
            self._read(x if x.dtype == torch.float32 else x.float())
            for block in self._blocks():
                block.commit()
            return None
        return self.block.slot()

    def commit(self) -> None:
        """The row `slot` gave is filled."""
        self.block.commit()

    def rewrite(self, x: torch.Tensor) -> None:
        """Replace the last step kept with `x` (a second optimizer changed the weights
        after the step was taken); nothing when that step was summarised already."""
        if self.block is None or self.block.n == 0 or (self.block.n == 1 and self._carried):
            return
        if x.shape != self.shape or x.device != self.device:
            return
        if self.direct:
            flat = (x if x.dtype == torch.float32 else x.float()).reshape(-1)
            read_step(flat, self._index, sample=self.block.last(), moments=self.moments.last())
        else:
            self.block.last().copy_(x)

    def add(self, x: torch.Tensor) -> None:
        """Keep one step's tensor (detached) in the track."""
        row = self.slot(x)
        if row is not None:
            row.copy_(x)
            self.block.commit()

    def append_nan(self) -> None:
        """A step with nothing to summarise (no gradient, an empty tensor): NaN rows."""
        self.flush()  # keep the steps in order
        self.stats.append(math.nan)
        self.levels.append(math.nan)
        if self.n_signals:
            self.signals.append(math.nan)

    def flush(self) -> None:
        """Summarise the blocks' new rows into stats, levels and signals; empty them."""
        if self.block is None:
            return
        rows = self.block.rows()
        first = 1 if self._carried else 0
        if rows.shape[0] > first:
            new = rows[first:]
            if self.direct:
                moments = self.moments.rows()[first:]
                stats, levels = summarize_rows(new, moments=moments, width=self.width)
            else:
                stats, levels = summarize_rows(new, sample_index=self._index)
            self.stats.extend(stats)
            self.levels.extend(levels)
            if self.n_signals:
                self.signals.extend(self._signals(rows, stats, first))
        for block in self._blocks():
            block.clear()
        self._carried = self.carry and self.block.n == 1

    def _move(self, device: torch.device) -> None:
        """Follow the model to `device`: what is pending is summarised first, the rows
        kept (a weight's last one is the start of the next update) move along."""
        self.flush()
        for rows in (self.stats, self.levels, self.signals):
            rows.to(device)
        if self.block is not None:
            for block in self._blocks():
                block.to(device)
        if self._index is not None:
            self._index = self._index.to(device)
        self.device = device

    def _renew(self, x: torch.Tensor) -> None:
        """Summarise what is pending; new blocks when `x` has another shape (a batch size)."""
        self.flush()
        if x.shape == self.shape:
            return
        self.shape, self.width = tuple(x.shape), x.numel()
        self._index = self._index_for(self.width, self.device)
        direct = self._index is not None and self.width > DIRECT_LIMIT
        stored = len(self._index) if direct else self.width
        capacity = block_capacity(max(stored, self._extra_width(direct))) + self.carry
        make = functools.partial(StepBlock, capacity=capacity, device=self.device, carry=self.carry)
        self.block = make((stored,) if direct else self.shape)
        self.moments = make((4,)) if direct else None
        self._make_extra(direct, make)
        self._carried = False

    def _read(self, x: torch.Tensor) -> None:
        """Direct mode: this step's sample and moments, read from `x` now."""
        read_step(x.reshape(-1), self._index, sample=self.block.slot(), moments=self.moments.slot())

    def _blocks(self) -> list[StepBlock]:
        return [self.block] + ([self.moments] if self.direct else [])

    def _extra_width(self, direct: bool) -> int:
        """Floats per step of a subclass's own block (0: none)."""
        return 0

    def _make_extra(self, direct: bool, make: Callable[[tuple[int, ...]], StepBlock]) -> None:
        """Make a subclass's own blocks."""

    def _signals(self, rows: torch.Tensor, stats: torch.Tensor, first: int) -> torch.Tensor:
        """(steps, n_signals) signals of the steps in `rows` (after the first `first`),
        whose statistics are `stats`."""
        raise NotImplementedError

    @property
    def nbytes(self) -> int:
        """Bytes of the blocks of pending steps."""
        return sum(block.nbytes for block in self._blocks()) if self.block is not None else 0


class WeightTrack(Track):
    """A layer's weight after each step (row 0: the initial weights): weight_norm,
    update_norm and update_ratio, the last three LAYER_SIGNALS.

    Above DIRECT_LIMIT elements the update norm is estimated from the fixed sample,
    scaled by sqrt(elements / sample size); docs/monitor.md gives its measured error.
    Measuring it exactly against a kept copy of the weights cost three more passes per
    step: 115 us (10 %) on the Fashion-MNIST MLP's 1.1 ms step, measured.
    """

    n_signals = 3
    carry = True

    def _signals(self, rows, stats, first):
        # rows[0] is the weight before the block's first step: summarised already
        # (first = 1), or the initial weights summarised in this flush (first = 0).
        steps, stored = rows.shape[0] - 1, rows.shape[1]
        if steps == 0:
            return torch.zeros((0, 3), device=rows.device)
        after = stats[1 - first :]  # the steps' rows
        weight_norm = norms(after[:, MEAN], after[:, STD], self.width)
        update = update_norms(rows, work=self._scratch.get(steps, stored, rows.device))
        return weight_signals(weight_norm, update * math.sqrt(self.width / stored))


class GradTrack(Track):
    """A layer's weight gradient before each step: grad_norm."""

    n_signals = 1

    def _signals(self, rows, stats, first):
        return norms(stats[:, MEAN], stats[:, STD], self.width)[:, None]


class InputTrack(Track):
    """An activation call site's input (net values): dead_frac.

    Above DIRECT_LIMIT elements the hook keeps each unit's largest input over the
    batch, (B, ...) -> (U,), so dead_frac stays exact.

    With `derived` = (the activation module, its OutputTrack), for a monotone
    activation (`derives_outputs`): while the input is kept whole in float32, the
    outputs are not copied at all but computed from it when the block is summarised,
    and sorted for free (the activation keeps the order of its inputs). That skips a
    copy, a sort and the passes over a second block per call (in the Fashion-MNIST
    benchmark loop, about 0.1 ms of the monitor's 0.7 ms per step, measured).
    """

    n_signals = 1
    units: StepBlock | None = None

    def __init__(self, *, derived: tuple[nn.Module, OutputTrack] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.derived = derived
        self._float32 = True

    @property
    def derives(self) -> bool:
        """The current block's outputs come from its inputs (not from the output hook)."""
        return self.derived is not None and not self.direct and self._float32

    def flush(self) -> None:
        """As Track.flush; a derived block also gives its outputs' rows to their track."""
        if not self.derives or self.block is None or self.block.n == 0:
            super().flush()
            return
        module, outputs = self.derived
        rows = self.block.rows()
        ordered = sort_rows(rows, self._index)
        stats, levels = summarize_rows(rows, sample_index=self._index, ordered=ordered)
        self.stats.extend(stats)
        self.levels.extend(levels)
        self.signals.extend(self._signals(rows, stats, 0))
        # forward(), not __call__: no hooks; in place for an inplace ReLU, which is fine:
        # the block is emptied next.
        outputs.absorb(module.forward(rows), module.forward(ordered))
        self.block.clear()

    def _renew(self, x):
        super()._renew(x)
        self._float32 = x.dtype == torch.float32  # a float32 copy gives the same outputs

    def _extra_width(self, direct):
        return self.width // self._batch() if direct else 0

    def _make_extra(self, direct, make):
        self.units = make((self.width // self._batch(),)) if direct else None

    def _read(self, x):
        super()._read(x)
        torch.amax(x.reshape(self._batch(), -1), dim=0, out=self.units.slot())

    def _blocks(self):
        return super()._blocks() + ([self.units] if self.units is not None else [])

    def _signals(self, rows, stats, first):
        if self.units is None:
            return dead_fraction(rows, self._batch())[:, None]
        best = self.units.rows()
        return ((best <= 0).sum(dim=1, dtype=best.dtype) / best.shape[1])[:, None]

    def _batch(self) -> int:
        return self.shape[0] if self.shape else 1


class OutputTrack(Track):
    """An activation call site's output: saturated_frac (NaN for an unbounded activation).

    Above DIRECT_LIMIT elements it is the fraction in the fixed sample (binomial error
    <= 1.1 % at 2048 elements).
    """

    n_signals = 1

    def __init__(self, *, bounds: tuple[float, float] | None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.bounds = bounds

    def absorb(self, rows: torch.Tensor, ordered: torch.Tensor) -> None:
        """Summarise outputs computed from a derived InputTrack's block (rows, and the
        sorted sample), after any steps this track captured itself."""
        if rows.device != self.device:
            self._move(rows.device)
        self.flush()
        index = self._index_for(rows.shape[1], rows.device)
        stats, levels = summarize_rows(rows, sample_index=index, ordered=ordered)
        self.stats.extend(stats)
        self.levels.extend(levels)
        self.signals.extend(self._signals(rows, stats, 0))

    def _signals(self, rows, stats, first):
        return saturated_fraction(rows, self.bounds)[:, None]
