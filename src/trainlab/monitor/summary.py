"""Per-step statistics of a tensor, computed on its device without a host sync.

Every function here is pure: tensors in, a small tensor out, on the same device.
The statistics follow :data:`trainlab.monitor.record.STATS`: min, lower whisker,
q1, median, q3, upper whisker, max (matplotlib's box-plot rule: whiskers are the
most extreme data points within [q1 - 1.5 IQR, q3 + 1.5 IQR]), mean, population
std and the fraction of exact zeros. Quartiles interpolate linearly between
order statistics, like ``torch.quantile`` and ``numpy.percentile``.

Tensors above :data:`EXACT_LIMIT` elements get their quartiles and whiskers from
a fixed random sample of elements (min, max, mean, std and zero fraction stay
exact): an exact sort of a 786k-element weight costs ~95 ms on two cores, a
sample of 4096 elements ~0.06 ms. docs/monitor.md states the estimate's error.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from trainlab.monitor.record import STATS

# Above this many elements, quartiles and whiskers are estimated from a sample.
EXACT_LIMIT = 4_096
# Elements in that sample: rank error of a quartile ~ sqrt(p (1 - p) / n) = 0.7 % of n.
# CPU sort time grows faster than n log n past 4096 elements: 60 us at 4096, 440 us at 8192.
SAMPLE_SIZE = 4_096
# Whisker reach in interquartile ranges (matplotlib's default ``whis``).
WHISKER_IQR = 1.5

N_STATS = len(STATS)
_QUARTILES = (0.25, 0.5, 0.75)


def moments(rows: torch.Tensor) -> torch.Tensor:
    """Exact min, max, mean, population std and zero fraction of each row: (R, m) -> (R, 5)."""
    # Written with plain reductions: on CPU aminmax, std_mean and count_nonzero are
    # 10-40x slower than amin/amax/mean (measured on a 786k-element row), and
    # vector_norm's float32 accumulation is off by 2e-4 where mean's pairwise sum is not.
    m = rows.shape[1]
    mean = rows.mean(dim=1, keepdim=True)
    std = (rows - mean).square_().mean(dim=1).sqrt_()
    nonzero = rows.sign().abs_().sum(dim=1)  # NaN stays NaN
    return torch.stack(
        (rows.amin(dim=1), rows.amax(dim=1), mean[:, 0], std, 1.0 - nonzero / m), dim=1
    )


def summarize_rows(rows: torch.Tensor, *, exact: torch.Tensor | None = None) -> torch.Tensor:
    """Box-plot statistics of each row, in STATS order: (R, m) float32 -> (R, len(STATS)).

    Args:
        rows: the values to sort, one distribution per row (all of a tensor, or a
            sample of it).
        exact: (R, 5) :func:`moments` of the full tensors the rows were sampled
            from; None when the rows are the full tensors.
    """
    m = rows.shape[1]
    if exact is None:
        exact = moments(rows)
    ordered = torch.sort(rows, dim=1).values
    index, frac = _quartile_positions(m, rows.device)
    around = ordered.index_select(1, index)  # (R, 6): floor then ceil neighbours
    quart = around[:, :3] + (around[:, 3:] - around[:, :3]) * frac  # (R, 3): q1, median, q3
    q1 = quart[:, 0:1]
    q3 = quart[:, 2:3]
    reach = WHISKER_IQR * (q3 - q1)
    bounds = torch.cat((q1 - reach, q3 + reach), dim=1)  # (R, 2)
    first_in = torch.searchsorted(ordered, bounds[:, 0:1].contiguous())
    last_in = torch.searchsorted(ordered, bounds[:, 1:2].contiguous(), right=True) - 1
    whiskers = ordered.gather(1, torch.cat((first_in, last_in), dim=1).clamp_(0, m - 1))
    # matplotlib: a whisker never lies inside the box.
    whislo = torch.minimum(whiskers[:, 0], quart[:, 0])
    whishi = torch.maximum(whiskers[:, 1], quart[:, 2])
    low, high = exact[:, 0], exact[:, 1]
    # An exact extreme inside the whisker range is the whisker (matters for sampled rows).
    whislo = torch.where(low >= bounds[:, 0], low, whislo)
    whishi = torch.where(high <= bounds[:, 1], high, whishi)
    return torch.stack(
        (low, whislo, quart[:, 0], quart[:, 1], quart[:, 2], whishi, high,
         exact[:, 2], exact[:, 3], exact[:, 4]),
        dim=1,
    )  # fmt: skip


def summarize(x: torch.Tensor, *, sample_index: torch.Tensor | None = None) -> torch.Tensor:
    """Statistics of all elements of `x` in STATS order, as a (len(STATS),) float32 tensor.

    Args:
        x: any shape; detached and flattened (a conv activation (B, C, H, W) is
            summarised over all B*C*H*W elements).
        sample_index: flat element indices (on x's device) to estimate quartiles
            and whiskers from; None for exact statistics.
    """
    flat = x.detach().reshape(1, -1)
    if flat.dtype != torch.float32:
        flat = flat.float()
    if flat.shape[1] == 0:
        return torch.full((N_STATS,), float("nan"), device=flat.device)
    if sample_index is None and flat.device.type == "cpu":
        return torch.from_numpy(_summarize_host(flat.numpy()[0]))
    if sample_index is None:
        return summarize_rows(flat)[0]
    return summarize_rows(flat.index_select(1, sample_index), exact=moments(flat))[0]


def sample_index(
    numel: int, size: int, *, generator: torch.Generator, device: torch.device | str = "cpu"
) -> torch.Tensor:
    """`size` distinct flat indices below `numel`, sorted (for memory locality), on `device`."""
    if numel <= size:
        return torch.arange(numel, device=device)
    chosen = torch.randperm(numel, generator=generator)[:size]
    return torch.sort(chosen).values.to(device)


def _summarize_host(values: np.ndarray) -> np.ndarray:
    # Same statistics as summarize_rows for a tensor already in host memory: numpy's
    # ~1 us per call instead of torch's ~5 us makes a small tensor's summary 5x cheaper.
    ordered = np.sort(values)
    m = ordered.size
    quart = []
    for p in _QUARTILES:
        pos = p * (m - 1)
        lo = int(pos)
        hi = min(lo + 1, m - 1)
        quart.append(ordered[lo] + (ordered[hi] - ordered[lo]) * np.float32(pos - lo))
    q1, median, q3 = quart
    reach = np.float32(WHISKER_IQR) * (q3 - q1)
    low_bound, high_bound = q1 - reach, q3 + reach
    first_in = min(int(np.searchsorted(ordered, low_bound, side="left")), m - 1)
    last_in = max(int(np.searchsorted(ordered, high_bound, side="right")) - 1, 0)
    whislo = min(ordered[first_in], q1)
    whishi = max(ordered[last_in], q3)
    mean = values.mean(dtype=np.float64)
    std = values.std(dtype=np.float64)
    zero_frac = 1.0 - np.count_nonzero(values) / m
    stats = (values.min(), whislo, q1, median, q3, whishi, values.max(), mean, std, zero_frac)
    return np.array(stats, dtype=np.float32)


@functools.lru_cache(maxsize=256)
def _quartile_positions(m: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    # Linear interpolation at position p * (m - 1), like torch.quantile.
    floors, ceils, fracs = [], [], []
    for p in _QUARTILES:
        pos = p * (m - 1)
        lo = int(pos)
        floors.append(lo)
        ceils.append(min(lo + 1, m - 1))
        fracs.append(pos - lo)
    index = torch.tensor(floors + ceils, dtype=torch.long, device=device)
    return index, torch.tensor(fracs, dtype=torch.float32, device=device)
