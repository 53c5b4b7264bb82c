"""Training movies: one frame per chosen step, written as GIF or MP4.

The default frames are `MovieFrame`s: the dashboard up to the frame's step, plus the
step, a marker through the time panels, and each tensor's distribution at that step.
The figure is built and drawn once; each frame adds its new steps to the image of the
previous one and draws the moment on top, read straight from the Agg buffer and
streamed to the encoder. A user figure function is called once per frame instead,
for full/sample-mode records. Which steps get a frame: `trainlab.viz.selection`.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from tqdm.auto import tqdm

from trainlab.atomic import atomic_open, atomic_path
from trainlab.errors import ConfigError
from trainlab.monitor.record import Record
from trainlab.viz.dashboard import BAND_ABOVE, check_record
from trainlab.viz.gif import GifStreamWriter, make_palette
from trainlab.viz.moment import MOVIE_DPI, MovieFrame
from trainlab.viz.selection import frame_steps, steps_comment

FigFun = Callable[[int, dict, dict, dict, list, list], Figure]
SUFFIXES = (".gif", ".mp4")  # the formats a movie can be written in
# progress=None shows a bar from this many frames on
PROGRESS_FROM = 200


def _default_frames(
    record: Record, steps: np.ndarray, **options
) -> tuple[Iterator[np.ndarray], np.ndarray]:
    """(frames, palette): frames are views of one reused buffer, valid until the next."""
    frame = MovieFrame(record, **options)
    palette = make_palette([frame.start()])
    return frame.frames(steps), palette


def _tensor_lists(record: Record) -> tuple[dict, dict, dict]:
    """The raw-tensor dicts a figure function reads; ConfigError for summary-only records."""
    tensors = record.tensors or {}
    missing = [k for k in ("weights", "net_values", "outputs") if k not in tensors]
    if missing:
        mode = record.meta.get("mode", "unknown")
        raise ConfigError(
            f"fig_fun needs raw tensors, but this record (mode {mode!r}) has none for "
            f"{missing}; record with Monitor(mode='full') or mode='sample', or pass "
            "fig_fun=None to draw the dashboard from the summaries"
        )
    return tensors["weights"], tensors["net_values"], tensors["outputs"]


def _user_frames(record: Record, fig_fun: FigFun, steps: np.ndarray) -> Iterator[np.ndarray]:
    """Call `fig_fun` once per chosen step; render, copy and close each figure."""
    weights, net_values, outputs = _tensor_lists(record)
    train = [float(v) for v in record.train_loss]
    val = [float(v) for v in record.val_loss]
    for i in (int(step) - 1 for step in steps):
        fig = fig_fun(
            i,
            {name: steps[: i + 2] for name, steps in weights.items()},
            {name: steps[: i + 1] for name, steps in net_values.items()},
            {name: steps[: i + 1] for name, steps in outputs.items()},
            train[: i + 1],
            val[: i + 1],
        )
        if not isinstance(fig, Figure):
            raise ConfigError(
                f"fig_fun returned {type(fig).__name__} for batch {i}; expected a "
                "matplotlib.figure.Figure"
            )
        try:
            canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else None
            canvas = canvas or FigureCanvasAgg(fig)
            canvas.draw()
            frame = np.array(canvas.buffer_rgba())  # copy: the figure is closed below
        finally:
            _close(fig)
        yield frame


def _close(fig: Figure) -> None:
    """Release a user figure, including pyplot's reference when pyplot made it."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)
    fig.clear()


def _check_path(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ConfigError(f"movie path {str(path)!r}: suffix {path.suffix!r}; expected {SUFFIXES}")
    if suffix == ".mp4":
        try:  # the mp4 extra; a GIF needs only Pillow
            import imageio  # noqa: F401
            import imageio_ffmpeg  # noqa: F401
        except ImportError as exc:
            raise ConfigError(
                f"movie path {str(path)!r}: writing MP4 needs imageio and imageio-ffmpeg; "
                "run `pip install 'trainlab[mp4]'`, or use .gif"
            ) from exc
    return suffix


def _write_gif(path: Path, frames: Iterable[np.ndarray], palette, fps: float, comment: str) -> int:
    with atomic_open(path, "wb") as f:
        writer = GifStreamWriter(f, palette, fps=fps, comment=comment)
        for frame in frames:
            writer.write(frame)
        writer.close()
    return writer.n_frames


def _write_mp4(path: Path, frames: Iterable[np.ndarray], fps: float, comment: str) -> int:
    """Encode `frames` as H.264 with `comment` as the ``comment`` tag; ffmpeg writes to a
    named temporary, renamed on success."""
    import imageio.v2 as imageio

    n = 0
    # ffmpeg picks the container from the name, so the temporary ends in .mp4;
    # yuv420p needs even sides: frames are padded, so no rescaling (block size 2).
    # closing(): imageio's own __exit__ skips close() on an error, which leaves
    # ffmpeg running, free to create the temporary after it was removed.
    with (
        atomic_path(path, suffix=".mp4") as tmp,
        contextlib.closing(
            imageio.get_writer(
                tmp,
                format="FFMPEG",
                fps=fps,
                macro_block_size=2,
                output_params=["-metadata", f"comment={comment}"],
            )  # fmt: skip
        ) as writer,
    ):
        for frame in frames:
            rgb = frame[..., :3]
            pad = ((0, rgb.shape[0] % 2), (0, rgb.shape[1] % 2), (0, 0))
            writer.append_data(np.pad(rgb, pad, mode="edge"))
            n += 1
    return n


def make_movie(
    record: Record,
    path: str | os.PathLike,
    fig_fun: FigFun | None = None,
    fps: float = 10,
    *,
    progress: bool | None = None,
    figsize: tuple[float, float] | None = None,
    dpi: float = MOVIE_DPI,
    band_above: int = BAND_ABOVE,
    title: str | None = None,
    every: int | None = None,
    frames: int | None = None,
    seconds: float | None = None,
    spacing: str = "even",
) -> Path:
    """Write a training movie of `record`; the suffix picks GIF or MP4.

    One frame per step up to MAX_FRAMES (300) steps, else 300 frames spread over the
    run (first and last step included); `every`, `frames` or `seconds` choose otherwise
    (see `frame_steps`). The file lists the steps its frames show (`movie_steps`).

    Args:
        record: the run's Record (at least one step).
        path: ``.gif`` (always available) or ``.mp4`` (needs ``trainlab[mp4]``);
            written atomically (temporary file, then rename).
        fig_fun: None draws `MovieFrame`s from the per-step summaries. Otherwise
            called once per frame with the 0-based step ``i`` as ``fig_fun(i, weights,
            net_values, outputs, train_losses, val_losses)``, and must return a Figure
            of the same pixel size each time; ``weights`` maps layer -> list of the
            i + 2 weight arrays so far (initial + after each batch),
            ``net_values``/``outputs`` map activation -> list of i + 1 arrays, the loss
            lists hold i + 1 floats (NaN where no validation loss was logged). Needs a
            record with raw tensors (Monitor mode ``full`` or ``sample``). Each figure
            is closed after use.
        fps: frames per second.
        progress: tqdm bar; None shows it from 200 frames on.
        figsize, band_above: frame size and style, as for `dashboard`.
        dpi: pixels per inch; default MOVIE_DPI (80: 1280 px wide).
        title: the run's name in each frame's header; default ``record.meta["run"]``.
        every: a frame every `every` steps (plus the first and last step).
        frames: at most this many frames (default 300).
        seconds: at most this long at `fps`.
        spacing: "even" or "log" (dense early) steps, for `frames` and `seconds`.

    Returns:
        The path written.

    Raises:
        RecordError: the record has no steps or inconsistent arrays.
        ConfigError: bad suffix, MP4 without ``trainlab[mp4]``, fps <= 0, a bad frame
            choice, or `fig_fun` on a record without raw tensors.
    """
    path = Path(path)
    suffix = _check_path(path)
    if not fps > 0:
        raise ConfigError(f"fps={fps}; expected a positive number of frames per second")
    n_steps = check_record(record)
    steps = frame_steps(n_steps, every=every, frames=frames, seconds=seconds, fps=fps,
                        spacing=spacing)  # fmt: skip
    if fig_fun is None:
        images, palette = _default_frames(
            record, steps, figsize=figsize, dpi=dpi, band_above=band_above, title=title
        )
    else:
        _tensor_lists(record)  # fail before creating any file
        images, palette = _user_frames(record, fig_fun, steps), None
    show = len(steps) >= PROGRESS_FROM if progress is None else progress
    images = tqdm(images, total=len(steps), desc=path.name, unit="frame", disable=not show)
    comment = steps_comment(steps, n_steps)
    if suffix == ".gif":
        _write_gif(path, images, palette, fps, comment)
    else:
        _write_mp4(path, images, fps, comment)
    return path


def _render_one(job: tuple) -> Path:
    """Worker: load the record if given a directory (raw tensors only for a fig_fun), render."""
    source, path, fig_fun, options = job
    if not isinstance(source, Record):
        source = Record.load(source, tensors=fig_fun is not None)
    return make_movie(source, path, fig_fun, progress=False, **options)


def render_movies(
    records_and_paths: Iterable[tuple[Record | str | os.PathLike, str | os.PathLike]],
    *,
    jobs: int | None = None,
    fig_fun: FigFun | None = None,
    progress: bool = True,
    **options,
) -> list[Path]:
    """Render one movie per (record or record directory, path) pair in parallel processes.

    Args:
        records_and_paths: pairs of a Record (or a directory saved by `Record.save`,
            cheaper to send to a worker) and the movie path.
        jobs: worker processes; None = all CPU cores, 1 = in this process.
        fig_fun: as for `make_movie`; workers are spawned fresh processes, so it must
            be a module-level function of an importable module (a script needs an
            ``if __name__ == "__main__":`` guard; a notebook cell's function fails).
        progress: one tqdm bar over the runs.
        **options: `fps`, `figsize`, `dpi`, `band_above`, `title`, `every`, `frames`,
            `seconds`, `spacing` for `make_movie`.

    Returns:
        The written paths, in input order.
    """
    items = [(src, Path(dst), fig_fun, options) for src, dst in records_and_paths]
    for _, dst, _, _ in items:
        _check_path(dst)
    jobs = (os.cpu_count() or 1) if jobs is None else jobs
    if jobs < 1:
        raise ConfigError(f"jobs={jobs}; expected at least 1 worker process")
    bar = tqdm(total=len(items), desc="movies", unit="run", disable=not progress)
    results: list[Path] = []
    try:
        if jobs == 1 or len(items) <= 1:
            for item in items:
                results.append(_render_one(item))
                bar.update()
        else:
            # spawn, not fork: a forked child inherits torch's thread pools and
            # matplotlib state mid-use, and can deadlock
            spawn = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=min(jobs, len(items)), mp_context=spawn) as pool:
                for out in pool.map(_render_one, items):
                    results.append(out)
                    bar.update()
    finally:
        bar.close()
    return results


__all__ = ["make_movie", "render_movies"]
