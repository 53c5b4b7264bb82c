"""History views: per-run loss/accuracy grids and learning curves over a hyperparameter.

Inputs are pandas DataFrames: per-epoch histories with the columns of
``History.to_frame()`` (epoch, train_loss, train_acc, val_loss, val_acc, ...),
and results tables with one row per run. Wherever a configuration has several seeds,
a line is their mean with the 95% t-interval of that mean as a band; accuracy axes
are scaled to the data (0.84 vs 0.86 must not be flattened by a 0-1 axis).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from scipy import stats

from trainlab.errors import ConfigError
from trainlab.stats import t_interval
from trainlab.viz.smoothing import EMA_NAME, ema

# (title, columns) per panel of one run in a history grid
HISTORY_PANELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("loss", ("train_loss", "val_loss")),
    ("accuracy", ("train_acc", "val_acc")),
)
_PREFIX_LABELS = {"train": "train", "val": "validation", "test": "test"}

StarEpoch = int | str | Mapping[str, int | Sequence[int]] | Callable[[pd.DataFrame], int] | None
# A cell's curves: one run's frame, or the frames of a configuration's seeds
Curves = pd.DataFrame | Sequence[pd.DataFrame]
Layout = Mapping[str, Curves] | Sequence[Sequence[tuple[str, Curves] | None]]
# Per batch, the y axis is scaled to the steps after the first 5 %: the loss of the first
# steps (2.3 to 3.5 on a 10-class problem) would squash the range the runs differ in.
SKIP_FIRST = 0.05


def best_epoch(frame: pd.DataFrame, column: str = "val_loss") -> int:
    """The epoch with the lowest `column` (first one on ties)."""
    values = frame[column].to_numpy(float)
    if not np.isfinite(values).any():
        raise ConfigError(f"best epoch: column {column!r} has no finite values")
    return int(frame["epoch"].iloc[int(np.nanargmin(values))])


def _star(star_epoch: StarEpoch, label: str, frame: pd.DataFrame) -> list[int]:
    """The epochs to mark in a cell (one per seed for a mapping to a list)."""
    if star_epoch is None:
        return []
    if star_epoch == "best":
        return [best_epoch(frame)]
    if callable(star_epoch):
        return [int(star_epoch(frame))]
    if isinstance(star_epoch, Mapping):
        found = star_epoch.get(label)
        if found is None:
            return []
        return [int(e) for e in found] if isinstance(found, Sequence) else [int(found)]
    if isinstance(star_epoch, int | np.integer):
        return [int(star_epoch)]
    raise ConfigError(
        f"star_epoch={star_epoch!r}; expected None, 'best', an epoch, a dict label -> "
        "epoch, or a function frame -> epoch"
    )


def _cells(frames: Layout, rows: int | None, cols: int | None) -> list[list]:
    """Normalise a dict (filled row by row) or a 2-D layout to rows of (label, frame) | None."""
    if isinstance(frames, Mapping):
        items = list(frames.items())
        if not items:
            raise ConfigError("history_grid: no histories given")
        if cols is None:
            cols = 1 if rows is None else -(-len(items) // rows)
        if rows is None:
            rows = -(-len(items) // cols)
        if rows * cols < len(items):
            raise ConfigError(
                f"history_grid: {len(items)} runs do not fit rows={rows} x cols={cols}"
            )
        items += [None] * (rows * cols - len(items))
        return [items[r * cols : (r + 1) * cols] for r in range(rows)]
    layout = [list(row) for row in frames]
    if not layout or not any(cell for row in layout for cell in row):
        raise ConfigError("history_grid: the layout holds no histories")
    width = max(len(row) for row in layout)
    return [row + [None] * (width - len(row)) for row in layout]


def history_grid(
    frames: Layout,
    rows: int | None = None,
    cols: int | None = None,
    *,
    star_epoch: StarEpoch = None,
    panels: Sequence[tuple[str, Sequence[str]]] = HISTORY_PANELS,
    x: str = "epoch",
) -> Figure:
    """A grid of runs or configurations, each with a loss and an accuracy panel.

    Train curves are dashed, validation (and test) curves solid. Panels of one kind in
    one grid row share their y axis, so the cells of a row compare at a glance.

    Args:
        frames: label -> per-epoch DataFrame (one run) or list of DataFrames (the seeds
            of one configuration: drawn as their mean with the 95% t-interval of the mean
            as a band), laid out row by row in rows x cols (default one per row), or a
            2-D list of (label, frame(s)) or None cells.
        rows, cols: grid size for a dict of frames.
        star_epoch: mark epochs with a black star (legend: "kept epoch"): an epoch
            number, "best" (lowest val_loss), label -> epoch or list of epochs (one per
            seed, marked on the mean), or a function frame -> epoch.
        panels: (title, columns) per panel of a run; missing columns are skipped.
        x: the x column. With ``x="step"`` (per-batch frames) a run's train column is
            drawn as its moving average (EMA 0.9) over the faint raw per-batch values; a
            configuration's columns are each seed's moving average, then their mean;
            the y axis leaves out the first 5 % of the steps.

    Returns:
        The Figure: each cell's label titles its first panel; the first cell's panels
        carry the legends, the bottom row the x labels.
    """
    cells = _cells(frames, rows, cols)
    n_rows, n_cols = len(cells), len(cells[0])
    n_panels = len(panels)
    fig = Figure(figsize=(3.6 * n_cols * n_panels, 2.8 * n_rows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(n_rows, n_cols * n_panels, squeeze=False, sharex="col")
    first = next(
        (r, c) for r, row in enumerate(cells) for c, cell in enumerate(row) if cell is not None
    )
    last_row = _bottom_rows(cells)
    for r, row in enumerate(cells):
        for p in range(n_panels):
            drawn = []
            for c, cell in enumerate(row):
                ax = axes[r, c * n_panels + p]
                if cell is None:
                    ax.set_axis_off()
                    continue
                label, curves = cell
                seeds = [curves] if isinstance(curves, pd.DataFrame) else list(curves)
                if not seeds:
                    raise ConfigError(f"history_grid: no histories for {label!r}")
                _draw_run(ax, seeds, panels[p], x=x, stars=_star(star_epoch, label, seeds[0]),
                          legend=(r, c) == first, xlabel=r == last_row[c])  # fmt: skip
                if p == 0:  # one title per run, over its panels
                    ax.set_title(label, loc="left", fontsize="medium")
                drawn.append(ax)
            _share_y(drawn, skip_first=x == "step")
    return fig


def _bottom_rows(cells: list[list]) -> dict[int, int]:
    """Per grid column, the last row with a run in it: where its x label goes."""
    bottom = {}
    for r, row in enumerate(cells):
        for c, cell in enumerate(row):
            if cell is not None:
                bottom[c] = r
    return bottom


def _share_y(axes: list, *, skip_first: bool = False) -> None:
    """One y axis for `axes` (one panel kind of one grid row), scaled to all their data
    (with `skip_first`, to the data after the first SKIP_FIRST of the x range)."""
    for ax in axes[1:]:
        ax.sharey(axes[0])
    if not axes or not axes[0].get_autoscaley_on():
        return
    axes[0].autoscale_view(scalex=False)
    if skip_first:
        low, high = _later_range(axes)
        if np.isfinite(low) and high > low:
            pad = 0.08 * (high - low)
            axes[0].set_ylim(low - pad, high + pad)


def _later_range(axes: list) -> tuple[float, float]:
    """The y range of the lines and bands of `axes` past the first SKIP_FIRST of x."""
    values = []
    for ax in axes:
        for line in ax.get_lines():
            xs, ys = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
            if xs.size and line.get_alpha() is None:  # faint raw batches do not set the range
                values.append(ys[xs >= xs.min() + SKIP_FIRST * np.ptp(xs)])
        for band in ax.collections:
            for path in band.get_paths():
                xy = path.vertices
                values.append(xy[xy[:, 0] >= xy[:, 0].min() + SKIP_FIRST * np.ptp(xy[:, 0]), 1])
    joined = np.concatenate(values) if values else np.zeros(0)
    joined = joined[np.isfinite(joined)]
    return (float(joined.min()), float(joined.max())) if joined.size else (np.nan, np.nan)


def _draw_run(
    ax,
    frames: list[pd.DataFrame],
    panel,
    *,
    x: str,
    stars: list[int],
    legend: bool,
    xlabel: bool,
) -> None:
    """One panel of one cell: a run's curves, or the mean and band of a configuration's."""
    name, columns = panel
    for frame in frames:
        if x not in frame.columns:
            raise ConfigError(f"history frame has no {x!r} column; columns: {list(frame.columns)}")
    present = [col for col in columns if any(col in f.columns for f in frames)]
    if not present:
        raise ConfigError(
            f"history frame has none of {list(columns)} for the {name} panel; "
            f"columns: {list(frames[0].columns)}"
        )
    for i, col in enumerate(present):
        train = col.startswith("train")
        color = f"C{i}"
        label = _label(col)
        if len(frames) == 1:
            frame = frames[0]
            xs, ys = frame[x].to_numpy(), frame[col].to_numpy(float)
            if train and x == "step":  # per batch: the trend over the faint raw values
                ax.plot(xs, ys, "-", color=color, lw=0.7, alpha=0.35,
                        label=f"{label}, per batch")  # fmt: skip
                ys, label = ema(ys), f"{label} ({EMA_NAME})"
        else:
            smooth = x == "step"  # per batch: each seed's moving average, then the mean
            xs, ys, low, high = _seed_band(frames, x, col, smooth=smooth)
            if smooth:
                label = f"{label} ({EMA_NAME})"
            if np.isfinite(low).any():
                ax.fill_between(xs, low, high, color=color, alpha=0.18, lw=0)
        finite = np.isfinite(ys)  # a validation loss logged every k steps: join its points
        ax.plot(xs[finite], ys[finite], "--" if train else "-", color=color, label=label)
        for k, star in enumerate(stars):
            hit = np.flatnonzero(xs == star)
            if hit.size == 0:
                raise ConfigError(
                    f"star epoch {star} is not in the history ({x} {xs.min()}..{xs.max()})"
                )
            ax.plot([star], [ys[hit[0]]], marker="*", ms=11, color="black", ls="",
                    label="kept epoch" if i == 0 and k == 0 else None)  # fmt: skip
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs and steps are whole
    if xlabel:
        ax.set_xlabel(x)
    ax.set_ylabel(name)
    if legend:  # the first run's panels carry the key for all
        ax.legend(fontsize="small")
    ax.grid(alpha=0.3)


def _seed_band(
    frames: Sequence[pd.DataFrame], x: str, column: str, *, smooth: bool
) -> tuple[np.ndarray, ...]:
    """x values and the mean over `frames` (seeds) of `column` with its 95% t-interval
    (NaN where fewer than two seeds have a value); with `smooth`, each seed's EMA first."""
    series = []
    for frame in frames:
        if column not in frame.columns:
            continue
        values = frame[column].to_numpy(float)
        series.append(pd.Series(ema(values) if smooth else values, index=frame[x].to_numpy()))
    values = pd.concat(series, axis=1).sort_index()
    low, mean, high = _t_band(values.to_numpy(float))
    return values.index.to_numpy(float), mean, low, high


def _t_band(values: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, ...]:
    """Row-wise `t_interval` of (rows, seeds) values over their finite entries: (low, mean,
    high), the interval NaN where a row has fewer than two values."""
    finite = np.isfinite(values)
    n = finite.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(finite, values, 0.0).sum(axis=1) / n
        square = np.where(finite, (values - mean[:, None]) ** 2, 0.0).sum(axis=1)
        sd = np.sqrt(square / (n - 1))
        half = stats.t.ppf((1 + confidence) / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    half = np.where(n >= 2, half, np.nan)
    return mean - half, mean, mean + half


def _label(column: str) -> str:
    prefix, _, rest = column.partition("_")
    return f"{_PREFIX_LABELS.get(prefix, prefix)} {rest.replace('acc', 'accuracy')}".strip()


def learning_curve(
    table: pd.DataFrame,
    param: str,
    metrics: Sequence[str] = ("train", "val"),
    *,
    stats: Sequence[str] = ("loss", "acc"),
    log_x: bool = False,
    by: Sequence[str] = (),
) -> Figure:
    """Metrics against one hyperparameter: one panel per statistic, mean over seeds.

    Args:
        table: one row per run with a `param` column and ``<metric>_<stat>`` columns
            (e.g. val_loss); rows sharing a `param` value (replicates) are averaged and,
            with two or more, drawn with their 95% t-interval as a band.
        param: the hyperparameter column on the x axis.
        metrics: column prefixes drawn as lines ("train", "val", "test").
        stats: column suffixes, one panel each ("loss", "acc").
        log_x: logarithmic x axis; a zero value (e.g. no weight decay) switches to
            a symmetric-log axis that is linear below the smallest positive value.
        by: other axes of the same sub-grid: one line per combination of their levels
            (a curve never averages over a factor, e.g. Adam and AdamW apart).
    """
    if param not in table.columns:
        raise ConfigError(f"learning_curve: no column {param!r}; columns: {list(table.columns)}")
    panels = [(s, [f"{m}_{s}" for m in metrics if f"{m}_{s}" in table.columns]) for s in stats]
    panels = [(s, cols) for s, cols in panels if cols]
    if not panels:
        wanted = [f"{m}_{s}" for s in stats for m in metrics]
        raise ConfigError(f"learning_curve: none of {wanted} in columns {list(table.columns)}")
    groups = list(table.groupby(list(by), sort=False)) if by else [((), table)]
    fig = Figure(figsize=(4.8 * len(panels), 3.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    xs_all = table[param].to_numpy(float)
    colors = [f"C{i}" for i in range(10)]
    for ax, (stat, cols) in zip(axes, panels, strict=True):
        for g, (key, group) in enumerate(groups):
            suffix = _group_label(by, key)
            for c, col in enumerate(cols):
                xs, mean, low, high = _mean_band(group, param, col)
                style = "--" if col.startswith("train") else "-"
                # one colour per group (e.g. per optimizer) when there are groups, else per line
                color = colors[(g if by else c) % len(colors)]
                ax.plot(xs, mean, style, marker=".", color=color, label=f"{_label(col)}{suffix}")
                if np.isfinite(low).any():
                    ax.fill_between(xs, low, high, color=color, alpha=0.12)
        _scale_x(ax, xs_all, param, log_x)
        ax.set_xlabel(param)
        name = stat.replace("acc", "accuracy")
        ax.set_ylabel(name)
        ax.set_title(f"{name} vs {param}")
        ax.legend(fontsize="small")
        ax.grid(alpha=0.3)
    n_seeds = table.groupby(param).size().max()
    fig.suptitle(
        f"Kept model's {', '.join(metrics)} metrics; lines: mean over seeds"
        + (", bands: 95% t-interval" if n_seeds > 1 else " (one seed each)"),
        fontsize=9,
    )
    return fig


def _mean_band(group: pd.DataFrame, param: str, col: str) -> tuple[np.ndarray, ...]:
    """x values and the mean with its 95% t-interval (NaN for one replicate) of `col`."""
    rows = []
    for x, values in group.groupby(param, sort=True)[col]:
        est = t_interval(values.to_numpy(float)[np.isfinite(values.to_numpy(float))])
        rows.append((float(x), est.mean, est.low, est.high))
    return tuple(np.array(column, float) for column in zip(*rows, strict=True))


def _group_label(by: Sequence[str], key) -> str:
    if not by:
        return ""
    values = key if isinstance(key, tuple) else (key,)
    return " (" + ", ".join(f"{a}={v}" for a, v in zip(by, values, strict=True)) + ")"


def _scale_x(ax, xs: np.ndarray, param: str, log_x: bool) -> None:
    if not log_x:
        return
    positive = xs[xs > 0]
    if positive.size == len(xs):
        ax.set_xscale("log")
    elif positive.size and (xs >= 0).all():
        ax.set_xscale("symlog", linthresh=float(positive.min()))
    else:
        raise ConfigError(f"learning_curve: log_x needs {param} >= 0; got {sorted(set(xs))}")


def epoch_curves(
    panels: Mapping[str, Mapping[str, Sequence[pd.DataFrame]]],
    metrics: Sequence[str],
    *,
    title: str,
    log_y: bool = False,
) -> Figure:
    """Per-epoch curves to compare runs: one panel per key of `panels`, one line per key of
    each panel's mapping and per metric.

    Each line is the mean over its frames (the replicates: per-epoch History frames) at
    every epoch any of them reached, with its 95% t-interval as a band where two or
    more frames have the epoch.
    """
    if not panels:
        raise ConfigError("epoch_curves: no runs to draw")
    fig = Figure(figsize=(min(5.0 * len(panels), 16.0), 3.8), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(panels), squeeze=False, sharey=True)[0]
    for ax, (panel, lines) in zip(axes, panels.items(), strict=True):
        for line, frames in lines.items():
            for metric in metrics:
                epochs, mean, low, high = _epoch_band(frames, metric)
                style = "--" if metric.startswith("train") else "-"
                label = f"{line}: {_label(metric)}" if len(metrics) > 1 else line
                drawn = ax.plot(epochs, mean, style, label=label)[0]
                if np.isfinite(low).any():
                    ax.fill_between(epochs, low, high, color=drawn.get_color(), alpha=0.15)
        if log_y:
            ax.set_yscale("log")
        ax.set_title(panel, fontsize=10)
        ax.set_xlabel("epoch")
        ax.legend(fontsize="small")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(", ".join(_label(m) for m in metrics))
    n_max = max(len(frames) for lines in panels.values() for frames in lines.values())
    fig.suptitle(title + (" (mean over seeds, 95% bands)" if n_max > 1 else ""), fontsize=10)
    return fig


def _epoch_band(frames: Sequence[pd.DataFrame], metric: str) -> tuple[np.ndarray, ...]:
    stacked = pd.concat([f[["epoch", metric]] for f in frames if metric in f], ignore_index=True)
    rows = []
    for epoch, values in stacked.groupby("epoch", sort=True)[metric]:
        finite = values.to_numpy(float)
        est = t_interval(finite[np.isfinite(finite)])
        rows.append((float(epoch), est.mean, est.low, est.high))
    if not rows:
        raise ConfigError(f"epoch_curves: no run has a {metric!r} column")
    return tuple(np.array(column, float) for column in zip(*rows, strict=True))


# Each output statistic of `PhaseStats`, in column order, with its panel title.
_OUTPUT_TITLES = {"mean": "output mean", "mean_abs": "output mean |x|", "std": "output std"}


class PhaseHistory(Protocol):
    """What the output figure reads of a `trainlab.train.History`."""

    def output_stats(self) -> dict[str, dict[str, dict[str, list[float]]]]: ...
    def metric(self, name: str) -> list[float]: ...


_PHASE_STYLE = {"train": ("--", "C0", "training mode"), "eval": ("-", "C3", "evaluation mode")}


def output_stats_figure(history: PhaseHistory, *, title: str | None = None) -> Figure:
    """Each layer's output mean, mean |x| and std per epoch, in training mode (dashed) and
    evaluation mode (solid), from a History that `PhaseStats` filled: one row per layer.

    Dropout shows as a gap in mean |x| and std between the modes (training mode zeroes a
    share p of the outputs and scales the rest by 1/(1-p)); batch norm as a gap in the
    following layers (batch statistics against running ones).

    Raises:
        ConfigError: the History has no output statistics.
    """
    stats = history.output_stats()
    if not stats:
        raise ConfigError(
            "output_stats_figure: the history has no layer output statistics; train with "
            "fit(..., callbacks=[PhaseStats()])"
        )
    epochs = history.metric("epoch")
    fig = Figure(figsize=(10.5, 0.6 + 1.7 * len(stats)), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(stats), len(_OUTPUT_TITLES), squeeze=False, sharex=True)
    for row, (layer, per_stat) in enumerate(stats.items()):
        for col, stat in enumerate(_OUTPUT_TITLES):
            ax = axes[row, col]
            for phase, values in per_stat.get(stat, {}).items():
                style, color, label = _PHASE_STYLE[phase]
                ax.plot(epochs, values, style, color=color, marker=".", label=label)
            if row == 0:
                ax.set_title(_OUTPUT_TITLES[stat], fontsize=10)
            if col == 0:
                ax.set_ylabel(layer, fontsize=9)
            if row == len(stats) - 1:
                ax.set_xlabel("epoch")
            ax.tick_params(labelsize=8)
            ax.grid(alpha=0.3)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper right", ncols=2, fontsize="small",
               frameon=False)  # fmt: skip
    fig.suptitle(title or "Layer outputs per epoch, training vs evaluation mode", fontsize=11,
                 x=0.02, ha="left")  # fmt: skip
    return fig
