"""A streaming GIF writer with one palette for the whole movie.

Per-frame adaptive quantization costs ~160 ms per 1600x800 frame; here the
palette is built once and each frame only maps the colours of the pixels that
changed since the previous frame. A frame is stored as the bounding box of its changes, with
unchanged pixels transparent, so consecutive frames of a growing figure stay
small. Frames go to the file as they come (PIL's LZW encoder per frame).
"""

from __future__ import annotations

import struct
from typing import IO

import numpy as np
from PIL import GifImagePlugin, Image

# Index 255 is reserved for "unchanged since the previous frame".
N_COLORS = 255
_TRANSPARENT = 255


def make_palette(frames: list[np.ndarray]) -> np.ndarray:
    """A (256, 3) uint8 palette: 255 median-cut colours of `frames` (RGB or RGBA) + a spare.

    Cut from every other row and column of large frames: a quarter of the pixels in the
    same proportions, 25 ms instead of 90 for a 1600x770 frame.
    """
    step = 2 if sum(np.asarray(f).shape[0] * np.asarray(f).shape[1] for f in frames) > 2**19 else 1
    rgb = np.concatenate([np.asarray(f)[::step, ::step, :3] for f in frames], axis=0)
    quant = Image.fromarray(np.ascontiguousarray(rgb)).quantize(
        colors=N_COLORS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    colors = np.asarray(quant.getpalette()[: 3 * N_COLORS], np.uint8).reshape(-1, 3)
    palette = np.zeros((256, 3), np.uint8)
    palette[: len(colors)] = colors
    # the spare entry repeats entry 0: nearest-colour ties go to the lower index,
    # so no pixel maps to the transparent index
    palette[N_COLORS:] = palette[0]
    return palette


class GifStreamWriter:
    """Write RGB(A) frames of one size to an open binary file as an endless-loop GIF.

    Args:
        fp: binary file opened for writing.
        palette: (256, 3) uint8 from `make_palette`, used for every frame; None
            quantizes each frame's changed pixels to their own local palette
            (for frames that change arbitrarily, e.g. a new user figure per frame).
        fps: frames per second (GIF stores delays in 1/100 s).
        comment: text for a comment extension before the first frame (e.g. which
            steps the frames show); PIL reads it back as ``image.info["comment"]``.
    """

    def __init__(
        self, fp: IO[bytes], palette: np.ndarray | None, *, fps: float, comment: str | None = None
    ):
        self._fp = fp
        self._comment = comment
        self._fixed = palette is not None
        self._palette = (
            np.asarray(palette, np.uint8).reshape(256, 3)
            if palette is not None
            else np.tile(np.arange(256, dtype=np.uint8)[:, None], 3)  # grey ramp, unused
        )
        self._pal_image = Image.new("P", (1, 1))
        self._pal_image.putpalette(self._palette.tobytes())
        self._duration_ms = round(1000 / fps)
        self._prev: np.ndarray | None = None  # (H, W) uint32 packed RGBA of the last frame
        self.n_frames = 0

    def _header(self, width: int, height: int) -> bytes:
        # logical screen: global colour table of 2**(7+1) entries (flags 0xF7)
        screen = struct.pack("<HHBBB", width, height, 0xF7, 0, 0)
        loop = b"!\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", 0) + b"\x00"
        comment = b"" if self._comment is None else _comment_extension(self._comment)
        return b"GIF89a" + screen + self._palette.tobytes() + loop + comment

    def _map(self, packed: np.ndarray) -> np.ndarray:
        """Nearest palette index of each packed RGBA colour, without dithering.

        A frame's changed pixels hold a few hundred distinct colours: each is mapped once.
        """
        colors, inverse = np.unique(packed, return_inverse=True)
        rgb = colors.view(np.uint8).reshape(-1, 4)[None, :, :3]
        image = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
        out = image.quantize(palette=self._pal_image, dither=Image.Dither.NONE)
        return np.asarray(out)[0][inverse]

    def write(self, frame: np.ndarray) -> None:
        """Append one (H, W, 3 or 4) uint8 frame."""
        frame = np.asarray(frame)
        height, width = frame.shape[:2]
        rgba = (
            frame if frame.shape[2] == 4 else np.dstack([frame, np.full_like(frame[..., 0], 255)])
        )
        packed = np.ascontiguousarray(rgba).view(np.uint32)[..., 0]  # (H, W)
        if self._prev is None:
            self._fp.write(self._header(width, height))
            self._prev = np.empty_like(packed)
            changed = np.arange(packed.size)
        else:
            if packed.shape != self._prev.shape:
                raise ValueError(
                    f"frame {self.n_frames} is {width}x{height}; the first frame was "
                    f"{self._prev.shape[1]}x{self._prev.shape[0]}"
                )
            # flat indices: one pass over the frame, then work on the changes only
            changed = np.flatnonzero(packed != self._prev)
        np.copyto(self._prev, packed)
        rows, cols = np.divmod(changed, width)
        if changed.size == 0:  # identical frame: a 1x1 transparent patch keeps the timing
            y0, y1, x0, x1 = 0, 1, 0, 1
        else:
            y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols.min(), cols.max() + 1
        inside = (rows - y0) * (x1 - x0) + (cols - x0)  # flat index within the patch
        patch = np.full((y1 - y0, x1 - x0), _TRANSPARENT, np.uint8)
        extra = {}
        if self._fixed:
            patch.flat[inside] = self._map(packed.ravel()[changed])
            palette = self._palette
        else:
            indices, palette = _adaptive(rgba[y0:y1, x0:x1, :3])
            patch.flat[inside] = indices.flat[inside]
            extra["include_color_table"] = True
        image = Image.fromarray(patch, "P")
        image.putpalette(palette.tobytes())
        chunks = GifImagePlugin.getdata(
            image,
            offset=(int(x0), int(y0)),
            duration=self._duration_ms,
            disposal=1,  # keep this frame under the next one
            transparency=_TRANSPARENT,
            **extra,
        )
        for chunk in chunks:
            self._fp.write(chunk)
        self.n_frames += 1

    def close(self) -> None:
        """Write the GIF trailer."""
        self._fp.write(b";")


def _comment_extension(text: str) -> bytes:
    """A GIF89a comment extension: sub-blocks of at most 255 bytes, then a terminator."""
    data = text.encode("utf-8")
    blocks = b"".join(
        bytes([len(chunk)]) + chunk
        for chunk in (data[i : i + 255] for i in range(0, len(data), 255))
    )
    return b"!\xfe" + blocks + b"\x00"


def _adaptive(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Quantize one (H, W, 3) patch to its own 255 colours: (indices, (256, 3) palette)."""
    quant = Image.fromarray(np.ascontiguousarray(rgb), "RGB").quantize(
        colors=N_COLORS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    colors = np.asarray(quant.getpalette(), np.uint8).reshape(-1, 3)[:N_COLORS]
    palette = np.zeros((256, 3), np.uint8)
    palette[: len(colors)] = colors
    return np.asarray(quant), palette
