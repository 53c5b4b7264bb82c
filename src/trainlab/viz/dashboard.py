"""The training dashboard: losses, weight and activation distributions per step.

Layout (one figure): the loss panel across the top; below it one row per layer,
weights in the first column, net values and outputs of each activation in the
next two. The x axis is the batch: weights sit at 0..T (0 = initial weights),
activations and losses at 1..T. Axis limits come from the whole record (per
panel), so every frame of a movie has the same axes.
"""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from trainlab.errors import ConfigError, RecordError
from trainlab.monitor.record import STATS, Record
from trainlab.viz.boxes import StepBoxes, value_limits

# Above this many steps boxes are thinner than ~3 px at the default size:
# draw a quantile band instead.
BAND_ABOVE = 150

_COLORS = {"weights": "tab:blue", "net_values": "tab:orange", "outputs": "tab:green"}
_TITLES = {"weights": "weights", "net_values": "net values", "outputs": "outputs"}


def check_record(record: Record) -> int:
    """Check that `record` has steps and summaries of matching shapes, before drawing any.

    Shared by the dashboard and the movies, so both reject a bad record with the
    same message before creating a figure or a file.

    Returns:
        The number of steps.

    Raises:
        RecordError: the record has no steps, or a summary's shape does not fit them.
    """
    steps = record.n_steps
    if steps < 1:
        raise RecordError("record has 0 steps (no train loss logged); nothing to draw")
    for kind in ("weights", "net_values", "outputs"):
        expected = steps + 1 if kind == "weights" else steps
        for name, summary in getattr(record, kind).items():
            if np.shape(summary) != (expected, len(STATS)):
                raise RecordError(
                    f"record.{kind}[{name!r}] has shape {np.shape(summary)}; expected "
                    f"({expected}, {len(STATS)}) for a record of {steps} steps"
                )
    return steps


class Dashboard:
    """A dashboard figure built once for a record; `show` reveals a range of steps.

    `show_upto(t)` shows everything up to batch t (a still figure); `show_new(t)`
    shows only what batch t adds, for drawing frame t on top of frame t - 1.
    """

    def __init__(
        self,
        record: Record,
        *,
        figsize: tuple[float, float] | None = None,
        dpi: float = 100,
        band_above: int = BAND_ABOVE,
        title: str | None = None,
    ):
        self.steps = check_record(record)
        band = self.steps > band_above
        weight_names = list(record.weights)
        act_names = list(dict.fromkeys([*record.net_values, *record.outputs]))
        columns = (["weights"] if weight_names else []) + (
            ["net_values", "outputs"] if act_names else []
        )
        body_rows = max(len(weight_names), len(act_names), 1)
        if figsize is None:
            figsize = (16.0, 2.5 + 1.6 * body_rows)
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        self.canvas = FigureCanvasAgg(self.figure)
        if title:
            self.figure.suptitle(title, fontweight="bold")
        grid = self.figure.add_gridspec(
            1 + body_rows, max(len(columns), 1), height_ratios=[1.4] + [1.0] * body_rows
        )
        xlim = (-0.5, self.steps + 0.5)

        self.loss_ax = self.figure.add_subplot(grid[0, :])
        self._loss_x = np.arange(1, self.steps + 1)
        self._losses = [np.asarray(record.train_loss, float), np.asarray(record.val_loss, float)]
        self.loss_lines = [
            self.loss_ax.plot([], [], color=c, lw=1.4, label=label)[0]
            for c, label in (("tab:blue", "train"), ("tab:red", "validation"))
        ]
        self.loss_ax.set(xlim=xlim, ylim=_loss_limits(self._losses), title="loss")
        self.loss_ax.set_xlabel("batch")
        self.loss_ax.set_ylabel("loss")
        self.legend = self.loss_ax.legend(loc="upper right", framealpha=1.0)
        self._legend_drawn = False
        self.loss_ax.grid(alpha=0.3)

        self.groups: list[tuple[StepBoxes, int]] = []  # (boxes, row offset of step 1)
        self.panel_axes = []
        for col, kind in enumerate(columns):
            names = weight_names if kind == "weights" else act_names
            summaries = getattr(record, kind)
            for row, name in enumerate(names):
                if name not in summaries:
                    continue
                ax = self.figure.add_subplot(grid[1 + row, col])
                # weights row 0 is the initial state at batch 0
                offset = 0 if kind == "weights" else 1
                x = np.arange(len(summaries[name]), dtype=float) + offset
                boxes = StepBoxes(ax, x, summaries[name], color=_COLORS[kind], band=band)
                self.groups.append((boxes, 1 - offset))
                ylim = value_limits(summaries[name])
                ax.set(xlim=xlim, ylim=ylim, title=f"{_TITLES[kind]}: {name}")
                ax.set_ylabel("value")
                ax.grid(alpha=0.3)
                if row == len(names) - 1:
                    ax.set_xlabel("batch")
                self.panel_axes.append(ax)

    @property
    def axes(self) -> list:
        """All axes: the loss panel first, then the distribution panels."""
        return [self.loss_ax, *self.panel_axes]

    def show_upto(self, t: int) -> None:
        """Show batches 1..t (and the initial weights); t = 0 shows no data."""
        for line, loss in zip(self.loss_lines, self._losses, strict=True):
            line.set_data(self._loss_x[:t], loss[:t])
        for boxes, first in self.groups:
            boxes.show(0, t + first if t > 0 else 0)

    def show_new(self, t: int) -> None:
        """Show only what batch t adds: its boxes and the loss segment ending at t."""
        lo = max(t - 2, 0)
        for line, loss in zip(self.loss_lines, self._losses, strict=True):
            line.set_data(self._loss_x[lo:t], loss[lo:t])
        for boxes, first in self.groups:
            # batch 1 also brings the initial weights (row 0)
            boxes.show(0 if t == 1 else t - 1 + first, t + first)

    def draw_shown(self) -> None:
        """Draw the shown artists on top of the canvas (no clearing), legend last."""
        legend_box = self.legend.get_window_extent()
        overlaps = False
        for line in self.loss_lines:
            self.loss_ax.draw_artist(line)
            xy = line.get_xydata()
            if len(xy):
                points = line.get_transform().transform(xy)
                overlaps |= bool(legend_box.count_contains(points) or _crosses(legend_box, points))
        # text redraws cost ~2 ms; the legend is opaque, so redraw it only when covered
        if overlaps or not self._legend_drawn:
            self.loss_ax.draw_artist(self.legend)
            self._legend_drawn = True
        for boxes, _ in self.groups:
            ax = boxes.boxes.axes
            for artist in boxes.artists:
                ax.draw_artist(artist)


def _crosses(box, points: np.ndarray) -> bool:
    """Whether the polyline through display `points` may cross `box` (bounding-box test)."""
    finite = points[np.isfinite(points).all(axis=1)]
    if len(finite) == 0:
        return False
    (x0, y0), (x1, y1) = finite.min(axis=0), finite.max(axis=0)
    return x0 <= box.x1 and x1 >= box.x0 and y0 <= box.y1 and y1 >= box.y0


def _loss_limits(losses: list[np.ndarray]) -> tuple[float, float]:
    values = np.concatenate(losses)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    return lo - 0.05 * span, hi + 0.05 * span


def dashboard(
    record: Record,
    upto: int | None = None,
    *,
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
    band_above: int = BAND_ABOVE,
    title: str | None = None,
) -> Figure:
    """The dashboard of `record` up to batch `upto` (default: all batches) as a Figure.

    Args:
        record: a Record with at least one step.
        upto: number of batches to show, 1..record.n_steps.
        figsize: inches; default 16 wide, 2.5 + 1.6 per layer row high.
        dpi: pixels per inch of the rendered figure.
        band_above: draw quantile bands instead of boxes above this many steps.
        title: shown above the panels, e.g. the run's name.

    Raises:
        RecordError: the record has no steps or inconsistent summary shapes.
        ConfigError: `upto` is outside 1..n_steps.
    """
    dash = Dashboard(record, figsize=figsize, dpi=dpi, band_above=band_above, title=title)
    t = dash.steps if upto is None else upto
    if not 1 <= t <= dash.steps:
        raise ConfigError(f"upto={upto}; expected 1 <= upto <= {dash.steps} (record steps)")
    dash.show_upto(t)
    return dash.figure
