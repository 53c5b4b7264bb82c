"""Smoothing a per-batch loss so its trend shows through the batch-to-batch noise."""

from __future__ import annotations

import numpy as np

# Weight of the running average per step: about a 10-step memory, which removes most of
# the batch noise of a batch-32 loss and still follows the drop of the first 50 steps.
EMA_DECAY = 0.9
EMA_NAME = f"EMA {EMA_DECAY}"
EMA_LABEL = f"train ({EMA_NAME})"


def ema(values: np.ndarray, decay: float = EMA_DECAY, *, stop: int | None = None) -> np.ndarray:
    """Exponential moving average over the finite values, started at the first one.

    Steps without a finite value carry the average on. From 1-based step `stop` (where
    the values stopped being finite) on it is NaN, so the smoothed curve ends there too.
    """
    values = np.asarray(values, np.float64)
    out = np.full(len(values), np.nan)
    average = np.nan
    for i, value in enumerate(values[: None if stop is None else stop - 1]):
        if np.isfinite(value):
            average = value if np.isnan(average) else decay * average + (1 - decay) * value
        out[i] = average
    return out
