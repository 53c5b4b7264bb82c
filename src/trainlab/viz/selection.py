"""Which steps a movie shows, and how a movie file says which it showed.

A run of up to MAX_FRAMES steps gets one frame per step. A longer run gets MAX_FRAMES
frames at evenly spaced steps (``spacing="log"``: log-spaced, dense early where
training changes fastest), always the first and the last step. ``every``, ``frames``
or ``seconds`` choose otherwise. The chosen steps are written into the movie as JSON
``{"steps": [...], "n_steps": N}``: a GIF comment extension, or the MP4 ``comment``
tag; `movie_steps` reads them back.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

from trainlab.errors import ConfigError, RecordError

# 30 s at the default 10 fps. One epoch of CIFAR-10 at batch 32 is 1,563 steps, which
# played for 2.6 minutes at one frame per step.
MAX_FRAMES = 300
SPACINGS = ("even", "log")


def frame_steps(
    n_steps: int,
    *,
    every: int | None = None,
    frames: int | None = None,
    seconds: float | None = None,
    fps: float = 10,
    spacing: str = "even",
) -> np.ndarray:
    """The 1-based steps a movie of a `n_steps`-step record shows, ascending.

    Args:
        n_steps: steps in the record (at least 1).
        every: every `every`-th step, plus the first and the last.
        frames: at most this many frames (default MAX_FRAMES): every step when the run
            is that short, else `frames` steps spread by `spacing`. Log spacing merges
            the first positions, which round to the same step, so it may give fewer.
        seconds: at most this long at `fps`: ``frames = round(seconds * fps)``.
        fps: frames per second, for `seconds`.
        spacing: "even" or "log", for `frames` and `seconds`.

    Raises:
        ConfigError: more than one of every/frames/seconds, a value out of range, or
            `spacing` given with `every`.
    """
    given = [name for name, v in (("every", every), ("frames", frames), ("seconds", seconds))
             if v is not None]  # fmt: skip
    if len(given) > 1:
        raise ConfigError(f"movie: give one of every, frames, seconds; got {', '.join(given)}")
    if spacing not in SPACINGS:
        raise ConfigError(f"movie: spacing={spacing!r}; expected one of {SPACINGS}")
    if n_steps < 1:
        raise ConfigError(f"movie: a record of {n_steps} steps has nothing to show")
    if every is not None:
        if int(every) != every or every < 1:
            raise ConfigError(f"movie: every={every!r}; expected a whole number >= 1")
        if spacing != "even":
            raise ConfigError("movie: spacing applies to frames and seconds, not to every")
        return np.unique(np.r_[1, np.arange(every, n_steps + 1, int(every)), n_steps])
    if seconds is not None:
        if not seconds > 0:
            raise ConfigError(f"movie: seconds={seconds!r}; expected a positive duration")
        frames = max(1, round(seconds * fps))
    frames = MAX_FRAMES if frames is None else frames
    if int(frames) != frames or frames < 1:
        raise ConfigError(f"movie: frames={frames!r}; expected a whole number >= 1")
    if frames >= n_steps:
        return np.arange(1, n_steps + 1)
    if frames == 1:
        return np.array([n_steps])  # the final state
    spread = np.linspace if spacing == "even" else np.geomspace
    # floor(x + 0.5), not np.round (half to even): positions >= 1 apart stay distinct
    return np.unique(np.floor(spread(1, n_steps, int(frames)) + 0.5).astype(np.int64))


def steps_comment(steps: np.ndarray, n_steps: int) -> str:
    """The JSON a movie file carries to say which steps its frames show."""
    return json.dumps({"steps": [int(s) for s in steps], "n_steps": int(n_steps)})


def movie_steps(path: str | os.PathLike) -> list[int]:
    """The steps shown by the frames of a movie written by `make_movie`, in order.

    Raises:
        RecordError: the file carries no step list (not written by trainlab).
    """
    path = Path(path)
    if path.suffix.lower() == ".gif":
        with Image.open(path) as image:
            text = image.info.get("comment", b"").decode("utf-8", "replace")
    else:
        text = _mp4_comment(path)
    try:
        return [int(s) for s in json.loads(text)["steps"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise RecordError(f"{path}: no trainlab step list in the movie's metadata") from exc


def _mp4_comment(path: Path) -> str:
    """The MP4's ``comment`` tag, read with imageio-ffmpeg's ffmpeg binary."""
    try:
        import imageio_ffmpeg
    except ImportError as exc:
        raise ConfigError(
            f"{path}: reading an MP4's steps needs imageio-ffmpeg; run "
            "`pip install 'trainlab[mp4]'`"
        ) from exc

    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        if line.startswith("comment="):
            # ffmetadata escapes '=', ';', '#', '\\' and newlines with a backslash
            return line.removeprefix("comment=").replace("\\", "")
    return ""
