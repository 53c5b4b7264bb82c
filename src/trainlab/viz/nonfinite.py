"""Where a run's values stopped being finite, so figures mark it instead of just stopping.

A loss is NaN where none was logged as well as after a divergence, so NaN counts only
as a tail that never recovers; an infinite value counts at once. A summary row says
how much of its tensor was NaN or infinite (``nonfinite_frac``), which is exact.
"""

from __future__ import annotations

import numpy as np

from trainlab.monitor.record import STAT_INDEX

_NONFINITE = STAT_INDEX["nonfinite_frac"]


def loss_nonfinite_from(values: np.ndarray) -> int | None:
    """The 1-based step from which a per-step loss is not finite; None if it stays finite.

    That is the first infinite value, or the start of a trailing run of NaN after a
    finite value; a record that logged no finite loss at all says nothing.
    """
    values = np.asarray(values, np.float64)
    finite = np.isfinite(values)
    if not finite.any():
        return None
    candidates = [int(np.flatnonzero(np.isinf(values))[0]) + 1] if np.isinf(values).any() else []
    last_finite = int(np.flatnonzero(finite)[-1])
    if last_finite < len(values) - 1:
        candidates.append(last_finite + 2)
    return min(candidates, default=None)


def summary_nonfinite_from(summary: np.ndarray, first_step: int) -> int | None:
    """The first step whose tensor held a NaN or infinite element; None if none did.

    Args:
        summary: (rows, len(STATS)) per-step summaries.
        first_step: the step of row 0 (0 for weights: the initial weights; 1 otherwise).
    """
    hit = np.flatnonzero(np.asarray(summary)[:, _NONFINITE] > 0)  # NaN: not captured
    return int(hit[0]) + first_step if hit.size else None
