"""A movie's time panels in pixel coordinates: each step's pieces, transformed once.

Axis limits are fixed for the whole movie, so the boxes and line points of every step
can be moved to pixel coordinates once, from the panels' own artists (their colours,
widths and z-order), after a still has shown all steps. A frame then draws the pieces
of its new steps as a few figure-level collections, one per run of same-kind artists
in z-order. Calling ``draw_artist`` per axes cost ~0.2 ms before drawing anything, and
setting and re-reading the artists' data as much again; a frame touches ~20 axes.
Each piece's Path is built once too: handing a collection vertices makes it build a
Path per piece on every frame, which cost more than drawing them.
Nothing is clipped, so pieces must lie inside their axes (limits come from the whole
record, so they do).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.artist import Artist
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.path import Path
from matplotlib.transforms import IdentityTransform

NO_FACE = np.zeros((1, 4))  # a line's face: none is drawn


@dataclass
class _Track:
    """One artist's pieces, in pixels, sorted by the step each belongs to."""

    kind: str  # "line": segments or polylines; "poly": polygons
    pieces: list[Path] | np.ndarray  # one Path per step; a polyline: (n, 2) pixel points
    steps: np.ndarray  # (n,) ascending
    faces: np.ndarray  # (n, 4) RGBA
    edges: np.ndarray  # (n, 4) RGBA
    widths: np.ndarray  # (n,) points
    smooth: np.ndarray  # (n,) antialiased
    polyline: bool

    def select(self, first: int, last: int) -> tuple | None:
        """The pieces of steps first..last (a polyline also its point before `first`)."""
        lo = 0 if first <= 1 else int(np.searchsorted(self.steps, first, "left"))
        hi = int(np.searchsorted(self.steps, last, "right"))
        if self.polyline:
            lo = max(lo - 1, 0)
            if hi - lo < 2:
                return None
            return ([Path(self.pieces[lo:hi])], self.faces[:1], self.edges[:1], self.widths[:1],
                    self.smooth[:1])  # fmt: skip
        if hi <= lo:
            return None
        rows = slice(lo, hi)
        return (self.pieces[rows], self.faces[rows], self.edges[rows], self.widths[rows],
                self.smooth[rows])  # fmt: skip


class StepPieces:
    """Every step's pieces of the given artists, drawn a range of steps at a time.

    Args:
        figure: the figure drawn on (its canvas must have been drawn once).
        artists: line and collection artists of time panels, their data showing all
            steps; a piece's step is its x (the middle of its x range).
    """

    def __init__(self, figure: Figure, artists: list[Artist]):
        self.figure = figure
        tracks = [_track(a) for a in sorted(artists, key=lambda a: a.get_zorder())]
        self._runs: list[tuple[PathCollection, list[_Track]]] = []
        for track in (t for t in tracks if t is not None):
            if not self._runs or self._runs[-1][1][0].kind != track.kind:
                self._runs.append((pixel_collection(figure), []))
            self._runs[-1][1].append(track)

    def draw(self, first: int, last: int) -> None:
        """Draw the pieces of steps first..last (from step 1 on: also step 0)."""
        renderer = self.figure.canvas.get_renderer()
        for collection, tracks in self._runs:
            parts = [p for p in (t.select(first, last) for t in tracks) if p is not None]
            if parts:
                draw_pieces(collection, parts, renderer, filled=tracks[0].kind == "poly")


def pixel_collection(figure: Figure) -> PathCollection:
    """An empty collection drawn in pixel coordinates, for `draw_pieces`."""
    return PathCollection([], transform=IdentityTransform(), figure=figure)


def paths_of(pixels: np.ndarray, *, closed: bool) -> list[Path]:
    """One Path per (vertices, 2) shape of `pixels`; closed ones are polygons."""
    if not closed:
        return [Path(shape) for shape in pixels]
    ring = np.concatenate([pixels, pixels[:, :1]], axis=1)  # what closed=True appends
    codes = np.full(ring.shape[1], Path.LINETO, dtype=Path.code_type)
    codes[0], codes[-1] = Path.MOVETO, Path.CLOSEPOLY
    return [Path(shape, codes) for shape in ring]


def draw_pieces(collection: PathCollection, parts: list[tuple], renderer, *,
                filled: bool) -> None:  # fmt: skip
    """Set `collection` to the pieces of `parts` ((paths, faces, edges, widths, smooth)
    each) and draw it; lines (not `filled`) have no face, as in a LineCollection."""
    collection.set_paths([path for part in parts for path in part[0]])
    faces, edges, widths, smooth = (np.concatenate([p[i] for p in parts]) for i in range(1, 5))
    collection.set_facecolor(faces if filled else "none")
    collection.set_edgecolor(edges)
    collection.set_linewidth(widths)
    collection.set_antialiased(smooth)
    collection.draw(renderer)


def _track(artist: Artist) -> _Track | None:
    """The artist's pieces in pixels; None for an empty artist."""
    to_pixels = artist.get_transform().transform
    if isinstance(artist, Line2D):
        xy = np.column_stack([artist.get_xdata(orig=False), artist.get_ydata(orig=False)])
        if len(xy) == 0:
            return None
        color = np.array([to_rgba(artist.get_color(), artist.get_alpha())])
        return _Track("line", to_pixels(xy), xy[:, 0], NO_FACE, color,
                      np.array([artist.get_linewidth()]),
                      np.array([artist.get_antialiased()]), polyline=True)  # fmt: skip
    if isinstance(artist, LineCollection):
        data = [np.asarray(s, float) for s in artist.get_segments()]
        faces, edges = NO_FACE, artist.get_colors()
    elif isinstance(artist, PolyCollection):
        data = [p.vertices for p in artist.get_paths()]
        faces, edges = artist.get_facecolor(), artist.get_edgecolor()
    else:
        raise TypeError(f"no pixel pieces for a {type(artist).__name__}")
    if not data:
        return None
    data = np.stack(data)  # (n, vertices, 2): a collection's items have one shape
    steps = np.round((data[:, :, 0].min(1) + data[:, :, 0].max(1)) / 2)
    n = len(data)
    kind = "line" if isinstance(artist, LineCollection) else "poly"
    pixels = to_pixels(data.reshape(-1, 2)).reshape(data.shape)
    return _Track(kind, paths_of(pixels, closed=kind == "poly"), steps,
                  _per_item(faces, n), _per_item(edges, n), _per_item(artist.get_linewidths(), n),
                  _per_item(artist.get_antialiased(), n), polyline=False)  # fmt: skip


def _per_item(values, n: int) -> np.ndarray:
    """One value (or RGBA row) per item: a collection may hold one for all items."""
    values = np.asarray(values)
    if values.ndim == 2 and len(values) == 0:  # no colour ("none")
        return np.zeros((n, 4))
    values = values if values.ndim else values[None]
    return values if len(values) == n else np.repeat(values[:1], n, axis=0)
