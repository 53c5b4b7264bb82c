"""Text drawn once and then copied as pixels: a movie's per-frame labels.

Drawing a string costs 2-4 ms with matplotlib 3.11's text layout (measured here, 8-12
pt); copying its pixels costs microseconds. A stamp is the pixel box of a text drawn
over a known background (the white header, or the text's own opaque box), keyed by
the string and style; the step counter is put together from stamps of its pieces
("step ", each digit, " / 100"), so 300 frames need a dozen drawn strings.
"""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text


class Stamps:
    """Pixel copies of drawn texts on one canvas, placed relative to each text's anchor."""

    def __init__(self, canvas: FigureCanvasAgg):
        self.canvas = canvas
        # key -> (pixels, (left, top) offset from the anchor in px, width in px)
        self._cache: dict[tuple, tuple[np.ndarray, tuple[int, int], float]] = {}

    def draw(self, text: Text, *, boxed: bool = False) -> float:
        """Draw `text` where it is placed, by copying its pixels when drawn before.

        Args:
            text: the artist, already positioned; its string and style form the key.
            boxed: the text has an opaque box (``bbox=``) to take its pixels from;
                otherwise its background must be plain where it is first drawn.

        Returns:
            The text's width in pixels, to place a following piece.
        """
        x, y = text.get_transform().transform(text.get_position())
        key = (text.get_text(), text.get_fontsize(), text.get_fontweight(), text.get_color(),
               text.get_ha(), text.get_va(), boxed)  # fmt: skip
        buffer = np.asarray(self.canvas.buffer_rgba())
        height = buffer.shape[0]
        if key not in self._cache:
            renderer = self.canvas.get_renderer()
            (text.axes or text.figure).draw_artist(text)
            box = (text.get_bbox_patch() if boxed else text).get_window_extent(renderer)
            # whole pixels around the box, relative to the anchor; a bare text's
            # anti-aliased edges reach a pixel further, a boxed one ends at its box
            pad = 0 if boxed else 1
            x0, x1 = int(np.floor(box.x0 - x)) - pad, int(np.ceil(box.x1 - x)) + pad
            y0, y1 = int(np.floor(box.y0 - y)) - pad, int(np.ceil(box.y1 - y)) + pad
            rows = slice(height - (int(y) + y1), height - (int(y) + y0))
            pixels = buffer[rows, int(x) + x0 : int(x) + x1].copy()
            self._cache[key] = (pixels, (x0, y1), text.get_window_extent(renderer).width)
            return self._cache[key][2]
        pixels, (x0, y1), width = self._cache[key]
        top, left = height - (int(y) + y1), int(x) + x0
        h, w = pixels.shape[:2]
        if 0 <= top <= height - h and 0 <= left <= buffer.shape[1] - w:
            buffer[top : top + h, left : left + w] = pixels
        return width
