"""Time panels of a dashboard: one quantity per step, revealed a range of steps at a time.

Each panel draws on one axes from stored arrays. ``show(first, last)`` reveals steps
first..last (1-based, inclusive; a still shows 1..t); ``data_artists`` show the steps,
which a movie moves to pixels once (`trainlab.viz.pixels`). Lines skip steps without a
finite value. Where values stop being finite, a red
dashed line and a note mark the step, so a curve does not just end.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

from trainlab.monitor.record import STAT_INDEX, Record
from trainlab.viz.boxes import StepBoxes, value_limits
from trainlab.viz.layout import LABEL_SIZE, SMALL_SIZE, TICK_SIZE, TITLE_SIZE
from trainlab.viz.nonfinite import loss_nonfinite_from, summary_nonfinite_from
from trainlab.viz.smoothing import EMA_LABEL, ema

KIND_COLORS = {"weights": "tab:blue", "grads": "tab:purple", "net_values": "tab:orange",
               "outputs": "tab:green"}  # fmt: skip
KIND_TITLES = {"weights": "weights", "grads": "gradients", "net_values": "net values",
               "outputs": "outputs"}  # fmt: skip
KIND_YLABELS = {"weights": "weight value", "grads": "gradient value", "net_values": "net value",
                "outputs": "activation output"}  # fmt: skip
# From this share of exact zeros (median over steps) a box panel says it: from 25 % the
# lower quartile is 0, and a ReLU's outputs or a sparse gradient collapse onto 0.
ZEROS_NOTE = 0.25
# Above this many lines a signal panel's key names only the first and the last (the
# colour goes from dark to light in model order).
KEY_LINES = 8
STEP_LABEL = "step (batch)"
# an opaque light blue, not an alpha: a movie draws each new segment over the last one,
# and overlapping translucent joints would come out darker than the still figure
RAW_TRAIN_COLOR = "#a9c9e4"
NONFINITE_COLOR = "red"
NOTE_BOX = {"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1.0}  # behind a note

# The layer signal a dashboard plots, in order of preference, with its title and y label.
LAYER_SIGNAL_TEXT = {
    "update_ratio": ("update ratio ‖Δw‖ / ‖w‖ per step", "update / weight"),
    "grad_norm": ("gradient norm ‖∇w‖", "gradient norm"),
}


class Series:
    """One line over steps; only steps with a finite (for log axes: positive) value."""

    def __init__(self, ax: Axes, steps: np.ndarray, values: np.ndarray, *, log: bool = False,
                 **style):  # fmt: skip
        values = np.asarray(values, np.float64)
        keep = np.isfinite(values) & (values > 0 if log else True)
        self._x, self._y = np.asarray(steps, np.float64)[keep], values[keep]
        self.line = ax.plot([], [], **style)[0]

    def show(self, first: int, last: int) -> None:
        """Show the points of steps first..last, joined to the point before `first`."""
        start = max(int(np.searchsorted(self._x, first, "left")) - 1, 0)
        stop = int(np.searchsorted(self._x, last, "right"))
        self.line.set_data(self._x[start:stop], self._y[start:stop])

    @property
    def values(self) -> np.ndarray:
        """The drawn (finite) values, for axis limits."""
        return self._y


class NonfiniteMark:
    """A red dashed line at the step where values stopped being finite, and a note."""

    def __init__(self, ax: Axes, step: int, note: str, *, n_steps: int):
        self.step = step
        self.line = ax.axvline(step, color=NONFINITE_COLOR, ls="--", lw=1.0, zorder=4)
        # the note reads away from the line, into the wider side of the panel
        side = "right" if step > n_steps / 2 else "left"
        self.text = ax.text(step, 0.96, f" {note} ", transform=ax.get_xaxis_transform(),
                            ha=side, va="top", color=NONFINITE_COLOR, fontsize=SMALL_SIZE,
                            zorder=5, bbox=NOTE_BOX)  # fmt: skip

    def show(self, last: int) -> None:
        """Show the mark once `last` reaches its step."""
        for artist in (self.line, self.text):
            artist.set_visible(self.step <= last)


class _Panel:
    """Shared by the panels: the series and boxes to reveal, and an optional mark."""

    def __init__(self, ax: Axes):
        self.ax = ax
        self.series: list[Series] = []
        self.mark: NonfiniteMark | None = None

    def _mark(self, step: int | None, note: str, n_steps: int) -> None:
        if step is not None:
            self.mark = NonfiniteMark(self.ax, step, note, n_steps=n_steps)

    def show(self, first: int, last: int) -> None:
        """Reveal steps first..last (nothing when last < first)."""
        for series in self.series:
            if last < first:
                series.line.set_data([], [])
            else:
                series.show(first, last)
        if self.mark is not None:
            self.mark.show(last)

    @property
    def data_artists(self) -> list:
        """The artists that show the steps (not the marks)."""
        return [s.line for s in self.series]

    def legend_entries(self) -> tuple[list, list[str]]:
        """(handles, labels) of the lines that have data, for a legend inside or beside it;
        above KEY_LINES lines only the first and the last, named as such."""
        drawn = [s.line for s in self.series if len(s.values)]
        if len(drawn) > KEY_LINES:
            first, last = drawn[0], drawn[-1]
            return [first, last], [f"first: {first.get_label()}",
                                   f"last: {last.get_label()} ({len(drawn)} lines)"]  # fmt: skip
        return drawn, [line.get_label() for line in drawn]


class LossPanel(_Panel):
    """Train loss per batch (faint), its moving average, and the validation loss on top."""

    def __init__(self, ax: Axes, record: Record):
        super().__init__(ax)
        train = np.asarray(record.train_loss, np.float64)
        val = np.asarray(record.val_loss, np.float64)
        steps = np.arange(1, len(train) + 1)
        stop = loss_nonfinite_from(train)
        lines = (
            (train, RAW_TRAIN_COLOR, 0.8, "train, per batch"),
            (ema(train, stop=stop), "tab:blue", 1.6, EMA_LABEL),
            (val, "tab:red", 1.6, "validation (fixed subset)"),
        )  # in drawing order: the validation curve on top
        self.series = [
            Series(ax, steps, values, color=color, lw=lw, label=label, zorder=2.0 + i / 10)
            for i, (values, color, lw, label) in enumerate(lines)
        ]
        self._mark(stop, f"loss not finite from step {stop}", len(train))
        ax.set_ylim(_padded(np.concatenate([s.values for s in self.series])))
        decorate(ax, "loss", "loss", xlabel=STEP_LABEL)


class LinesPanel(_Panel):
    """One line per layer or activation of a per-step signal (log y for the layer ones)."""

    def __init__(self, ax: Axes, lines: dict[str, np.ndarray], *, log: bool, title: str,
                 ylabel: str):  # fmt: skip
        super().__init__(ax)
        colors = depth_colors(len(lines))
        for (label, values), color in zip(lines.items(), colors, strict=True):
            steps = np.arange(1, len(values) + 1)
            self.series.append(Series(ax, steps, values, log=log, color=color, lw=1.2,
                                      label=label))  # fmt: skip
        values = np.concatenate([s.values for s in self.series])
        if log:
            ax.set_yscale("log")
            # plain numbers (0.002, 0.01): the default 2×10⁻³ labels are mathtext, slower
            # to draw and wider than the margin
            low, high = np.log10(values.min()), np.log10(values.max())
            # 1-2-5 steps over up to two decades; beyond, powers of ten only (more would
            # overlap on a panel 1.4 inches high)
            subs = (1.0, 2.0, 5.0) if high - low <= 2 else (1.0,)
            ax.yaxis.set_major_locator(LogLocator(subs=subs))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.yaxis.set_minor_locator(NullLocator())  # each tick is 3 lines and a text
            pad = 0.05 * max(high - low, 1.0)
            ax.set_ylim(10 ** (low - pad), 10 ** (high + pad))
        else:
            ax.set_ylim(-0.03, 1.03)  # a fraction
        decorate(ax, title, ylabel, xlabel=STEP_LABEL)


class BoxPanel(_Panel):
    """The box plots of one tensor's summaries per step (a quantile band for many steps)."""

    def __init__(self, ax: Axes, summary: np.ndarray, *, kind: str, name: str, band: bool,
                 note: str = ""):  # fmt: skip
        super().__init__(ax)
        # weights row 0 is the initial state, at step 0
        self.first_step = 0 if kind == "weights" else 1
        x = np.arange(len(summary), dtype=float) + self.first_step
        self.boxes = StepBoxes(ax, x, summary, color=KIND_COLORS[kind], band=band)
        stop = summary_nonfinite_from(summary, self.first_step)
        n_steps = len(summary) - 1 + self.first_step
        self._mark(stop, f"not finite from step {stop}", n_steps)
        ax.set_ylim(_robust_limits(summary) if kind == "grads" else value_limits(summary))
        decorate(ax, f"{KIND_TITLES[kind]}: {name}{note}", KIND_YLABELS[kind])
        if kind == "grads":  # tiny values: 2.5e-07 on the tick, not a 1e-7 over the title
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.2g}"))
        zeros = summary[:, STAT_INDEX["zero_frac"]]
        share = float(np.median(zeros[np.isfinite(zeros)])) if np.isfinite(zeros).any() else 0.0
        if share >= ZEROS_NOTE:  # the boxes shrink onto 0: say what they hide
            note = f"{share:.0%} exactly 0 (median over steps)"
            ax.text(0.01, 0.96, note, fontsize=SMALL_SIZE, transform=ax.transAxes, ha="left",
                    va="top", zorder=5, bbox=NOTE_BOX)  # fmt: skip

    def show(self, first: int, last: int) -> None:
        """Reveal steps first..last; from step 1 on that includes the initial weights."""
        super().show(first, last)
        lo = 0 if first <= 1 else first - self.first_step
        self.boxes.show(lo, last - self.first_step + 1 if last >= first else lo)

    @property
    def data_artists(self) -> list:
        """The box collections."""
        return list(self.boxes.artists)


def _robust_limits(summary: np.ndarray) -> tuple[float, float]:
    """Y limits covering the whiskers of all but the widest 5 % of steps: gradients shrink
    by orders of magnitude as the loss falls, and a few large early steps would flatten
    the rest (those few run off the panel)."""
    lo, hi = summary[:, STAT_INDEX["whislo"]], summary[:, STAT_INDEX["whishi"]]
    keep = np.isfinite(lo) & np.isfinite(hi)
    if not keep.any():
        return value_limits(summary)
    low, high = float(np.quantile(lo[keep], 0.05)), float(np.quantile(hi[keep], 0.95))
    span = high - low if high > low else max(abs(high), 1e-12)
    return low - 0.05 * span, high + 0.05 * span


def layer_signal_lines(record: Record) -> dict | None:
    """`LinesPanel` arguments for the update ratio per layer (else the gradient norm);
    None when the record has neither."""
    return next(filter(None, (layer_signal(record, s) for s in LAYER_SIGNAL_TEXT)), None)


def layer_signal(record: Record, signal: str) -> dict | None:
    """`LinesPanel` arguments for one layer signal of LAYER_SIGNAL_TEXT; None without data."""
    title, ylabel = LAYER_SIGNAL_TEXT[signal]
    lines = {name: record.signal(signal, name) for name in record.layer_signals}
    if not any((np.isfinite(v) & (v > 0)).any() for v in lines.values()):
        return None
    return {"lines": lines, "log": True, "title": title, "ylabel": f"{ylabel} (log)"}


def activation_signal_lines(record: Record) -> dict | None:
    """`LinesPanel` arguments for each activation's saturated fraction if it is bounded
    (tanh, sigmoid), else its dead fraction; None when the record has neither."""
    lines, kinds = {}, {}
    for name in record.activation_signals:
        saturated = record.signal("saturated_frac", name)
        kind = "saturated" if np.isfinite(saturated).any() else "dead"
        values = saturated if kind == "saturated" else record.signal("dead_frac", name)
        if np.isfinite(values).any():
            lines[name], kinds[name] = values, kind
    if not lines:
        return None
    if set(kinds.values()) == {"dead"}:
        title, ylabel = "dead units (input never > 0 in the batch)", "fraction of units"
    elif set(kinds.values()) == {"saturated"}:
        title, ylabel = "saturated outputs (near a bound)", "fraction of outputs"
    else:
        title, ylabel = "dead units / saturated outputs", "fraction"
        lines = {f"{name} ({kinds[name]})": values for name, values in lines.items()}
    return {"lines": lines, "log": False, "title": title, "ylabel": ylabel}


def decorate(ax: Axes, title: str, ylabel: str, *, xlabel: str | None = None) -> None:
    """Title, axis labels, tick labels and grid of a time panel, in the layout's fonts."""
    ax.set_title(title, fontsize=TITLE_SIZE)
    ax.set_ylabel(ylabel, fontsize=LABEL_SIZE)
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=LABEL_SIZE)
    ax.tick_params(labelsize=TICK_SIZE)
    if ax.get_yscale() == "linear":
        ax.yaxis.set_major_locator(MaxNLocator(4))  # fewer labels: each costs 2-4 ms to draw
    ax.grid(alpha=0.3)


def depth_colors(n: int) -> list:
    """`n` colours from dark to light in layer order, so depth reads off the colour."""
    return list(colormaps["viridis"](np.linspace(0.0, 0.85, max(n, 1)))[:n])


def encoding_key(band: bool) -> tuple[list, list[str]]:
    """Legend entries that say how a box (or band) encodes a distribution."""
    grey = "0.45"
    if band:
        return (
            [Patch(facecolor=grey, alpha=0.55), Patch(facecolor=grey, alpha=0.25),
             Line2D([], [], color="black", lw=1.0)],
            ["quartiles q1–q3 (middle half)", "whiskers: values within 1.5 IQR of it",
             "median"],
        )  # fmt: skip
    return (
        [Patch(facecolor=grey, edgecolor=grey, alpha=0.6), Line2D([], [], color="black"),
         Line2D([], [], color=grey, lw=0.8)],
        ["box: quartiles q1–q3 (middle half)", "median",
         "whiskers: values within 1.5 IQR of the box"],
    )  # fmt: skip


def _padded(values: np.ndarray, pad: float = 0.05) -> tuple[float, float]:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    return lo - pad * span, hi + pad * span
