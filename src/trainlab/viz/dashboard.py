"""The training dashboard: what happened over all steps of a run, in one figure.

Layout, top to bottom: a header (the run's name, its length, and a key to how a box
encodes a distribution); a row of time panels: the loss (train per batch, faint, its
moving average, and the validation loss on top), then, when the record has them, the
update ratio of each layer and the dead (or saturated) fraction of each activation;
below, one row per layer: the weights of each layer in the first column, the net
values and outputs of each activation in the next two, as one box per step (a
quantile band above `band_above` steps). The x axis is the step: weights sit at 0..T
(0 = initial weights), everything else at 1..T. Axis limits come from the whole
record, so every frame of a movie has the same axes.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from trainlab.errors import ConfigError, RecordError
from trainlab.monitor.record import (
    ACTIVATION_SIGNALS,
    LAYER_SIGNALS,
    QUANTILE_LEVELS,
    STATS,
    Record,
)
from trainlab.viz.layout import HEADER_SIZE, LABEL_SIZE, SMALL_SIZE, Grid
from trainlab.viz.panels import (
    STEP_LABEL,
    BoxPanel,
    LinesPanel,
    LossPanel,
    activation_signal_lines,
    encoding_key,
    layer_signal_lines,
)

# Above this many steps boxes are thinner than ~3 px at the default size:
# draw a quantile band instead.
BAND_ABOVE = 150
# Default size in inches: 16 wide; 2.9 for the header and the top row, 1.6 per layer row.
WIDTH, TOP_HEIGHT, ROW_HEIGHT = 16.0, 2.9, 1.6
# Where a record's metadata may say how many steps make an epoch (to show epochs).
STEPS_PER_EPOCH_KEY = "steps_per_epoch"


def check_record(record: Record) -> int:
    """Check that `record` has steps and arrays of matching shapes, before drawing any.

    Shared by the dashboard and the movies, so both reject a bad record with the
    same message before creating a figure or a file.

    Returns:
        The number of steps.

    Raises:
        RecordError: the record has no steps, or an array's shape does not fit them.
    """
    steps = record.n_steps
    if steps < 1:
        raise RecordError("record has 0 steps (no train loss logged); nothing to draw")
    rows = {"weights": steps + 1, "net_values": steps, "outputs": steps}
    expected = {
        f"{kind}[{name!r}]": ((rows[kind], len(STATS)), np.shape(summary))
        for kind in rows for name, summary in getattr(record, kind).items()
    }  # fmt: skip
    for kind, per_name in record.quantiles.items():
        for name, levels in per_name.items():
            shape = (rows.get(kind, steps), len(QUANTILE_LEVELS))
            expected[f"quantiles[{kind!r}][{name!r}]"] = (shape, np.shape(levels))
    for group, names in (("layer_signals", LAYER_SIGNALS),
                         ("activation_signals", ACTIVATION_SIGNALS)):  # fmt: skip
        for name, signals in getattr(record, group).items():
            expected[f"{group}[{name!r}]"] = ((steps, len(names)), np.shape(signals))
    for where, (shape, actual) in expected.items():
        if actual != shape:
            raise RecordError(
                f"record.{where} has shape {actual}; expected {shape} for a record of {steps} steps"
            )
    return steps


def default_title(record: Record, title: str | None) -> str:
    """`title`, else the run's name from the record's metadata, else ''."""
    return title if title is not None else str(record.meta.get("run", ""))


def epoch_of(record: Record, step: int) -> int | None:
    """The 1-based epoch of `step`, when the record's metadata says the epoch length."""
    per_epoch = record.meta.get(STEPS_PER_EPOCH_KEY)
    return -(-step // int(per_epoch)) if per_epoch else None


class Dashboard:
    """A dashboard figure built once for a record; `show_upto(t)` shows steps 1..t.

    Args:
        record: a Record with at least one step.
        figsize: inches; default 16 wide, 2.9 + 1.6 per layer row high.
        dpi: pixels per inch.
        band_above: draw quantile bands instead of boxes above this many steps.
        title: the run's name for the header; default ``record.meta["run"]``.
        slots: leave a narrow slot right of each time panel (the movie's layout): the
            top row's slots hold the legends; `body` gives the layer rows' slots.
    """

    def __init__(
        self,
        record: Record,
        *,
        figsize: tuple[float, float] | None = None,
        dpi: float = 100,
        band_above: int = BAND_ABOVE,
        title: str | None = None,
        slots: bool = False,
    ):
        self.record = record
        self.steps = check_record(record)
        self.band = self.steps > band_above
        weight_names = list(record.weights)
        act_names = list(dict.fromkeys([*record.net_values, *record.outputs]))
        columns = (["weights"] if weight_names else []) + (
            ["net_values", "outputs"] if act_names else []
        )
        n_cols = max(len(columns), 1)
        body_rows = max(len(weight_names), len(act_names), 1)
        if figsize is None:
            figsize = (WIDTH, TOP_HEIGHT + ROW_HEIGHT * body_rows)
        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.grid = Grid(*self.figure.get_size_inches(), cols=n_cols, rows=body_rows, slots=slots)

        # the top row: the signal panels the record has, one column each, right of the
        # loss panel, which spans the columns left over
        signals = [spec for spec in (layer_signal_lines(record), activation_signal_lines(record))
                   if spec is not None][: n_cols - 1]  # fmt: skip
        span = n_cols - len(signals)
        loss_ax = self.figure.add_axes(self.grid.top(0, span - 1))
        self.top: list[tuple] = [(LossPanel(loss_ax, record), span - 1)]  # (panel, column)
        for col, spec in enumerate(signals, start=span):
            ax = self.figure.add_axes(self.grid.top(col, col))
            self.top.append((LinesPanel(ax, **spec), col))
        # the layer rows; (panel, kind, name, rectangle of its slot)
        self.body: list[tuple[BoxPanel, str, str, tuple]] = []
        for col, kind in enumerate(columns):
            names = [n for n in (weight_names if kind == "weights" else act_names)
                     if n in getattr(record, kind)]  # fmt: skip
            for row, name in enumerate(names):
                ax = self.figure.add_axes(self.grid.time(row, col))
                summary = getattr(record, kind)[name]
                panel = BoxPanel(ax, summary, kind=kind, name=name, band=self.band)
                if row == len(names) - 1:
                    ax.set_xlabel(STEP_LABEL, fontsize=LABEL_SIZE)
                else:  # the bottom panel of the column says the steps
                    ax.tick_params(labelbottom=False)
                self.body.append((panel, kind, name, self.grid.slot(row, col)))
        for ax in self.time_axes:
            ax.set_xlim(-0.5, self.steps + 1.0)
            ax.xaxis.set_major_locator(MaxNLocator(6, integer=True))
        self._legends(slots)
        self._header(default_title(record, title))

    def _legends(self, slots: bool) -> None:
        for panel, col in self.top:
            handles, labels = panel.legend_entries()
            if slots:
                # the slot is ~1 inch wide: long labels go on two lines
                labels = [lab.replace(" (", "\n(").replace(", ", ",\n") for lab in labels]
                left, bottom, _, height = self.grid.top_slot(col)
                self.figure.legend(handles, labels, loc="center left", frameon=False,
                                   handlelength=1.5,
                                   bbox_to_anchor=(left, bottom + height / 2),
                                   fontsize=SMALL_SIZE, borderaxespad=0.0)  # fmt: skip
            else:
                panel.ax.legend(handles, labels, loc="upper right", fontsize=SMALL_SIZE)

    def key_entries(self) -> tuple[list, list[str]]:
        """The header key: how a box (or band) encodes a distribution."""
        return encoding_key(self.band)

    def header_text(self, title: str) -> str:
        """The header's title: the run's name and how long it ran."""
        epochs = epoch_of(self.record, self.steps)
        length = f"{self.steps} steps" + (f", {epochs} epochs" if epochs else "")
        return f"{title}: {length}" if title else length

    def _header(self, title: str) -> None:
        title_y, key_y = self.grid.header_y()
        self.title = self.figure.text(0.005, title_y, self.header_text(title), va="center",
                                      fontsize=HEADER_SIZE, fontweight="bold")  # fmt: skip
        handles, labels = self.key_entries()
        self.key = self.figure.legend(handles, labels, loc="center", ncols=len(handles),
                                      bbox_to_anchor=(0.5, key_y), frameon=False,
                                      fontsize=SMALL_SIZE)  # fmt: skip

    @property
    def panels(self) -> list:
        """All time panels: the top row first, then the layer rows."""
        return [panel for panel, _ in self.top] + [panel for panel, *_ in self.body]

    @property
    def time_axes(self) -> list[Axes]:
        """The axes whose x axis is the step."""
        return [panel.ax for panel in self.panels]

    @property
    def axes(self) -> list[Axes]:
        """The time panels' axes: the loss panel first."""
        return self.time_axes

    def show_upto(self, t: int) -> None:
        """Show steps 1..t (and the initial weights); t = 0 shows no data."""
        for panel in self.panels:
            panel.show(1, t)


def dashboard(
    record: Record,
    upto: int | None = None,
    *,
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
    band_above: int = BAND_ABOVE,
    title: str | None = None,
) -> Figure:
    """The dashboard of `record` up to step `upto` (default: all steps) as a Figure.

    Args:
        record: a Record with at least one step.
        upto: number of steps to show, 1..record.n_steps.
        figsize: inches; default 16 wide, 2.9 + 1.6 per layer row high.
        dpi: pixels per inch of the rendered figure.
        band_above: draw quantile bands instead of boxes above this many steps.
        title: the run's name in the header; default ``record.meta["run"]``.

    Raises:
        RecordError: the record has no steps or arrays of inconsistent shapes.
        ConfigError: `upto` is outside 1..n_steps.
    """
    dash = Dashboard(record, figsize=figsize, dpi=dpi, band_above=band_above, title=title)
    t = dash.steps if upto is None else upto
    if not 1 <= t <= dash.steps:
        raise ConfigError(f"upto={upto}; expected 1 <= upto <= {dash.steps} (record steps)")
    dash.show_upto(t)
    return dash.figure
