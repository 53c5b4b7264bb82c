"""Box-plot geometry from per-step summaries, drawn as matplotlib collections.

One box per step from the record's STATS row (q1..q3 box, whiskers, median),
so a frame never re-reads raw tensors. Pure geometry functions first, then the
artist group that reveals a chosen range of steps.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection

from trainlab.monitor.record import STAT_INDEX

_Q1, _Q3 = STAT_INDEX["q1"], STAT_INDEX["q3"]
_MED = STAT_INDEX["median"]
_LO, _HI = STAT_INDEX["whislo"], STAT_INDEX["whishi"]


def rectangles(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, width: float) -> np.ndarray:
    """Axis-aligned rectangles centred on `x`, spanning lo..hi; returns (n, 4, 2) vertices."""
    left, right = x - width / 2, x + width / 2
    return np.stack(
        [np.stack([left, lo], -1), np.stack([right, lo], -1),
         np.stack([right, hi], -1), np.stack([left, hi], -1)],
        axis=1,
    )  # fmt: skip


def segments(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> np.ndarray:
    """Line segments (x0, y0)-(x1, y1); returns (n, 2, 2)."""
    return np.stack([np.stack([x0, y0], -1), np.stack([x1, y1], -1)], axis=1)


def value_limits(*summaries: np.ndarray, pad: float = 0.05) -> tuple[float, float]:
    """Y limits covering every step's whiskers (finite values only), padded by `pad`."""
    vals = [s[:, [_LO, _HI]].ravel() for s in summaries if len(s)]
    finite = np.concatenate(vals) if vals else np.zeros(0)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return -1.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    return lo - pad * span, hi + pad * span


class StepBoxes:
    """The box plots of one summary array on one axes, revealed step by step.

    Box mode: whisker lines, IQR boxes with edges and median ticks, width 0.7 step.
    Band mode (many steps): full-width whisker and IQR rectangles without gaps,
    which read as a quantile band, plus a median staircase.
    """

    def __init__(self, ax: Axes, x: np.ndarray, summary: np.ndarray, *, color, band: bool):
        s = np.asarray(summary, np.float64)
        width = 1.0 if band else 0.7
        self._box = rectangles(x, s[:, _Q1], s[:, _Q3], width)
        self._median = segments(x - width / 2, s[:, _MED], x + width / 2, s[:, _MED])
        if band:
            self._whisker = rectangles(x, s[:, _LO], s[:, _HI], width)
            self.whiskers = PolyCollection(
                [], facecolors=color, alpha=0.25, edgecolors="none", antialiased=False
            )
            self.boxes = PolyCollection(
                [], facecolors=color, alpha=0.55, edgecolors="none", antialiased=False
            )
            self.medians = LineCollection([], colors="black", linewidths=0.8)
        else:
            self._whisker = segments(x, s[:, _LO], x, s[:, _HI])
            self.whiskers = LineCollection([], colors=color, linewidths=0.8)
            self.boxes = PolyCollection(
                [], facecolors=color, alpha=0.6, edgecolors=color, linewidths=0.6
            )
            self.medians = LineCollection([], colors="black", linewidths=1.0)
        for artist in (self.whiskers, self.boxes, self.medians):
            ax.add_collection(artist, autolim=False)
        self.whiskers.set_zorder(2.0)
        self.boxes.set_zorder(2.1)
        self.medians.set_zorder(2.2)

    @property
    def artists(self) -> tuple:
        """The collections in drawing order."""
        return (self.whiskers, self.boxes, self.medians)

    def show(self, lo: int, hi: int) -> None:
        """Show the steps with row index lo..hi-1 (NaN rows are left out)."""
        rows = np.arange(lo, min(hi, len(self._box)))
        rows = rows[np.isfinite(self._box[rows]).all(axis=(1, 2))]
        setter = "set_verts" if isinstance(self.whiskers, PolyCollection) else "set_segments"
        getattr(self.whiskers, setter)(self._whisker[rows])
        self.boxes.set_verts(self._box[rows])
        self.medians.set_segments(self._median[rows])
