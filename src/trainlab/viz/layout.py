"""Where the dashboard's panels go: fixed margins in inches, no layout engine.

Matplotlib's constrained layout measured ~0.8 s per dashboard here (it lays out every
tick label twice; text costs 2-4 ms a string with matplotlib 3.11), longer than the
100 frames of a movie take to draw. Font sizes are fixed below, so fixed margins fit.

A grid has a header, a top row of time panels, and `rows` rows of layer panels in
`cols` columns; with slots, each time panel has a narrow slot to its right.
"""

from __future__ import annotations

from dataclasses import dataclass

# Font sizes in points: panel titles, axis labels, tick labels, legends and notes.
TITLE_SIZE, LABEL_SIZE, TICK_SIZE, SMALL_SIZE = 10, 9, 8, 8
HEADER_SIZE = 12

# Margins in inches, sized for the fonts above.
HEADER = 0.62  # the run's name and step, then the key
TITLE = 0.28  # a panel's title
TICKS = 0.2  # x tick labels under a panel
XLABEL = 0.2  # the x axis label under the bottom panels
LEFT = 0.8  # y label and y tick labels left of a panel
RIGHT = 0.12
GAP = 0.1  # between a time panel and its slot
BOTTOM = 0.06
TOP_RATIO = 1.3  # the top row's height relative to a layer row
SLOT_SHARE = 1.0 / 4.2  # a slot's share of a column (time panel 3.2 : slot 1)

Rect = tuple[float, float, float, float]  # left, bottom, width, height in figure fractions


@dataclass(frozen=True)
class Grid:
    """Panel rectangles of a dashboard figure of `width` x `height` inches."""

    width: float
    height: float
    cols: int
    rows: int
    slots: bool

    @property
    def _unit(self) -> float:
        """Height of a layer row's panel in inches."""
        fixed = HEADER + 2 * (TITLE + TICKS + XLABEL) + self.rows * (TITLE + TICKS) + BOTTOM
        fixed -= TITLE + TICKS  # the top row's title and ticks are counted above
        return max(self.height - fixed, 0.1) / (TOP_RATIO + self.rows)

    def _column(self, col: int) -> tuple[float, float, float]:
        """(left, time width, slot width) of column `col`, in inches."""
        pitch = (self.width - RIGHT) / self.cols
        inner = pitch - LEFT
        slot = (inner - GAP) * SLOT_SHARE if self.slots else 0.0
        time = inner - (slot + GAP if self.slots else 0.0)
        return col * pitch + LEFT, time, slot

    def _rect(self, left: float, top: float, width: float, height: float) -> Rect:
        return (left / self.width, 1 - (top + height) / self.height,
                width / self.width, height / self.height)  # fmt: skip

    def top(self, first: int, last: int) -> Rect:
        """The top-row time panel spanning columns first..last."""
        left = self._column(first)[0]
        right_left, right_time, _ = self._column(last)
        return self._rect(left, HEADER + TITLE, right_left + right_time - left,
                          TOP_RATIO * self._unit)  # fmt: skip

    def top_slot(self, col: int) -> Rect:
        """The slot right of the top row's panel that ends in column `col`."""
        left, time, slot = self._column(col)
        return self._rect(left + time + GAP, HEADER + TITLE, slot, TOP_RATIO * self._unit)

    def _row_top(self, row: int) -> float:
        top_row = TITLE + TOP_RATIO * self._unit + TICKS + XLABEL
        return HEADER + top_row + row * (TITLE + self._unit + TICKS) + TITLE

    def time(self, row: int, col: int) -> Rect:
        """The time panel of layer row `row` in column `col`."""
        left, time, _ = self._column(col)
        return self._rect(left, self._row_top(row), time, self._unit)

    def slot(self, row: int, col: int) -> Rect:
        """The slot right of the time panel of layer row `row`, column `col`."""
        left, time, slot = self._column(col)
        return self._rect(left + time + GAP, self._row_top(row), slot, self._unit)

    def header_y(self) -> tuple[float, float]:
        """Figure y of the header's title line and of its key line (their centres)."""
        return 1 - 0.17 / self.height, 1 - 0.45 / self.height
