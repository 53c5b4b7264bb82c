"""Training movies: one frame per processed batch, written as GIF or MP4.

The default frames are the dashboard: the figure is built and drawn once, then
frame t is frame t - 1 with batch t's boxes and loss segment drawn on top, read
straight from the Agg buffer and streamed to the encoder. A user figure
function is called once per frame instead, for full/sample-mode records.
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
from trainlab.viz.dashboard import BAND_ABOVE, Dashboard, check_record
from trainlab.viz.gif import GifStreamWriter, make_palette

FigFun = Callable[[int, dict, dict, dict, list, list], Figure]
SUFFIXES = (".gif", ".mp4")  # the formats a movie can be written in
# progress=None shows a bar from this many frames on
PROGRESS_FROM = 200


def _dashboard_frames(
    record: Record, *, figsize, dpi: float, band_above: int, title: str | None = None
) -> tuple[Iterator[np.ndarray], np.ndarray]:
    """(frames, palette): frames are views of one reused buffer, valid until the next."""
    dash = Dashboard(record, figsize=figsize, dpi=dpi, band_above=band_above, title=title)
    canvas = dash.canvas
    dash.show_upto(0)  # empty data: draws axes, labels, legend only
    canvas.draw()
    background = canvas.copy_from_bbox(dash.figure.bbox)
    dash.show_upto(dash.steps)
    dash.draw_shown()
    palette = make_palette([np.asarray(canvas.buffer_rgba())])
    canvas.restore_region(background)

    def frames() -> Iterator[np.ndarray]:
        for t in range(1, dash.steps + 1):
            dash.show_new(t)
            dash.draw_shown()
            yield np.asarray(canvas.buffer_rgba())

    return frames(), palette


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


def _user_frames(record: Record, fig_fun: FigFun) -> Iterator[np.ndarray]:
    """Call `fig_fun` once per batch; render, copy and close each figure."""
    weights, net_values, outputs = _tensor_lists(record)
    train = [float(v) for v in record.train_loss]
    val = [float(v) for v in record.val_loss]
    for i in range(record.n_steps):
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
        try:
            import imageio_ffmpeg  # noqa: F401
        except ImportError as exc:
            raise ConfigError(
                f"movie path {str(path)!r}: writing MP4 needs imageio-ffmpeg; "
                "run `pip install imageio-ffmpeg` (or `pip install trainlab[mp4]`), or use .gif"
            ) from exc
    return suffix


def _write_gif(path: Path, frames: Iterable[np.ndarray], palette, fps: float) -> int:
    with atomic_open(path, "wb") as f:
        writer = GifStreamWriter(f, palette, fps=fps)
        for frame in frames:
            writer.write(frame)
        writer.close()
    return writer.n_frames


def _write_mp4(path: Path, frames: Iterable[np.ndarray], fps: float) -> int:
    """Encode `frames` as H.264; ffmpeg writes to a named temporary, renamed on success."""
    import imageio.v2 as imageio

    n = 0
    # ffmpeg picks the container from the name, so the temporary ends in .mp4;
    # yuv420p needs even sides: frames are padded, so no rescaling (block size 2).
    # closing(): imageio's own __exit__ skips close() on an error, which leaves
    # ffmpeg running, free to create the temporary after it was removed.
    with (
        atomic_path(path, suffix=".mp4") as tmp,
        contextlib.closing(
            imageio.get_writer(tmp, format="FFMPEG", fps=fps, macro_block_size=2)
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
    dpi: float = 100,
    band_above: int = BAND_ABOVE,
    title: str | None = None,
) -> Path:
    """Write a movie with one frame per batch of `record`; the suffix picks GIF or MP4.

    Args:
        record: the run's Record (at least one step).
        path: ``.gif`` (always available) or ``.mp4`` (needs imageio-ffmpeg);
            written atomically (temporary file, then rename).
        fig_fun: None animates the dashboard from the per-step summaries. Otherwise
            called once per batch ``i`` (0-based) as ``fig_fun(i, weights, net_values,
            outputs, train_losses, val_losses)`` and must return a Figure of the same
            pixel size each time; ``weights`` maps layer -> list of the i + 2 weight
            arrays so far (initial + after each batch), ``net_values``/``outputs`` map
            activation -> list of i + 1 arrays, the loss lists hold i + 1 floats (NaN
            where no validation loss was logged). Needs a record with raw tensors
            (Monitor mode ``full`` or ``sample``). Each figure is closed after use.
        fps: frames per second.
        progress: tqdm bar; None shows it from 200 frames on.
        figsize, dpi, band_above, title: dashboard size and style, as for `dashboard`.

    Returns:
        The path written.

    Raises:
        RecordError: the record has no steps or inconsistent summaries.
        ConfigError: bad suffix, MP4 without imageio-ffmpeg, fps <= 0, or `fig_fun`
            on a record without raw tensors.
    """
    path = Path(path)
    suffix = _check_path(path)
    if not fps > 0:
        raise ConfigError(f"fps={fps}; expected a positive number of frames per second")
    steps = check_record(record)
    if fig_fun is None:
        frames, palette = _dashboard_frames(
            record, figsize=figsize, dpi=dpi, band_above=band_above, title=title
        )
    else:
        _tensor_lists(record)  # fail before creating any file
        frames, palette = _user_frames(record, fig_fun), None
    show = steps >= PROGRESS_FROM if progress is None else progress
    frames = tqdm(frames, total=steps, desc=path.name, unit="frame", disable=not show)
    if suffix == ".gif":
        _write_gif(path, frames, palette, fps)
    else:
        _write_mp4(path, frames, fps)
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
        **options: `fps`, `figsize`, `dpi`, `band_above` for `make_movie`.

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
