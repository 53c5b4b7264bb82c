"""Raw captures of modes ``full`` and ``sample``, under a memory cap.

Mode ``full`` keeps an exact CPU copy of every captured tensor; ``sample`` keeps a
fixed random subset of each (weights and gradients: of its elements; activations:
of its units, for every example). The bytes kept are counted against ``max_bytes``:
after the first step the whole run is estimated (with ``planned_steps``), and a
capture that would pass the cap raises a CaptureLimitError or stops raw capture.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable

import torch

from trainlab.errors import CaptureLimitError

ON_LIMIT = ("raise", "stop")  # what happens when raw captures reach max_bytes
# Mode full keeps its copies in blocks of this many bytes (rows of one tensor shape), so
# kept copies never sit among a step's short-lived tensors in the C heap, where they left
# the optimizer's temporaries faulting in fresh pages every step. Rows not yet written
# are never touched, so they cost no memory.
BLOCK_BYTES = 64 * 2**20

# A capture is keyed (kind, module name, call index); weights and grads use call 0.
Key = tuple[str, str, int]
# (key, element count, sample size, device) -> the fixed sample of that tensor's elements.
IndexFn = Callable[[Key, int, int, torch.device], torch.Tensor]


class RawCapture:
    """The raw tensors of one Monitor, in capture order per key.

    Args:
        mode: ``full`` or ``sample``.
        sample_size: elements (weights, grads) or units (activations) kept in ``sample``.
        max_bytes: cap on the bytes kept.
        planned_steps: steps the run will take, if known, to check the cap after step 1.
        on_limit: ``raise`` or ``stop`` (warn, stop raw capture, summaries go on).
        index: the fixed subset of a tensor in mode ``sample``.
    """

    def __init__(
        self,
        mode: str,
        *,
        sample_size: int,
        max_bytes: int,
        planned_steps: int | None,
        on_limit: str,
        index: IndexFn,
    ) -> None:
        self.mode = mode
        self.sample_size = sample_size
        self.max_bytes = max_bytes
        self.planned_steps = planned_steps
        self.on_limit = on_limit
        self._index = index
        self.values: dict[Key, list[torch.Tensor]] = {}
        self._blocks: dict[Key, tuple[torch.Tensor, int]] = {}  # key -> (block, rows used)
        self.nbytes = 0
        self.initial_bytes = 0
        self.bytes_per_step: int | None = None
        self.stopped_at: int | None = None

    def store(self, key: Key, x: torch.Tensor, step: int) -> None:
        """Keep `x` (detached) as `key`'s next entry, unless the cap stops it."""
        if self.stopped_at is not None:
            return
        if self.mode == "full":
            nbytes = x.numel() * x.element_size()
        elif key[0] in ("weights", "grads"):
            x = x.reshape(-1)  # (elements,)
            nbytes = min(x.numel(), self.sample_size) * x.element_size()
        else:
            x = x.reshape(x.shape[0] if x.dim() else 1, -1)  # (batch, units)
            nbytes = x.shape[0] * min(x.shape[1], self.sample_size) * x.element_size()
        if self.nbytes + nbytes > self.max_bytes:
            self._limit(
                f"Monitor mode={self.mode!r}: capturing {key[0]} of {key[1]!r} would take raw "
                f"captures past max_mb={self.max_bytes / 2**20:g} at step {step}",
                step,
            )
            if self.stopped_at is not None:
                return
        self.nbytes += nbytes
        if self.mode == "full":
            value = self._copy(key, x)
        else:
            value = x.index_select(-1, self._index(key, x.shape[-1], self.sample_size, x.device))
        self.values.setdefault(key, []).append(value)

    def replace_last(self, key: Key, x: torch.Tensor) -> None:
        """Overwrite `key`'s last entry with `x` (the same tensor, changed since)."""
        values = self.values.get(key)
        if not values:
            return
        if self.mode == "sample":
            flat = x.reshape(-1)
            x = flat.index_select(0, self._index(key, flat.numel(), self.sample_size, x.device))
        values[-1].copy_(x.detach().reshape(values[-1].shape))

    def _copy(self, key: Key, x: torch.Tensor) -> torch.Tensor:
        """An exact CPU copy of `x` in the next row of `key`'s block (a new block when it is
        full or `x` changed shape, e.g. a smaller last batch). The row is handed out through
        numpy, so it has a storage of its own: saving it saves only its bytes."""
        if not _numpy_has(x.dtype):  # bfloat16 and the like: one allocation per copy
            return x.detach().to("cpu", copy=True)
        block, used = self._blocks.get(key, (None, 0))
        if (
            block is None
            or used == len(block)
            or block.shape[1:] != x.shape
            or block.dtype != x.dtype
        ):
            rows = max(1, BLOCK_BYTES // max(1, x.numel() * x.element_size()))
            # torch's allocator, not numpy's: numpy asks for huge pages, measured slower.
            block, used = torch.empty((rows, *x.shape), dtype=x.dtype), 0
        row = torch.from_numpy(block[used].numpy())
        row.copy_(x.detach())
        self._blocks[key] = (block, used + 1)
        return row

    def mark_initial(self) -> None:
        """The bytes so far are the initial weights (not part of a step)."""
        self.initial_bytes = self.nbytes

    def check_estimate(self) -> None:
        """After the first step: refuse a run whose planned steps would pass the cap."""
        self.bytes_per_step = self.nbytes - self.initial_bytes
        estimate = self.estimated_bytes
        if self.planned_steps is not None and estimate is not None and estimate > self.max_bytes:
            self._limit(
                f"Monitor mode={self.mode!r}: ~{mb(self.bytes_per_step)} per step x "
                f"planned_steps={self.planned_steps} = ~{mb(estimate)}, more than "
                f"max_mb={self.max_bytes / 2**20:g}",
                1,
            )

    @property
    def estimated_bytes(self) -> int | None:
        """Bytes the whole run will hold: initial + per step x planned steps (if known)."""
        if self.bytes_per_step is None or self.planned_steps is None:
            return None
        return self.initial_bytes + self.bytes_per_step * self.planned_steps

    def _limit(self, message: str, step: int) -> None:
        advice = "; use mode='summary' or 'sample', fewer steps, or a larger max_mb"
        if self.on_limit == "raise":
            raise CaptureLimitError(message + advice)
        warnings.warn(message + "; raw capture stopped, summaries go on" + advice, stacklevel=4)
        self.stopped_at = step


@functools.cache
def _numpy_has(dtype: torch.dtype) -> bool:
    """Whether numpy has `dtype` (not bfloat16, for one)."""
    try:
        torch.empty(0, dtype=dtype).numpy()
    except TypeError:
        return False
    return True


def mb(nbytes: int) -> str:
    """Bytes in MiB, for messages."""
    return f"{nbytes / 2**20:.1f} MiB"
