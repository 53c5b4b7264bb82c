"""The distribution of a tensor at one step, drawn from its stored quantiles.

Consecutive quantiles at QUANTILE_LEVELS (every 5 %) bound bins of equal mass, so a
histogram needs no raw tensor: density = 0.05 / bin width. A bin of width 0 is a point
mass (the exact zeros of a ReLU's outputs) of infinite density: it is drawn as a bar
across the panel at its value, its share written beside it. The panel lies on its
side and shares the value axis of the time panel to its left, so the distribution
at the current step sits next to the boxes of all steps; the initial distribution is
a faint outline under it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon, Rectangle
from matplotlib.text import Text
from matplotlib.transforms import (
    Affine2D,
    Bbox,
    BboxTransformTo,
    TransformedBbox,
    blended_transform_factory,
)

from trainlab.monitor.record import QUANTILE_LEVELS
from trainlab.viz.layout import SMALL_SIZE

MASSES = np.diff(QUANTILE_LEVELS)  # (20,) the share of the tensor in each bin: 0.05
# The x axis ends 15 % above the 90th percentile of the steps' peak densities: a few
# steps' narrowest bins may be cut at the edge, rather than every other step squashed.
PEAK_PERCENTILE, PEAK_MARGIN = 90, 1.15


@dataclass(frozen=True)
class Histogram:
    """Equal-mass bins of one tensor: the bins of width > 0, and the point masses."""

    edges: np.ndarray  # (k + 1,) ascending; bin i spans edges[i]..edges[i + 1]
    density: np.ndarray  # (k,) mass / width
    atoms: tuple[tuple[float, float], ...]  # (value, mass) of each point mass

    def outline(self) -> np.ndarray:
        """The histogram's outline on its side: (2k + 2, 2) points (density, value)."""
        if len(self.density) == 0:
            return np.zeros((0, 2))
        x = np.concatenate([[0.0], np.repeat(self.density, 2), [0.0]])
        return np.stack([x, np.repeat(self.edges, 2)], axis=1)


EMPTY = Histogram(np.zeros(0), np.zeros(0), ())


def histogram(quantiles: np.ndarray) -> Histogram:
    """The equal-mass histogram of a tensor from its (len(QUANTILE_LEVELS),) quantiles.

    A step whose quantiles are not all finite (the tensor held NaN or inf) has none.
    """
    q = np.asarray(quantiles, np.float64)
    if not np.isfinite(q).all():
        return EMPTY
    width = np.diff(q)
    spread = width > 0
    atoms = ()
    if not spread.all():
        values, index = np.unique(q[:-1][~spread], return_inverse=True)
        masses = np.bincount(index, weights=MASSES[~spread])
        atoms = tuple((float(v), float(m)) for v, m in zip(values, masses, strict=True))
    if not spread.any():
        return Histogram(np.zeros(0), np.zeros(0), atoms)
    # zero-width bins have equal edges, so the remaining bins still join up
    edges = np.append(q[:-1][spread], q[1:][spread][-1])
    return Histogram(edges, MASSES[spread] / width[spread], atoms)


def density_limit(quantiles: np.ndarray) -> float:
    """Upper x limit for the densities of all rows of (rows, levels) quantiles."""
    with np.errstate(divide="ignore", invalid="ignore"):
        density = MASSES / np.diff(np.asarray(quantiles, np.float64), axis=1)
    density[~np.isfinite(density) | (density <= 0)] = np.nan
    peaks = np.nanmax(np.where(np.isnan(density).all(1, keepdims=True), 0.0, density), axis=1)
    peaks = peaks[peaks > 0]
    return float(PEAK_MARGIN * np.percentile(peaks, PEAK_PERCENTILE)) if peaks.size else 1.0


def atom_label(mass: float, value: float) -> str:
    """What a point-mass bar says: at least this share of the tensor equals `value`.

    The bins are 5 % wide, so k zero-width bins mean at least k * 5 % of the elements.
    """
    return f"≥{mass:.0%} = {value:.3g}"


class DensityPanel:
    """The histogram of one tensor at the shown step, on its side, over the initial one.

    Drawn on the figure in a slot beside the tensor's time panel, whose value axis it
    shares; shapes are cut to the slot's limits, so they need no clipping.

    Args:
        figure: the figure.
        rect: the slot (left, bottom, width, height) in figure fractions.
        value_ax: the tensor's time panel.
        quantiles: (rows, len(QUANTILE_LEVELS)); row 0 is the initial distribution
            (the initial weights, or an activation's first step).
        color: fill colour (the tensor kind's).
    """

    def __init__(self, figure: Figure, rect: tuple, value_ax: Axes, quantiles: np.ndarray, *,
                 color):  # fmt: skip
        self._quantiles = np.asarray(quantiles, np.float64)
        self.right = density_limit(self._quantiles)  # the density at the slot's right edge
        self.value_ax = value_ax
        slot = TransformedBbox(Bbox.from_bounds(*rect), figure.transFigure)
        across = Affine2D().scale(1.0 / self.right, 1.0) + BboxTransformTo(slot)
        # (density, value) -> pixels; labels: (fraction of the slot's width, value)
        self.transform = blended_transform_factory(across, value_ax.transData)
        self._label_transform = blended_transform_factory(BboxTransformTo(slot),
                                                          value_ax.transData)  # fmt: skip
        figure.add_artist(Rectangle(rect[:2], *rect[2:], transform=figure.transFigure,
                                    fill=False, lw=0.8, zorder=1.4))  # fmt: skip
        outline, atoms = self.geometry(0)
        style = {"color": "0.2", "lw": 0.8, "alpha": 0.7, "zorder": 1.5}
        if len(outline):
            figure.add_artist(Line2D(*outline.T, transform=self.transform, **style))
        for value, _ in atoms:
            figure.add_artist(Line2D([0, self.right], [value, value], transform=self.transform,
                                     **style))  # fmt: skip
        self.fill = Polygon(np.zeros((1, 2)), closed=True, facecolor=color, alpha=0.45,
                            edgecolor=color, lw=0.8, zorder=2, transform=self.transform,
                            visible=False)  # fmt: skip
        self.atoms = LineCollection([], colors=color, linewidths=3, zorder=2.1,
                                    transform=self.transform)  # fmt: skip
        for artist in (self.fill, self.atoms):
            figure.add_artist(artist)
        self.figure = figure
        self.labels: list[Text] = []

    def geometry(self, row: int) -> tuple[np.ndarray, list[tuple[float, float]]]:
        """Row `row`'s outline as (k, 2) (density, value) points cut to the slot, and its
        point masses (value, mass) inside the value range."""
        hist = histogram(self._quantiles[row])
        low, high = self.value_ax.get_ylim()
        outline = hist.outline()
        if len(outline):
            outline = np.column_stack([np.minimum(outline[:, 0], self.right),
                                       np.clip(outline[:, 1], low, high)])  # fmt: skip
        return outline, [(v, m) for v, m in hist.atoms if low <= v <= high]

    def show(self, row: int | None) -> None:
        """Show quantile row `row`; None shows nothing."""
        outline, atoms = (np.zeros((0, 2)), []) if row is None else self.geometry(row)
        if self.fill.get_visible() != (len(outline) > 0):  # set_visible costs ~30 us
            self.fill.set_visible(len(outline) > 0)
        if len(outline):
            self.fill.set_xy(outline)
        self.atoms.set_segments([[(0.0, v), (self.right, v)] for v, _ in atoms])
        self.show_labels(atoms)

    def show_labels(self, atoms: list[tuple[float, float]]) -> None:
        """One label per point mass, saying its share; the others hidden."""
        while len(self.labels) < len(atoms):
            self.labels.append(self.figure.text(
                0.97, 0.0, "", transform=self._label_transform, ha="right",
                fontsize=SMALL_SIZE, zorder=2.2,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
            ))  # fmt: skip
        low, high = self.value_ax.get_ylim()
        for i, label in enumerate(self.labels):
            if label.get_visible() != (i < len(atoms)):
                label.set_visible(i < len(atoms))
            if i < len(atoms):
                value, mass = atoms[i]
                label.set_text(atom_label(mass, value))
                label.set_y(value)
                # above the bar in the lower half of the panel, below it in the upper
                label.set_va("bottom" if value < (low + high) / 2 else "top")
