"""Per-step statistics of a tensor, computed on its device without a host sync.

Every function here is pure: tensors in, small tensors out, on the same device.
The statistics follow :data:`trainlab.monitor.record.STATS`: min, lower whisker,
q1, median, q3, upper whisker, max (matplotlib's box-plot rule: whiskers are the
most extreme data points within [q1 - 1.5 IQR, q3 + 1.5 IQR]), mean, population
std, the fraction of exact zeros, the mean absolute value and the fraction of
NaN or infinite elements; the quantiles follow :data:`QUANTILE_LEVELS`. Quantiles
interpolate linearly between order statistics, like ``torch.quantile`` and
``numpy.percentile``; NaN sorts above +inf (as ``torch.sort`` and ``numpy.sort``
order it), so a quantile is NaN only where its rank falls among the NaN elements.

Tensors above :data:`EXACT_LIMIT` elements get their quantiles, whiskers, zero
fraction and mean |x| from a fixed random sample of elements (min, max, mean, std
and the non-finite fraction stay exact): an exact sort of a 786k-element weight
costs ~95 ms with ``torch.sort`` on two cores, and each extra pass over it ~0.1 ms
of a 6.7 ms training step. docs/monitor.md states the estimates' errors.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch

from trainlab.monitor.record import QUANTILE_LEVELS, STATS

# Above this many elements, quantiles, whiskers, zero_frac and mean_abs are estimated
# from a fixed sample.
EXACT_LIMIT = 4_096
# Elements in that sample: the rank error of a median is ~ sqrt(p (1 - p) / n) = 1.1 % of
# the tensor (1 sigma). The sort is the largest part of a block's summary: 2048 instead
# of 4096 cut the Fashion-MNIST benchmark's monitoring by a quarter (docs/monitor.md).
SAMPLE_SIZE = 2_048
# Whisker reach in interquartile ranges (matplotlib's default ``whis``).
WHISKER_IQR = 1.5

N_STATS = len(STATS)
N_LEVELS = len(QUANTILE_LEVELS)
_QUARTILE_COLUMNS = tuple(QUANTILE_LEVELS.index(p) for p in (0.25, 0.5, 0.75))


def sort_rows(rows: torch.Tensor, index: torch.Tensor | None = None) -> torch.Tensor:
    """Each row (or its columns `index`) sorted ascending, NaN last: (R, m) -> (R, k).

    On the CPU numpy's vectorised sort does it: 0.67 ms for a (64, 4096) float32 block
    where ``torch.sort`` takes 11-18 ms (measured, numpy 2.4 with AVX-512, torch 2.13),
    and the columns are taken and sorted in one copy.
    """
    if rows.device.type == "cpu":
        values = rows.numpy()
        taken = values.copy() if index is None else np.take(values, index.numpy(), axis=1)
        taken.sort(axis=1)
        return torch.from_numpy(taken)
    taken = rows if index is None else rows.index_select(1, index)
    return torch.sort(taken, dim=1).values


def read_step(
    flat: torch.Tensor, index: torch.Tensor, *, sample: torch.Tensor, moments: torch.Tensor
) -> None:
    """What a hook keeps of a tensor too large to copy every step: its elements at `index`
    into `sample`, and its exact min, max, sum and sum of squares into `moments` (4,).

    Read while the tensor is still in cache (see `trainlab.monitor.tracks.DIRECT_LIMIT`):
    ~40 us for a 100k-element weight on one core. The sum of squares is a BLAS dot
    product: relative error ~2e-7, where a float32 vector_norm is off by ~1e-5. (A numpy
    version, one thread and no dispatch, was as fast alone and slower inside a training
    loop: its sum, a dot product with a vector of ones, doubles the memory read.)
    """
    torch.index_select(flat, 0, index, out=sample)
    torch.stack((flat.amin(), flat.amax(), flat.sum(), torch.dot(flat, flat)), out=moments)


def summarize_rows(
    rows: torch.Tensor,
    *,
    sample_index: torch.Tensor | None = None,
    moments: torch.Tensor | None = None,
    width: int | None = None,
    ordered: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Statistics and quantiles of each row: (R, m) -> (R, len(STATS)), (R, len(QUANTILE_LEVELS)).

    Args:
        rows: float32, one tensor per row (a block of one tensor's per-step copies), or
            one fixed sample of it per row when `moments` are given.
        sample_index: columns to estimate the quantiles, whiskers, zero_frac and
            mean_abs from; None: all of them.
        moments: (R, 4) min, max, sum and sum of squares (:func:`read_step`) of the full
            tensors `rows` sample; then min, max, mean and std come from them, the rest
            from `rows`.
        width: elements of the full tensors (with `moments`).
        ordered: `sort_rows(rows, sample_index)` when the caller has it (left unchanged).
    """
    # About 40 operations whatever R: a monitor calls this once per block of steps.
    # Memory passes dominate: on the CPU, aminmax, var_mean and reductions over bool
    # tensors are 10-40x slower than amin/amax/sum (measured on (2, 786432) and
    # (20, 100352) blocks, torch 2.13), so full rows get four plain reductions, or two
    # when they are sorted whole (min and max are then the ends).
    given = ordered is not None
    ordered = ordered if given else sort_rows(rows, sample_index)
    k = ordered.shape[1]
    if moments is not None:
        m = width
        low, high, total, squares = moments.unbind(dim=1)
    else:
        m = rows.shape[1]
        if sample_index is None:  # a copy: `ordered` is reused in place below
            low, high = ordered[:, [0, k - 1]].unbind(dim=1)  # NaN sorts last
        else:
            low, high = rows.amin(dim=1), rows.amax(dim=1)  # NaN propagates
        total = rows.sum(dim=1)
        # float32 accumulation: relative error ~1e-6 at 32k elements; see `heavy` below
        squares = torch.linalg.vector_norm(rows, dim=1).square_()
    mean = total / m
    var = (squares / m).sub_(mean.square()).clamp_(min=0)
    # One host read decides whether the careful paths are needed: rows with NaN or inf
    # (low + high is then not finite), and rows where |mean| > std, where
    # E[x^2] - mean^2 cancels digits (recomputed from x - mean when rows are full).
    bad = ~torch.isfinite(low + high)
    heavy = mean.square() > var if moments is None else torch.zeros_like(bad)
    careful = bool((bad | heavy).any())
    if careful:
        var[heavy] = (rows[heavy] - mean[heavy, None]).square_().mean(dim=1)
        odd = ordered[bad]
        nan = torch.isnan(odd).sum(dim=1)  # in the sorted rows, the last `nan` elements
        low[bad] = torch.where(nan > 0, math.nan, low[bad])  # a tensor with NaN: min NaN
    levels = _level_values(ordered, finite=not careful)
    levels[:, 0], levels[:, -1] = low, high  # exact extremes, also for a sample
    q1, median, q3 = (levels[:, c] for c in _QUARTILE_COLUMNS)
    reach = (q3 - q1).mul_(WHISKER_IQR)
    lo_bound, hi_bound = q1 - reach, q3 + reach
    # Zeros and whiskers: one search from the left (0, lower bound), one from the right.
    zero = torch.zeros_like(low)
    left = torch.searchsorted(ordered, torch.stack((zero, lo_bound), dim=1))
    right = torch.searchsorted(ordered, torch.stack((zero, hi_bound), dim=1), right=True)
    zero_frac = (right[:, 0] - left[:, 0]).to(rows.dtype) / k
    ends = torch.stack((left[:, 1], right[:, 1] - 1), dim=1)
    nonfinite = torch.zeros_like(low)
    if careful:
        # torch.searchsorted does not order NaN: count the zeros directly, and keep the
        # upper whisker's search among the elements before the NaN.
        zero_frac[bad] = (odd == 0).sum(dim=1, dtype=rows.dtype) / k
        ends[bad, 1] = torch.minimum(ends[bad, 1], k - 1 - nan)
        if moments is None:
            nonfinite[bad] = (~torch.isfinite(rows[bad])).sum(dim=1, dtype=rows.dtype) / m
        else:  # the sample's share, and at least the one element the moments show
            seen = (~torch.isfinite(odd)).sum(dim=1, dtype=rows.dtype) / k
            nonfinite[bad] = seen.clamp(min=1 / m)
    whiskers = ordered.gather(1, ends.clamp_(0, k - 1))
    # matplotlib: a whisker never lies inside the box; an exact extreme inside the
    # whisker range is the whisker (it matters for sampled rows).
    whislo = torch.where(low >= lo_bound, low, torch.minimum(whiskers[:, 0], q1))
    whishi = torch.where(high <= hi_bound, high, torch.maximum(whiskers[:, 1], q3))
    mean_abs = (ordered.abs() if given else ordered.abs_()).mean(dim=1)  # ours: in place
    stats = torch.stack(
        (low, whislo, q1, median, q3, whishi, high, mean, var.sqrt_(), zero_frac, mean_abs,
         nonfinite),
        dim=1,
    )  # fmt: skip
    return stats, levels


def summarize(x: torch.Tensor, *, sample_index: torch.Tensor | None = None) -> torch.Tensor:
    """Statistics of all elements of `x` in STATS order, as a (len(STATS),) float32 tensor.

    Args:
        x: any shape; detached and flattened (a conv activation (B, C, H, W) is
            summarised over all B*C*H*W elements).
        sample_index: flat element indices (on x's device) to estimate quartiles
            and whiskers from; None for exact statistics.
    """
    return _summarize_one(x, sample_index)[0]


def quantiles(x: torch.Tensor, *, sample_index: torch.Tensor | None = None) -> torch.Tensor:
    """All elements of `x` at QUANTILE_LEVELS, a (len(QUANTILE_LEVELS),) float32 tensor."""
    return _summarize_one(x, sample_index)[1]


def sample_index(
    numel: int, size: int, *, generator: torch.Generator, device: torch.device | str = "cpu"
) -> torch.Tensor:
    """`size` distinct flat indices below `numel`, sorted (for memory locality), on `device`."""
    if numel <= size:
        return torch.arange(numel, device=device)
    chosen = torch.randperm(numel, generator=generator)[:size]
    return torch.sort(chosen).values.to(device)


def _summarize_one(
    x: torch.Tensor, sample_index: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    flat = x.detach().reshape(1, -1)
    if flat.dtype != torch.float32:
        flat = flat.float()
    if flat.shape[1] == 0:
        nan = float("nan")
        return (
            torch.full((N_STATS,), nan, device=flat.device),
            torch.full((N_LEVELS,), nan, device=flat.device),
        )
    stats, levels = summarize_rows(flat, sample_index=sample_index)
    return stats[0], levels[0]


def _level_values(ordered: torch.Tensor, *, finite: bool) -> torch.Tensor:
    """Sorted rows at QUANTILE_LEVELS by linear interpolation: (R, m) -> (R, levels).

    ``finite=False`` handles an infinite neighbour: toward it the value is that
    infinity (the plain formula gives inf - inf = NaN).
    """
    index, frac = _level_positions(ordered.shape[1], ordered.device)
    around = ordered.index_select(1, index)  # (R, 2 levels): lower, then upper neighbours
    lo, hi = around[:, : len(frac)], around[:, len(frac) :]
    between = (hi - lo).mul_(frac).add_(lo)
    if finite:
        return between
    safe = torch.isfinite(lo) & torch.isfinite(hi)
    return torch.where(safe, between, torch.where(torch.isinf(lo), lo, hi))


@functools.lru_cache(maxsize=256)
def _level_positions(m: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    # Linear interpolation at position p * (m - 1), like torch.quantile; where the
    # position is a whole number both neighbours are that element.
    floors, ceils, fracs = [], [], []
    for p in QUANTILE_LEVELS:
        pos = p * (m - 1)
        lo = min(int(pos), m - 1)
        frac = pos - lo
        floors.append(lo)
        ceils.append(min(lo + 1, m - 1) if frac > 0 else lo)
        fracs.append(frac)
    index = torch.tensor(floors + ceils, dtype=torch.long, device=device)
    return index, torch.tensor(fracs, device=device)
