"""A movie frame: the dashboard up to step k, plus what only a movie can show, the moment.

Added to the dashboard's panels: the header says ``step k / N`` (and the epoch when
the record knows the epoch length); a grey line at the current step runs through every
time panel; right of each layer panel, the distribution of that tensor at step k
(from its quantiles, `trainlab.viz.density`), over a faint outline of where it started.

Drawing is incremental. The figure is drawn once with no data; each frame then
restores the image of the steps so far, draws the boxes and line segments of its new
steps, keeps that image for the next frame, and draws the moment on top. Limits are
fixed, so each step's boxes and line points are moved to pixels once and drawn as a few
figure-level collections (`trainlab.viz.pixels`); markers and distributions too; the
step and the point-mass labels are pixel copies of text drawn once (`trainlab.viz.stamps`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

from trainlab.errors import ConfigError
from trainlab.monitor.record import Record
from trainlab.viz.dashboard import BAND_ABOVE, Dashboard, epoch_of
from trainlab.viz.density import DensityPanel
from trainlab.viz.layout import HEADER_SIZE, LABEL_SIZE, SMALL_SIZE
from trainlab.viz.panels import KIND_COLORS
from trainlab.viz.pixels import StepPieces, draw_pieces, paths_of, pixel_collection
from trainlab.viz.stamps import Stamps

# 1280 px wide at the default 16 inches (a 720p frame). A frame changes pixels from the
# first column's current step to the last column's distributions, so the GIF encoder
# works on most of the frame each time: its cost follows the frame's area (measured:
# 9 ms of 21 per frame at 100 dpi, 1600x770; 5.5 ms at 80 dpi).
MOVIE_DPI = 80
MARKER_STYLE = {"color": "0.25", "lw": 1.0, "alpha": 0.6, "zorder": 3.5}
FIGURE_SPACE = "\u2007"  # as wide as a digit: the counter keeps its width as k grows


class MovieFrame(Dashboard):
    """The dashboard layout with slots, the moment drawn on top; see the module docstring.

    Args:
        record, figsize, band_above, title: as for `Dashboard`.
        dpi: pixels per inch; default MOVIE_DPI.
    """

    def __init__(self, record: Record, *, dpi: float = MOVIE_DPI, **options):
        super().__init__(record, slots=True, dpi=dpi, **options)
        self.densities: list[tuple[DensityPanel, int]] = []  # (panel, step of row 0)
        columns: set[float] = set()
        for panel, kind, name, rect in self.body:
            quantiles = record.quantiles.get(kind, {}).get(name)
            if quantiles is None:
                continue
            density = DensityPanel(self.figure, rect, panel.ax, quantiles,
                                   color=KIND_COLORS[kind])  # fmt: skip
            self.densities.append((density, panel.first_step))
            self._slot_texts(rect, first=rect[0] not in columns, last=bool(panel.ax.get_xlabel()))
            columns.add(rect[0])
        self.markers = [ax.axvline(0.0, visible=False, **MARKER_STYLE) for ax in self.time_axes]
        # right-aligned with the run's name; drawn piece by piece from stamps in frames
        self.step_text = self.figure.text(0.995, self.title.get_position()[1], "", ha="right",
                                          va="center", fontsize=HEADER_SIZE,
                                          fontweight="bold")  # fmt: skip
        self.stamps = Stamps(self.canvas)
        # a piece of the counter, drawn only through the stamps (not part of the figure)
        self._piece = Text(0, 0, "", transform=self.figure.transFigure, va="center",
                           fontsize=HEADER_SIZE, fontweight="bold")  # fmt: skip
        self._piece.set_figure(self.figure)

    def _slot_texts(self, rect: tuple, *, first: bool, last: bool) -> None:
        """'at this step' over a column's first slot, 'density' under its last."""
        left, bottom, width, height = rect
        pad = 0.04 / self.figure.get_figheight()  # inches -> figure fraction
        if first:
            self.figure.text(left + width / 2, bottom + height + pad, "at this step",
                             ha="center", va="bottom", fontsize=SMALL_SIZE)  # fmt: skip
        if last:
            self.figure.text(left + width / 2, bottom - pad, "density", ha="center", va="top",
                             fontsize=LABEL_SIZE)  # fmt: skip

    def key_entries(self) -> tuple[list, list[str]]:
        """The dashboard's key, plus what the distribution slots show."""
        handles, labels = super().key_entries()
        handles += [Patch(facecolor="0.45", alpha=0.45), Line2D([], [], color="0.2", lw=0.8)]
        labels += ["distribution at this step", "at the start"]
        return handles, labels

    def header_text(self, title: str) -> str:
        """The header's title: the run's name and the model's class (the step is a text
        of its own)."""
        model = self.model_text().removesuffix(" · ")
        return ": ".join(filter(None, (title, model))) + self.rows_text()

    def step_label(self, step: int) -> str:
        """``step k / N``, with the epoch when the record knows the epoch length; padded
        on the left with figure spaces (digit-wide) to the width of the last step's."""

        def label(k: int) -> str:
            epoch = epoch_of(self.record, k)
            return f"step {k} / {self.steps}" + ("" if epoch is None else f" · epoch {epoch}")

        return label(step).rjust(len(label(self.steps)), FIGURE_SPACE)

    def show_moment(self, step: int | None) -> None:
        """Set the step text, markers and distributions to `step` (None: hide them)."""
        self.step_text.set_text("" if step is None else self.step_label(step))
        for marker in self.markers:
            if marker.get_visible() != (step is not None):  # set_visible costs ~30 us
                marker.set_visible(step is not None)
            if step is not None:
                # just right of the step's box, so the marker never hides its whisker
                marker.set_xdata([step + 0.5, step + 0.5])
        for panel, first_step in self.densities:
            panel.show(None if step is None else step - first_step)

    def show_frame(self, step: int) -> None:
        """Everything frame `step` shows, for a still of it (`movie_frame`)."""
        self.show_upto(step)
        self.show_moment(step)

    # -- the movie: drawn incrementally, in pixels ----------------------------------------

    def start(self) -> np.ndarray:
        """Draw what never changes once, and move every step's pieces to pixels; returns a
        copy of the last frame, for the palette."""
        self.show_upto(0)
        self.show_moment(None)
        self.canvas.draw()  # axes, labels, legends, outlines
        buffer = np.asarray(self.canvas.buffer_rgba())
        self._background = buffer.copy()
        renderer = self.canvas.get_renderer()
        self.step_text.set_text(self.step_label(self.steps))
        # the counter keeps its width, so its left end is fixed
        self._step_left = self.figure.transFigure.inverted().transform(
            (self.step_text.get_window_extent(renderer).x0, 0)
        )[0]
        self.show_upto(self.steps)
        self._pieces = StepPieces(self.figure, [a for p in self.panels for a in p.data_artists])
        self._marks = [p.mark for p in self.panels if p.mark is not None]
        self._to_pixels = [panel.transform.frozen() for panel, _ in self.densities]
        # per time panel: marker x in pixels = scale * step + offset, and its y extent
        self._marker_x = np.array([ax.transData.frozen().transform([[0.5, 1.0], [1.5, 1.0]])
                                   [:, 0] for ax in self.time_axes])  # fmt: skip
        self._marker_y = np.array([[ax.bbox.y0, ax.bbox.y1] for ax in self.time_axes])
        self._moment = (pixel_collection(self.figure), pixel_collection(self.figure))
        self._draw_steps(1, self.steps)
        self._draw_moment(self.steps)
        return buffer.copy()

    def frames(self, steps: Sequence[int]) -> Iterator[np.ndarray]:
        """Render the frames of `steps` (ascending) after `start`; each is the canvas
        buffer itself, valid until the next."""
        buffer = np.asarray(self.canvas.buffer_rgba())
        past, previous = self._background.copy(), 0
        for step in steps:
            np.copyto(buffer, past)
            self._draw_steps(previous + 1, step)
            np.copyto(past, buffer)
            self._draw_moment(step)
            yield buffer
            previous = step

    def _draw_steps(self, first: int, last: int) -> None:
        """What steps first..last add to the time panels, and newly reached marks."""
        self._pieces.draw(first, last)
        for mark in self._marks:
            if first <= mark.step <= last:
                mark.show(last)
                for artist in (mark.line, mark.text):
                    artist.axes.draw_artist(artist)

    def _draw_moment(self, step: int) -> None:
        """Markers, distributions, point-mass labels and the counter of frame `step`."""
        x = self._marker_x[:, 0] + (self._marker_x[:, 1] - self._marker_x[:, 0]) * step
        bottom, top = self._marker_y.T
        markers = np.stack([np.column_stack([x, bottom]), np.column_stack([x, top])], axis=1)
        bars = [_part(markers, self.markers[0].get_color(), MARKER_STYLE["lw"],
                      alpha=MARKER_STYLE["alpha"])]  # fmt: skip
        fills = []
        for (panel, first_step), to_pixels in zip(self.densities, self._to_pixels, strict=True):
            outline, atoms = panel.geometry(step - first_step)
            if len(outline):
                fill = panel.fill
                fills.append(_part(to_pixels.transform(outline)[None], fill.get_facecolor(),
                                   fill.get_linewidth(), edge=fill.get_edgecolor(),
                                   closed=True))  # fmt: skip
            if atoms:
                ends = np.array([[(0.0, v), (panel.right, v)] for v, _ in atoms])
                pixels = to_pixels.transform(ends.reshape(-1, 2)).reshape(-1, 2, 2)
                bars.append(_part(pixels, panel.atoms.get_colors()[0],
                                  panel.atoms.get_linewidths()[0]))  # fmt: skip
            panel.show_labels(atoms)
        renderer = self.canvas.get_renderer()
        for collection, parts, filled in zip(self._moment, (fills, bars), (True, False),
                                             strict=True):  # fmt: skip
            if parts:
                draw_pieces(collection, parts, renderer, filled=filled)
        for panel, _ in self.densities:
            for label in panel.labels:
                if label.get_visible():
                    self.stamps.draw(label, boxed=True)
        self._draw_step(step)

    def _draw_step(self, step: int) -> None:
        """The step counter, left to right from stamps of its pieces."""
        x, y = self._step_left, self.step_text.get_position()[1]
        for piece in _pieces(self.step_label(step)):
            self._piece.set_text(piece)
            self._piece.set_position((x, y))
            x += self.stamps.draw(self._piece) / self.figure.bbox.width


def _part(pixels: np.ndarray, color, width: float, *, edge=None, alpha=None,
          closed: bool = False) -> tuple:  # fmt: skip
    """`draw_pieces` input: (n, vertices, 2) pixel shapes in one colour and width
    (`edge`: another colour for the outline); closed ones are polygons."""
    n = len(pixels)
    face = np.array([to_rgba(color, alpha)]).repeat(n, 0)
    edges = face if edge is None else np.array([to_rgba(edge)]).repeat(n, 0)
    return paths_of(pixels, closed=closed), face, edges, np.full(n, width), np.ones(n, bool)


def _pieces(label: str) -> list[str]:
    """The counter's pieces: each digit (or figure space) alone, the words between."""
    pieces: list[str] = []
    for char in label:
        alone = char.isdigit() or char == FIGURE_SPACE
        if alone or not pieces or pieces[-1][-1:].isdigit() or pieces[-1] == FIGURE_SPACE:
            pieces.append(char)
        else:
            pieces[-1] += char
    return pieces


def movie_frame(
    record: Record,
    step: int,
    *,
    figsize: tuple[float, float] | None = None,
    dpi: float = MOVIE_DPI,
    band_above: int = BAND_ABOVE,
    title: str | None = None,
) -> Figure:
    """The movie's frame at `step` (1..n_steps) as a still Figure, e.g. to save as PNG.

    Raises:
        RecordError: the record has no steps or arrays of inconsistent shapes.
        ConfigError: `step` is outside 1..n_steps.
    """
    frame = MovieFrame(record, figsize=figsize, dpi=dpi, band_above=band_above, title=title)
    if not 1 <= step <= frame.steps:
        raise ConfigError(f"step={step}; expected 1 <= step <= {frame.steps} (record steps)")
    frame.show_frame(step)
    return frame.figure
