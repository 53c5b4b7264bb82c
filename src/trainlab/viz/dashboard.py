"""The training dashboard: what happened over all steps of a run, in one figure.

Layout, top to bottom: a header (the run's name, the model's class, its length, and
a key to how a box encodes a distribution); a row of time panels: the loss (train per
batch, faint, its moving average, and the validation loss on top when there is one),
then, when the record has them, the update ratio of each layer and the dead (or
saturated) fraction of each activation; below, one row per layer: the weights of each
layer in the first column, its gradients in the second (when recorded), the net
values and outputs of each activation in the next two, as one box per step (a
quantile band above `band_above` steps). The x axis is the step: weights sit at 0..T
(0 = initial weights), everything else at 1..T. Axis limits come from the whole
record, so every frame of a movie has the same axes.

A large model keeps the figure legible: at most `max_rows` layer rows, chosen evenly
over the model's order (first and last always), the header saying how many are shown;
`layers` picks others by name or shell pattern.
"""

from __future__ import annotations

import fnmatch
import re

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
# Default size in inches: 16 wide (20 with a gradient column); 2.9 for the header and the
# top row, 1.6 per layer row.
WIDTH, WIDE, TOP_HEIGHT, ROW_HEIGHT = 16.0, 20.0, 2.9, 1.6
# Layer rows drawn at most: 12 rows are 22 inches high, a 1760-pixel movie frame.
MAX_ROWS = 12
# The body's columns, left to right; a record's columns are those it has data for.
COLUMNS = ("weights", "grads", "net_values", "outputs")
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
    rows = {"weights": steps + 1, "grads": steps, "net_values": steps, "outputs": steps}
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


def pick_rows(names: list[str], max_rows: int, layers: list[str] | None = None) -> list[str]:
    """The names to draw: those matching `layers` (names or shell patterns) if given, else
    all, thinned to `max_rows` evenly over their order (the first and last kept)."""
    if layers is not None:
        names = [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in layers)]
    if len(names) <= max_rows:
        return names
    keep = np.linspace(0, len(names) - 1, max_rows).round().astype(int)
    return [names[i] for i in sorted(set(keep.tolist()))]


def slot_label(label: str, width: int = 12) -> str:
    """A legend label for a ~1 inch slot: broken before " (" and after ", ", and a long
    name (``blocks.11.forward.gelu``) after a dot where a line would pass `width`."""
    lines = []
    for part in label.replace(" (", "\n(").replace(", ", ",\n").split("\n"):
        line = ""
        for piece in re.split(r"(?<=\.)", part):
            if line and len(line) + len(piece) > width:
                lines.append(line)
                line = ""
            line += piece
        lines.append(line)
    return "\n".join(lines)


def _has_data(summaries: dict[str, np.ndarray]) -> bool:
    return any(np.isfinite(v).any() for v in summaries.values())


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
        max_rows: layer rows at most (see the module docstring).
        layers: names or shell patterns of the parameters and activation sites to draw.
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
        max_rows: int = MAX_ROWS,
        layers: list[str] | None = None,
    ):
        self.record = record
        self.steps = check_record(record)
        self.band = self.steps > band_above
        all_weights = list(record.weights)
        all_sites = list(dict.fromkeys([*record.net_values, *record.outputs]))
        weight_names = pick_rows(all_weights, max_rows, layers)
        act_names = pick_rows(all_sites, max_rows, layers)
        self.shown = (len(weight_names), len(all_weights), len(act_names), len(all_sites))
        columns = [kind for kind in COLUMNS if _has_data(record.summaries(kind))]
        n_cols = max(len(columns), 1)
        body_rows = max(len(weight_names), len(act_names), 1)
        if figsize is None:
            width = WIDE if len(columns) == len(COLUMNS) else WIDTH
            figsize = (width, TOP_HEIGHT + ROW_HEIGHT * body_rows)
        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.grid = Grid(*self.figure.get_size_inches(), cols=n_cols, rows=body_rows, slots=slots)

        # the top row: the signal panels the record has, one column each, right of the
        # loss panel, which spans the columns left over
        # (the loss keeps two columns of four)
        signals = [spec for spec in (layer_signal_lines(record), activation_signal_lines(record))
                   if spec is not None][: n_cols - 1 if n_cols < 4 else n_cols - 2]  # fmt: skip
        span = n_cols - len(signals)
        loss_ax = self.figure.add_axes(self.grid.top(0, span - 1))
        self.top: list[tuple] = [(LossPanel(loss_ax, record), span - 1)]  # (panel, column)
        for col, spec in enumerate(signals, start=span):
            ax = self.figure.add_axes(self.grid.top(col, col))
            self.top.append((LinesPanel(ax, **spec), col))
        # the layer rows; (panel, kind, name, rectangle of its slot)
        self.body: list[tuple[BoxPanel, str, str, tuple]] = []
        after = record.meta.get("activation_inputs", {})  # functional site -> layer before it
        for col, kind in enumerate(columns):
            names = [n for n in (weight_names if kind in ("weights", "grads") else act_names)
                     if n in record.summaries(kind)]  # fmt: skip
            for row, name in enumerate(names):
                ax = self.figure.add_axes(self.grid.time(row, col))
                summary = record.summaries(kind)[name]
                note = f" (after {after[name]})" if name in after else ""
                panel = BoxPanel(ax, summary, kind=kind, name=name, band=self.band, note=note)
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
                labels = [slot_label(lab) for lab in labels]
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
        """The header's title: the run's name, the model's class, how long it ran, and how
        many of the layers the rows show when not all."""
        epochs = epoch_of(self.record, self.steps)
        length = f"{self.steps} steps" + (f", {epochs} epochs" if epochs else "")
        return ": ".join(filter(None, (title, self.model_text() + length))) + self.rows_text()

    def model_text(self) -> str:
        """The model's class name and a separator, or '' when the record does not say."""
        model = self.record.meta.get("model")
        return f"{model} · " if model else ""

    def rows_text(self) -> str:
        """' (rows: 12 of 75 parameters, ...)' when rows were left out, else ''."""
        weights, all_weights, sites, all_sites = self.shown
        parts = [f"{weights} of {all_weights} parameters"] if weights < all_weights else []
        parts += [f"{sites} of {all_sites} activation sites"] if sites < all_sites else []
        return f" (rows: {', '.join(parts)}, evenly over depth)" if parts else ""

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
    max_rows: int = MAX_ROWS,
    layers: list[str] | None = None,
) -> Figure:
    """The dashboard of `record` up to step `upto` (default: all steps) as a Figure.

    Args:
        record: a Record with at least one step.
        upto: number of steps to show, 1..record.n_steps.
        figsize: inches; default 16 wide, 2.9 + 1.6 per layer row high.
        dpi: pixels per inch of the rendered figure.
        band_above: draw quantile bands instead of boxes above this many steps.
        title: the run's name in the header; default ``record.meta["run"]``.
        max_rows: layer rows at most; more layers are thinned evenly over depth.
        layers: names or shell patterns of the parameters and sites to draw (all: None).

    Raises:
        RecordError: the record has no steps or arrays of inconsistent shapes.
        ConfigError: `upto` is outside 1..n_steps.
    """
    dash = Dashboard(record, figsize=figsize, dpi=dpi, band_above=band_above, title=title,
                     max_rows=max_rows, layers=layers)  # fmt: skip
    t = dash.steps if upto is None else upto
    if not 1 <= t <= dash.steps:
        raise ConfigError(f"upto={upto}; expected 1 <= upto <= {dash.steps} (record steps)")
    dash.show_upto(t)
    return dash.figure
