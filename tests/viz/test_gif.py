"""The streaming GIF writer decodes back to the exact frames it was given."""

import io

import numpy as np
from PIL import Image, ImageSequence

from trainlab.viz.gif import GifStreamWriter, make_palette


def _frames(n=6, seed=0):
    """Frames drawn from 5 colours where each frame repaints a random rectangle."""
    rng = np.random.default_rng(seed)
    colours = np.array([[255, 255, 255], [31, 119, 180], [255, 127, 14], [0, 0, 0], [214, 39, 40]])
    frame = np.full((40, 60, 3), 255, np.uint8)
    out = []
    for _ in range(n):
        y, x = rng.integers(0, 30), rng.integers(0, 50)
        frame[y : y + 10, x : x + 10] = colours[rng.integers(1, 5)]
        out.append(frame.copy())
    out.append(frame.copy())  # an unchanged frame must still count
    return out


def _decode(data: bytes) -> list[np.ndarray]:
    with Image.open(io.BytesIO(data)) as im:
        return [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]


def _write(frames, palette) -> bytes:
    buffer = io.BytesIO()
    writer = GifStreamWriter(buffer, palette, fps=20)
    for frame in frames:
        writer.write(frame)
    writer.close()
    return buffer.getvalue()


def test_fixed_palette_round_trips_exactly():
    frames = _frames()
    decoded = _decode(_write(frames, make_palette([frames[-1]])))
    assert len(decoded) == len(frames)
    for got, want in zip(decoded, frames, strict=True):
        np.testing.assert_array_equal(got, want)


def test_per_frame_palettes_round_trip_exactly():
    frames = _frames(seed=3)
    decoded = _decode(_write(frames, None))
    for got, want in zip(decoded, frames, strict=True):
        np.testing.assert_array_equal(got, want)


def test_frame_delay_follows_fps():
    data = _write(_frames(2), None)
    with Image.open(io.BytesIO(data)) as im:
        assert im.info["duration"] == 50  # 20 fps
        assert im.info["loop"] == 0


def test_a_comment_is_written_before_the_first_frame_and_read_back():
    buffer = io.BytesIO()
    comment = '{"steps": [1, 5, 9], "n_steps": 9}' * 20  # longer than one 255-byte sub-block
    writer = GifStreamWriter(buffer, None, fps=10, comment=comment)
    for frame in _frames(2):
        writer.write(frame)
    writer.close()
    with Image.open(io.BytesIO(buffer.getvalue())) as im:
        assert im.info["comment"].decode() == comment
    assert len(_decode(buffer.getvalue())) == 3
